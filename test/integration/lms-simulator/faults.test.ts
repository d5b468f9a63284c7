import { expect } from 'chai';
import { SCOPE } from '../../support/platform/index.js';
import { firstRegistration, startFixture, type Fixture } from './helpers.js';

describe('LMS simulator: injected faults', function () {
  let fx: Fixture;
  before(async function () {
    fx = await startFixture();
  });
  after(async function () {
    await fx.close();
  });

  async function membershipsCall(profile: 'canvas' | 'moodle', signal?: AbortSignal) {
    const { platform, registration } = firstRegistration(fx, profile);
    const token = await fx.tool.accessToken(platform, registration.clientId, [SCOPE.nrps]);
    return fetch(platform.urls.memberships(platform.state.course.id, registration.typeId), {
      headers: {
        Authorization: `Bearer ${String(token.body['access_token'])}`,
        'User-Agent': 'Pathwise-test/1.0',
      },
      ...(signal === undefined ? {} : { signal }),
    });
  }

  it('the next N requests answer 500, then the endpoint recovers; the log marks them', async function () {
    const { platform } = firstRegistration(fx, 'canvas');
    platform.faults.inject('memberships', { kind: 'error' }, 2);
    expect((await membershipsCall('canvas')).status).to.equal(500);
    expect((await membershipsCall('canvas')).status).to.equal(500);
    expect((await membershipsCall('canvas')).status).to.equal(200);
    const logged = platform.state.requestLog.filter((e) => e.endpoint === 'memberships');
    expect(logged.map((e) => [e.status, e.faulted])).to.deep.equal([
      [500, true],
      [500, true],
      [200, false],
    ]);
  });

  it('429 carries Retry-After seconds', async function () {
    const { platform } = firstRegistration(fx, 'moodle');
    platform.faults.inject('token', { kind: 'rateLimit', retryAfterSeconds: 7 });
    const { registration } = firstRegistration(fx, 'moodle');
    const limited = await fx.tool.accessToken(platform, registration.clientId, [SCOPE.score]);
    expect(limited.status).to.equal(429);
    const response = await membershipsCall('moodle');
    expect(response.status).to.equal(200);
    platform.faults.inject('scores', { kind: 'rateLimit', retryAfterSeconds: 3 });
    const raw = await fetch(
      platform.urls.scores(platform.state.course.id, '1', registration.typeId),
      { method: 'POST' },
    );
    expect(raw.status).to.equal(429);
    expect(raw.headers.get('retry-after')).to.equal('3');
  });

  it('a hang outlasts the client timeout and its timer is released when the client gives up', async function () {
    const { platform } = firstRegistration(fx, 'canvas');
    platform.faults.inject('memberships', { kind: 'hang', ms: 60_000 });
    const started = Date.now();
    let error: unknown;
    try {
      await membershipsCall('canvas', AbortSignal.timeout(300));
    } catch (caught) {
      error = caught;
    }
    expect(error).to.be.instanceOf(Error);
    expect(Date.now() - started).to.be.lessThan(5000);
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(platform.state.requestLog.filter((e) => e.endpoint === 'memberships').at(-1)).to.include(
      { status: 0, faulted: true },
    );
  });

  it('a slow JWKS delays the answer by the configured time', async function () {
    const { platform } = firstRegistration(fx, 'moodle');
    platform.faults.inject('jwks', { kind: 'delay', ms: 400 });
    const started = Date.now();
    const response = await fetch(platform.urls.jwks);
    expect(response.status).to.equal(200);
    expect(Date.now() - started).to.be.at.least(380);
    const fast = Date.now();
    await fetch(platform.urls.jwks);
    expect(Date.now() - fast).to.be.lessThan(300);
  });

  it('a tool JWKS slower than the simulator timeout makes the token request fail (401), not hang', async function () {
    const own = await startFixture({ platforms: ['moodle'], toolJwksTimeoutMs: 200 });
    try {
      own.tool.jwksDelayMs = 600;
      const platform = own.sim.simulator.platform('moodle');
      const registration = [...platform.state.registrations.values()][0]!;
      const started = Date.now();
      const result = await own.tool.accessToken(platform, registration.clientId, [SCOPE.score]);
      expect(result.status).to.equal(401);
      expect(String(result.body['error_description'])).to.match(/timed out|timeout/i);
      expect(Date.now() - started).to.be.lessThan(600);
    } finally {
      await own.close();
    }
  });

  it('faults armed through the options apply from the first request', async function () {
    const own = await startFixture({
      platforms: [
        { profile: 'canvas', faults: { jwks: { kind: 'error', status: 503, times: 1 } } },
      ],
    });
    try {
      const platform = own.sim.simulator.platform('canvas');
      expect((await fetch(platform.urls.jwks)).status).to.equal(503);
      expect((await fetch(platform.urls.jwks)).status).to.equal(200);
    } finally {
      await own.close();
    }
  });

  it('close() releases a pending hang so nothing keeps the process alive', async function () {
    const own = await startFixture({ platforms: ['canvas'] });
    const platform = own.sim.simulator.platform('canvas');
    platform.faults.inject('jwks', { kind: 'hang' });
    const pending = fetch(platform.urls.jwks).then(
      (r) => r.status,
      () => 'aborted',
    );
    await new Promise((resolve) => setTimeout(resolve, 100));
    await own.close();
    expect(await pending).to.equal('aborted');
  });
});
