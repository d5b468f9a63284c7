import { expect } from 'chai';
import {
  asItemId,
  asSkillId,
  createEngineConfig,
  createLearnerState,
  createRng,
  masteryOf,
  recordResponse,
} from '../../../src/engine/index.js';
import {
  explainMasteryChange,
  masteryPercent,
  masteryStatus,
  ruleSentence,
} from '../../../src/practice/feedback-rules.js';

const base = {
  skillName: 'Fractions',
  correct: true,
  predicted: 0.6,
  hintsUsed: 0,
  counted: true,
  statusWhy: undefined,
};

describe('feedback rules: explainMasteryChange names the real cause', function () {
  it('a first answer gives a first estimate, never a rise from 0 %', function () {
    for (const correct of [true, false]) {
      const { cause, text } = explainMasteryChange({
        ...base,
        correct,
        before: undefined,
        after: 0.48,
      });
      expect(cause).to.equal('first-estimate');
      expect(text).to.contain('First estimate for Fractions: 48%');
      expect(text).not.to.match(/rose|fell|0%/);
    }
  });

  it('a hard question answered right, a miss on an easy one, and plain rises and falls', function () {
    expect(
      explainMasteryChange({ ...base, before: 0.4, after: 0.52, predicted: 0.35 }),
    ).to.deep.equal({
      cause: 'hard-item-right',
      text: 'Mastery of Fractions rose from 40% to 52% because you answered correctly, on a hard question (you had about a 35% chance).',
    });
    const easyMiss = explainMasteryChange({
      ...base,
      correct: false,
      before: 0.7,
      after: 0.55,
      predicted: 0.85,
    });
    expect(easyMiss.cause).to.equal('easy-item-missed');
    expect(easyMiss.text).to.contain(
      'fell from 70% to 55% because this answer was wrong; it was an easy one',
    );
    expect(explainMasteryChange({ ...base, before: 0.5, after: 0.6 }).cause).to.equal('right');
    expect(
      explainMasteryChange({ ...base, correct: false, before: 0.6, after: 0.5 }).cause,
    ).to.equal('missed');
  });

  it('an answer after a hint counts as practice, and says so', function () {
    const hinted = explainMasteryChange({
      ...base,
      before: 0.5,
      after: 0.5,
      hintsUsed: 1,
      counted: false,
    });
    expect(hinted.cause).to.equal('hint-practice');
    expect(hinted.text).to.contain('counts as practice');
  });

  it('a change that rounds to the same shown percent is "stays", never "rose from 62% to 62%"', function () {
    const { cause, text } = explainMasteryChange({ ...base, before: 0.621, after: 0.628 });
    expect(cause).to.equal('steady');
    expect(text).to.contain('stays at 62%');
  });

  it('property: over random answer sequences through the engine, no text contradicts the answer', function () {
    const config = createEngineConfig();
    const rng = createRng(2026);
    for (let learner = 0; learner < 60; learner++) {
      let state = createLearnerState();
      const skill = asSkillId(`s${learner % 3}`);
      for (let i = 0; i < 40; i++) {
        const correct = rng() < 0.3 + 0.6 * (learner / 60);
        const stats = { n: 30, correct: Math.floor(30 * rng()), residual: 0, information: 0 };
        const r = recordResponse(
          state,
          {
            item: {
              itemId: asItemId(`i${i % 7}`),
              skillId: skill,
              stats,
              skillStats: { n: 300, correct: 200 },
            },
            correct,
          },
          config,
          new Date(Date.UTC(2026, 0, 1) + i * 60_000),
        );
        const { text } = explainMasteryChange({
          ...base,
          correct,
          predicted: r.predicted,
          before: r.masteryBefore,
          after: r.masteryAfter,
          statusWhy: undefined,
        });
        if (correct) expect(text, text).not.to.match(/fell|because this answer was wrong/);
        else expect(text, text).not.to.match(/rose|because you answered correctly/);
        const shownBefore =
          r.masteryBefore === undefined ? undefined : masteryPercent(r.masteryBefore);
        const shownAfter = masteryPercent(masteryOf(r.state, skill).probability);
        if (shownBefore !== undefined && shownAfter > shownBefore) expect(correct).to.equal(true);
        if (shownBefore !== undefined && shownAfter < shownBefore) expect(correct).to.equal(false);
        state = r.state;
      }
    }
  });
});

describe('feedback rules: the shown number never contradicts the mastery rule', function () {
  const rule = createEngineConfig().mastery;

  it('rounds down, so 85 % is shown only at or above 0.85', function () {
    expect(masteryPercent(0.8499)).to.equal(84);
    expect(masteryPercent(0.85)).to.equal(85);
    expect(masteryPercent(1)).to.equal(100);
  });

  it('property: mastered ⇒ at or above the threshold or labelled as kept; not mastered ⇒ below it or still confirming', function () {
    const rng = createRng(11);
    for (let i = 0; i < 5000; i++) {
      const probability = rng();
      const attempts = Math.floor(rng() * 8);
      const mastered = attempts > 0 && rng() < 0.5 && probability >= rule.loseBelow;
      const status = masteryStatus({ attempts, probability, mastered, rule });
      const threshold = rule.criterion.kind === 'probability' ? rule.criterion.threshold : 0.85;
      if (status.kind === 'not-started') {
        expect(status.percent).to.equal(undefined);
        continue;
      }
      if (status.kind === 'mastered' && status.percent! < threshold * 100)
        expect(status.label).to.contain('kept while above');
      if (status.kind === 'learning') expect(status.percent!).to.be.below(threshold * 100);
      if (status.kind === 'confirming') expect(status.label).to.match(/confirm(s)? mastery/);
    }
  });

  it('states the rule in one sentence', function () {
    expect(ruleSentence(rule)).to.equal(
      'A skill is mastered at 85% or more after at least 3 answers.',
    );
    expect(masteryStatus({ attempts: 0, probability: 0, mastered: false, rule }).label).to.equal(
      'Not started',
    );
  });
});
