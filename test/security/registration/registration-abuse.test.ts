/**
 * Attack regression: unauthenticated registrations piled up (15 anonymous /lti/register calls
 * stored 15 inactive platforms). Now:
 * - /lti/register is rate-limited per client IP (config `rateLimits.register`, default 10 per
 *   10 minutes) with a store on MongoDB shared by every instance, keyed by the client IP Express
 *   derives through TRUST_PROXY;
 * - the same issuer + openid_configuration registering again replaces its pending platform;
 * - pending (inactive, never activated) platforms expire after `registration.pendingExpiryDays`;
 *   active and once-activated platforms are never removed.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { expect } from 'chai';
import { PROJECT_ROOT } from '../../../src/app.js';
import type { Config } from '../../../src/infra/config.js';
import { executePlatformCommand } from '../../../src/registration/platform-cli.js';
import { createPendingRegistrationStore } from '../../../src/registration/pending-registrations.mongo.js';
import { ManualClock } from '../../../src/shared/clock.js';
import { openTestDatabase, type TestDatabase } from '../../support/database.js';
import { startSimulator, type RunningSimulator } from '../../support/platform/index.js';
import { registrySnapshot } from '../../integration/registration/helpers.js';
import { startGuardedPathwise, type GuardedPathwise } from '../support.js';

const DAY_MS = 24 * 60 * 60 * 1000;

/** The limits Pathwise ships with (config/defaults.json). */
const shipped = JSON.parse(
  readFileSync(path.join(PROJECT_ROOT, 'config', 'defaults.json'), 'utf8'),
) as { rateLimits: Config['rateLimits']; registration: { pendingExpiryDays: number } };

const lowLimits = (register: number): Config['rateLimits'] => ({
  login: { windowSeconds: 60, max: 1000 },
  register: { windowSeconds: 600, max: register },
});

interface ErrorJson {
  readonly error: { readonly code: string; readonly message: string; readonly help: string };
}

const getJson = (url: string, headers: Record<string, string> = {}) =>
  fetch(url, { headers: { Accept: 'application/json', ...headers } });

