import { expect } from 'chai';
import { driveLaunch } from '../../support/platform/index.js';
import { startFixture, type Fixture } from './helpers.js';

describe('LMS simulator: Dynamic Registration', function () {
  let fx: Fixture;
  before(async function () {
    fx = await startFixture();
  });
  after(async function () {
    await fx.close();
  });

  it('canvas: the openid-configuration needs the registration token as Bearer (401 without)', async function () {
    const platform = fx.sim.simulator.platform('canvas');
    const start = platform.startDynamicRegistration();
    expect(start.url.startsWith(fx.tool.registrationUrl)).to.equal(true);
    expect(new URL(start.url).searchParams.get('openid_configuration')).to.equal(
      platform.urls.openidConfiguration,
    );
    expect((await fetch(start.openidConfigurationUrl)).status).to.equal(401);
    const ok = await fetch(start.openidConfigurationUrl, {
      headers: { Authorization: `Bearer ${start.registrationToken}` },
    });
    expect(ok.status).to.equal(200);
    const config = (await ok.json()) as Record<string, unknown>;
    expect(config).to.include({
      issuer: platform.issuer,
      token_endpoint: platform.urls.token,
      jwks_uri: platform.urls.jwks,
    });
  });

  it('ltijs-style client without the token on the GET fails on canvas', async function () {
    const platform = fx.sim.simulator.platform('canvas');
    fx.tool.sendTokenOnConfigGet = false;
    try {
      const start = platform.startDynamicRegistration();
      const outcome = await fx.tool.register(start.openidConfigurationUrl, start.registrationToken);
      expect(outcome.configStatus).to.equal(401);
    } finally {
      fx.tool.sendTokenOnConfigGet = true;
    }
  });

  it('canvas: the tool registers through its registration URL, gets a client_id, and can launch with it', async function () {
    const platform = fx.sim.simulator.platform('canvas');
    const before = platform.state.registrations.size;
    const start = platform.startDynamicRegistration();
    const response = await fetch(start.url);
    expect(response.status).to.equal(200);
    const outcome = fx.tool.registrations.at(-1)!;
    expect(outcome.registrationStatus).to.equal(200);
    const body = outcome.registrationBody as Record<string, unknown>;
    expect(body['client_id']).to.be.a('string');
    expect(platform.state.registrations.size).to.equal(before + 1);
    const registration = platform.state.registrations.get(String(body['client_id']))!;
    expect(registration).to.include({
      source: 'dynamic',
      jwksUrl: fx.tool.jwksUrl,
      loginUrl: fx.tool.loginUrl,
      privacy: 'public',
    });
    expect(registration.redirectUris).to.deep.equal([fx.tool.launchUrl, fx.tool.deepLinkUrl]);
    expect(platform.state.dynamicRegistrations.at(-1)).to.include({
      ok: true,
      clientId: registration.clientId,
    });
    const launch = await driveLaunch({
      initiation: platform.initiateLogin({ user: 'student-01', clientId: registration.clientId }),
    });
    expect(launch.final?.status).to.equal(200);
    expect(platform.state.issuedIdTokens.at(-1)!.clientId).to.equal(registration.clientId);
  });

  it('moodle: configuration served without auth; the token is single use (401 token_already_used); deployment_id returned', async function () {
    const platform = fx.sim.simulator.platform('moodle');
    const start = platform.startDynamicRegistration(fx.tool.registrationUrl);
    expect(start.registrationToken.split('.')).to.have.length(3);
    fx.tool.sendTokenOnConfigGet = false;
    try {
      const first = await fx.tool.register(start.openidConfigurationUrl, start.registrationToken);
      expect(first.configStatus).to.equal(200);
      expect(first.registrationStatus).to.equal(200);
      const body = first.registrationBody as Record<string, Record<string, unknown>>;
      expect(
        body['https://purl.imsglobal.org/spec/lti-tool-configuration']!['deployment_id'],
      ).to.be.a('string');
      const again = await fx.tool.register(start.openidConfigurationUrl, start.registrationToken);
      expect(again.registrationStatus).to.equal(401);
      expect(again.registrationBody).to.include({ error: 'token_already_used' });
    } finally {
      fx.tool.sendTokenOnConfigGet = true;
    }
  });

  it('registration without a Bearer token → 401; with incomplete metadata → 400', async function () {
    const platform = fx.sim.simulator.platform('moodle');
    const noToken = await fetch(platform.urls.registration, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: '{}',
    });
    expect(noToken.status).to.equal(401);
    const start = platform.startDynamicRegistration(fx.tool.registrationUrl);
    const incomplete = await fetch(platform.urls.registration, {
      method: 'POST',
      headers: {
        'Content-Type': 'application/json',
        Authorization: `Bearer ${start.registrationToken}`,
      },
      body: JSON.stringify(fx.tool.registrationRequest({ jwks_uri: undefined, redirect_uris: [] })),
    });
    expect(incomplete.status).to.equal(400);
    expect(platform.state.dynamicRegistrations.at(-1)).to.include({ ok: false, status: 400 });
  });
});
