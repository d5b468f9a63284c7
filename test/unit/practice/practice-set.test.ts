import { expect } from 'chai';
import { autoHint, scoreChanged } from '../../../src/practice/practice-set.js';
import { asSkillId } from '../../../src/engine/index.js';

describe('scoreChanged', function () {
  const last = {
    scoreGiven: 5,
    scoreMaximum: 10,
    activityProgress: 'InProgress' as const,
    why: '',
    queuedAt: new Date(0),
    entryId: 'e',
  };
  it('queues the first score, a different value or a new progress, and nothing else', function () {
    expect(scoreChanged(undefined, { scoreGiven: 0, activityProgress: 'InProgress' })).to.equal(
      true,
    );
    expect(scoreChanged(last, { scoreGiven: 5, activityProgress: 'InProgress' })).to.equal(false);
    expect(scoreChanged(last, { scoreGiven: 5.5, activityProgress: 'InProgress' })).to.equal(true);
    expect(scoreChanged(last, { scoreGiven: 5, activityProgress: 'Completed' })).to.equal(true);
  });
});

describe('autoHint (no preference can freeze progress)', function () {
  const skillId = asSkillId('s');
  it('shows the first hint when asked, and withholds it after a right answer with a hint', function () {
    const on = { preference: true, hintsAvailable: 2, skillId };
    expect(autoHint({ ...on, previous: undefined })).to.deep.equal({
      hintsShown: 1,
      withheld: false,
    });
    expect(autoHint({ ...on, previous: { skillId, correct: true, hintsUsed: 1 } })).to.deep.equal({
      hintsShown: 0,
      withheld: true,
    });
    expect(
      autoHint({ ...on, previous: { skillId, correct: false, hintsUsed: 1 } }).hintsShown,
    ).to.equal(1);
    expect(autoHint({ ...on, preference: false, previous: undefined }).hintsShown).to.equal(0);
  });

  it('property: with the preference on and every answer right, at least every other question of a skill has no automatic hint', function () {
    let previous: { skillId: typeof skillId; correct: boolean; hintsUsed: number } | undefined;
    let streakOfHinted = 0;
    for (let i = 0; i < 200; i++) {
      const { hintsShown } = autoHint({ preference: true, hintsAvailable: 1, skillId, previous });
      streakOfHinted = hintsShown > 0 ? streakOfHinted + 1 : 0;
      expect(streakOfHinted).to.be.at.most(1);
      previous = { skillId, correct: true, hintsUsed: hintsShown };
    }
  });
});