describe('Dynamic Registration cannot be used to pile up platforms (security)', function () {
  describe('15 anonymous registrations from one IP with the shipped limits', function () {
    let pathwise: GuardedPathwise;
    let sim: RunningSimulator;
    before(async function () {
      // Dev mode: the simulator is on a loopback http address, which production refuses (SSRF).
      pathwise = await startGuardedPathwise({
        env: { PATHWISE_DEV_MODE: 'true' },
        rateLimits: shipped.rateLimits,
      });
      sim = await startSimulator({
        platforms: [{ profile: 'moodle', path: '/school', tool: null }],
      });
    });
    after(async function () {
      await sim.close();
      await pathwise.close();
    });

    it(`the first ${shipped.rateLimits.register.max} are answered, the rest get 429 + Retry-After without contacting the platform, and one inactive platform is stored`, async function () {
      expect(shipped.rateLimits.register).to.deep.equal({ windowSeconds: 600, max: 10 });
      const platform = sim.simulator.platforms[0]!;
      const before = await registrySnapshot(pathwise.application.registry);
      const statuses: number[] = [];
      let limited: Response | undefined;
      for (let i = 0; i < 15; i++) {
        const start = platform.startDynamicRegistration(`${pathwise.url}/lti/register`);
        const res = await getJson(start.url);
        statuses.push(res.status);
        if (res.status === 429) limited ??= res;
        else await res.arrayBuffer();
      }
      expect(statuses).to.deep.equal([
        ...Array<number>(10).fill(200),
        ...Array<number>(5).fill(429),
      ]);

      expect(limited).to.not.equal(undefined);
      const retryAfter = Number(limited!.headers.get('retry-after'));
      expect(retryAfter).to.be.within(1, 600);
      const body = (await limited!.json()) as ErrorJson;
      expect(body.error.code).to.equal('RATE_LIMITED');
      expect(body.error.message).to.equal(
        'Too many registration attempts have come from your network in a short time.',
      );
      expect(body.error.help).to.match(
        /^Nothing was stored in Pathwise\. Start the registration again from your LMS in \d+ minutes?\.$/,
      );

      // The limited calls never reached the platform.
      expect(
        platform.state.requestLog.filter((e) => e.endpoint === 'openidConfiguration'),
      ).to.have.length(10);
      // Each re-registration of the same configuration replaced the pending one.
      const after = await pathwise.application.registry.list();
      const added = after.filter(
        (p) => !(before as { platforms: { id: string }[] }).platforms.some((b) => b.id === p.id),
      );
      const lastClientId = platform.state.dynamicRegistrations.at(-1)?.clientId;
      expect(added.map((p) => [p.issuer, p.clientId, p.active, p.source])).to.deep.equal([
        [platform.issuer, lastClientId, false, 'dynamic'],
      ]);
      expect(
        await pathwise.database.connection
          .collection('pw_lti_pending_registrations')
          .countDocuments(),
      ).to.equal(1);
    });

    it('a limited browser gets the error page with the plain message', async function () {
      const start = sim.simulator.platforms[0]!.startDynamicRegistration(
        `${pathwise.url}/lti/register`,
      );
      const res = await fetch(start.url, { headers: { Accept: 'text/html' } });
      expect(res.status).to.equal(429);
      expect(res.headers.get('content-type')).to.match(/^text\/html/);
      expect(Number(res.headers.get('retry-after'))).to.be.above(0);
      expect(await res.text()).to.contain(
        'Too many registration attempts have come from your network in a short time.',
      );
    });

    it('the Canvas configuration JSON next to it is not limited', async function () {
      const res = await getJson(`${pathwise.url}/lti/canvas-config.json`);
      expect(res.status).to.equal(200);
    });
  });

  describe('the client IP behind a proxy (TRUST_PROXY)', function () {
    const register = (pathwise: GuardedPathwise, forwardedFor?: string) =>
      getJson(
        `${pathwise.url}/lti/register`,
        forwardedFor === undefined ? {} : { 'X-Forwarded-For': forwardedFor },
      );

    it('TRUST_PROXY=1: each client has its own budget, and a made-up X-Forwarded-For entry does not give a fresh one', async function () {
      const pathwise = await startGuardedPathwise({ rateLimits: lowLimits(2), trustProxy: 1 });
      try {
        // The proxy appends the address it saw; anything to its left came from the client.
        const a = ['203.0.113.5', '1.1.1.1, 203.0.113.5'];
        expect((await register(pathwise, a[0])).status).to.equal(400);
        expect((await register(pathwise, a[1])).status).to.equal(400);
        expect((await register(pathwise, '9.9.9.9, 203.0.113.5')).status).to.equal(429);
        expect((await register(pathwise, '198.51.100.7')).status).to.equal(400);
        expect((await register(pathwise, '2001:db8:1:2::1')).status).to.equal(400);
      } finally {
        await pathwise.close();
      }
    });

    it('TRUST_PROXY=0: X-Forwarded-For is ignored, so rotating it changes nothing', async function () {
      const pathwise = await startGuardedPathwise({ rateLimits: lowLimits(2), trustProxy: 0 });
      try {
        expect((await register(pathwise, '203.0.113.1')).status).to.equal(400);
        expect((await register(pathwise, '203.0.113.2')).status).to.equal(400);
        expect((await register(pathwise, '203.0.113.3')).status).to.equal(429);
        expect((await register(pathwise)).status).to.equal(429);
      } finally {
        await pathwise.close();
      }
    });
  });

  describe('two instances on one database', function () {
    let database: TestDatabase;
    let first: GuardedPathwise;
    let second: GuardedPathwise;
    before(async function () {
      database = await openTestDatabase();
      first = await startGuardedPathwise({ rateLimits: lowLimits(3), testDatabase: database });
      second = await startGuardedPathwise({ rateLimits: lowLimits(3), testDatabase: database });
    });
    after(async function () {
      await first.close();
      await second.close();
      await database.close();
    });

    it('share one count: a client limited on one instance is limited on the other', async function () {
      const statuses = [];
      for (const instance of [first, second, first, second, first]) {
        statuses.push((await getJson(`${instance.url}/lti/register`)).status);
      }
      expect(statuses).to.deep.equal([400, 400, 400, 429, 429]);
    });
  });

  describe('pending registrations: replaced when repeated, expired when never activated', function () {
    let pathwise: GuardedPathwise;
    let sim: RunningSimulator;
    const clock = new ManualClock(Date.now());
    before(async function () {
      pathwise = await startGuardedPathwise({
        env: { PATHWISE_DEV_MODE: 'true' },
        rateLimits: lowLimits(1000),
        clock,
      });
      sim = await startSimulator({
        platforms: ['a', 'b', 'c', 'd', 'e'].map((name) => ({
          profile: 'moodle' as const,
          path: `/${name}`,
          tool: null,
        })),
      });
    });
    after(async function () {
      await sim.close();
      await pathwise.close();
    });

    const platformAt = (index: number) => sim.simulator.platforms[index]!;
    async function registerFrom(index: number) {
      const platform = platformAt(index);
      const res = await getJson(
        platform.startDynamicRegistration(`${pathwise.url}/lti/register`).url,
      );
      expect(res.status, await res.clone().text()).to.equal(200);
      await res.arrayBuffer();
      const clientId = platform.state.dynamicRegistrations.at(-1)!.clientId!;
      const stored = await pathwise.application.registry.find(platform.issuer, clientId);
      if (stored === undefined) throw new Error('not stored');
      return stored;
    }

    it('the same issuer + openid_configuration again replaces the pending platform (keys included); another configuration is kept', async function () {
      const registry = pathwise.application.registry;
      const first = await registerFrom(0);
      const other = await registerFrom(1);
      const keysBefore = (await registry.publishedKeys()).length;
      const again = await registerFrom(0);
      expect(again.id).to.not.equal(first.id);
      expect(await registry.findById(first.id)).to.equal(undefined);
      expect(await registry.findById(other.id)).to.deep.include({ active: false });
      expect(await registry.findById(again.id)).to.deep.include({ active: false });
      // The replaced platform's key is no longer published.
      expect((await registry.publishedKeys()).length).to.equal(keysBefore);
      for (const p of [other, again]) await registry.remove(p.id);
      await pathwise.database.connection.collection('pw_lti_pending_registrations').deleteMany({});
    });

    it(`after ${shipped.registration.pendingExpiryDays} days a never-activated platform is removed at the next registration; active and once-activated ones are kept`, async function () {
      expect(shipped.registration.pendingExpiryDays).to.equal(7);
      const registry = pathwise.application.registry;
      const pending = await createPendingRegistrationStore(pathwise.database.connection);
      const silent = { line: () => undefined };

      const stale = await registerFrom(0);
      const onceActivated = await registerFrom(1);
      await executePlatformCommand(
        { kind: 'activate', platformId: onceActivated.id },
        registry,
        silent,
        {
          pending,
        },
      );
      await executePlatformCommand(
        { kind: 'deactivate', platformId: onceActivated.id },
        registry,
        silent,
        { pending },
      );
      const active = await registerFrom(2);
      await registry.setActive(active.id, true);
      const manual = await registry.register({
        issuer: 'https://manual.example.edu',
        clientId: 'manual',
        name: 'Manual, inactive',
        authEndpoint: 'https://manual.example.edu/auth',
        tokenEndpoint: 'https://manual.example.edu/token',
        jwksUrl: 'https://manual.example.edu/jwks',
        active: false,
        source: 'cli',
      });

      clock.advance(6 * DAY_MS);
      const fresh = await registerFrom(3);
      expect(await registry.findById(stale.id), 'not expired after 6 days').to.not.equal(undefined);

      clock.advance(2 * DAY_MS);
      const next = await registerFrom(4);
      expect(await registry.findById(stale.id), 'expired after 8 days').to.equal(undefined);
      for (const kept of [onceActivated, active, manual, fresh, next]) {
        expect(await registry.findById(kept.id), kept.name).to.not.equal(undefined);
      }
      expect(await registry.findById(onceActivated.id)).to.deep.include({ active: false });

      // Days later the active one is still not removed, even after being deactivated.
      await registry.setActive(active.id, false);
      clock.advance(30 * DAY_MS);
      await registerFrom(4);
      for (const kept of [onceActivated, active, manual]) {
        expect(await registry.findById(kept.id), kept.name).to.not.equal(undefined);
      }
      expect(await registry.findById(fresh.id), 'fresh one expired in turn').to.equal(undefined);
    });
  });
});
