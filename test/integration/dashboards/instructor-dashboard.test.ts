import { expect } from 'chai';
import { startLtiFixture, type LtiFixture } from '../../support/pathwise.js';
import {
  deepLinkAssignment,
  importMiniBank,
  launchStudent,
  storedSet,
  userIdOf,
  type Profile,
} from '../../support/practice.js';
import {
  bodyRows,
  CLAIM,
  cellOf,
  cellsOf,
  dashboardPath,
  getHtml,
  launchAs,
  nameOf,
  postRaw,
  practise,
  rowFor,
  tableOf,
  textOf,
  waitFor,
  type LaunchedPage,
} from './helpers.js';
// As the browser that launched (session-bound cookies): see test/support/platform/browser.ts.
import { browserFetch as fetch } from '../../support/platform/browser.js';

/** Raw documents of our collections (string ids). */
const collection = (fx: LtiFixture, name: string) =>
  fx.pathwise.database.connection.collection<{ _id: string } & Record<string, unknown>>(name);

describe('instructor dashboard over real HTTP (simulator launches, roster, practice, grades)', function () {
  this.timeout(60000);
  let fx: LtiFixture;
  const links: Partial<Record<Profile, string>> = {};
  const instructor: Partial<Record<Profile, LaunchedPage>> = {};
  const course = (profile: Profile) => ({
    platformId: fx.registrationOf(profile).id,
    contextId: fx.platform(profile).state.course.contextId,
  });
  const assignmentIdOf = async (title: string): Promise<string> => {
    const doc = await collection(fx, 'pw_assignments').findOne({ title });
    if (doc === null) throw new Error(`no assignment ${title}`);
    return doc._id;
  };
  /** Scores of a course still waiting to be sent (the worker runs in the background). */
  const pendingScores = (profile: Profile) =>
    collection(fx, 'pw_grade_outbox').countDocuments({ ...course(profile), status: 'pending' });

  before(async function () {
    fx = await startLtiFixture();
    await importMiniBank(fx);
    for (const profile of ['canvas', 'moodle'] as const) {
      links[profile] = await deepLinkAssignment(fx, profile, {
        title: `Addition (${profile})`,
        scoreMaximum: '10',
        skills: ['add-small', 'add-big'],
        minItems: '0',
      });
      // The instructor's launch lands on the dashboard and starts a roster sync in the background.
      const page = await launchAs(fx, profile, 'instructor', links[profile]);
      expect(page.status, page.html).to.equal(200);
      instructor[profile] = page;
      await waitFor(
        async () =>
          (await fx.pathwise.application.rosterSync.syncState(course(profile)))?.lastSyncAt !==
          undefined,
      );
    }
  });
  after(async function () {
    await fx.close();
  });

  const session = (profile: Profile): string => instructor[profile]!.session;

  it("an instructor's launch of a Pathwise link opens the class dashboard, not the practice", async function () {
    const page = instructor.canvas!;
    expect(new URL(page.url).pathname).to.equal('/dashboard');
    expect(page.html).to.contain('Addition (canvas)');
    expect(page.html).to.match(/<nav aria-label=['"]Dashboard pages['"]>/);
    // No inline script anywhere (CSP), and the page is not cached.
    expect(page.html).to.not.match(/<script(?![^>]*\ssrc=)[^>]*>/);
    const again = await getHtml(fx, dashboardPath('', session('canvas')));
    expect(again.headers.get('cache-control')).to.equal('no-store');
  });

  it('a TA launch also opens the dashboard; an instructor on a link without an assignment stays on the home page', async function () {
    const ta = await launchAs(fx, 'canvas', 'ta', links.canvas!);
    expect(new URL(ta.url).pathname).to.equal('/dashboard');
    expect(ta.status).to.equal(200);
    const seededLink = [...fx.platform('canvas').state.resourceLinks.keys()][0]!;
    const home = await launchAs(fx, 'canvas', 'instructor', seededLink);
    expect(new URL(home.url).pathname).to.equal('/lti/home');
  });

  it('the roster lists all 30 seeded students, never-launched ones as "Not started"', async function () {
    const { status, html } = await getHtml(fx, dashboardPath('', session('canvas')));
    expect(status).to.equal(200);
    const table = tableOf(html, 'roster');
    expect(table).to.match(/<caption\b/);
    expect(table).to.match(/<th scope=['"]col['"]>Student<\/th>/);
    const rows = bodyRows(table);
    expect(rows).to.have.length(30);
    for (const student of fx.platform('canvas').state.students)
      expect(textOf(table)).to.contain(student.name);
    // Nobody launched student-30: still listed, from NRPS alone.
    const row = rowFor(table, nameOf(fx, 'canvas', 'student-30'));
    expect(cellOf(row, 'progress')).to.equal('Not started');
    expect(cellOf(row, 'answered')).to.equal('0');
    expect(cellOf(row, 'grade')).to.equal('No score yet');
    // Staff are not students.
    expect(textOf(table)).to.not.contain(nameOf(fx, 'canvas', 'instructor'));
    expect(textOf(table)).to.not.contain(nameOf(fx, 'canvas', 'ta'));
    expect(html).to.contain('Roster read from your LMS at');
  });

  it('progress figures follow the students: answered, correct, skills mastered, last activity, grade', async function () {
    await practise(fx, 'canvas', 'student-01', links.canvas!, [true, true, true]);
    await practise(fx, 'canvas', 'student-02', links.canvas!, [false, true]);
    const userId = userIdOf(fx, 'canvas', 'student-01');
    await waitFor(async () => (await pendingScores('canvas')) === 0);

    const { html } = await getHtml(fx, dashboardPath('', session('canvas')));
    const table = tableOf(html, 'roster');
    const first = rowFor(table, nameOf(fx, 'canvas', 'student-01'));
    expect(cellOf(first, 'progress')).to.equal('In progress');
    expect(cellOf(first, 'answered')).to.equal('3');
    expect(cellOf(first, 'correct')).to.equal('3 (100%)');
    const profile = await collection(fx, 'pw_learners').findOne({ userId });
    const skills = (profile?.['engine'] as { skills: { mastered: boolean }[] }).skills;
    expect(cellOf(first, 'mastered')).to.equal(`${skills.filter((s) => s.mastered).length} of 2`);
    expect(first).to.match(/<time datetime=['"]\d{4}-\d\d-\d\dT/);
    const set = await storedSet(fx, userId);
    expect(cellOf(first, 'grade')).to.equal(`Delivered · ${set.lastScore!.scoreGiven} / 10`);

    const second = rowFor(table, nameOf(fx, 'canvas', 'student-02'));
    expect(cellOf(second, 'answered')).to.equal('2');
    expect(cellOf(second, 'correct')).to.equal('1 (50%)');
    expect(textOf(html)).to.match(/Started: \d+/);
  });

  it('the heatmap shows each started student’s mastery per skill as text, matching their profile', async function () {
    await practise(fx, 'canvas', 'student-04', links.canvas!, [true, false, true, true]);
    const userId = userIdOf(fx, 'canvas', 'student-04');
    const { html } = await getHtml(fx, dashboardPath('/heatmap', session('canvas')));
    const table = tableOf(html, 'heatmap');
    expect(table).to.match(/<th scope=['"]col['"]>\s*Adding small numbers\s*<\/th>/);
    expect(table).to.match(/<th scope=['"]col['"]>\s*Adding big numbers\s*<\/th>/);
    const profile = await collection(fx, 'pw_learners').findOne({ userId });
    const engine = profile?.['engine'] as {
      skills: { skillId: string; mastery: number; mastered: boolean }[];
    };
    const attempts = await collection(fx, 'pw_attempts').find({ userId }).toArray();
    const row = rowFor(table, nameOf(fx, 'canvas', 'student-04'));
    const cells = cellsOf(row);
    ['add-small', 'add-big'].forEach((skillId, i) => {
      const state = engine.skills.find((s) => s.skillId === skillId);
      const here = attempts.filter((a) => a['skillId'] === skillId);
      if (state === undefined || here.length === 0) {
        expect(cells[i]).to.equal('—');
        return;
      }
      // Shown rounded down, like every mastery percent (the rule it is checked against).
      const percent = `${Math.floor(state.mastery * 100 + 1e-9)}%`;
      const right = here.filter((a) => a['correct'] === true).length;
      expect(cells[i]).to.equal(
        `${state.mastered ? '✓ ' : ''}${percent} ${right}/${here.length} ${here.length === 1 ? 'answer' : 'answers'} right`,
      );
    });
    // Colour is never the only cue: screen readers hear the state.
    expect(row).to.match(
      /class=['"]visually-hidden['"]>\s*(mastered|mastery, not yet mastered|not practised)/,
    );
    // Students who never started are counted, not drawn.
    expect(bodyRows(table).length).to.be.below(30);
    expect(html).to.match(/students have not started/);
  });

  it('a student who keeps answering wrong is flagged as struggling, with the skill and why', async function () {
    await practise(fx, 'canvas', 'student-05', links.canvas!, [false, false, false, false, false]);
    const userId = userIdOf(fx, 'canvas', 'student-05');
    const attempts = await collection(fx, 'pw_attempts').find({ userId }).sort({ at: 1 }).toArray();
    // Prerequisites keep a new student on "Adding small numbers": every miss is on it.
    const skills = new Set(attempts.map((a) => a['skillId']));
    expect([...skills]).to.deep.equal(['add-small']);
    const { html } = await getHtml(fx, dashboardPath('/struggling', session('canvas')));
    const table = tableOf(html, 'struggling');
    const row = rowFor(table, nameOf(fx, 'canvas', 'student-05'));
    expect(cellOf(row, 'skill')).to.equal('Adding small numbers');
    const profile = await collection(fx, 'pw_learners').findOne({ userId });
    const engine = profile?.['engine'] as { skills: { skillId: string; mastery: number }[] };
    const mastery = Math.floor(
      engine.skills.find((s) => s.skillId === 'add-small')!.mastery * 100 + 1e-9,
    );
    expect(cellOf(row, 'mastery')).to.equal(`${mastery}%`);
    expect(cellOf(row, 'why')).to.equal(
      `5 answers on this skill and mastery is still ${mastery}%; missed the last 5 questions in a row; Pathwise stepped back 2 times (easier questions with a worked example, or a prerequisite).`,
    );
    // A student who answers everything right is not on the list.
    expect(textOf(table)).to.not.contain(nameOf(fx, 'canvas', 'student-01'));
  });

  it('item statistics count this assignment’s answers per item, with % correct, prediction, difficulty and flags', async function () {
    await practise(fx, 'canvas', 'student-06', links.canvas!, [
      false,
      false,
      false,
      false,
      false,
      false,
    ]);
    await waitFor(async () => (await pendingScores('canvas')) === 0);
    const assignmentId = await assignmentIdOf('Addition (canvas)');
    const attempts = await collection(fx, 'pw_attempts').find({ assignmentId }).toArray();
    const { html } = await getHtml(fx, dashboardPath('/items', session('canvas')));
    const table = tableOf(html, 'items');
    const templateIds = [...new Set(attempts.map((a) => String(a['templateId'])))];
    expect(bodyRows(table)).to.have.length(templateIds.length);
    for (const templateId of templateIds) {
      const mine = attempts.filter((a) => a['templateId'] === templateId);
      const right = mine.filter((a) => a['correct'] === true).length;
      const predicted = mine.reduce((sum, a) => sum + Number(a['predicted']), 0) / mine.length;
      const row = rowFor(table, templateId);
      expect(cellOf(row, 'attempts')).to.equal(String(mine.length));
      expect(cellOf(row, 'correct')).to.equal(`${Math.round((right / mine.length) * 100)}%`);
      expect(cellOf(row, 'expected')).to.equal(`${Math.round(predicted * 100)}%`);
      expect(cellOf(row, 'difficulty')).to.match(/^(Easy|Medium|Hard) \(about \d+% right\)$/);
      if (mine.length >= 5 && right / mine.length < 0.3)
        expect(cellOf(row, 'flags')).to.contain('Very hard: only');
    }
    // Another course's answers never count here.
    expect(attempts.every((a) => a['contextId'] === course('canvas').contextId)).to.equal(true);
  });

  describe('grade sync', function () {
    it('a score the LMS refuses shows as failed; a retry from the dashboard delivers it', async function () {
      const platform = fx.platform('canvas');
      await waitFor(async () => (await pendingScores('canvas')) === 0);
      platform.faults.inject('scores', { kind: 'error', status: 400 }, 1);
      await practise(fx, 'canvas', 'student-07', links.canvas!, [true]);
      const userId = userIdOf(fx, 'canvas', 'student-07');
      await waitFor(async () => {
        const latest = await fx.pathwise.application.gradeOutbox.latestPerStream(course('canvas'));
        return latest.some((e) => e.userId === userId && e.status === 'dead');
      });

      const name = nameOf(fx, 'canvas', 'student-07');
      const before = await getHtml(fx, dashboardPath('/grades', session('canvas')));
      const table = tableOf(before.html, 'grades');
      const row = rowFor(table, name);
      expect(bodyRows(table)[0]).to.equal(row, 'failed scores come first');
      expect(cellOf(row, 'status')).to.equal('Failed');
      expect(cellOf(row, 'detail')).to.contain('The LMS said: HTTP 400');
      const entryId = /name=['"]entry['"] value=['"]([^'"]+)['"]/.exec(row)?.[1];
      expect(entryId, 'a retry form for the failed score').to.be.a('string');
      expect(row).to.match(/<form method=['"]post['"] action=['"]\/dashboard\/grades\/retry['"]/);
      const overview = await getHtml(fx, dashboardPath('', session('canvas')));
      expect(cellOf(rowFor(tableOf(overview.html, 'roster'), name), 'grade')).to.match(/^Failed/);

      // A token in the query string is not enough for a write (CSRF): nothing is requeued.
      const csrf = await postRaw(fx, `/dashboard/grades/retry?session=${session('canvas')}`, {
        entry: entryId!,
      });
      expect(csrf.status).to.equal(403);
      expect(csrf.html).to.contain('did not carry your Pathwise session');
      const entry = () => collection(fx, 'pw_grade_outbox').findOne({ _id: entryId! });
      expect((await entry())?.['status']).to.equal('dead');

      const retried = await postRaw(fx, '/dashboard/grades/retry', {
        session: session('canvas'),
        entry: entryId!,
      });
      expect(retried.status).to.equal(303);
      expect(retried.location).to.match(/^\/dashboard\/grades\?session=.*notice=grade-requeued/);
      const [lineItem] = platform.state.lineItemsForLink(links.canvas!);
      await waitFor(() => platform.state.resultFor(lineItem!.id, userId) !== undefined);
      expect(platform.state.resultFor(lineItem!.id, userId)?.scoreGiven).to.equal(
        (await storedSet(fx, userId)).lastScore?.scoreGiven,
      );
      await waitFor(async () => (await entry())?.['status'] === 'sent');
      const after = await getHtml(fx, retried.location!);
      expect(after.html).to.contain('The score was queued again');
      expect(cellOf(rowFor(tableOf(after.html, 'grades'), name), 'status')).to.equal('Delivered');
      expect(rowFor(tableOf(after.html, 'grades'), name)).to.not.contain("name='entry'");

      // Retrying it again is harmless and says why.
      const again = await postRaw(fx, '/dashboard/grades/retry', {
        session: session('canvas'),
        entry: entryId!,
      });
      expect(again.location).to.contain('notice=grade-not-dead');
    });
  });

  it('the CSV export has every student with their progress, escaped, with formulas defused', async function () {
    // A hostile display name from the LMS (it reaches us through NRPS).
    const evilUser = userIdOf(fx, 'canvas', 'student-29');
    const evil = '=HYPERLINK("http://evil.example","Click"), really';
    await collection(fx, 'pw_roster_members').updateOne(
      { ...course('canvas'), userId: evilUser },
      { $set: { name: evil } },
    );
    const response = await fetch(
      `${fx.pathwise.url}${dashboardPath('/export.csv', session('canvas'))}`,
    );
    expect(response.status).to.equal(200);
    expect(response.headers.get('content-type')).to.equal('text/csv; charset=utf-8');
    expect(response.headers.get('content-disposition')).to.match(
      /^attachment; filename="?pathwise-addition-canvas-\d{4}-\d\d-\d\d\.csv"?$/,
    );
    expect(response.headers.get('cache-control')).to.equal('no-store');
    const bytes = Buffer.from(await response.arrayBuffer());
    // A UTF-8 byte order mark first, so spreadsheets read accented names right.
    expect([...bytes.subarray(0, 3)]).to.deep.equal([0xef, 0xbb, 0xbf]);
    const lines = bytes.subarray(3).toString('utf8').split('\r\n');
    expect(lines.at(-1)).to.equal('');
    const [header, ...students] = lines.slice(0, -1);
    expect(header).to.equal(
      'Student,User ID,Enrolment,Progress,Answered,Correct,Percent correct,Skills mastered,Skills total,Last activity (UTC),Grade status,Score,Out of,Mastery %: Adding small numbers,Mastery %: Adding big numbers',
    );
    expect(students).to.have.length(30);

    const ana = students.find((l) => l.includes(userIdOf(fx, 'canvas', 'student-01')))!;
    const set = await storedSet(fx, userIdOf(fx, 'canvas', 'student-01'));
    expect(ana.split(',').slice(0, 9)).to.deep.equal([
      nameOf(fx, 'canvas', 'student-01'),
      set.userId,
      'Active',
      'In progress',
      String(set.answered),
      String(set.correct),
      '100',
      ana.split(',')[7]!,
      '2',
    ]);
    const never = students.find((l) => l.includes(userIdOf(fx, 'canvas', 'student-30')))!;
    expect(never).to.equal(
      `${nameOf(fx, 'canvas', 'student-30')},${userIdOf(fx, 'canvas', 'student-30')},Active,Not started,0,0,,,2,,No score yet,,,,`,
    );
    const hostile = students.find((l) => l.includes(evilUser))!;
    expect(hostile).to.equal(
      `"'=HYPERLINK(""http://evil.example"",""Click""), really",${evilUser},Active,Not started,0,0,,,2,,No score yet,,,,`,
    );
    // The same name is escaped on the HTML page.
    const page = await getHtml(fx, dashboardPath('', session('canvas')));
    expect(page.html).to.contain('&#x3D;HYPERLINK(&quot;http://evil.example&quot;');
    expect(textOf(page.html)).to.contain(evil);
  });

  it('"Sync roster now" reads the roster again and says so', async function () {
    const requestsBefore = fx.platform('canvas').state.countRequests('memberships');
    const synced = await postRaw(fx, '/dashboard/roster/sync', { session: session('canvas') });
    expect(synced.status).to.equal(303);
    expect(synced.location).to.match(/^\/dashboard\?session=.*notice=roster-synced/);
    expect(fx.platform('canvas').state.countRequests('memberships')).to.be.above(requestsBefore);
    const page = await getHtml(fx, synced.location!);
    expect(page.html).to.contain('The roster was read from your LMS just now.');
    // The sync put back the LMS's own name for student-29.
    expect(textOf(page.html)).to.contain(nameOf(fx, 'canvas', 'student-29'));
  });

  describe('access control', function () {
    it('a student cannot open, export or act on the dashboard', async function () {
      const student = await launchStudent(fx, 'canvas', 'student-20', links.canvas!);
      for (const page of [
        '',
        '/heatmap',
        '/struggling',
        '/items',
        '/grades',
        '/settings',
        '/export.csv',
      ]) {
        const response = await getHtml(fx, dashboardPath(page, student.session));
        expect(response.status, page).to.equal(403);
        expect(response.html).to.contain('for the instructors of this course');
      }
      for (const action of [
        '/dashboard/roster/sync',
        '/dashboard/grades/retry',
        '/dashboard/settings',
      ]) {
        const response = await postRaw(fx, action, { session: student.session, title: 'Hacked' });
        expect(response.status, action).to.equal(403);
      }
      expect(await collection(fx, 'pw_assignments').countDocuments({ title: 'Hacked' })).to.equal(
        0,
      );
    });

    it('without a session, or with an unknown one, nothing is shown', async function () {
      expect((await getHtml(fx, '/dashboard')).status).to.equal(401);
      expect((await getHtml(fx, dashboardPath('', 'forged-session'))).status).to.equal(401);
      expect((await postRaw(fx, '/dashboard/roster/sync', { session: 'forged' })).status).to.equal(
        401,
      );
    });

    it("an instructor of another course cannot read course A's dashboard or retry its grades by guessing ids", async function () {
      const assignmentId = await assignmentIdOf('Addition (canvas)');
      // Course B's instructor launches a link whose custom parameter names course A's assignment.
      const foreign = await launchAs(fx, 'canvas', 'instructor', links.canvas!, {
        set: {
          [CLAIM.context]: { id: 'course-b', title: 'Another course', label: 'B' },
          [CLAIM.custom]: { pathwise_assignment_id: assignmentId },
        },
      });
      expect(foreign.status).to.equal(200);
      expect(new URL(foreign.url).pathname).to.equal('/lti/home');
      for (const page of ['', '/heatmap', '/export.csv', '/settings']) {
        const response = await getHtml(fx, dashboardPath(page, foreign.session));
        expect(response.status, page).to.equal(404);
        expect(response.html).to.not.contain(nameOf(fx, 'canvas', 'student-01'));
      }

      // A dead score of course A, and course B's instructor guessing its id.
      const platform = fx.platform('canvas');
      await waitFor(async () => (await pendingScores('canvas')) === 0);
      platform.faults.inject('scores', { kind: 'error', status: 400 }, 1);
      await practise(fx, 'canvas', 'student-08', links.canvas!, [true]);
      const userId = userIdOf(fx, 'canvas', 'student-08');
      let deadId = '';
      await waitFor(async () => {
        const latest = await fx.pathwise.application.gradeOutbox.latestPerStream(course('canvas'));
        deadId = latest.find((e) => e.userId === userId && e.status === 'dead')?.id ?? '';
        return deadId !== '';
      });
      const guessed = await postRaw(fx, '/dashboard/grades/retry', {
        session: foreign.session,
        entry: deadId,
      });
      expect(guessed.status).to.equal(404);
      // And from the other platform's course.
      const moodle = await postRaw(fx, '/dashboard/grades/retry', {
        session: session('moodle'),
        entry: deadId,
      });
      expect(moodle.status).to.equal(404);
      expect(moodle.html).to.contain('There is no such score for this assignment.');
      const stored = await collection(fx, 'pw_grade_outbox').findOne({ _id: deadId });
      expect(stored?.['status']).to.equal('dead');
    });

    it("the other platform's dashboard shows only its own course", async function () {
      await practise(fx, 'moodle', 'student-01', links.moodle!, [true]);
      const csv = await (
        await fetch(`${fx.pathwise.url}${dashboardPath('/export.csv', session('moodle'))}`)
      ).text();
      // Moodle sends non-editing teachers as Learner, so the TA is listed with the 30 students.
      const moodleIds = new Set(
        fx
          .platform('moodle')
          .state.users.filter((u) => u.role !== 'instructor')
          .map((u) => u.sub),
      );
      const rows = csv.trim().split('\r\n').slice(1); // fetch's text() drops the BOM
      expect(rows).to.have.length(31);
      for (const row of rows) expect(moodleIds.has(row.split(',')[1]!)).to.equal(true);
      for (const student of fx.platform('canvas').state.students)
        expect(csv).to.not.contain(student.sub);
      const overview = await getHtml(fx, dashboardPath('', session('moodle')));
      const ana = rowFor(tableOf(overview.html, 'roster'), nameOf(fx, 'moodle', 'student-01'));
      expect(cellOf(ana, 'answered')).to.equal('1');
      expect(textOf(overview.html)).to.contain('Started: 1 ');
    });
  });

  describe('edit settings', function () {
    let link: string;
    let page: LaunchedPage;
    before(async function () {
      link = await deepLinkAssignment(fx, 'canvas', {
        title: 'Week 2 practice',
        scoreMaximum: '10',
        skills: ['add-small'],
        minItems: '0',
      });
      page = await launchAs(fx, 'canvas', 'instructor', link);
    });

    const good = {
      title: 'Week 2 practice, revised',
      scoreMaximum: '20',
      dueAt: '',
      skills: ['add-small', 'add-big'],
      mastery: 'p90',
      targetSuccess: '75',
      minItems: '3',
      maxItems: '',
      spacedReview: 'true',
      scorePolicy: 'mastery-partial',
    };

    it('the settings page shows the assignment form filled with the current settings', async function () {
      const { status, html } = await getHtml(fx, dashboardPath('/settings', page.session));
      expect(status).to.equal(200);
      expect(html).to.contain('Edit “Week 2 practice”');
      expect(html).to.match(/<form method=['"]post['"] action=['"]\/dashboard\/settings['"]/);
      expect(html).to.match(/value=['"]add-small['"] checked/);
      expect(html).to.match(/value=['"]add-big['"] \/>/);
      expect(html).to.contain('Back to the class dashboard');
    });

    it("saving new settings keeps every student's set and profile", async function () {
      await practise(fx, 'canvas', 'student-11', link, [true, false]);
      const userId = userIdOf(fx, 'canvas', 'student-11');
      const setBefore = await storedSet(fx, userId);
      expect(setBefore.assignmentId).to.equal(await assignmentIdOf('Week 2 practice'));
      const learnerBefore = await collection(fx, 'pw_learners').findOne({ userId });
      const attemptsBefore = await collection(fx, 'pw_attempts').countDocuments({ userId });

      const invalid = await postRaw(fx, '/dashboard/settings', {
        ...good,
        title: '',
        session: page.session,
      });
      expect(invalid.status).to.equal(400);
      expect(invalid.html).to.contain('Give the assignment a title.');
      expect(
        await collection(fx, 'pw_assignments').countDocuments({ title: 'Week 2 practice' }),
      ).to.equal(1);

      const saved = await postRaw(fx, '/dashboard/settings', { ...good, session: page.session });
      expect(saved.status).to.equal(303);
      expect(saved.location).to.match(/^\/dashboard\/settings\?session=.*notice=settings-saved/);
      const after = await getHtml(fx, saved.location!);
      expect(after.html).to.contain('Settings saved. Students keep their answers and mastery');
      expect(after.html).to.contain('Edit “Week 2 practice, revised”');

      const stored = await collection(fx, 'pw_assignments').findOne({
        _id: setBefore.assignmentId,
      });
      expect(stored?.['title']).to.equal('Week 2 practice, revised');
      expect(stored?.['scoreMaximum']).to.equal(20);
      expect(stored?.['settings']).to.deep.include({
        skillIds: ['add-small', 'add-big'],
        mastery: { kind: 'probability', threshold: 0.9 },
        targetSuccess: 0.75,
        minItems: 3,
        maxItems: null,
      });

      // Progress survived: the same set with the same answers, the same profile, every attempt.
      const setAfter = await storedSet(fx, userId);
      expect(setAfter.id).to.equal(setBefore.id);
      expect(setAfter.answered).to.equal(2);
      expect(setAfter.correct).to.equal(1);
      const learnerAfter = await collection(fx, 'pw_learners').findOne({ userId });
      expect(learnerAfter?.['_id']).to.equal(learnerBefore?.['_id']);
      expect(learnerAfter?.['engine']).to.deep.equal(learnerBefore?.['engine']);
      expect(await collection(fx, 'pw_attempts').countDocuments({ userId })).to.equal(
        attemptsBefore,
      );
      const resumed = await launchStudent(fx, 'canvas', 'student-11', link);
      expect(resumed.html).to.contain('Week 2 practice, revised');
      expect(textOf(resumed.html)).to.contain('2 answered · 1 correct');
      const overview = await getHtml(fx, dashboardPath('', page.session));
      const row = rowFor(tableOf(overview.html, 'roster'), nameOf(fx, 'canvas', 'student-11'));
      expect(cellOf(row, 'answered')).to.equal('2');
      expect(cellOf(row, 'mastered')).to.match(/of 2$/);
    });
  });
});
