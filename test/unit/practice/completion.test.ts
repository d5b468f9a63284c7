import { expect } from 'chai';
import {
  completionAfterAnswer,
  gradebookProgress,
  isCompletion,
} from '../../../src/practice/completion.js';

describe('set completion (one rule for page, dashboard and gradebook)', () => {
  const base = { minItems: 0, maxItems: undefined, targetSkills: 3, masteredSkills: 0 };

  it('is complete when every target skill is mastered and the minimum is reached', () => {
    expect(completionAfterAnswer({ ...base, answered: 9, masteredSkills: 3 })?.code).to.equal(
      'GOAL_MET',
    );
    expect(
      completionAfterAnswer({ ...base, answered: 4, minItems: 5, masteredSkills: 3 }),
    ).to.equal(undefined);
  });

  it('is complete at the question limit, whatever was mastered, and says how much was', () => {
    const end = completionAfterAnswer({ ...base, answered: 30, maxItems: 30, masteredSkills: 1 });
    expect(end?.code).to.equal('ITEM_LIMIT');
    expect(end?.why).to.contain('1 of 3 skills mastered');
    expect(completionAfterAnswer({ ...base, answered: 29, maxItems: 30 })).to.equal(undefined);
  });

  it('the gradebook gets Completed exactly for a completion, never for a pause', () => {
    for (const code of ['GOAL_MET', 'ITEM_LIMIT']) {
      expect(isCompletion({ code, why: '' })).to.equal(true);
      expect(gradebookProgress({ code, why: '' })).to.deep.equal({
        activityProgress: 'Completed',
        gradingProgress: 'FullyGraded',
      });
    }
    for (const end of [
      undefined,
      { code: 'BLOCKED', why: '' },
      { code: 'POOL_EXHAUSTED', why: '' },
    ])
      expect(gradebookProgress(end).activityProgress).to.equal('InProgress');
  });

  it('property: over random sets, complete ⇔ (all mastered and min reached) or limit reached', () => {
    let seed = 7;
    const rnd = (n: number): number => {
      seed = (seed * 1103515245 + 12345) % 2 ** 31;
      return seed % n;
    };
    for (let i = 0; i < 2000; i++) {
      const targetSkills = 1 + rnd(6);
      const input = {
        answered: rnd(60),
        minItems: rnd(10),
        maxItems: rnd(2) === 0 ? undefined : 1 + rnd(50),
        targetSkills,
        masteredSkills: rnd(targetSkills + 1),
      };
      const expected =
        (input.masteredSkills === targetSkills && input.answered >= input.minItems) ||
        (input.maxItems !== undefined && input.answered >= input.maxItems);
      expect(isCompletion(completionAfterAnswer(input)), JSON.stringify(input)).to.equal(expected);
    }
  });
});
