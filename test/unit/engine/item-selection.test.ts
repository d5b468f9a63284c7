import { expect } from 'chai';
import {
  asItemId,
  asSkillId,
  createEngineConfig,
  createLearnerState,
  createRng,
  predictCorrect,
  recordResponse,
  selectNextItem,
  seedFrom,
  type Assignment,
  type LearnerState,
  type Selection,
} from '../../../src/engine/index.js';
import { deepFreeze, makePool } from './helpers.js';
import { missesInARow } from '../../../src/engine/item-selection.js';
import { skillOf } from './helpers.js';

const NOW = new Date('2026-03-01T09:00:00Z');
const DAY = 86_400_000;
const config = createEngineConfig({ selection: { exploreRate: 0 } });
const A = asSkillId('A');
const B = asSkillId('B');
const C = asSkillId('C');

const assignment: Assignment = {
  skills: [A, B, C],
  items: makePool(['A', 'B', 'C', 'Z'], 12),
  prerequisites: { C: [A] },
  skillNames: { A: 'fractions', B: 'decimals', C: 'ratios' },
};

/** Masters skill `skill` by test-out (3 first correct). */
function master(state: LearnerState, skill: string, at = NOW): LearnerState {
  let s = state;
  for (let i = 0; i < 3; i++) {
    const item = assignment.items.find((it) => it.skillId === skill && it.itemId.endsWith(`-${i}`));
    if (item === undefined) throw new Error('no item');
    s = recordResponse(
      s,
      { item: { ...item, skillStats: { n: 360, correct: 220 } }, correct: true },
      config,
      at,
    ).state;
  }
  return s;
}

const itemOf = (sel: Selection) => {
  if (sel.kind !== 'item') throw new Error(`expected an item, got done: ${sel.reason.why}`);
  return sel;
};

