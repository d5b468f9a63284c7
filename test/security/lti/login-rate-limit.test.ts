/**
 * Attack regression: OIDC login initiation (/lti/login) needs no session and stores a login
 * state per call. It is rate-limited per client IP (config `rateLimits.login`, default 300 a
 * minute): past the limit a request gets 429 with Retry-After and a plain message, and nothing
 * is stored or set. The login page's own follow-up calls are not counted.
 */
import { expect } from 'chai';
import {
  ensureRateLimitIndexes,
  MongoRateLimitStore,
  RATE_LIMIT_COLLECTION,
} from '../../../src/infra/http/rate-limit-store.mongo.js';
import { openDatabase, type Database } from '../../../src/infra/db.js';
import { ManualClock } from '../../../src/shared/clock.js';
import { silentLogger } from '../../support/app.js';
import { openTestDatabase, type TestDatabase } from '../../support/database.js';
import { registerSimulatedPlatforms } from '../../support/pathwise.js';
import {
  driveLaunch,
  startSimulator,
  type RunningSimulator,
} from '../../support/platform/index.js';
import { startGuardedPathwise, type GuardedPathwise } from '../support.js';

const LIMIT = 4;

describe('OIDC login initiation is rate-limited per client (security)', function () {
  let pathwise: GuardedPathwise;
  let sim: RunningSimulator;
  let clientId: string;
  before(async function () {
    pathwise = await startGuardedPathwise({
      rateLimits: {
        login: { windowSeconds: 60, max: LIMIT },
        register: { windowSeconds: 600, max: 10 },
      },
    });
    sim = await startSimulator({
      platforms: ['moodle'],
      tool: {
        name: 'Pathwise',
        loginUrl: `${pathwise.url}/lti/login`,
        launchUrl: `${pathwise.url}/lti/launch`,
        jwksUrl: `${pathwise.url}/lti/keys`,
      },
    });
    await registerSimulatedPlatforms(pathwise.application.registry, sim.simulator.platforms);
    const [tool] = sim.simulator.platform('moodle').state.registrations.values();
    clientId = tool!.clientId;
  });
  after(async function () {
    await sim.close();
    await pathwise.close();
  });

  const loginStates = () =>
    pathwise.database.connection.collection('pw_lti_login_states').countDocuments();
  const initiation = () =>
    sim.simulator.platform('moodle').initiateLogin({ user: 'student-01', clientId });

  it(`the first ${LIMIT} logins work (a full launch among them) and the page's own checks are not counted; the next is 429 with Retry-After, nothing stored, no cookie`, async function () {
    const launched = await driveLaunch({ initiation: initiation(), loginMethod: 'get' });
    expect(launched.final?.status, launched.final?.body).to.equal(200);
    // The login page's follow-up calls (here refused: not from our page) pass the limiter.
    for (let i = 0; i < 6; i++) {
      const check = await fetch(`${pathwise.url}/lti/login/check`, {
        method: 'POST',
        headers: {
          'Content-Type': 'application/x-www-form-urlencoded',
          Accept: 'application/json',
        },
        body: 'state=x',
      });
      expect(check.status).to.equal(401);
    }
    for (let i = 1; i < LIMIT; i++) {
      const res = await fetch(initiation().getUrl, { redirect: 'manual' });
      expect(res.status, `login ${i + 1}`).to.equal(302);
    }

    const statesBefore = await loginStates();
    const limited = await fetch(initiation().getUrl, {
      redirect: 'manual',
      headers: { Accept: 'application/json' },
    });
    expect(limited.status).to.equal(429);
    const retryAfter = Number(limited.headers.get('retry-after'));
    expect(retryAfter).to.be.within(1, 60);
    const body = (await limited.json()) as {
      error: { code: string; message: string; help: string };
    };
    expect(body.error.code).to.equal('RATE_LIMITED');
    expect(body.error.message).to.equal(
      'Too many sign-in attempts have come from your network in a short time.',
    );
    expect(body.error.help).to.match(
      /^Wait a moment, then open Pathwise again from your course \(you can try again in \d+ (second|minute)s?\)\.$/,
    );
    expect(limited.headers.get('set-cookie')).to.equal(null);
    expect(limited.headers.get('location')).to.equal(null);
    expect(await loginStates()).to.equal(statesBefore);
  });

  it('a limited browser login gets the error page (HTML) with the plain message; POST logins count too', async function () {
    const { url, params } = initiation();
    const res = await fetch(url, {
      method: 'POST',
      redirect: 'manual',
      headers: { 'Content-Type': 'application/x-www-form-urlencoded', Accept: 'text/html' },
      body: new URLSearchParams(params).toString(),
    });
    expect(res.status).to.equal(429);
    expect(res.headers.get('content-type')).to.match(/^text\/html/);
    expect(Number(res.headers.get('retry-after'))).to.be.above(0);
    expect(await res.text()).to.contain(
      'Too many sign-in attempts have come from your network in a short time.',
    );
  });
});

