import { expect } from 'chai';
import {
  applyStatsIncrement,
  createEngineConfig,
  createLearnerState,
  createRng,
  EMPTY_ITEM_STATS,
  predictCorrect,
  recordResponse,
  skillProbability,
  updateLearner,
  asSkillId,
} from '../../../src/engine/index.js';
import { deepFreeze, view } from './helpers.js';
import { skillOf } from './helpers.js';

const config = createEngineConfig({
  mastery: {
    criterion: { kind: 'probability', threshold: 0.8 },
    minAttempts: 3,
    testOutFirstCorrect: 0,
    loseBelow: 0.6,
  },
});
const NOW = new Date('2026-01-05T10:00:00Z');

describe('engine learner model', () => {
  it('golden sequence: predictions, mastery and increments with default weights and fixed now', () => {
    const seq: [string, string, boolean][] = [
      ['i1', 'A', false],
      ['i2', 'A', true],
      ['i3', 'B', true],
      ['i1', 'A', true],
      ['i4', 'A', true],
      ['i2', 'A', true],
      ['i5', 'B', false],
      ['i6', 'A', true],
    ];
    const expected: [number, number, string][] = [
      [0.541518, 0.488465, ''],
      [0.521612, 0.689752, ''],
      [0.534785, 0.743335, ''],
      [0.804601, 0.766362, ''],
      [0.78927, 0.766362, ''],
      [0.821338, 0.799023, ''],
      [0.795843, 0.660457, ''],
      [0.753156, 0.802907, 'MASTERED'],
    ];
    let state = createLearnerState();
    seq.forEach(([item, skill, correct], i) => {
      const r = recordResponse(state, { item: view(item, skill), correct }, config, NOW);
      state = r.state;
      const [p, m, code] = expected[i] ?? [0, 0, ''];
      expect(r.predicted).to.be.closeTo(p, 1e-6);
      expect(skillOf(state, skill).mastery).to.be.closeTo(m, 1e-6);
      expect(r.changes.map((c) => c.code).join(',')).to.equal(code);
    });
    expect(state.steps).to.equal(8);
    expect(state.correct).to.equal(6);
    expect(skillOf(state, 'A').review?.due).to.equal(Date.parse('2026-01-08T10:00:00Z'));
  });

  it('an unseen item starts at its skill mean (easiness of an empty item equals the skill term)', () => {
    const s = createLearnerState();
    const fresh = view('new', 'A', EMPTY_ITEM_STATS);
    const p = predictCorrect(s, fresh, config.model);
    expect(p).to.be.closeTo(
      skillProbability(s, asSkillId('A'), fresh.skillStats, config.model),
      1e-12,
    );
  });

  it('keeps every probability in [0, 1] over 2,000 random responses, even with extreme stats', () => {
    const rng = createRng(7);
    let state = createLearnerState();
    for (let i = 0; i < 2000; i++) {
      const n = Math.floor(rng() * 1000);
      const stats = {
        n,
        correct: Math.floor(rng() * (n + 1)),
        residual: (rng() - 0.5) * 200,
        information: rng() * 50,
      };
      const item = view(`i${Math.floor(rng() * 50)}`, `s${Math.floor(rng() * 5)}`, stats);
      const p = predictCorrect(state, item, config.model);
      expect(p).to.be.within(0, 1);
      const r = recordResponse(state, { item, correct: rng() < 0.6 }, config, NOW);
      for (const sk of r.state.skills) expect(sk.mastery).to.be.within(0, 1);
      state = r.state;
    }
    expect(state.recentItems.length).to.equal(config.model.recentItemsWindow);
  });

  it('returns new objects and never mutates its inputs', () => {
    const state = deepFreeze(createLearnerState());
    const item = deepFreeze(view('i1', 'A'));
    const next = updateLearner(state, item, true, config.model);
    const r = recordResponse(next, { item, correct: false }, config, NOW);
    expect(state.steps).to.equal(0);
    expect(next.steps).to.equal(1);
    expect(r.state).to.not.equal(next);
    expect(JSON.parse(JSON.stringify(r.state))).to.deep.equal(r.state);
  });

  it('item statistics move by increments that commute (safe as concurrent $inc)', () => {
    const s = createLearnerState();
    const item = view('i1', 'A');
    const a = recordResponse(s, { item, correct: true }, config, NOW).itemIncrement;
    const b = recordResponse(s, { item, correct: false }, config, NOW).itemIncrement;
    expect(a.n).to.equal(1);
    expect(a.correct).to.equal(1);
    expect(a.residual).to.be.greaterThan(0);
    expect(b.residual).to.be.lessThan(0);
    const ab = applyStatsIncrement(applyStatsIncrement(item.stats, a), b);
    const ba = applyStatsIncrement(applyStatsIncrement(item.stats, b), a);
    expect(ab).to.deep.equal(ba);
  });
});
