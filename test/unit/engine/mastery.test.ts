import { expect } from 'chai';
import {
  createEngineConfig,
  createLearnerState,
  createRng,
  masteryOf,
  recordResponse,
  asSkillId,
  type LearnerState,
} from '../../../src/engine/index.js';
import { view } from './helpers.js';
import { skillOf } from './helpers.js';

const NOW = new Date('2026-03-01T09:00:00Z');
const DAY = 86_400_000;

function answer(state: LearnerState, answers: readonly boolean[], config = createEngineConfig()) {
  let s = state;
  const changes = [];
  for (const [i, correct] of answers.entries()) {
    const r = recordResponse(s, { item: view(`i${i}`, 'A'), correct }, config, NOW);
    s = r.state;
    changes.push(...r.changes);
  }
  return { state: s, changes };
}

describe('engine mastery', () => {
  it('a correct answer never lowers the skill mastery probability (3,000 random histories)', () => {
    const config = createEngineConfig();
    const rng = createRng(42);
    let state = createLearnerState();
    for (let i = 0; i < 3000; i++) {
      const skill = `s${Math.floor(rng() * 4)}`;
      const item = view(`i${Math.floor(rng() * 40)}`, skill);
      const correct = rng() < 0.55;
      const before = masteryOf(state, asSkillId(skill)).probability;
      const r = recordResponse(
        state,
        { item, correct },
        config,
        new Date(NOW.getTime() + i * 60_000),
      );
      if (correct) expect(masteryOf(r.state, asSkillId(skill)).probability).to.be.at.least(before);
      state = r.state;
    }
  });

  it('streak criterion: three in a row masters the skill with a readable reason', () => {
    const config = createEngineConfig({
      mastery: { criterion: { kind: 'streak', inARow: 3 }, testOutFirstCorrect: 0 },
    });
    const { state, changes } = answer(createLearnerState(), [false, true, true, true], config);
    expect(masteryOf(state, asSkillId('A')).mastered).to.equal(true);
    expect(changes).to.have.length(1);
    expect(changes[0]?.code).to.equal('MASTERED');
    expect(changes[0]?.why).to.equal(
      'You answered 3 A questions in a row correctly: skill mastered.',
    );
  });

  it('minimum evidence: two correct answers are not enough when minAttempts is 3', () => {
    const config = createEngineConfig({
      mastery: { criterion: { kind: 'streak', inARow: 2 }, minAttempts: 3, testOutFirstCorrect: 0 },
    });
    expect(
      masteryOf(answer(createLearnerState(), [true, true], config).state, asSkillId('A')).mastered,
    ).to.equal(false);
  });

  it('test out: the first three answers correct master the skill at once', () => {
    const config = createEngineConfig({ mastery: { testOutFirstCorrect: 3 } });
    const { state, changes } = answer(createLearnerState(), [true, true, true], config);
    expect(masteryOf(state, asSkillId('A')).mastered).to.equal(true);
    expect(changes.map((c) => c.code)).to.deep.equal(['TESTED_OUT']);
    expect(changes[0]?.why).to.contain('tested out');
  });

  it('mastery can fall after wrong answers, with a reason, and the review card is dropped', () => {
    const config = createEngineConfig({ mastery: { testOutFirstCorrect: 3, loseBelow: 0.7 } });
    const mastered = answer(createLearnerState(), [true, true, true], config).state;
    expect(skillOf(mastered, 'A').review).to.not.equal(null);
    const { state, changes } = answer(mastered, [false, false, false, false], config);
    expect(masteryOf(state, asSkillId('A')).mastered).to.equal(false);
    expect(changes.map((c) => c.code)).to.deep.equal(['MASTERY_LOST']);
    expect(changes[0]?.why).to.match(/let's practise it again/);
    expect(skillOf(state, 'A').review).to.equal(null);
  });

  it('schedules a spaced review with ts-fsrs and reschedules it when a due review is answered', () => {
    const config = createEngineConfig({
      mastery: { testOutFirstCorrect: 3 },
      review: { requestRetention: 0.9 },
    });
    const s = answer(createLearnerState(), [true, true, true], config).state;
    const card = skillOf(s, 'A').review;
    expect(card?.due).to.equal(NOW.getTime() + 3 * DAY);
    const later = new Date(NOW.getTime() + 4 * DAY);
    const r = recordResponse(s, { item: view('x', 'A'), correct: true }, config, later);
    expect(skillOf(r.state, 'A').review?.reps).to.equal(2);
    expect(skillOf(r.state, 'A').review?.due).to.be.greaterThan(later.getTime() + 3 * DAY);
  });
});
