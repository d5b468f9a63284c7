/**
 * Hints cost the credit of their question only, and no preference can freeze progress: a
 * learner who asks for a hint with every question and answers everything right still masters
 * the assignment.
 */
import { expect } from 'chai';
import type { LtiFixture } from '../../support/pathwise.js';
import {
  answerFor,
  launchStudent,
  startPracticeFixture,
  postForm,
  storedSet,
  userIdOf,
} from '../../support/practice.js';

describe('hints never freeze progress', function () {
  this.timeout(60_000);
  let fx: LtiFixture;
  let link: string;
  before(async function () {
    ({ fx, link } = await startPracticeFixture({ title: 'Hints' }));
  });
  after(async function () {
    await fx.close();
  });

  it('with "show the first hint with every question", all-correct answers master every skill', async function () {
    const student = 'student-10';
    const page = await launchStudent(fx, 'moodle', student, link);
    const userId = userIdOf(fx, 'moodle', student);
    const prefs = await postForm(fx, '/learner/preferences', {
      session: page.session,
      pace: 'steady',
      showHints: 'true',
    });
    expect(prefs.status).to.equal(200);
    // The question on screen was shown before the preference; the next ones follow it.
    let autoHinted = 0;
    let withheld = 0;
    let html = '';
    for (let i = 0; i < 60; i++) {
      const set = await storedSet(fx, userId);
      if (set.phase === 'complete') break;
      if (set.phase === 'feedback') {
        html = (await postForm(fx, '/practice/next', { session: page.session })).html;
        continue;
      }
      const current = set.current!;
      if (i > 0 && current.hintsShown > 0) autoHinted++;
      if (current.autoHintWithheld === true) {
        withheld++;
        expect(current.hintsShown).to.equal(0);
      }
      html = (
        await postForm(fx, '/practice/answer', {
          session: page.session,
          step: String(current.step),
          answer: answerFor(current.instance.key, true),
        })
      ).html;
      if (current.hintsShown > 0) expect(html).to.match(/counts as practice/);
    }
    const set = await storedSet(fx, userId);
    expect(set.phase, 'the set completes').to.equal('complete');
    expect(set.completion?.code).to.equal('GOAL_MET');
    expect(autoHinted, 'questions came with their hint').to.be.above(0);
    expect(withheld, 'and some came without, to show mastery').to.be.above(0);
    expect(set.lastScore?.scoreGiven).to.equal(10);
  });
});
