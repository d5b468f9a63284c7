import { expect } from 'chai';
import { startLtiFixture, type LtiFixture } from '../../support/pathwise.js';
import {
  answerFor,
  deepLinkAssignment,
  importMiniBank,
  launchStudent,
  postForm,
  storedSet,
  userIdOf,
} from '../../support/practice.js';
// As the browser that launched (session-bound cookies): see test/support/platform/browser.ts.
import { browserFetch as fetch } from '../../support/platform/browser.js';

const PERSONAL_COLLECTIONS = [
  'pw_learners',
  'pw_practice_sets',
  'pw_attempts',
  'pw_grade_outbox',
  'pw_roster_members',
  'pw_lti_sessions',
] as const;

describe('learner data: export and erasure', function () {
  let fx: LtiFixture;
  let link: string;

  async function practise(user: string): Promise<string> {
    const page = await launchStudent(fx, 'canvas', user, link);
    const userId = userIdOf(fx, 'canvas', user);
    for (let i = 0; i < 2; i++) {
      const set = await storedSet(fx, userId);
      await postForm(fx, '/practice/answer', {
        session: page.session,
        step: String(set.current!.step),
        answer: answerFor(set.current!.instance.key, i === 0),
      });
      await postForm(fx, '/practice/next', { session: page.session });
    }
    return page.session;
  }

  /** Documents about one user in each personal collection. */
  async function footprint(userId: string): Promise<Record<string, number>> {
    const db = fx.pathwise.database.connection;
    const learner = await db.collection('pw_learners').findOne({ userId });
    const counts: Record<string, number> = {};
    for (const name of PERSONAL_COLLECTIONS) {
      const filter =
        name === 'pw_practice_sets' || name === 'pw_attempts'
          ? { learnerId: learner?.['_id'] ?? '-' }
          : { userId };
      counts[name] = await db.collection(name).countDocuments(filter);
    }
    return counts;
  }

  before(async function () {
    fx = await startLtiFixture();
    await importMiniBank(fx);
    link = await deepLinkAssignment(fx, 'canvas', {
      title: 'Addition',
      scoreMaximum: '10',
      skills: ['add-small', 'add-big'],
    });
    // An instructor launch syncs the roster, so memberships exist too.
    await launchStudent(fx, 'canvas', 'instructor', link);
  });
  after(async function () {
    await fx.close();
  });

  it('a learner downloads everything stored about them as JSON', async function () {
    const session = await practise('student-10');
    const response = await fetch(
      `${fx.pathwise.url}/learner/export?session=${encodeURIComponent(session)}`,
    );
    expect(response.status).to.equal(200);
    expect(response.headers.get('content-type')).to.match(/application\/json/);
    expect(response.headers.get('content-disposition')).to.match(/attachment/);
    const data = (await response.json()) as Record<string, unknown>;
    const userId = userIdOf(fx, 'canvas', 'student-10');
    expect((data['identity'] as { userId: string }).userId).to.equal(userId);
    const profile = data['profile'] as { engine: { steps: number } };
    expect(profile.engine.steps).to.be.greaterThan(0);
    expect(data['answers']).to.have.length(2);
    expect(data['practiceSets']).to.have.length(1);
    expect(data['gradebookScores']).to.be.an('array').that.is.not.empty;
    // Another learner's data is never in the export.
    expect(JSON.stringify(data)).not.to.contain(userIdOf(fx, 'canvas', 'student-11'));
  });

  it('an admin erases a learner completely, and nobody else loses anything', async function () {
    await practise('student-12');
    await practise('student-13');
    const erased = userIdOf(fx, 'canvas', 'student-12');
    const kept = userIdOf(fx, 'canvas', 'student-13');
    const before = await footprint(erased);
    expect(before['pw_learners']).to.equal(1);
    expect(before['pw_attempts']).to.equal(2);
    const keptBefore = await footprint(kept);

    const registration = fx.registrationOf('canvas');
    const report = await fx.pathwise.application.learners.erase(registration.id, {
      issuer: registration.issuer,
      clientId: registration.clientId,
      userId: erased,
    });
    expect(report.removed['answers']).to.equal(2);
    expect(report.removed['profile']).to.equal(1);

    const after = await footprint(erased);
    for (const name of PERSONAL_COLLECTIONS) expect(after[name], name).to.equal(0);
    expect(await footprint(kept)).to.deep.equal(keptBefore);
  });
});
