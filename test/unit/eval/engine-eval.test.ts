import { expect } from 'chai';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  asItemId,
  asSkillId,
  createLearnerState,
  DEFAULT_MODEL,
  EMPTY_ITEM_STATS,
  fitFromLog,
  recordResponse,
  type ItemView,
} from '../../../src/engine/index.js';
import {
  applyCheckSet,
  coverage,
  eachItemOwnSkill,
  isEachItemOwnSkill,
} from '../../../scripts/lib/check-sets.js';
import {
  EVAL_EPOCH_MS,
  EVAL_STEP_MS,
  readMastery,
  runEngine,
  type MasteryQuery,
} from '../../../scripts/lib/engine-eval.js';
import { configFor } from '../../../scripts/lib/eval-report.js';
import { loadDataset, type Attempt, type LearnerSequence } from '../../../scripts/lib/kt-data.js';
import { calibrationReport, eceNoiseFloor } from '../../../scripts/lib/metrics.js';

const fixtures = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../fixtures/kt');
const tiny = loadDataset(path.join(fixtures, 'tiny'));
const fitted = fitFromLog(
  tiny.train.map((s) => s.attempts),
  DEFAULT_MODEL,
);
const config = configFor(fitted.model);

describe('engine stream of the eval (scripts/lib/engine-eval.ts)', () => {
  it('mastery is read before each response on the state the app holds, NaN on a first attempt', () => {
    const learner = tiny.test[0] as LearnerSequence;
    const run = runEngine([learner], fitted, config);
    // Replay what the practice service does and read the mastery before each answer.
    let state = createLearnerState();
    const seen = new Set<string>();
    learner.attempts.forEach((a, k) => {
      const item: ItemView = {
        itemId: a.itemId,
        skillId: a.skillId,
        stats: fitted.items.get(a.itemId) ?? EMPTY_ITEM_STATS,
        skillStats: fitted.skills.get(a.skillId) ?? { n: 0, correct: 0 },
      };
      const now = new Date(EVAL_EPOCH_MS + k * EVAL_STEP_MS);
      const query = { skillId: a.skillId, skillStats: item.skillStats, config, now };
      if (seen.has(a.skillId)) expect(run.mastery[k]).to.equal(readMastery(state, query));
      else expect(run.mastery[k]).to.be.NaN;
      const result = recordResponse(state, { item, correct: a.correct }, config, now);
      expect(run.pred[k]).to.equal(result.predicted);
      state = result.state;
      seen.add(a.skillId);
    });
  });

  it('asks the mastery reader about the skill only, on the state before the response', () => {
    const learner = tiny.test[1] as LearnerSequence;
    const calls: { steps: number; query: MasteryQuery }[] = [];
    const run = runEngine([learner], fitted, config, {
      readMastery: (state, query) => {
        calls.push({ steps: state.steps, query });
        return 0.25;
      },
    });
    const firsts = new Set(learner.attempts.map((a) => a.skillId)).size;
    expect(calls).to.have.length(learner.attempts.length - firsts);
    for (const c of calls) {
      expect(Object.keys(c.query).sort()).to.deep.equal(['config', 'now', 'skillId', 'skillStats']);
      // Reader called before response number `steps` (0-based), at that response's time.
      expect(c.query.now.getTime()).to.equal(EVAL_EPOCH_MS + c.steps * EVAL_STEP_MS);
      expect(c.query.skillId).to.equal(learner.attempts[c.steps]?.skillId);
    }
    expect([...run.mastery].filter((m) => !Number.isNaN(m)).every((m) => m === 0.25)).to.equal(
      true,
    );
  });
});

describe('check sets (scripts/lib/check-sets.ts)', () => {
  it('item-as-skill relabels skills to item ids and keeps learners, order and answers', () => {
    const cs = applyCheckSet('item-as-skill', tiny);
    expect(cs.train.map((s) => s.userId)).to.deep.equal(tiny.train.map((s) => s.userId));
    expect(cs.test.map((s) => s.userId)).to.deep.equal(tiny.test.map((s) => s.userId));
    expect(isEachItemOwnSkill(cs.test)).to.equal(true);
    expect(cs.test[0]?.attempts.map((a) => [a.itemId, a.correct])).to.deep.equal(
      tiny.test[0]?.attempts.map((a) => [a.itemId, a.correct]),
    );
    expect(isEachItemOwnSkill(tiny.test)).to.equal(false);
  });

  it('skill-as-item relabels items to skill ids', () => {
    const cs = applyCheckSet('skill-as-item', tiny);
    expect(cs.test[0]?.attempts.map((a) => a.itemId)).to.deep.equal(
      tiny.test[0]?.attempts.map((a) => a.skillId),
    );
  });

  it('counts test rows on items unseen or barely seen in train', () => {
    const a = (itemId: string): Attempt => ({
      itemId: asItemId(itemId),
      skillId: asSkillId('s'),
      correct: true,
    });
    const train: LearnerSequence[] = [{ userId: 't', attempts: [a('x'), a('x'), a('y')] }];
    const test: LearnerSequence[] = [{ userId: 'u', attempts: [a('x'), a('z'), a('y')] }];
    const c = coverage(eachItemOwnSkill(train), eachItemOwnSkill(test));
    expect(c).to.deep.equal({
      testRows: 3,
      trainSkills: 2,
      testRowsUnseenItem: 1,
      testRowsUnseenSkill: 1,
      testRowsFewItemAnswers: 2,
    });
  });

  it('an item never seen in train is predicted from the priors (finite, in (0, 1))', () => {
    const test: LearnerSequence[] = [
      {
        userId: 'u',
        attempts: [true, false].map((correct) => ({
          itemId: asItemId('new'),
          skillId: asSkillId('new'),
          correct,
        })),
      },
    ];
    const run = runEngine(test, fitted, config);
    for (const p of [...run.pred, run.mastery[1] ?? NaN]) {
      expect(p).to.be.greaterThan(0).and.lessThan(1);
    }
  });
});

describe('calibration helpers (scripts/lib/metrics.ts)', () => {
  it('skips rows without a value and reports their count', () => {
    const rep = calibrationReport(
      Float64Array.from([NaN, 0.15, 0.15, 0.95]),
      Uint8Array.from([1, 0, 1, 1]),
    );
    expect(rep.rows).to.equal(3);
    expect(rep.bins[1]?.count).to.equal(2);
    expect(rep.ece).to.be.closeTo((2 * 0.35 + 0.05) / 3, 1e-12);
  });

  it('gives the ECE noise floor of exactly calibrated predictions', () => {
    // 100 rows at p = 0.5: sd of the observed rate 0.05, mean |error| 0.05 * sqrt(2 / pi).
    expect(eceNoiseFloor(new Float64Array(100).fill(0.5))).to.be.closeTo(
      0.05 * Math.sqrt(2 / Math.PI),
      1e-12,
    );
  });
});
