import { expect } from 'chai';
import request from 'supertest';
import { createDynamicRegistration } from '../../../src/registration/dynamic-registration.js';
import type { SimulatedPlatform } from '../../support/platform/index.js';
import {
  queryOf,
  registrationApp,
  registrySnapshot,
  startRegistrationFixture,
  TEST_USER_AGENT,
  type RegistrationFixture,
} from './helpers.js';

const TOOL_CONFIG = 'https://purl.imsglobal.org/spec/lti-tool-configuration';
const REGISTRATION_URL = 'https://pathwise.example.edu/lti/register';
const ALL_SCOPES = [
  'https://purl.imsglobal.org/spec/lti-ags/scope/lineitem',
  'https://purl.imsglobal.org/spec/lti-ags/scope/lineitem.readonly',
  'https://purl.imsglobal.org/spec/lti-ags/scope/result.readonly',
  'https://purl.imsglobal.org/spec/lti-ags/scope/score',
  'https://purl.imsglobal.org/spec/lti-nrps/scope/contextmembership.readonly',
];

/** Outbound requests to one platform endpoint, from the simulator's own log. */
const logged = (platform: SimulatedPlatform, endpoint: 'openidConfiguration' | 'registration') =>
  platform.state.requestLog.filter((e) => e.endpoint === endpoint);