describe('MongoRateLimitStore (the shared counter behind the limits)', function () {
  let testDatabase: TestDatabase;
  let database: Database;
  before(async function () {
    testDatabase = await openTestDatabase();
    database = await openDatabase(testDatabase.uri, silentLogger);
    await ensureRateLimitIndexes(database.connection);
  });
  after(async function () {
    await database.close();
    await testDatabase.close();
  });

  const storeWith = (clock: ManualClock, prefix = 'login:') => {
    const store = new MongoRateLimitStore(database.connection, { prefix, clock });
    store.init({ windowMs: 60_000 } as Parameters<MongoRateLimitStore['init']>[0]);
    return store;
  };

  it('counts per key in a fixed window, restarts once the window ended (before any TTL pass), and keeps limiters apart', async function () {
    const clock = new ManualClock(Date.now());
    const login = storeWith(clock);
    const register = storeWith(clock, 'register:');
    expect((await login.increment('1.2.3.4')).totalHits).to.equal(1);
    const second = await login.increment('1.2.3.4');
    expect(second.totalHits).to.equal(2);
    expect(second.resetTime?.getTime()).to.equal(clock.now().getTime() + 60_000);
    expect((await register.increment('1.2.3.4')).totalHits).to.equal(1);
    expect((await login.increment('5.6.7.8')).totalHits).to.equal(1);

    await login.decrement('1.2.3.4');
    expect(await login.get('1.2.3.4')).to.deep.include({ totalHits: 1 });

    clock.advance(60_000);
    expect(await login.get('1.2.3.4')).to.equal(undefined);
    const restarted = await login.increment('1.2.3.4');
    expect(restarted.totalHits).to.equal(1);
    expect(restarted.resetTime?.getTime()).to.equal(clock.now().getTime() + 60_000);

    await login.resetKey('5.6.7.8');
    expect(await login.get('5.6.7.8')).to.equal(undefined);
    expect((await register.increment('1.2.3.4')).totalHits).to.equal(1);
    await login.resetAll();
    expect(await login.get('1.2.3.4')).to.equal(undefined);
    expect(await register.get('1.2.3.4')).to.deep.include({ totalHits: 1 });
    const indexes = await database.connection.collection(RATE_LIMIT_COLLECTION).indexes();
    expect(indexes.find((i) => i.key['resetAt'] === 1)?.expireAfterSeconds).to.equal(0);
  });

  it('concurrent first hits from many requests (two instances) all count, none is lost', async function () {
    const clock = new ManualClock(Date.now());
    const a = storeWith(clock, 'race:');
    const b = storeWith(clock, 'race:');
    const results = await Promise.all(
      Array.from({ length: 20 }, (_, i) => (i % 2 === 0 ? a : b).increment('9.9.9.9')),
    );
    expect(results.map((r) => r.totalHits).sort((x, y) => x - y)).to.deep.equal(
      Array.from({ length: 20 }, (_, i) => i + 1),
    );
  });
});
