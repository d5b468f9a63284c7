import { expect } from 'chai';
import { startLtiFixture, type LtiFixture } from '../../support/pathwise.js';
import {
  answerFor,
  deepLinkAssignment,
  getPage,
  importMiniBank,
  launchStudent,
  postForm,
  storedSet,
  userIdOf,
  type Profile,
} from '../../support/practice.js';
import { waitFor } from '../../support/wait.js';
// As the browser that launched (session-bound cookies): see test/support/platform/browser.ts.
import { browserFetch as fetch } from '../../support/platform/browser.js';

const count = (fx: LtiFixture, collection: string, filter: Record<string, unknown> = {}) =>
  fx.pathwise.database.connection.collection(collection).countDocuments(filter);

describe('student practice over real HTTP (simulator launch → practice → gradebook)', function () {
  let fx: LtiFixture;
  const links: Partial<Record<Profile, string>> = {};
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
    }
  });
  after(async function () {
    await fx.close();
  });

  for (const profile of ['canvas', 'moodle'] as const) {
    it(`${profile}: a student launch opens the first question with skills and why it was chosen`, async function () {
      const page = await launchStudent(fx, profile, 'student-01', links[profile]!);
      expect(page.status, page.html).to.equal(200);
      expect(page.url).to.match(/\/practice\?session=/);
      expect(page.html).to.contain(`Addition (${profile})`);
      expect(page.html).to.match(/Question\s+1/);
      expect(page.html).to.contain('Why this question?');
      expect(page.html).to.contain('Adding small numbers');
      // Neither the key, nor the solution, nor hints not asked for reach the browser.
      const set = await storedSet(fx, userIdOf(fx, profile, 'student-01'));
      const instance = set.current!.instance;
      expect(page.html).not.to.contain(instance.hints[0]);
      expect(page.html).not.to.contain('Worked solution');
      expect(page.html).not.to.contain('The correct answer:');
    });

    it(`${profile}: a correct answer is stored, explained, and its score reaches the gradebook`, async function () {
      const student = 'student-02';
      const page = await launchStudent(fx, profile, student, links[profile]!);
      const userId = userIdOf(fx, profile, student);
      const set = await storedSet(fx, userId);
      const current = set.current!;
      const answered = await postForm(fx, '/practice/answer', {
        session: page.session,
        step: String(current.step),
        answer: answerFor(current.instance.key, true),
        confidence: '3',
      });
      expect(answered.status, answered.html).to.equal(200);
      expect(answered.html).to.contain('Correct!');
      // The skill's first answer gives its first estimate (not a jump from 0 %).
      expect(answered.html).to.contain('First estimate for Adding small numbers');
      expect(answered.html).to.match(/not started →\s+first estimate/);
      expect(await count(fx, 'pw_attempts', { userId })).to.equal(1);
      const attempt = await fx.pathwise.database.connection
        .collection('pw_attempts')
        .findOne({ userId });
      expect(attempt?.['correct']).to.equal(true);
      expect(attempt?.['confidence']).to.equal(3);

      const after = await storedSet(fx, userId);
      expect(after.lastScore, 'a score was queued').to.not.equal(undefined);
      const platform = fx.platform(profile);
      const [lineItem] = platform.state.lineItemsForLink(links[profile]!);
      await waitFor(() => platform.state.resultFor(lineItem!.id, userId) !== undefined);
      const result = platform.state.resultFor(lineItem!.id, userId)!;
      expect(result.scoreGiven).to.be.closeTo(after.lastScore!.scoreGiven, 1e-9);
      expect(answered.html).to.contain('to your course gradebook');
      // Once delivered, the page says so (the entry is looked up within this learner's link).
      await waitFor(async () =>
        (await getPage(fx, page.session)).html.includes('Status: in your gradebook'),
      );
    });

    it(`${profile}: an empty or unreadable answer is refused with what to fix, and nothing is stored`, async function () {
      const student = 'student-03';
      const page = await launchStudent(fx, profile, student, links[profile]!);
      const userId = userIdOf(fx, profile, student);
      const set = await storedSet(fx, userId);
      const empty = await postForm(fx, '/practice/answer', {
        session: page.session,
        step: String(set.current!.step),
        answer: '   ',
      });
      expect(empty.status).to.equal(400);
      expect(empty.html).to.contain('Type or choose an answer first.');
      expect(await count(fx, 'pw_attempts', { userId })).to.equal(0);
      const unchanged = await storedSet(fx, userId);
      expect(unchanged.version).to.equal(set.version);
    });
  }

  it('the same answer posted twice (double click) is stored once', async function () {
    const student = 'student-04';
    const page = await launchStudent(fx, 'moodle', student, links.moodle!);
    const userId = userIdOf(fx, 'moodle', student);
    const set = await storedSet(fx, userId);
    const fields = {
      session: page.session,
      step: String(set.current!.step),
      answer: answerFor(set.current!.instance.key, false),
    };
    const [first, second] = await Promise.all([
      postForm(fx, '/practice/answer', fields),
      postForm(fx, '/practice/answer', fields),
    ]);
    expect(first.status).to.equal(200);
    expect(second.status).to.equal(200);
    expect(await count(fx, 'pw_attempts', { userId })).to.equal(1);
    const after = await storedSet(fx, userId);
    expect(after.answered).to.equal(1);
    expect(first.html).to.contain('Not quite');
    expect(first.html).to.contain('Worked solution');
  });

  it('a hint is shown on request, and a correct answer after it leaves mastery unchanged and says why', async function () {
    const student = 'student-05';
    const page = await launchStudent(fx, 'canvas', student, links.canvas!);
    const userId = userIdOf(fx, 'canvas', student);
    const set = await storedSet(fx, userId);
    const step = String(set.current!.step);
    const hinted = await postForm(fx, '/practice/hint', { session: page.session, step });
    expect(hinted.status).to.equal(200);
    expect(hinted.html).to.contain('Show hint 2 of 2');
    const answered = await postForm(fx, '/practice/answer', {
      session: page.session,
      step,
      answer: answerFor(set.current!.instance.key, true),
    });
    expect(answered.html).to.contain('counts as practice');
    const attempt = await fx.pathwise.database.connection
      .collection('pw_attempts')
      .findOne({ userId });
    expect(attempt?.['hintsUsed']).to.equal(1);
    expect(attempt?.['masteryAfter']).to.equal(attempt?.['masteryBefore']);
  });

  it('a student who answers everything right masters both skills, completes the set and gets full marks', async function () {
    this.timeout(30000);
    const student = 'student-06';
    const page = await launchStudent(fx, 'moodle', student, links.moodle!);
    const userId = userIdOf(fx, 'moodle', student);
    let html = page.html;
    for (let i = 0; i < 60 && !html.includes('Set complete'); i++) {
      const set = await storedSet(fx, userId);
      if (set.phase === 'feedback') {
        html = (await postForm(fx, '/practice/next', { session: page.session })).html;
        continue;
      }
      html = (
        await postForm(fx, '/practice/answer', {
          session: page.session,
          step: String(set.current!.step),
          answer: answerFor(set.current!.instance.key, true),
        })
      ).html;
    }
    expect(html).to.contain('Set complete');
    expect(html).to.contain('Skills mastered: 2 of 2');
    expect(html).to.match(/Your strengths<\/h2>\s*<ul>\s*<li>Adding (small|big) numbers/);
    const set = await storedSet(fx, userId);
    expect(set.lastScore?.scoreGiven).to.equal(10);
    expect(set.lastScore?.activityProgress).to.equal('Completed');
    const platform = fx.platform('moodle');
    const [lineItem] = platform.state.lineItemsForLink(links.moodle!);
    await waitFor(() => platform.state.resultFor(lineItem!.id, userId)?.scoreGiven === 10);
    // Resuming from another device shows the same place.
    const again = await launchStudent(fx, 'moodle', student, links.moodle!);
    expect(again.html).to.contain('Set complete');
  });

  it('a student can choose a ready skill, and a locked one is refused', async function () {
    const student = 'student-07';
    const page = await launchStudent(fx, 'canvas', student, links.canvas!);
    const locked = await postForm(fx, '/practice/skill', {
      session: page.session,
      skill: 'not-a-skill',
    });
    expect(locked.status).to.equal(400);
    expect(locked.html).to.contain('not part of this assignment');
    const chosen = await postForm(fx, '/practice/skill', {
      session: page.session,
      skill: 'add-small',
    });
    expect(chosen.status).to.equal(200);
    expect(chosen.html).to.contain('your choice');
    const set = await storedSet(fx, userIdOf(fx, 'canvas', student));
    expect(set.current?.instance.skillId).to.equal('add-small');
  });

  it('a script client gets the result and the next question as JSON, never the key', async function () {
    const student = 'student-08';
    const page = await launchStudent(fx, 'canvas', student, links.canvas!);
    const set = await storedSet(fx, userIdOf(fx, 'canvas', student));
    const post = (answer: string | string[]) => {
      const body = new URLSearchParams({ session: page.session, step: String(set.current!.step) });
      for (const a of typeof answer === 'string' ? [answer] : answer) body.append('answer', a);
      return fetch(`${fx.pathwise.url}/practice/answer`, {
        method: 'POST',
        headers: { Accept: 'application/json' },
        body,
      });
    };
    const empty = await post('');
    expect(empty.status).to.equal(400);
    expect(((await empty.json()) as { error: { message: string } }).error.message).to.contain(
      'Type or choose',
    );
    const response = await post(answerFor(set.current!.instance.key, true));
    expect(response.status).to.equal(200);
    const body = (await response.json()) as {
      result: { correct: boolean; step: number };
      question: { step: number; prompt: string } | null;
    };
    expect(body.result.correct).to.equal(true);
    expect(body.result.step).to.equal(set.current!.step);
    expect(body.question?.step).to.equal(set.current!.step + 1);
    expect(JSON.stringify(body.question)).not.to.contain('"key"');
  });

  it('an expired or foreign session cannot read or write practice', async function () {
    const response = await getPage(fx, 'forged-session-token');
    expect(response.status).to.equal(401);
    expect(response.html).to.contain('session has expired');
  });
});
