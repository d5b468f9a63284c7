import { expect } from 'chai';
import { createLocalJWKSet, jwtVerify, type JSONWebKeySet } from 'jose';
import {
  CLAIM,
  driveLaunch,
  MESSAGE_TYPE,
  readForm,
  ROLE,
  SCOPE,
} from '../../support/platform/index.js';
import { firstRegistration, startFixture, type Fixture } from './helpers.js';

describe('LMS simulator: OIDC launch', function () {
  let fx: Fixture;
  before(async function () {
    fx = await startFixture();
  });
  after(async function () {
    await fx.close();
  });

  for (const profile of ['canvas', 'moodle'] as const) {
    it(`${profile}: login → auth → id_token that verifies with the platform JWKS and carries every launch claim`, async function () {
      const { platform, registration } = firstRegistration(fx, profile);
      const initiation = platform.initiateLogin({ user: 'student-03' });
      const result = await driveLaunch({ initiation });
      expect(result.login.status).to.equal(302);
      expect(result.auth?.status).to.equal(200);
      expect(result.final?.status).to.equal(200);
      const captured = fx.tool.launches.at(-1);
      expect(captured).to.not.equal(undefined);
      expect(captured!.stateCookieReturned).to.equal(true);
      const jwks = (await (await fetch(platform.urls.jwks)).json()) as JSONWebKeySet;
      for (const key of jwks.keys) {
        expect(key).to.include({ kty: 'RSA', alg: 'RS256', use: 'sig' });
        for (const member of ['d', 'p', 'q', 'dp', 'dq', 'qi'])
          expect(key).to.not.have.property(member);
      }
      const { payload, protectedHeader } = await jwtVerify(
        captured!.idToken,
        createLocalJWKSet(jwks),
        {
          algorithms: ['RS256'],
          issuer: platform.issuer,
          audience: registration.clientId,
        },
      );
      expect(protectedHeader.kid).to.equal(platform.keys[0]!.kid);
      expect(payload.nonce).to.equal(captured!.expectedNonce);
      expect(payload['azp']).to.equal(registration.clientId);
      expect(payload.exp).to.be.a('number');
      expect(payload.iat).to.be.a('number');
      const student = platform.state.userByKey('student-03')!;
      expect(payload.sub).to.equal(student.sub);
      if (profile === 'moodle') expect(payload.sub).to.match(/^\d+$/);
      expect(payload[CLAIM.version]).to.equal('1.3.0');
      expect(payload[CLAIM.messageType]).to.equal(MESSAGE_TYPE.resourceLink);
      expect(payload[CLAIM.deploymentId]).to.equal(registration.deploymentIds[0]);
      expect(payload[CLAIM.targetLinkUri]).to.equal(fx.tool.launchUrl);
      expect(payload[CLAIM.roles]).to.include(ROLE.learner);
      expect(payload[CLAIM.resourceLink]).to.have.property('id');
      expect(payload[CLAIM.context]).to.include({ id: platform.state.course.contextId });
      expect(payload[CLAIM.toolPlatform]).to.include({ product_family_code: profile });
      expect(payload[CLAIM.launchPresentation]).to.have.property('document_target', 'iframe');
      expect(payload[CLAIM.custom]).to.include({ assignment: 'asg-fractions-1' });
      expect(payload['name']).to.equal(student.name);
      expect(payload['email']).to.equal(student.email);
      const ags = payload[CLAIM.ags] as Record<string, unknown>;
      expect(ags['scope']).to.include(SCOPE.score);
      expect(ags['lineitems']).to.be.a('string');
      expect(ags['lineitem']).to.be.a('string');
      if (profile === 'moodle') expect(ags['lineitem']).to.match(/\/lineitem\?type_id=\d+$/);
      const nrps = payload[CLAIM.nrps] as Record<string, unknown>;
      expect(nrps['context_memberships_url']).to.be.a('string');
      expect(nrps['service_versions']).to.include('2.0');
      if (profile === 'canvas') {
        expect(payload.iss).to.equal('https://canvas.instructure.com');
        expect(payload).to.have.property(CLAIM.canvasPlacement);
        expect(payload[CLAIM.lti11LegacyUserId]).to.equal(student.legacyUserId);
      } else {
        expect(payload.iss).to.equal(platform.urls.base);
      }
      expect(platform.state.countRequests('auth')).to.be.greaterThan(0);
    });
  }

  it('instructor deep-linking request carries deep_linking_settings with return URL and data', async function () {
    const { platform } = firstRegistration(fx, 'canvas');
    const initiation = platform.initiateLogin({
      user: 'instructor',
      messageType: MESSAGE_TYPE.deepLinking,
    });
    expect(initiation.params['target_link_uri']).to.equal(fx.tool.deepLinkUrl);
    const result = await driveLaunch({ initiation });
    expect(result.final?.status).to.equal(200);
    const claims = platform.state.issuedIdTokens.at(-1)!.claims;
    expect(claims[CLAIM.messageType]).to.equal(MESSAGE_TYPE.deepLinking);
    expect(claims[CLAIM.roles]).to.include(ROLE.instructor);
    expect(claims).to.not.have.property(CLAIM.resourceLink);
    const settings = claims[CLAIM.deepLinkingSettings] as Record<string, unknown>;
    expect(settings['deep_link_return_url']).to.equal(platform.urls.deepLinkReturn('42', '1'));
    expect(settings['accept_types']).to.deep.equal(['ltiResourceLink']);
    expect(settings['accept_presentation_document_targets']).to.include('iframe');
    expect(settings).to.include({ accept_multiple: false, accept_lineitem: true });
    expect(settings['data']).to.be.a('string');
  });

  it('a second deployment of the same tool launches with its own deployment_id', async function () {
    const { platform, registration } = firstRegistration(fx, 'canvas');
    const deploymentId = platform.addDeployment(registration.clientId);
    await driveLaunch({ initiation: platform.initiateLogin({ user: 'student-01', deploymentId }) });
    expect(platform.state.issuedIdTokens.at(-1)!.claims[CLAIM.deploymentId]).to.equal(deploymentId);
  });

  it('privacy anonymous sends no names or email', function () {
    const { platform } = firstRegistration(fx, 'moodle');
    const registration = platform.registerTool({ ...fx.tool.toolOptions(), privacy: 'anonymous' });
    const { claims } = platform.mintIdToken({
      user: 'student-01',
      clientId: registration.clientId,
    });
    expect(claims).to.not.have.any.keys('name', 'given_name', 'family_name', 'email');
    expect(claims['sub']).to.be.a('string');
  });

  it('the login page posts an auto-submitting form with every initiation parameter and no inline script', async function () {
    const { platform, registration } = firstRegistration(fx, 'canvas');
    const response = await fetch(`${platform.urls.launch}?user=student-02&message=resource`);
    const html = await response.text();
    expect(response.status).to.equal(200);
    for (const name of [
      'iss',
      'login_hint',
      'target_link_uri',
      'lti_message_hint',
      'client_id',
      'lti_deployment_id',
    ]) {
      expect(html).to.match(new RegExp(`name=['"]${name}['"]`));
    }
    expect(readForm(html)?.fields['client_id']).to.equal(registration.clientId);
    expect(html).to.match(/<script src=['"][^'"]+dev-lms-autosubmit\.js['"]><\/script>/);
    expect(html).to.not.match(/<script(?![^>]*\ssrc=)[^>]*>/);
    expect(html).to.match(/<button type=['"]submit['"]>/);
  });

  describe('refuses bad authorization requests with 400 and a clear message', function () {
    const cases: [string, Record<string, string>, RegExp][] = [
      ['wrong redirect_uri', { redirect_uri: 'http://127.0.0.1:1/elsewhere' }, /redirect_uri/],
      ['missing nonce', { nonce: '' }, /missing nonce/],
      ['wrong response_type', { response_type: 'code' }, /response_type/],
      ['wrong response_mode', { response_mode: 'query' }, /response_mode/],
      ['scope without openid', { scope: 'profile' }, /openid/],
      ['prompt not none', { prompt: 'login' }, /prompt/],
      ['missing state', { state: '' }, /missing state/],
      ['unknown client_id', { client_id: 'nope' }, /client_id/],
      ['login_hint of another user', { login_hint: 'someone-else' }, /login_hint/],
      ['unknown lti_message_hint', { lti_message_hint: 'forged' }, /lti_message_hint/],
    ];
    for (const [name, override, message] of cases) {
      it(name, async function () {
        const { platform } = firstRegistration(fx, 'canvas');
        const issued = platform.state.issuedIdTokens.length;
        fx.tool.authOverrides = override;
        try {
          const result = await driveLaunch({
            initiation: platform.initiateLogin({ user: 'student-01' }),
          });
          expect(result.auth?.status).to.equal(400);
          expect(result.auth?.body).to.match(message);
          expect(result.idTokenForm).to.equal(undefined);
          expect(platform.state.issuedIdTokens.length).to.equal(issued);
        } finally {
          fx.tool.authOverrides = {};
        }
      });
    }
  });
});
