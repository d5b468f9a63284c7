import { expect } from 'chai';
import {
  asItemId,
  asSkillId,
  createEngineConfig,
  expectedPractice,
  type Assignment,
} from '../../../src/engine/index.js';

const pool = (skills: number): Assignment => {
  const ids = Array.from({ length: skills }, (_, i) => asSkillId(`s${i}`));
  return {
    skills: ids,
    items: ids.flatMap((s) =>
      Array.from({ length: 5 }, (_, k) => ({
        itemId: asItemId(`${s}-${k}`),
        skillId: s,
        stats: { n: 40, correct: 24, residual: 0, information: 0 },
      })),
    ),
    prerequisites: {},
  };
};

describe('expectedPractice (the engine simulating its own learners)', () => {
  const now = new Date(Date.UTC(2026, 0, 5));
  it('is deterministic, grows with the number of skills, and p80 >= median', () => {
    // Five items per skill: the no-repeat gap must leave some (as practice configures it).
    const config = createEngineConfig({ selection: { minRepeatGap: 4 } });
    const one = expectedPractice({ assignment: pool(1), config, now, seed: 7 });
    const again = expectedPractice({ assignment: pool(1), config, now, seed: 7 });
    const four = expectedPractice({ assignment: pool(4), config, now, seed: 7 });
    expect(again).to.deep.equal(one);
    expect(four.median).to.be.above(one.median);
    expect(four.p80).to.be.at.least(four.median);
    expect(one.reachedShare).to.be.above(0.5);
  });
});
