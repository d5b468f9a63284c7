import { expect } from 'chai';
import { explainMasteryChange, scoreChanged } from '../../../src/practice/practice-set.js';

const base = {
  skillName: 'Fractions',
  correct: true,
  predicted: 0.6,
  hintsUsed: 0,
  counted: true,
  statusWhy: undefined,
};

describe('explainMasteryChange', function () {
  it('says mastery rose, by how much, and that the question was hard when it was', function () {
    const text = explainMasteryChange({ ...base, before: 0.4, after: 0.52, predicted: 0.35 });
    expect(text).to.equal(
      'Mastery of Fractions rose from 40% to 52% because you answered correctly, on a question you had about a 35% chance of getting right.',
    );
  });

  it('says mastery fell because of a miss on a question the learner was expected to get', function () {
    const text = explainMasteryChange({
      ...base,
      correct: false,
      before: 0.7,
      after: 0.55,
      predicted: 0.85,
    });
    expect(text).to.contain('fell from 70% to 55% because this answer was wrong');
    expect(text).to.contain('about a 85% chance on it');
  });

  it('mentions hints on a miss, and explains that a correct answer after a hint counts as practice', function () {
    expect(
      explainMasteryChange({ ...base, correct: false, before: 0.5, after: 0.4, hintsUsed: 2 }),
    ).to.contain('(after using hints)');
    expect(
      explainMasteryChange({ ...base, before: 0.5, after: 0.5, hintsUsed: 1, counted: false }),
    ).to.contain('counts as practice');
  });

  it('appends the engine sentence when the mastery status changed', function () {
    const text = explainMasteryChange({
      ...base,
      before: 0.8,
      after: 0.9,
      statusWhy: 'You mastered Fractions.',
    });
    expect(text.endsWith('You mastered Fractions.')).to.equal(true);
  });
});

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
