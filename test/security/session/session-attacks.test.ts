/**
 * Attacks on the tool session after a launch (hardening issue): a page link handed to someone
 * else (session fixation), tokens in logs and Location headers, framing widened by a launch,
 * pages kept in caches.
 */
import { expect } from 'chai';
import { Writable } from 'node:stream';
import { pino } from 'pino';
import { driveLaunch } from '../../support/platform/index.js';
import { browserFetch } from '../../support/platform/browser.js';
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
import { CLAIM } from '../../../src/lti/vocabulary.js';

/** Every line the application logged, as text. */
class LogCapture extends Writable {
  readonly lines: string[] = [];
  override _write(chunk: Buffer, _encoding: string, done: () => void): void {
    this.lines.push(chunk.toString('utf8'));
    done();
  }
  get text(): string {
    return this.lines.join('');
  }
}

describe('security: the tool session after a launch', function () {
  this.timeout(60_000);
  let fx: LtiFixture;
  let link: string;
  const logs = new LogCapture();

  before(async function () {
    fx = await startLtiFixture({ logger: pino({ level: 'info' }, logs) });
    await importMiniBank(fx);
    link = await deepLinkAssignment(fx, 'moodle', {
      title: 'Session attacks',
      scoreMaximum: '10',
      skills: ['add-small', 'add-big'],
      minItems: '0',
    });
  });
  after(async function () {
    await fx.close();
  });

  const attempts = (userId: string) =>
    fx.pathwise.database.connection.collection('pw_attempts').countDocuments({ userId });

  it('a practice link opened in another browser opens nothing and credits nothing (session fixation)', async function () {
    const victim = await launchStudent(fx, 'moodle', 'student-21', link);
    expect(victim.status).to.equal(200);
    const userId = userIdOf(fx, 'moodle', 'student-21');
    const set = await storedSet(fx, userId);
    // Another browser (no cookie of the launch) with the link.
    const opened = await fetch(
      `${fx.pathwise.url}/practice?session=${encodeURIComponent(victim.session)}`,
      { headers: { Accept: 'text/html' } },
    );
    expect(opened.status).to.equal(401);
    const page = await opened.text();
    expect(page).to.contain('belongs to a launch made in another browser');
    expect(page).to.contain('Open Pathwise from your course in this browser');
    const posted = await fetch(`${fx.pathwise.url}/practice/answer`, {
      method: 'POST',
      headers: { Accept: 'text/html' },
      body: new URLSearchParams({
        session: victim.session,
        step: String(set.current!.step),
        answer: String(answerFor(set.current!.instance.key, true)),
      }),
    });
    expect(posted.status).to.equal(401);
    const bearer = await fetch(`${fx.pathwise.url}/practice`, {
      headers: { Accept: 'application/json', Authorization: `Bearer ${victim.session}` },
    });
    expect(bearer.status).to.equal(401);
    expect(((await bearer.json()) as { error: { code: string } }).error.code).to.equal(
      'SESSION_OTHER_BROWSER',
    );
    expect(await attempts(userId)).to.equal(0);
    // A wrong key cookie is no better than none.
    const forged = await fetch(
      `${fx.pathwise.url}/practice?session=${encodeURIComponent(victim.session)}`,
      { headers: { Cookie: 'pw_bind_0000000000000000=guess' } },
    );
    expect(forged.status).to.equal(401);
    // The browser that launched goes on as before.
    const own = await browserFetch(
      `${fx.pathwise.url}/practice?session=${encodeURIComponent(victim.session)}`,
    );
    expect(own.status).to.equal(200);
  });

  it('no session token reaches the log: URLs, queries, Location headers and Bearer headers are redacted', async function () {
    const student = await launchStudent(fx, 'moodle', 'student-22', link);
    const set = await storedSet(fx, userIdOf(fx, 'moodle', 'student-22'));
    await postForm(fx, '/practice/answer', {
      session: student.session,
      step: String(set.current!.step),
      answer: answerFor(set.current!.instance.key, false),
    });
    await browserFetch(`${fx.pathwise.url}/practice`, {
      headers: { Authorization: `Bearer ${student.session}`, Accept: 'application/json' },
    });
    const text = logs.text;
    expect(text).to.contain('/practice?session=[redacted]');
    expect(text).not.to.contain(student.session);
    expect(text).not.to.contain(encodeURIComponent(student.session));
  });

  it('a launch naming another site as its return URL cannot make any page framable by it', async function () {
    const platform = fx.platform('moodle');
    const result = await driveLaunch({
      initiation: platform.initiateLogin({ user: 'student-23', resourceLinkId: link }),
      alterIdTokenForm: (fields) => {
        const original = JSON.parse(
          Buffer.from((fields['id_token'] ?? '').split('.')[1] ?? '', 'base64url').toString(),
        ) as { nonce: string };
        const minted = platform.mintIdToken({
          user: 'student-23',
          resourceLinkId: link,
          nonce: original.nonce,
          edits: {
            set: {
              [CLAIM.launchPresentation]: {
                return_url: 'https://attacker.example/collect',
                document_target: 'iframe',
              },
            },
          },
        });
        return { ...fields, id_token: minted.token };
      },
    });
    expect(result.final?.status, result.final?.body.slice(0, 300)).to.equal(200);
    const ancestors = (response: Response) =>
      /frame-ancestors ([^;]*)/.exec(response.headers.get('content-security-policy') ?? '')?.[1] ??
      '';
    const own = await browserFetch(result.final!.url);
    expect(ancestors(own)).not.to.contain('attacker.example');
    expect(ancestors(own)).to.contain(new URL(platform.issuer).origin);
    // Nor is it stored for the platform, nor lent to another student's pages.
    const registration = await fx.pathwise.application.registry.findById(
      fx.registrationOf('moodle').id,
    );
    expect(registration?.frameOrigins ?? []).not.to.include('https://attacker.example');
    const other = await launchStudent(fx, 'moodle', 'student-24', link);
    const otherPage = await browserFetch(other.url);
    expect(ancestors(otherPage)).not.to.contain('attacker.example');
    // Another platform's pages name that platform, never this one's origins.
    const canvasLink = await deepLinkAssignment(fx, 'canvas', {
      title: 'Canvas side',
      scoreMaximum: '5',
      skills: ['add-small'],
      minItems: '0',
    });
    const canvasStudent = await launchStudent(fx, 'canvas', 'student-24', canvasLink);
    const canvasPage = await browserFetch(canvasStudent.url);
    expect(ancestors(canvasPage)).to.contain('https://*.instructure.com');
    expect(ancestors(canvasPage)).not.to.contain('attacker.example');
  });

  it('pages about one person are never cached: practice, export, deep-link form', async function () {
    const student = await launchStudent(fx, 'moodle', 'student-25', link);
    const practice = await browserFetch(student.url);
    expect(practice.headers.get('cache-control')).to.equal('no-store');
    const exported = await browserFetch(
      `${fx.pathwise.url}/learner/export?session=${encodeURIComponent(student.session)}`,
    );
    expect(exported.status).to.equal(200);
    expect(exported.headers.get('cache-control')).to.equal('no-store');
    const instructor = await driveLaunch({
      initiation: fx.platform('moodle').initiateLogin({
        user: 'instructor',
        messageType: 'LtiDeepLinkingRequest',
      }),
    });
    expect(instructor.final?.url).to.match(/\/lti\/deep-link\?session=/);
    const form = await browserFetch(instructor.final!.url);
    expect(form.status).to.equal(200);
    expect(form.headers.get('cache-control')).to.equal('no-store');
  });
});
