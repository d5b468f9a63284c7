import { expect } from 'chai';
import { driveLaunch, MESSAGE_TYPE, readForm } from '../../support/platform/index.js';
import { startLtiFixture, type LtiFixture } from '../../support/pathwise.js';
import { submitAssignmentForm } from '../../support/practice.js';
// As the browser that launched (session-bound cookies): see test/support/platform/browser.ts.
import { browserFetch as fetch } from '../../support/platform/browser.js';

describe('LTI launch through the simulator (real HTTP, both profiles)', function () {
  let fx: LtiFixture;
  before(async function () {
    fx = await startLtiFixture();
  });
  after(async function () {
    await fx.close();
  });

  for (const profile of ['canvas', 'moodle'] as const) {
    it(`${profile}: a student's resource link launch lands on Pathwise with their name`, async function () {
      const initiation = fx.platform(profile).initiateLogin({ user: 'student-03' });
      const result = await driveLaunch({ initiation });
      // Canvas offers Platform Storage (lti_storage_target): the login answers a page that stores
      // the state there and whose form continues to the platform; Moodle gets a plain redirect.
      expect(result.login.status, result.login.body).to.equal(profile === 'canvas' ? 200 : 302);
      const auth = result.authRequest!;
      expect(auth.searchParams.get('scope')).to.equal('openid');
      expect(auth.searchParams.get('response_type')).to.equal('id_token');
      expect(auth.searchParams.get('response_mode')).to.equal('form_post');
      expect(auth.searchParams.get('prompt')).to.equal('none');
      expect(result.final?.status, result.final?.body).to.equal(200);
      expect(result.final?.url).to.match(/\/lti\/home\?session=/);
      expect(result.final?.body).to.contain('Welcome,');
    });
  }
});

describe('Deep Linking: an instructor adds an assignment (real HTTP, both profiles)', function () {
  let fx: LtiFixture;
  before(async function () {
    fx = await startLtiFixture();
  });
  after(async function () {
    await fx.close();
  });

  for (const profile of ['canvas', 'moodle'] as const) {
    it(`${profile}: the form returns a signed response the platform accepts, with a line item and our assignment id`, async function () {
      const platform = fx.platform(profile);
      const initiation = platform.initiateLogin({
        user: 'instructor',
        messageType: MESSAGE_TYPE.deepLinking,
      });
      const result = await driveLaunch({ initiation });
      expect(result.final?.status, result.final?.body).to.equal(200);
      expect(result.final?.url).to.match(/\/lti\/deep-link\?session=/);
      const form = readForm(result.final!.body)!;
      const submitted = await submitAssignmentForm(
        new URL(form.action, result.final!.url),
        new URLSearchParams({ ...form.fields, title: 'Fractions', scoreMaximum: '50' }),
      );
      const { page } = submitted;
      expect(submitted.status, page).to.equal(200);
      const csp = submitted.headers.get('content-security-policy') ?? '';
      const back = readForm(page)!;
      expect(csp).to.contain(new URL(back.action).origin);
      const returned = await fetch(back.action, {
        method: 'POST',
        headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams(back.fields),
      });
      expect(returned.status, await returned.text()).to.equal(200);
      const record = platform.state.deepLinkReturns.at(-1)!;
      expect(record.errors).to.deep.equal([]);
      expect(record.ok).to.equal(true);
      expect(record.createdLineItemIds).to.have.length(1);
      expect(record.contentItems[0]?.['custom']).to.have.property('pathwise_assignment_id');
      const assignments = await fx.pathwise.database.connection
        .collection('pw_assignments')
        .find({})
        .toArray();
      const created = assignments.find((a) => a['title'] === 'Fractions');
      expect(created?.['scoreMaximum']).to.equal(50);
    });
  }

  it('a bad form is shown again with the problems and nothing is stored', async function () {
    const platform = fx.platform('moodle');
    const result = await driveLaunch({
      initiation: platform.initiateLogin({
        user: 'instructor',
        messageType: MESSAGE_TYPE.deepLinking,
      }),
    });
    const form = readForm(result.final!.body)!;
    const before = await fx.pathwise.database.connection
      .collection('pw_assignments')
      .countDocuments();
    const submitted = await fetch(new URL(form.action, result.final!.url), {
      method: 'POST',
      headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ ...form.fields, title: '  ', scoreMaximum: '-3' }),
    });
    const page = await submitted.text();
    expect(submitted.status).to.equal(400);
    expect(page).to.contain('Give the assignment a title.');
    expect(page).to.contain('Points must be a number greater than 0');
    const after = await fx.pathwise.database.connection
      .collection('pw_assignments')
      .countDocuments();
    expect(after).to.equal(before);
  });
});

describe('Security headers inside the LMS frame', function () {
  let fx: LtiFixture;
  before(async function () {
    fx = await startLtiFixture();
  });
  after(async function () {
    await fx.close();
  });

  it('frame-ancestors of a session page names only its own platform, and no X-Frame-Options is sent', async function () {
    const other = await fx.pathwise.application.registry.register({
      issuer: 'https://moodle.school.example',
      clientId: 'late-client',
      name: 'Late Moodle',
      authEndpoint: 'https://moodle.school.example/mod/lti/auth.php',
      tokenEndpoint: 'https://moodle.school.example/mod/lti/token.php',
      jwksUrl: 'https://moodle.school.example/mod/lti/certs.php',
      active: true,
      source: 'static',
    });
    await fx.pathwise.application.frameOrigins.refresh();
    expect(fx.pathwise.application.frameOrigins.originsOf(other.id)).to.include(
      'https://moodle.school.example',
    );
    const result = await driveLaunch({
      initiation: fx.platform('moodle').initiateLogin({ user: 'student-04' }),
    });
    const page = await fetch(result.final!.url);
    const csp = page.headers.get('content-security-policy') ?? '';
    const moodleOrigin = new URL(fx.platform('moodle').issuer).origin;
    const ancestors = /frame-ancestors ([^;]*)/.exec(csp)?.[1]?.split(' ') ?? [];
    expect(ancestors).to.include(moodleOrigin);
    expect(csp).not.to.contain('https://moodle.school.example');
    expect(page.headers.get('x-frame-options')).to.equal(null);
    // A page with no session (the home page) may be framed by Pathwise only.
    const home = await fetch(`${fx.pathwise.url}/`);
    expect(home.headers.get('content-security-policy')).to.contain("frame-ancestors 'self';");
  });
});
