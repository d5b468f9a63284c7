import { expect } from 'chai';
import { driveLaunch, readForm, type LoginInitiation } from '../../support/platform/index.js';
import { submitAssignmentForm } from '../../support/practice.js';
import { startPathwise, type RunningPathwise } from '../../support/pathwise.js';
import { waitFor } from '../../support/wait.js';
// As the browser that launched (session-bound cookies): see test/support/platform/browser.ts.
import { browserFetch as fetch } from '../../support/platform/browser.js';

/** What a person clicking "launch" on the /dev/lms page starts: the simulator's login form. */
async function dashboardLaunch(pathwise: RunningPathwise, path: string): Promise<LoginInitiation> {
  const page = await fetch(`${pathwise.url}/dev/lms/${path}`);
  expect(page.status).to.equal(200);
  const form = readForm(await page.text());
  if (form === undefined) throw new Error('the simulator page has no login form');
  const url = new URL(form.action, page.url);
  const getUrl = new URL(url);
  for (const [name, value] of Object.entries(form.fields)) getUrl.searchParams.set(name, value);
  return { url: url.toString(), params: form.fields, getUrl: getUrl.toString() };
}

describe('dev mode: Pathwise with the built-in LMS simulator at /dev/lms', function () {
  let pathwise: RunningPathwise;
  before(async function () {
    pathwise = await startPathwise({ env: { PATHWISE_DEV_MODE: 'true' } });
  });
  after(async function () {
    await pathwise.close();
  });

  it('serves the simulator dashboard with both platforms', async function () {
    const response = await fetch(`${pathwise.url}/dev/lms/`);
    expect(response.status).to.equal(200);
    const html = await response.text();
    expect(html).to.contain('canvas');
    expect(html).to.contain('moodle');
  });

  for (const profile of ['canvas', 'moodle'] as const) {
    it(`${profile}: an instructor deep-links an assignment, a student launches it, their score reaches the gradebook and the roster lists every student`, async function () {
      const instructor = await driveLaunch({
        initiation: await dashboardLaunch(
          pathwise,
          `${profile}/launch?user=instructor&message=deeplink`,
        ),
      });
      expect(instructor.final?.url).to.match(/\/lti\/deep-link\?session=/);
      const form = readForm(instructor.final!.body)!;
      const submitted = await submitAssignmentForm(
        new URL(form.action, instructor.final!.url),
        new URLSearchParams({
          ...form.fields,
          title: `Ratios (${profile})`,
          scoreMaximum: '20',
          skills: 'ratios',
        }),
      );
      const back = readForm(submitted.page)!;
      const returned = await fetch(back.action, {
        method: 'POST',
        headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams(back.fields),
      });
      expect(returned.status).to.equal(200);
      const dashboard = await (await fetch(`${pathwise.url}/dev/lms/${profile}/`)).text();
      // The person picks the new activity from the dashboard's launch menu.
      const link = new RegExp(`<option value='([^']+)'>Ratios \\(${profile}\\)`).exec(
        dashboard,
      )?.[1];
      expect(link, 'the new resource link is on the dashboard').to.be.a('string');
      const student = await driveLaunch({
        initiation: await dashboardLaunch(
          pathwise,
          `${profile}/launch?user=student-09&message=resource&link=${link!}`,
        ),
      });
      expect(student.final?.status).to.equal(200);
      expect(student.final?.body).to.contain(`Ratios (${profile})`);

      // The student's score goes through the outbox to the simulator's gradebook.
      const { gradeOutbox, registry } = pathwise.application;
      const [registration] = (await registry.list()).filter((p) =>
        p.clientId.startsWith(`pathwise-dev-${profile}`),
      );
      const simulated = pathwise.application.devSimulator!.platforms.find(
        (p) => p.profile === profile,
      )!;
      const sub = simulated.state.userByKey('student-09')!.sub;
      const queued = await gradeOutbox.enqueueScore({
        destination: {
          platformId: registration!.id,
          contextId: simulated.state.course.contextId,
          resourceLinkId: link!,
        },
        score: {
          userId: sub,
          scoreGiven: 15,
          scoreMaximum: 20,
          activityProgress: 'InProgress',
          gradingProgress: 'FullyGraded',
        },
      });
      expect(queued.ok).to.equal(true);
      const [lineItem] = simulated.state.lineItemsForLink(link!);
      await waitFor(() => simulated.state.resultFor(lineItem!.id, sub) !== undefined);
      const result = simulated.state.resultFor(lineItem!.id, sub)!;
      expect(result.scoreGiven, 'moodle scales to the line item maximum').to.equal(15);
      const gradebook = await (await fetch(`${pathwise.url}/dev/lms/${profile}/`)).text();
      expect(gradebook).to.contain('15 / 20');

      // An instructor launch syncs the whole roster, never-launched students included.
      await driveLaunch({
        initiation: await dashboardLaunch(
          pathwise,
          `${profile}/launch?user=instructor&message=resource&link=${link!}`,
        ),
      });
      const course = { platformId: registration!.id, contextId: simulated.state.course.contextId };
      await waitFor(async () =>
        (await pathwise.application.rosterSync.members(course)).some((m) => m.role === 'learner'),
      );
      const learners = new Set(
        (await pathwise.application.rosterSync.members(course))
          .filter((m) => m.role === 'learner')
          .map((m) => m.userId),
      );
      // All 30 students; Moodle also lists its non-editing teacher as a Learner.
      expect(simulated.state.students).to.have.length(30);
      for (const student of simulated.state.students) expect(learners).to.include(student.sub);
    });
  }
});
