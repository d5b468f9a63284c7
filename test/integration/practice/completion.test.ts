/**
 * A set that ends at its question limit is finished everywhere: the student page, the class
 * dashboard and the LMS gradebook (activityProgress Completed) agree.
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
import { waitFor } from '../../support/wait.js';
import { cellOf, dashboardPath, getHtml, nameOf, rowFor, tableOf } from '../dashboards/helpers.js';

describe('completion at the question limit (page, dashboard and LMS agree)', function () {
  this.timeout(30_000);
  let fx: LtiFixture;
  let link: string;
  before(async function () {
    ({ fx, link } = await startPracticeFixture({ title: 'Three questions', maxItems: '3' }));
  });
  after(async function () {
    await fx.close();
  });

  it('the third answer completes the set: the page says so, the LMS gets Completed, the dashboard says Complete', async function () {
    const student = 'student-09';
    const page = await launchStudent(fx, 'moodle', student, link);
    const userId = userIdOf(fx, 'moodle', student);
    let html = page.html;
    for (let i = 0; i < 3; i++) {
      const set = await storedSet(fx, userId);
      expect(set.phase, `question ${i + 1}`).to.equal('question');
      html = (
        await postForm(fx, '/practice/answer', {
          session: page.session,
          step: String(set.current!.step),
          answer: answerFor(set.current!.instance.key, i === 0),
        })
      ).html;
      if (i < 2) await postForm(fx, '/practice/next', { session: page.session });
    }
    // The feedback of the last answer already tells the learner and the gradebook.
    const answered = await storedSet(fx, userId);
    expect(answered.completion?.code).to.equal('ITEM_LIMIT');
    expect(answered.lastScore?.activityProgress).to.equal('Completed');
    expect(html).to.contain('(assignment complete)');
    const done = await postForm(fx, '/practice/next', { session: page.session });
    expect(done.html).to.contain('Set complete');
    expect(done.html).to.contain('answered the 3 questions of this set');
    const platform = fx.platform('moodle');
    const [lineItem] = platform.state.lineItemsForLink(link);
    await waitFor(
      () =>
        platform.state.scoresFor(lineItem!.id, userId).at(-1)?.stored.activityProgress ===
        'Completed',
    );
    const instructor = await launchStudent(fx, 'moodle', 'instructor', link);
    const overview = await getHtml(fx, dashboardPath('', instructor.session));
    const row = rowFor(tableOf(overview.html, 'roster'), nameOf(fx, 'moodle', student));
    expect(cellOf(row, 'progress')).to.equal('Complete');
    // Reopening the page shows the end of the set, not a new question.
    const again = await postForm(fx, '/practice/next', { session: page.session });
    expect(again.html).to.contain('Set complete');
    expect((await storedSet(fx, userId)).answered).to.equal(3);
  });
});
