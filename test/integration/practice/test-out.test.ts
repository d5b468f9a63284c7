/**
 * A learner can ask to test out of a ready skill: three right answers in a row, without hints,
 * master it; a miss ends the test-out and says so.
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

describe('test-out of a ready skill on request', function () {
  this.timeout(30_000);
  let fx: LtiFixture;
  let link: string;
  before(async function () {
    ({ fx, link } = await startPracticeFixture({ title: 'Test out' }));
  });
  after(async function () {
    await fx.close();
  });

  async function answer(session: string, userId: string, correct: boolean) {
    const set = await storedSet(fx, userId);
    const html = (
      await postForm(fx, '/practice/answer', {
        session,
        step: String(set.current!.step),
        answer: answerFor(set.current!.instance.key, correct),
      })
    ).html;
    await postForm(fx, '/practice/next', { session });
    return html;
  }

  it('three right in a row master the skill; a miss ends it; a locked skill cannot be tested out of', async function () {
    const student = 'student-18';
    const page = await launchStudent(fx, 'moodle', student, link);
    const userId = userIdOf(fx, 'moodle', student);
    expect(page.html).to.contain('Test out of Adding small numbers');
    // A miss first, so the engine's own first-answers test-out cannot be what masters it.
    await answer(page.session, userId, false);
    const locked = await postForm(fx, '/practice/test-out', {
      session: page.session,
      skill: 'add-big',
    });
    expect(locked.status).to.equal(409);
    const started = await postForm(fx, '/practice/test-out', {
      session: page.session,
      skill: 'add-small',
    });
    expect(started.html).to.contain('Test-out of Adding small numbers: question 1 of 3');
    await answer(page.session, userId, true);
    const ended = await answer(page.session, userId, false);
    expect(ended).to.contain('Test-out ended');
    expect((await storedSet(fx, userId)).testOut).to.equal(null);
    await postForm(fx, '/practice/test-out', { session: page.session, skill: 'add-small' });
    let last = '';
    for (let i = 0; i < 3; i++) last = await answer(page.session, userId, true);
    expect(last).to.contain('You tested out of Adding small numbers: 3 right in a row');
    const profile = await fx.pathwise.database.connection
      .collection('pw_learners')
      .findOne({ userId });
    const skills = (profile?.['engine'] as { skills: { skillId: string; mastered: boolean }[] })
      .skills;
    expect(skills.find((s) => s.skillId === 'add-small')?.mastered).to.equal(true);
  });
});
