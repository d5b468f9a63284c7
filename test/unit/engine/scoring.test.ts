import { expect } from 'chai';
import {
  asSkillId,
  createEngineConfig,
  createLearnerState,
  recordResponse,
  scoreAssignment,
} from '../../../src/engine/index.js';
import { view } from './helpers.js';

const NOW = new Date('2026-03-01T09:00:00Z');

describe('engine scoring', () => {
  const config = createEngineConfig({ scoring: { kind: 'mastery', partialCredit: false } });
  let state = createLearnerState();
  for (let i = 0; i < 3; i++) {
    state = recordResponse(state, { item: view(`a${i}`, 'A'), correct: true }, config, NOW).state;
  }
  const skills = [asSkillId('A'), asSkillId('B')];

  it('mastery policy: share of target skills mastered, explained', () => {
    const s = scoreAssignment(state, skills, config);
    expect(s.scoreGiven).to.equal(50);
    expect(s.scoreMaximum).to.equal(100);
    expect(s.why).to.equal('Your score is the share of skills you mastered: 1 of 2.');
  });

  it('mastery policy with partial credit gives at most half a skill for progress', () => {
    const partial = createEngineConfig({ scoring: { kind: 'mastery', partialCredit: true } });
    const s = scoreAssignment(state, skills, partial);
    expect(s.perSkill).to.deep.equal({ A: 1, B: 0 });
    expect(s.scoreGiven).to.equal(50);
  });

  it('correctness policy: share of correct answers in the set', () => {
    const c = createEngineConfig({ scoring: { kind: 'correctness' } });
    const s = scoreAssignment(state, skills, c, { answered: 8, correct: 6 });
    expect(s.scoreGiven).to.equal(75);
    expect(s.why).to.contain('6 of 8');
  });
});
