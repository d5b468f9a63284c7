import { expect } from 'chai';
import { SCOPE } from '../../support/platform/index.js';
import { firstRegistration, startFixture, type Fixture } from './helpers.js';

describe('LMS simulator: token endpoint (client_credentials + private_key_jwt)', function () {
  let fx: Fixture;
  before(async function () {
    fx = await startFixture();
  });
  after(async function () {
    await fx.close();
  });

  it('issues a Bearer token for a valid assertion and the granted scopes, fetching the tool JWKS once', async function () {
    const { platform, registration } = firstRegistration(fx, 'canvas');
    const before = fx.tool.jwksRequests;
    const first = await fx.tool.accessToken(platform, registration.clientId, [
      SCOPE.score,
      SCOPE.lineItem,
    ]);
    expect(first.status).to.equal(200);
    expect(first.body).to.include({ token_type: 'Bearer', expires_in: 3600 });
    expect(first.body['access_token']).to.be.a('string');
    expect(first.body['scope']).to.equal(`${SCOPE.score} ${SCOPE.lineItem}`);
    const second = await fx.tool.accessToken(platform, registration.clientId, [SCOPE.nrps]);
    expect(second.status).to.equal(200);
    expect(fx.tool.jwksRequests - before).to.equal(1);
    expect(platform.state.countRequests('token', { status: 200 })).to.equal(2);
  });

  const bad: [string, (clientId: string, aud: string) => string, number, RegExp][] = [
    [
      'wrong aud',
      (c) => fx.tool.clientAssertion(c, 'https://elsewhere.example/token'),
      401,
      /aud/i,
    ],
    [
      'expired',
      (c, a) => fx.tool.clientAssertion(c, a, { nowSeconds: Math.floor(Date.now() / 1000) - 600 }),
      401,
      /exp/i,
    ],
    [
      'iss ≠ sub',
      (c, a) => fx.tool.clientAssertion(c, a, { edits: { set: { iss: 'someone-else' } } }),
      401,
      /iss/i,
    ],
    [
      'missing jti',
      (c, a) => fx.tool.clientAssertion(c, a, { edits: { omit: ['jti'] } }),
      401,
      /jti/i,
    ],
    [
      'alg none',
      (c, a) => fx.tool.clientAssertion(c, a, { sign: { signWith: 'none' } }),
      401,
      /alg/i,
    ],
    [
      'HS256 keyed with the public key',
      (c, a) => fx.tool.clientAssertion(c, a, { sign: { signWith: 'HS256' } }),
      401,
      /alg/i,
    ],
    [
      'tampered signature',
      (c, a) => fx.tool.clientAssertion(c, a, { sign: { tamper: 'signature' } }),
      401,
      /signature/i,
    ],
    [
      'unknown client',
      (_c, a) => fx.tool.clientAssertion('not-a-client', a),
      401,
      /unknown client/i,
    ],
  ];
  for (const [name, make, status, message] of bad) {
    it(`rejects an assertion with ${name}`, async function () {
      const { platform, registration } = firstRegistration(fx, 'canvas');
      const result = await fx.tool.accessToken(
        platform,
        registration.clientId,
        [SCOPE.score],
        make(registration.clientId, platform.urls.token),
      );
      expect(result.status).to.equal(status);
      expect(result.body['error']).to.equal('invalid_client');
      expect(String(result.body['error_description'])).to.match(message);
    });
  }

  it('rejects a reused jti', async function () {
    const { platform, registration } = firstRegistration(fx, 'moodle');
    const assertion = fx.tool.clientAssertion(registration.clientId, platform.urls.token);
    expect(
      (await fx.tool.accessToken(platform, registration.clientId, [SCOPE.score], assertion)).status,
    ).to.equal(200);
    const replay = await fx.tool.accessToken(
      platform,
      registration.clientId,
      [SCOPE.score],
      assertion,
    );
    expect(replay.status).to.equal(401);
    expect(String(replay.body['error_description'])).to.match(/jti/);
  });

  it('rejects scopes the tool was not granted and a wrong grant type', async function () {
    const { platform, registration } = firstRegistration(fx, 'canvas');
    const scoped = await fx.tool.accessToken(platform, registration.clientId, [
      'https://example.com/scope/admin',
    ]);
    expect(scoped.status).to.equal(400);
    expect(scoped.body['error']).to.equal('invalid_scope');
    const response = await fetch(platform.urls.token, {
      method: 'POST',
      headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
      body: 'grant_type=password&scope=x',
    });
    expect(response.status).to.equal(400);
    expect(((await response.json()) as Record<string, unknown>)['error']).to.equal(
      'unsupported_grant_type',
    );
  });

  it('service endpoints need a Bearer token with the right scope (401/403)', async function () {
    const { platform, registration } = firstRegistration(fx, 'moodle');
    const url = platform.urls.memberships(platform.state.course.id, registration.typeId);
    expect((await fetch(url)).status).to.equal(401);
    expect((await fetch(url, { headers: { Authorization: 'Bearer forged' } })).status).to.equal(
      401,
    );
    const token = await fx.tool.accessToken(platform, registration.clientId, [SCOPE.score]);
    const wrongScope = await fetch(url, {
      headers: { Authorization: `Bearer ${String(token.body['access_token'])}` },
    });
    expect(wrongScope.status).to.equal(403);
  });

  it('canvas refuses service calls without a User-Agent', async function () {
    const { platform, registration } = firstRegistration(fx, 'canvas');
    const token = await fx.tool.accessToken(platform, registration.clientId, [SCOPE.nrps]);
    const url = platform.urls.memberships(platform.state.course.id, registration.typeId);
    // undici always sends a User-Agent unless it is set to an empty string.
    const response = await fetch(url, {
      headers: { Authorization: `Bearer ${String(token.body['access_token'])}`, 'User-Agent': '' },
    });
    expect(response.status).to.equal(400);
    expect(((await response.json()) as Record<string, unknown>)['error']).to.equal(
      'user_agent_required',
    );
  });
});