describe('engine item selection', () => {
  it('never returns an item outside the pool, of another skill or of a blocked skill (500 seeds)', () => {
    const poolIds = new Set(assignment.items.map((i) => i.itemId));
    const rng = createRng(3);
    let state = createLearnerState();
    for (let seed = 0; seed < 500; seed++) {
      const sel = itemOf(selectNextItem({ learner: state, assignment, config, now: NOW, seed }));
      expect(poolIds.has(sel.itemId)).to.equal(true);
      expect(['A', 'B', 'C']).to.include(sel.skillId);
      // C needs A: mastered, or probably known (prerequisiteReady).
      const a = skillOf(state, 'A');
      if (!a.mastered && !(a.n > 0 && a.mastery >= config.selection.prerequisiteReady))
        expect(sel.skillId).to.not.equal('C');
      expect(sel.reason.blockedSkills.includes(sel.skillId)).to.equal(false);
      const item = assignment.items.find((i) => i.itemId === sel.itemId);
      if (item === undefined) throw new Error('missing');
      state = recordResponse(
        state,
        { item: { ...item, skillStats: { n: 360, correct: 220 } }, correct: rng() < 0.7 },
        config,
        NOW,
      ).state;
      if (state.skills.filter((s) => s.mastered).length === 3) break;
    }
  });

  it('same seed, same choice; inputs are not mutated', () => {
    const learner = deepFreeze(createLearnerState());
    const frozen = deepFreeze(assignment);
    const explore = createEngineConfig({ selection: { exploreRate: 0.5 } });
    for (let k = 0; k < 20; k++) {
      const seed = seedFrom('learner-1', k);
      const a = selectNextItem({ learner, assignment: frozen, config: explore, now: NOW, seed });
      const b = selectNextItem({ learner, assignment: frozen, config: explore, now: NOW, seed });
      expect(a).to.deep.equal(b);
    }
  });

  it('targets the configured success probability among ready skills', () => {
    const skillStats = { n: 360, correct: 220 };
    const withStats: Assignment = {
      ...assignment,
      skillStats: { A: skillStats, B: skillStats, C: skillStats },
    };
    const learner = master(createLearnerState(), 'Z');
    const sel = itemOf(
      selectNextItem({ learner, assignment: withStats, config, now: NOW, seed: 1 }),
    );
    expect(sel.reason.code).to.equal('PRACTICE');
    expect(sel.reason.readySkills).to.deep.equal([A, B]);
    expect(sel.reason.blockedSkills).to.deep.equal([C]);
    const target = config.selection.targetSuccess;
    const lo = (p: number): number => Math.log(p / (1 - p));
    const inSkill = assignment.items
      .filter((i) => i.skillId === sel.skillId)
      .map((i) =>
        Math.abs(lo(predictCorrect(learner, { ...i, skillStats }, config.model)) - lo(target)),
      );
    expect(Math.abs(lo(sel.reason.predicted) - lo(target))).to.be.closeTo(
      Math.min(...inSkill),
      1e-9,
    );
    const other = assignment.items
      .filter((i) => i.skillId !== sel.skillId && (i.skillId === 'A' || i.skillId === 'B'))
      .map((i) => predictCorrect(learner, { ...i, skillStats }, config.model));
    const bestOther = Math.min(...other.map((p) => Math.abs(p - target)));
    expect(Math.abs(sel.reason.predicted - target)).to.be.at.most(bestOther + 0.05);
    expect(sel.reason.why).to.be.a('string').and.not.equal('');
  });

  it('does not repeat an item within minRepeatGap responses', () => {
    let state = createLearnerState();
    const seen: string[] = [];
    for (let k = 0; k < 30; k++) {
      const sel = itemOf(selectNextItem({ learner: state, assignment, config, now: NOW, seed: k }));
      expect(seen.slice(-config.selection.minRepeatGap)).to.not.include(sel.itemId);
      seen.push(sel.itemId);
      const item = assignment.items.find((i) => i.itemId === sel.itemId);
      if (item === undefined) throw new Error('missing');
      state = recordResponse(
        state,
        { item: { ...item, skillStats: { n: 360, correct: 220 } }, correct: k % 3 !== 0 },
        config,
        NOW,
      ).state;
    }
  });

  it('interleaves: with a strong interleave setting the next item switches skill', () => {
    const interleaving = createEngineConfig({ selection: { exploreRate: 0, interleave: 1 } });
    let state = createLearnerState();
    let last = '';
    for (let k = 0; k < 12; k++) {
      const sel = itemOf(
        selectNextItem({ learner: state, assignment, config: interleaving, now: NOW, seed: k }),
      );
      if (k > 0) expect(sel.skillId).to.not.equal(last);
      last = sel.skillId;
      const item = assignment.items.find((i) => i.itemId === sel.itemId);
      if (item === undefined) throw new Error('missing');
      state = recordResponse(
        state,
        { item: { ...item, skillStats: { n: 360, correct: 220 } }, correct: false },
        interleaving,
        NOW,
      ).state;
    }
  });

  it('unlocks a skill once its prerequisite is mastered', () => {
    const state = master(createLearnerState(), 'A');
    const sel = itemOf(selectNextItem({ learner: state, assignment, config, now: NOW, seed: 5 }));
    expect(sel.reason.readySkills).to.deep.equal([B, C]);
  });

  it("honours the learner's choice of a ready skill and explains a blocked one", () => {
    const learner = createLearnerState();
    const chosen = itemOf(
      selectNextItem({ learner, assignment, config, now: NOW, seed: 2, chosenSkill: B }),
    );
    expect(chosen.skillId).to.equal('B');
    expect(chosen.reason.code).to.equal('LEARNER_CHOICE');
    expect(chosen.reason.why).to.equal('You chose decimals.');
    const blocked = itemOf(
      selectNextItem({ learner, assignment, config, now: NOW, seed: 2, chosenSkill: C }),
    );
    expect(blocked.skillId).to.not.equal('C');
    expect(blocked.reason.why).to.match(/^ratios isn't ready yet: first master fractions\./);
  });

  it('puts a due review of a mastered skill first', () => {
    const state = master(createLearnerState(), 'B');
    const later = new Date(NOW.getTime() + 10 * DAY);
    const sel = itemOf(selectNextItem({ learner: state, assignment, config, now: later, seed: 9 }));
    expect(sel.skillId).to.equal('B');
    expect(sel.reason.code).to.equal('REVIEW_DUE');
    expect(sel.reason.why).to.equal(
      'Quick review of decimals: you mastered it 10 days ago, and reviewing it now helps you keep it.',
    );
    const notYet = itemOf(
      selectNextItem({ learner: state, assignment, config, now: NOW, seed: 9 }),
    );
    expect(notYet.reason.code).to.not.equal('REVIEW_DUE');
  });

  it('ends with done when the goal is met, or at the item limit', () => {
    const all = master(master(master(createLearnerState(), 'A'), 'B'), 'C');
    const done = selectNextItem({ learner: all, assignment, config, now: NOW, seed: 1 });
    expect(done.kind).to.equal('done');
    if (done.kind === 'done') {
      expect(done.reason.code).to.equal('GOAL_MET');
      expect(done.reason.why).to.equal(
        "Well done: you've mastered 3 of 3 skills, which completes this assignment.",
      );
    }
    const partial = selectNextItem({
      learner: master(createLearnerState(), 'A'),
      assignment: { ...assignment, goal: { masteredShare: 0.3 } },
      config,
      now: NOW,
      seed: 1,
    });
    expect(partial.kind).to.equal('done');
    const limit = selectNextItem({
      learner: createLearnerState(),
      assignment: { ...assignment, goal: { masteredShare: 1, maxItems: 5 } },
      config,
      now: NOW,
      seed: 1,
      answeredInSet: 5,
    });
    expect(limit.kind === 'done' ? limit.reason.code : 'item').to.equal('ITEM_LIMIT');
  });

  it('explores uncalibrated items when asked to', () => {
    const pool = [
      ...makePool(['A'], 6),
      {
        itemId: asItemId('A-new'),
        skillId: A,
        stats: { n: 0, correct: 0, residual: 0, information: 0 },
      },
    ];
    const explore = createEngineConfig({ selection: { exploreRate: 0.5, calibrationCount: 5 } });
    let explored = 0;
    for (let seed = 0; seed < 200; seed++) {
      const sel = itemOf(
        selectNextItem({
          learner: createLearnerState(),
          assignment: { skills: [A], items: pool },
          config: explore,
          now: NOW,
          seed,
        }),
      );
      if (sel.reason.code === 'EXPLORE') {
        explored++;
        expect(sel.itemId).to.equal('A-new');
      }
    }
    expect(explored).to.be.within(70, 130);
  });

  it('rejects an invalid goal with a validation error', () => {
    expect(() =>
      selectNextItem({
        learner: createLearnerState(),
        assignment: { ...assignment, goal: { masteredShare: 0 } },
        config,
        now: NOW,
        seed: 1,
      }),
    ).to.throw('assignment.goal.masteredShare');
  });
});

describe('engine item selection: stepping back', () => {
  it('after three misses in a row on a skill, an easier question with a worked example, and why', () => {
    const solo: Assignment = {
      skills: [A],
      items: assignment.items.filter((i) => i.skillId === 'A'),
      prerequisites: {},
    };
    let state = createLearnerState();
    for (let k = 0; k < 3; k++) {
      const item = solo.items[k]!;
      state = recordResponse(
        state,
        { item: { ...item, skillStats: { n: 360, correct: 220 } }, correct: false },
        config,
        NOW,
      ).state;
    }
    expect(missesInARow(skillOf(state, 'A'))).to.equal(3);
    const sel = itemOf(
      selectNextItem({ learner: state, assignment: solo, config, now: NOW, seed: 4 }),
    );
    expect(sel.reason.code).to.equal('STEP_BACK');
    expect(sel.reason.workedExample).to.equal(true);
    expect(sel.reason.target).to.equal(config.selection.stepBackTarget);
    expect(sel.reason.why).to.match(/missed the last 3 .* easier one, with a worked example first/);
    const never = createEngineConfig({ selection: { stepBackAfter: 0 } });
    const plain = itemOf(
      selectNextItem({ learner: state, assignment: solo, config: never, now: NOW, seed: 4 }),
    );
    expect(plain.reason.code).not.to.equal('STEP_BACK');
  });
});
