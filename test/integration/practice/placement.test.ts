/**
 * An assignment with a placement check: a new student is first asked about the skills the
 * prerequisite graph splits best; what they already know is marked mastered, and the page says so.
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

describe('placement check at the start of an assignment', function () {
  this.timeout(30_000);
  let fx: LtiFixture;
  let link: string;
  before(async function () {
    ({ fx, link } = await startPracticeFixture({ title: 'Placement', placement: 'true' }));
  });
  after(async function () {
    await fx.close();
  });

  it('a student who answers the placement questions right starts with those skills mastered', async function () {
    const student = 'student-16';
    const page = await launchStudent(fx, 'moodle', student, link);
    expect(page.html).to.contain('Placement check:');
    const userId = userIdOf(fx, 'moodle', student);
    const first = await storedSet(fx, userId);
    expect(first.placement?.done).to.equal(false);
    expect(first.current?.reason.code).to.equal('PLACEMENT');
    let html = '';
    for (let i = 0; i < 12; i++) {
      const set = await storedSet(fx, userId);
      if (set.phase !== 'question' || set.current?.reason.code !== 'PLACEMENT') break;
      html = (
        await postForm(fx, '/practice/answer', {
          session: page.session,
          step: String(set.current.step),
          answer: answerFor(set.current.instance.key, true),
        })
      ).html;
      if ((await storedSet(fx, userId)).phase === 'feedback')
        await postForm(fx, '/practice/next', { session: page.session });
    }
    const set = await storedSet(fx, userId);
    expect(set.placement?.done).to.equal(true);
    expect(set.placement?.known).to.include.members(['add-small', 'add-big']);
    expect(set.placement?.asked).to.be.at.most(12);
    const profile = await fx.pathwise.database.connection
      .collection('pw_learners')
      .findOne({ userId });
    const skills = (profile?.['engine'] as { skills: { skillId: string; mastered: boolean }[] })
      .skills;
    expect(skills.filter((s) => s.mastered).map((s) => s.skillId)).to.include.members([
      'add-small',
      'add-big',
    ]);
    expect(html).to.match(/tested out|placement check showed you already know/);
    expect(set.completion?.code).to.equal('GOAL_MET');
  });

  it('a student who misses is not placed, and practice starts at the first skill', async function () {
    const student = 'student-17';
    const page = await launchStudent(fx, 'moodle', student, link);
    const userId = userIdOf(fx, 'moodle', student);
    for (let i = 0; i < 12; i++) {
      const set = await storedSet(fx, userId);
      if (set.current?.reason.code !== 'PLACEMENT') break;
      await postForm(fx, '/practice/answer', {
        session: page.session,
        step: String(set.current.step),
        answer: answerFor(set.current.instance.key, false),
      });
      await postForm(fx, '/practice/next', { session: page.session });
    }
    const set = await storedSet(fx, userId);
    expect(set.placement?.done).to.equal(true);
    expect(set.placement?.known).to.deep.equal([]);
    expect(set.placement?.unknown).to.include('add-small');
    expect(set.current?.reason.code).not.to.equal('PLACEMENT');
    expect(set.current?.instance.skillId).to.equal('add-small');
  });
});