describe('Dynamic Registration against the simulator (real HTTP, both profiles)', function () {
  let fx: RegistrationFixture;
  before(async function () {
    fx = await startRegistrationFixture({
      platforms: [
        'canvas',
        'moodle',
        { profile: 'moodle', path: '/elsewhere', issuer: 'https://moodle.elsewhere.example' },
      ],
    });
  });
  after(async function () {
    await fx.close();
  });
  beforeEach(function () {
    for (const platform of fx.sim.simulator.platforms) platform.state.clearRequestLog();
  });

  const devApp = (extra: { autoActivate?: boolean } = {}) =>
    registrationApp(fx.registry, { devMode: true, canvasHosts: [fx.simHost], ...extra });

  it('canvas: completes, sends the token as Bearer on the GET and the POST, stores the platform inactive', async function () {
    const platform = fx.sim.simulator.platform('canvas');
    const { app, http } = devApp();
    const start = platform.startDynamicRegistration(REGISTRATION_URL);
    const res = await request(app)
      .get(`/lti/register${queryOf(start.url)}`)
      .set('Accept', 'text/html');
    expect(res.status, res.text).to.equal(200);

    // The simulator answers Canvas's configuration only with the Bearer token (401 without),
    // and accepts the registration only with it: both logged as 200.
    expect(logged(platform, 'openidConfiguration').map((e) => [e.method, e.status])).to.deep.equal([
      ['GET', 200],
    ]);
    expect(logged(platform, 'registration').map((e) => [e.method, e.status])).to.deep.equal([
      ['POST', 200],
    ]);
    expect(logged(platform, 'registration')[0]?.userAgent).to.equal(TEST_USER_AGENT);
    // And the exact headers Pathwise sent.
    expect(http.requests.map((r) => [r.method ?? 'GET', r.url])).to.deep.equal([
      ['GET', start.openidConfigurationUrl],
      ['POST', platform.urls.registration],
    ]);
    for (const sent of http.requests) {
      expect(sent.headers?.['Authorization']).to.equal(`Bearer ${start.registrationToken}`);
      expect(sent.purpose).to.equal('registration');
    }

    const record = platform.state.dynamicRegistrations.at(-1)!;
    expect(record.ok).to.equal(true);
    const body = record.request as Record<string, unknown>;
    expect(body['scope']).to.equal(ALL_SCOPES.join(' '));
    const toolConfig = body[TOOL_CONFIG] as Record<string, unknown>;
    expect(toolConfig['https://canvas.instructure.com/lti/privacy_level']).to.equal('public');
    const simRegistration = platform.state.registrations.get(record.clientId!)!;
    expect(simRegistration.privacy).to.equal('public');
    expect(simRegistration.redirectUris).to.deep.equal(['https://pathwise.example.edu/lti/launch']);

    const stored = await fx.registry.find(platform.issuer, record.clientId!);
    expect(stored).to.deep.include({
      issuer: 'https://canvas.instructure.com',
      clientId: record.clientId,
      active: false,
      source: 'dynamic',
      authEndpoint: platform.urls.auth,
      tokenEndpoint: platform.urls.token,
      jwksUrl: platform.urls.jwks,
      authorizationServer: platform.urls.token,
    });
    // Canvas's DR response carries no deployment id: deployments are added after install.
    expect(await fx.registry.deployments(stored!.id)).to.deep.equal([]);

    expect(res.text).to.contain('must activate this platform');
    expect(res.text).to.contain(`npm run platform -- activate ${stored!.id}`);
    expect(res.text).to.contain(`<script src='/public/js/registration-close.js' defer></script>`);
    expect(res.text).not.to.match(/<script(?![^>]*\bsrc=)[^>]*>/);
    const csp = String(res.headers['content-security-policy']);
    expect(csp).to.match(new RegExp(`frame-ancestors [^;]*${fx.sim.url.replace(/\./g, '\\.')}`));
    expect(csp).to.contain("script-src 'self'");
  });

  it('moodle: completes with the single-use JWT token as Bearer, stores the deployment id', async function () {
    const platform = fx.sim.simulator.platform('moodle');
    const { app, http } = devApp();
    const start = platform.startDynamicRegistration(REGISTRATION_URL);
    expect(start.registrationToken.split('.')).to.have.length(3);
    const res = await request(app).get(`/lti/register${queryOf(start.url)}`);
    expect(res.status, res.text).to.equal(200);

    expect(logged(platform, 'openidConfiguration').map((e) => e.status)).to.deep.equal([200]);
    expect(logged(platform, 'registration').map((e) => e.status)).to.deep.equal([200]);
    expect(http.requests.map((r) => r.headers?.['Authorization'])).to.deep.equal([
      `Bearer ${start.registrationToken}`,
      `Bearer ${start.registrationToken}`,
    ]);

    const record = platform.state.dynamicRegistrations.at(-1)!;
    const simRegistration = platform.state.registrations.get(record.clientId!)!;
    const stored = await fx.registry.find(platform.issuer, record.clientId!);
    expect(stored).to.deep.include({ active: false, source: 'dynamic', issuer: platform.issuer });
    expect((await fx.registry.deployments(stored!.id)).map((d) => d.deploymentId)).to.deep.equal(
      simRegistration.deploymentIds,
    );
    expect(simRegistration.privacy).to.equal('public');
    expect(res.text).to.contain(simRegistration.deploymentIds[0]!);
  });

  it('moodle: the used token again → the platform refuses (401 token_already_used) and nothing is written', async function () {
    const platform = fx.sim.simulator.platform('moodle');
    const start = platform.startDynamicRegistration(REGISTRATION_URL);
    const first = await request(devApp().app).get(`/lti/register${queryOf(start.url)}`);
    expect(first.status).to.equal(200);
    const before = await registrySnapshot(fx.registry);
    const again = await request(devApp().app)
      .get(`/lti/register${queryOf(start.url)}`)
      .set('Accept', 'application/json');
    expect(again.status).to.equal(502);
    expect(again.body.error.code).to.equal('DR_REGISTRATION_REFUSED');
    expect(again.body.error.message).to.contain('token_already_used');
    expect(again.body.error.help).to.contain('Start the registration again');
    expect(await registrySnapshot(fx.registry)).to.deep.equal(before);
  });

  it('autoActivate stores the platform active', async function () {
    const platform = fx.sim.simulator.platform('moodle');
    const start = platform.startDynamicRegistration(REGISTRATION_URL);
    const res = await request(devApp({ autoActivate: true }).app).get(
      `/lti/register${queryOf(start.url)}`,
    );
    expect(res.status).to.equal(200);
    const clientId = platform.state.dynamicRegistrations.at(-1)!.clientId!;
    expect((await fx.registry.find(platform.issuer, clientId))?.active).to.equal(true);
    expect(res.text).not.to.contain('must activate');
  });

  it('without openid_configuration → 400 with what to do, no outbound request, nothing written', async function () {
    const { app, http } = devApp();
    const before = await registrySnapshot(fx.registry);
    const page = await request(app).get('/lti/register').set('Accept', 'text/html');
    expect(page.status).to.equal(400);
    expect(page.text).to.contain('The registration request has no openid_configuration parameter.');
    expect(page.text).to.contain('Start the registration from your LMS');
    const json = await request(app)
      .get('/lti/register?registration_token=abc')
      .set('Accept', 'application/json');
    expect(json.status).to.equal(400);
    expect(json.body.error.code).to.equal('DR_MISSING_CONFIGURATION_URL');
    const repeated = await request(app)
      .get('/lti/register?openid_configuration=a&openid_configuration=b')
      .set('Accept', 'application/json');
    expect(repeated.status).to.equal(400);
    expect(repeated.body.error.code).to.equal('DR_INVALID_REQUEST');
    expect(http.requests).to.deep.equal([]);
    expect(await registrySnapshot(fx.registry)).to.deep.equal(before);
  });

  it('an (issuer, client_id) already registered → 409 and nothing written', async function () {
    const platform = fx.sim.simulator.platform('canvas');
    // The simulator numbers Canvas client ids; register the next one first, as if a static
    // entry or an earlier registration held it.
    const predicted = String(10000000000000 + 100 + platform.state.registrations.size + 1);
    const existing = await fx.registry.register({
      issuer: platform.issuer,
      clientId: predicted,
      name: 'Canvas (static)',
      authEndpoint: platform.urls.auth,
      tokenEndpoint: platform.urls.token,
      jwksUrl: platform.urls.jwks,
      active: true,
      source: 'static',
    });
    const before = await registrySnapshot(fx.registry);
    const start = platform.startDynamicRegistration(REGISTRATION_URL);
    const res = await request(devApp().app)
      .get(`/lti/register${queryOf(start.url)}`)
      .set('Accept', 'text/html');
    expect(platform.state.dynamicRegistrations.at(-1)?.clientId, 'simulator numbering').to.equal(
      predicted,
    );
    expect(res.status).to.equal(409);
    expect(res.text).to.contain(
      `This platform (issuer https://canvas.instructure.com, client id ${predicted}) is already registered with Pathwise.`,
    );
    expect(res.text).to.contain(`npm run platform -- remove ${existing.id}`);
    expect(await registrySnapshot(fx.registry)).to.deep.equal(before);
  });

  it('an issuer on another site than the configuration → refused before registering, nothing written', async function () {
    const platform = fx.sim.simulator.platforms[2]!;
    expect(platform.issuer).to.equal('https://moodle.elsewhere.example');
    const before = await registrySnapshot(fx.registry);
    const start = platform.startDynamicRegistration(REGISTRATION_URL);
    const res = await request(devApp().app)
      .get(`/lti/register${queryOf(start.url)}`)
      .set('Accept', 'application/json');
    expect(res.status).to.equal(400);
    expect(res.body.error.code).to.equal('DR_ISSUER_MISMATCH');
    expect(res.body.error.message).to.contain('https://moodle.elsewhere.example');
    expect(logged(platform, 'registration')).to.deep.equal([]);
    expect(await registrySnapshot(fx.registry)).to.deep.equal(before);
  });

  it("canvas's shared issuer from a host nobody listed → refused as an issuer mismatch", async function () {
    const platform = fx.sim.simulator.platform('canvas');
    const before = await registrySnapshot(fx.registry);
    const { app } = registrationApp(fx.registry, { devMode: true });
    const start = platform.startDynamicRegistration(REGISTRATION_URL);
    const res = await request(app)
      .get(`/lti/register${queryOf(start.url)}`)
      .set('Accept', 'application/json');
    expect(res.status).to.equal(400);
    expect(res.body.error.code).to.equal('DR_ISSUER_MISMATCH');
    expect(res.body.error.help).to.contain('trusted Canvas hosts');
    expect(logged(platform, 'registration')).to.deep.equal([]);
    expect(await registrySnapshot(fx.registry)).to.deep.equal(before);
  });

  it('canvas without the registration token → the configuration is refused (401), 502 with what to do', async function () {
    const platform = fx.sim.simulator.platform('canvas');
    const before = await registrySnapshot(fx.registry);
    const { app, http } = devApp();
    const url = encodeURIComponent(platform.urls.openidConfiguration);
    const res = await request(app)
      .get(`/lti/register?openid_configuration=${url}`)
      .set('Accept', 'application/json');
    expect(res.status).to.equal(502);
    expect(res.body.error.code).to.equal('DR_CONFIGURATION_REFUSED');
    expect(res.body.error.help).to.contain('registration token');
    expect(http.requests[0]?.headers).not.to.have.property('Authorization');
    expect(await registrySnapshot(fx.registry)).to.deep.equal(before);
  });

  it('the registration endpoint failing (500) → 502 and nothing written', async function () {
    const platform = fx.sim.simulator.platform('moodle');
    platform.faults.inject('registration', { kind: 'error', status: 500 });
    const before = await registrySnapshot(fx.registry);
    const start = platform.startDynamicRegistration(REGISTRATION_URL);
    const res = await request(devApp().app)
      .get(`/lti/register${queryOf(start.url)}`)
      .set('Accept', 'application/json');
    expect(res.status).to.equal(502);
    expect(res.body.error.code).to.equal('DR_REGISTRATION_REFUSED');
    expect(await registrySnapshot(fx.registry)).to.deep.equal(before);
  });

  it('an unreachable configuration URL → 502 and nothing written', async function () {
    const before = await registrySnapshot(fx.registry);
    const closedPort = 'http://127.0.0.1:9/openid-configuration';
    const res = await request(devApp().app)
      .get(`/lti/register?openid_configuration=${encodeURIComponent(closedPort)}`)
      .set('Accept', 'application/json');
    expect(res.status).to.equal(502);
    expect(res.body.error.code).to.equal('DR_CONFIGURATION_UNREACHABLE');
    expect(await registrySnapshot(fx.registry)).to.deep.equal(before);
  });
});

