/**
 * A struggling learner is met where they are: after three misses in a row on a skill, the next
 * question is an easier one with a worked example first, the page says why, and the class
 * dashboard flags the student with that reason.
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
import { dashboardPath, getHtml, nameOf, rowFor, tableOf, textOf } from '../dashboards/helpers.js';

describe('stepping back after repeated misses', function () {
  this.timeout(30_000);
  let fx: LtiFixture;
  let link: string;
  before(async function () {
    ({ fx, link } = await startPracticeFixture({ title: 'Step back', skills: ['add-small'] }));
  });
  after(async function () {
    await fx.close();
  });

  it('three misses in a row bring an easier question with a worked example, and the dashboard says so', async function () {
    const student = 'student-15';
    const page = await launchStudent(fx, 'moodle', student, link);
    const userId = userIdOf(fx, 'moodle', student);
    for (let i = 0; i < 3; i++) {
      const set = await storedSet(fx, userId);
      await postForm(fx, '/practice/answer', {
        session: page.session,
        step: String(set.current!.step),
        answer: answerFor(set.current!.instance.key, false),
      });
      const next = await postForm(fx, '/practice/next', { session: page.session });
      if (i < 2) expect(next.html).not.to.contain('Worked example');
      else {
        expect(next.html).to.contain('Worked example');
        expect(next.html).to.contain('Now you try');
        expect(next.html).to.match(
          /missed the last 3 Adding small numbers questions, so here is an easier one/,
        );
      }
    }
    const set = await storedSet(fx, userId);
    expect(set.current?.reason.code).to.equal('STEP_BACK');
    expect(set.current?.example?.solution).to.be.a('string');
    // The worked example is another instance, never the question's own solution.
    expect(set.current?.example?.prompt).to.not.equal(set.current?.instance.question.prompt);
    await postForm(fx, '/practice/answer', {
      session: page.session,
      step: String(set.current!.step),
      answer: answerFor(set.current!.instance.key, false),
    });
    const instructor = await launchStudent(fx, 'moodle', 'instructor', link);
    const struggling = await getHtml(fx, dashboardPath('/struggling', instructor.session));
    const row = rowFor(tableOf(struggling.html, 'struggling'), nameOf(fx, 'moodle', student));
    expect(textOf(row)).to.contain('Pathwise stepped back once');
  });
});