describe('Dynamic Registration outside dev mode: SSRF guard', function () {
  let fx: RegistrationFixture;
  before(async function () {
    fx = await startRegistrationFixture({ platforms: ['moodle'] });
  });
  after(async function () {
    await fx.close();
  });

  const refused = async (
    configurationUrl: string,
    resolveHost?: (host: string) => Promise<{ address: string; family: number }[]>,
  ) => {
    const platform = fx.sim.simulator.platform('moodle');
    platform.state.clearRequestLog();
    const before = await registrySnapshot(fx.registry);
    const { app, http } = registrationApp(fx.registry, {
      devMode: false,
      ...(resolveHost === undefined ? {} : { resolveHost }),
    });
    const res = await request(app)
      .get(
        `/lti/register?openid_configuration=${encodeURIComponent(configurationUrl)}&registration_token=t`,
      )
      .set('Accept', 'application/json');
    expect(res.status, JSON.stringify(res.body)).to.equal(400);
    expect(res.body.error.code).to.equal('DR_UNSAFE_URL');
    // No outbound request at all: not through Pathwise's client, none seen by the platform.
    expect(http.requests).to.deep.equal([]);
    expect(http.counts().registration).to.equal(0);
    expect(platform.state.requestLog).to.deep.equal([]);
    expect(await registrySnapshot(fx.registry)).to.deep.equal(before);
    return res.body.error as { message: string; help: string };
  };

  it('the simulator over plain http is refused', async function () {
    const error = await refused(fx.sim.simulator.platform('moodle').urls.openidConfiguration);
    expect(error.message).to.contain('uses http; LTI 1.3 requires https outside dev mode');
    expect(error.help).to.contain('https at public internet addresses');
  });

  it('https to a name that resolves to loopback (localhost) is refused', async function () {
    const port = new URL(fx.sim.url).port;
    const error = await refused(`https://localhost:${port}/dev/lms/moodle/config`);
    expect(error.message).to.match(/localhost resolves to a private, loopback or link-local/);
  });

  it('https to a host with a private address among its records is refused', async function () {
    const error = await refused('https://lms.example.edu/openid-configuration', () =>
      Promise.resolve([
        { address: '203.0.114.10', family: 4 },
        { address: '10.20.30.40', family: 4 },
      ]),
    );
    expect(error.message).to.contain('10.20.30.40');
  });

  it('link-local (cloud metadata) and IPv4-mapped loopback literals are refused', async function () {
    await refused('https://169.254.169.254/latest/meta-data/');
    await refused('https://[::ffff:127.0.0.1]/openid-configuration');
    await refused('https://[::1]/openid-configuration');
  });

  it('an endpoint inside a fetched configuration is checked too', async function () {
    // A public configuration URL whose registration endpoint points inside the network: the
    // configuration is fetched (through an injected client), the POST is never sent.
    const before = await registrySnapshot(fx.registry);
    const configuration = {
      issuer: 'https://lms.example.edu',
      authorization_endpoint: 'https://lms.example.edu/auth',
      token_endpoint: 'https://lms.example.edu/token',
      jwks_uri: 'https://lms.example.edu/jwks',
      registration_endpoint: 'https://internal.example.edu/register',
      token_endpoint_auth_methods_supported: ['private_key_jwt'],
      id_token_signing_alg_values_supported: ['RS256'],
      'https://purl.imsglobal.org/spec/lti-platform-configuration': {
        product_family_code: 'moodle',
      },
    };
    const sent: string[] = [];
    const registration = createDynamicRegistration({
      registry: fx.registry,
      publicUrl: 'https://pathwise.example.edu',
      devMode: false,
      resolveHost: (host) =>
        Promise.resolve([
          { address: host === 'internal.example.edu' ? '192.168.1.20' : '203.0.114.10', family: 4 },
        ]),
      http: {
        send: (r) => {
          sent.push(`${r.method ?? 'GET'} ${r.url}`);
          return Promise.resolve({
            status: 200,
            headers: new Headers(),
            text: JSON.stringify(configuration),
          });
        },
        counts: () => ({
          jwks: 0,
          token: 0,
          ags: 0,
          nrps: 0,
          registration: sent.length,
          'deep-linking': 0,
          other: 0,
        }),
      },
    });
    const result = await registration.register({
      openidConfiguration: 'https://lms.example.edu/openid-configuration',
      registrationToken: 't',
    });
    expect(result.ok).to.equal(false);
    expect(!result.ok && result.error).to.deep.include({
      type: 'unsafe-url',
      field: 'registration_endpoint',
      url: 'https://internal.example.edu/register',
    });
    expect(sent).to.deep.equal(['GET https://lms.example.edu/openid-configuration']);
    expect(await registrySnapshot(fx.registry)).to.deep.equal(before);
  });
});
