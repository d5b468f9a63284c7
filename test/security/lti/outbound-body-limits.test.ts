/**
 * Attack regression: answers from platforms (or from any URL a stranger gives /lti/register)
 * are read with a size cap per purpose. Before the fix, `send` did `await response.text()`
 * bounded only by the timeout: a 400 MB stream grew the process from 438 MB to 1.8 GB before a
 * 502, and a 30 MB / 60,000-key JWKS cost +233 MB and 2.7 s.
 *
 * Every test talks to a hostile server on 127.0.0.1 that streams without end (bounded by bytes
 * and seconds) and checks: the error and its message, that the request ends fast, that the
 * server saw us hang up long before its own bound, that memory stays flat, that nothing was
 * written.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { expect } from 'chai';
import { createAgsClient } from '../../../src/lti/ags-client.js';
import { toPublishFailure } from '../../../src/lti/ags.adapter.js';
import { JwksCache } from '../../../src/lti/jwks-cache.js';
import { createNrpsMembershipSource } from '../../../src/lti/nrps.adapter.js';
import {
  createOutboundHttp,
  OutboundTooLargeError,
  RESPONSE_BODY_LIMITS,
} from '../../../src/lti/outbound-http.js';
import { fetchJwks, JwksTooManyKeysError, MAX_JWKS_KEYS } from '../../../src/lti/platform-jwks.js';
import { isRetryable } from '../../../src/lti/service-failure.js';
import {
  createServiceTokenClient,
  type ServiceTokenClient,
} from '../../../src/lti/service-token.js';
import { SCOPE } from '../../../src/lti/vocabulary.js';
import { ManualClock, systemClock } from '../../../src/shared/clock.js';
import { ok } from '../../../src/shared/result.js';
import { MemoryPlatformRegistry } from '../../support/lti/memory-registry.js';
import {
  driveLaunch,
  startSimulator,
  type RunningSimulator,
} from '../../support/platform/index.js';
import { registrySnapshot } from '../../integration/registration/helpers.js';
import {
  capturingLogger,
  measureGrowth,
  startGuardedPathwise,
  streamEndlessly,
  type GuardedPathwise,
  type HostileStreamOptions,
  type StreamRecord,
} from '../support.js';

const KB = 1024;
const MB = 1024 * KB;

/** A server whose every path streams as configured by the test; records each stream. */
interface HostileServer {
  readonly url: string;
  /** The answer for a path: an endless stream (options) or a fixed JSON document. */
  route(
    path: string,
    answer: HostileStreamOptions | { readonly json: unknown; readonly status?: number },
  ): void;
  readonly streams: Map<string, StreamRecord[]>;
  close(): Promise<void>;
}

async function startHostileServer(): Promise<HostileServer> {
  const routes = new Map<string, HostileStreamOptions | { json: unknown; status?: number }>();
  const streams = new Map<string, StreamRecord[]>();
  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    const path = new URL(req.url ?? '/', 'http://x').pathname;
    const answer = routes.get(path);
    req.resume();
    if (answer === undefined) {
      res.statusCode = 404;
      res.end();
      return;
    }
    if ('json' in answer) {
      res.statusCode = answer.status ?? 200;
      res.setHeader('Content-Type', 'application/json');
      res.end(JSON.stringify(answer.json));
      return;
    }
    const record = streamEndlessly(res, answer);
    streams.set(path, [...(streams.get(path) ?? []), record]);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  if (address === null || typeof address === 'string') throw new Error('no port');
  return {
    url: `http://127.0.0.1:${address.port}`,
    route: (path, answer) => {
      routes.set(path, answer);
    },
    streams,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => {
          resolve();
        });
      }),
  };
}

/** The last stream served on a path, once the server has seen the connection end. */
async function lastStream(hostile: HostileServer, path: string): Promise<StreamRecord> {
  const record = hostile.streams.get(path)?.at(-1);
  if (record === undefined) throw new Error(`nothing was streamed on ${path}`);
  await record.finished;
  return record;
}

const http = createOutboundHttp({ userAgent: 'Pathwise-security/1.0', defaultTimeoutMs: 10_000 });

/** Runs `work`, expecting it to reject; returns the rejection. */
async function rejectionOf(work: () => Promise<unknown>): Promise<unknown> {
  try {
    await work();
  } catch (error) {
    return error;
  }
  throw new Error('expected a rejection');
}

const fakeTokens: ServiceTokenClient = {
  getToken: () => Promise.resolve(ok({ accessToken: 't', scopes: [], expiresAt: new Date(0) })),
  invalidate: () => undefined,
  fetchCount: () => 1,
};

describe('Outbound answers are capped by purpose (security)', function () {
  let hostile: HostileServer;
  before(async function () {
    hostile = await startHostileServer();
  });
  after(async function () {
    await hostile.close();
  });

  describe('the outbound client', function () {
    it('an endless answer is cut at its cap: OutboundTooLargeError naming origin, purpose and limit, fast, with flat memory', async function () {
      hostile.route('/endless', {});
      const {
        result: error,
        rssMb,
        heapMb,
        elapsedMs,
      } = await measureGrowth(() =>
        rejectionOf(() => http.send({ purpose: 'registration', url: `${hostile.url}/endless` })),
      );
      expect(error).to.be.instanceOf(OutboundTooLargeError);
      const tooLarge = error as OutboundTooLargeError;
      expect(tooLarge.message).to.equal(
        `the registration answer from ${hostile.url} is larger than 256 KB (reading stopped there)`,
      );
      expect(tooLarge).to.deep.include({
        origin: hostile.url,
        purpose: 'registration',
        limitBytes: 256 * KB,
        status: 200,
      });
      expect(elapsedMs).to.be.below(1000);
      expect(rssMb, 'RSS growth (MB)').to.be.below(16);
      expect(heapMb, 'heap growth (MB)').to.be.below(8);
      // We hung up: the server could not push much past the cap (socket buffers only).
      const stream = await lastStream(hostile, '/endless');
      expect(stream.clientClosed).to.equal(true);
      expect(stream.written).to.be.below(16 * MB);
    });

    it('a Content-Length above the cap is refused before any of the body is read', async function () {
      hostile.route('/declared', {
        headers: { 'Content-Length': String(400 * MB) },
        maxBytes: 400 * MB,
      });
      const started = Date.now();
      const error = await rejectionOf(() =>
        http.send({ purpose: 'token', url: `${hostile.url}/declared` }),
      );
      expect(Date.now() - started).to.be.below(1000);
      expect(error).to.be.instanceOf(OutboundTooLargeError);
      expect((error as Error).message).to.equal(
        `the token answer from ${hostile.url} is larger than 64 KB (Content-Length ${400 * MB})`,
      );
      const stream = await lastStream(hostile, '/declared');
      expect(stream.clientClosed).to.equal(true);
      expect(stream.written).to.be.below(16 * MB);
    });

    it('a gzip bomb is cut at the cap counted after decompression', async function () {
      hostile.route('/bomb', { gzip: true, maxBytes: 2048 * MB });
      const {
        result: error,
        elapsedMs,
        rssMb,
      } = await measureGrowth(() =>
        rejectionOf(() => http.send({ purpose: 'ags', url: `${hostile.url}/bomb` })),
      );
      expect(error).to.be.instanceOf(OutboundTooLargeError);
      expect((error as Error).message).to.contain('larger than 1 MB');
      expect(elapsedMs).to.be.below(1000);
      expect(rssMb, 'RSS growth (MB)').to.be.below(16);
      expect((await lastStream(hostile, '/bomb')).clientClosed).to.equal(true);
    });

    it('an answer just under the cap is read whole, multi-byte characters intact', async function () {
      const text = `${'é'.repeat(100 * KB)}✓`; // 200 KB + 3 bytes of UTF-8
      const server = createServer((_req, res) => {
        // Split inside a character: the decoder must carry the half across chunks.
        const bytes = Buffer.from(text);
        res.write(bytes.subarray(0, 1001));
        setTimeout(() => res.end(bytes.subarray(1001)), 5);
      });
      await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
      const address = server.address();
      if (address === null || typeof address === 'string') throw new Error('no port');
      try {
        const response = await http.send({
          purpose: 'registration',
          url: `http://127.0.0.1:${address.port}/`,
        });
        expect(response.text).to.equal(text);
        expect(RESPONSE_BODY_LIMITS.registration).to.equal(256 * KB);
      } finally {
        server.closeAllConnections();
        server.close();
      }
    });
  });

  describe('Dynamic Registration (no login needed)', function () {
    let pathwise: GuardedPathwise;
    before(async function () {
      // Dev mode: Pathwise may reach the hostile server on 127.0.0.1 (production refuses it, SSRF).
      pathwise = await startGuardedPathwise({ env: { PATHWISE_DEV_MODE: 'true' } });
    });
    after(async function () {
      await pathwise.close();
    });

    it('GET /lti/register with an endless openid_configuration → 502 "LMS configuration was too large", fast, flat memory, nothing stored', async function () {
      hostile.route('/openid-configuration', {});
      const before = await registrySnapshot(pathwise.application.registry);
      const configurationUrl = `${hostile.url}/openid-configuration`;
      const {
        result: res,
        elapsedMs,
        rssMb,
      } = await measureGrowth(() =>
        fetch(
          `${pathwise.url}/lti/register?openid_configuration=${encodeURIComponent(configurationUrl)}&registration_token=t`,
          { headers: { Accept: 'application/json' } },
        ),
      );
      const body = (await res.json()) as { error: { code: string; message: string; help: string } };
      expect(res.status).to.equal(502);
      expect(body.error.code).to.equal('DR_CONFIGURATION_TOO_LARGE');
      expect(body.error.message).to.equal(
        `The LMS configuration at ${configurationUrl} was too large: Pathwise stopped reading it after 256 KB.`,
      );
      expect(body.error.help).to.contain('Nothing was stored in Pathwise');
      expect(elapsedMs).to.be.below(2000);
      expect(rssMb, 'RSS growth (MB)').to.be.below(24);
      const stream = await lastStream(hostile, '/openid-configuration');
      expect(stream.clientClosed).to.equal(true);
      expect(stream.written).to.be.below(16 * MB);
      expect(await registrySnapshot(pathwise.application.registry)).to.deep.equal(before);
    });

    it('the same in a browser: the error page says the LMS configuration was too large', async function () {
      hostile.route('/openid-configuration', {});
      const configurationUrl = `${hostile.url}/openid-configuration`;
      const res = await fetch(
        `${pathwise.url}/lti/register?openid_configuration=${encodeURIComponent(configurationUrl)}`,
        { headers: { Accept: 'text/html' } },
      );
      expect(res.status).to.equal(502);
      expect(res.headers.get('content-type')).to.match(/^text\/html/);
      expect(await res.text()).to.contain(
        'was too large: Pathwise stopped reading it after 256 KB.',
      );
    });

    it('a registration endpoint answering endlessly → 502 DR_REGISTRATION_RESPONSE_TOO_LARGE, nothing stored', async function () {
      const origin = hostile.url;
      hostile.route('/config-ok', {
        json: {
          issuer: origin,
          authorization_endpoint: `${origin}/auth`,
          token_endpoint: `${origin}/token`,
          jwks_uri: `${origin}/jwks`,
          registration_endpoint: `${origin}/register-endless`,
          token_endpoint_auth_methods_supported: ['private_key_jwt'],
          id_token_signing_alg_values_supported: ['RS256'],
          'https://purl.imsglobal.org/spec/lti-platform-configuration': {
            product_family_code: 'moodle',
          },
        },
      });
      hostile.route('/register-endless', { prefix: '{"client_id":"x","pad":"' });
      const before = await registrySnapshot(pathwise.application.registry);
      const res = await fetch(
        `${pathwise.url}/lti/register?openid_configuration=${encodeURIComponent(`${origin}/config-ok`)}`,
        { headers: { Accept: 'application/json' } },
      );
      const body = (await res.json()) as { error: { code: string; message: string; help: string } };
      expect(res.status).to.equal(502);
      expect(body.error.code).to.equal('DR_REGISTRATION_RESPONSE_TOO_LARGE');
      expect(body.error.message).to.contain(
        'was too large: Pathwise stopped reading it after 256 KB',
      );
      expect(body.error.help).to.contain('Nothing was stored in Pathwise');
      expect((await lastStream(hostile, '/register-endless')).clientClosed).to.equal(true);
      expect(await registrySnapshot(pathwise.application.registry)).to.deep.equal(before);
    });
  });

  describe('platform key sets (JWKS)', function () {
    const key = (i: number) =>
      `{"kty":"RSA","kid":"k${i}","use":"sig","alg":"RS256","e":"AQAB","n":"${'x'.repeat(342)}"},`;

    it('a 30 MB / 60,000-key JWKS is cut at 256 KB: fast, flat memory, the reason names the limit', async function () {
      hostile.route('/jwks-huge', {
        prefix: '{"keys":[',
        pattern: key(1),
        maxBytes: 30 * MB,
        headers: { 'Content-Type': 'application/json' },
      });
      const cache = new JwksCache({ fetchKeys: (url) => fetchJwks(http, url), clock: systemClock });
      const {
        result: lookup,
        elapsedMs,
        rssMb,
      } = await measureGrowth(() => cache.keyFor(`${hostile.url}/jwks-huge`, 'k1'));
      expect(lookup).to.deep.equal({
        found: false,
        reason: 'fetch-failed',
        detail: `the key set (JWKS) from ${hostile.url} is larger than 256 KB (reading stopped there)`,
      });
      expect(elapsedMs).to.be.below(1000);
      expect(rssMb, 'RSS growth (MB)').to.be.below(16);
      expect((await lastStream(hostile, '/jwks-huge')).clientClosed).to.equal(true);
    });

    it(`a small JWKS listing more than ${MAX_JWKS_KEYS} keys is refused by count before any key is imported`, async function () {
      const keys = Array.from({ length: 51 }, (_, i) => JSON.parse(key(i).slice(0, -1)) as unknown);
      hostile.route('/jwks-many', { json: { keys } });
      const error = await rejectionOf(() => fetchJwks(http, `${hostile.url}/jwks-many`));
      expect(error).to.be.instanceOf(JwksTooManyKeysError);
      expect((error as Error).message).to.equal(
        `the key set (JWKS) from ${hostile.url} lists 51 keys; Pathwise accepts at most 50`,
      );
      // The cache enforces the same cap whatever fetcher it is given.
      const cache = new JwksCache({
        fetchKeys: () => Promise.resolve(keys as never),
        clock: systemClock,
      });
      const lookup = await cache.keyFor('https://lms.example/jwks', 'k1');
      expect(lookup).to.deep.include({ found: false, reason: 'fetch-failed' });
      expect(!lookup.found && lookup.detail).to.contain('lists 51 keys');
    });

    describe('a launch from a platform whose JWKS is endless', function () {
      let pathwise: GuardedPathwise;
      let sim: RunningSimulator;
      const log = capturingLogger();
      before(async function () {
        pathwise = await startGuardedPathwise({ logger: log.logger });
        sim = await startSimulator({
          platforms: ['moodle'],
          tool: {
            name: 'Pathwise',
            loginUrl: `${pathwise.url}/lti/login`,
            launchUrl: `${pathwise.url}/lti/launch`,
            jwksUrl: `${pathwise.url}/lti/keys`,
          },
        });
        const platform = sim.simulator.platform('moodle');
        const [tool] = platform.state.registrations.values();
        await pathwise.application.registry.register({
          issuer: platform.issuer,
          clientId: tool!.clientId,
          name: 'moodle with a hostile key set',
          authEndpoint: platform.urls.auth,
          tokenEndpoint: platform.urls.token,
          // Pathwise fetches the platform's keys from the hostile server instead.
          jwksUrl: `${hostile.url}/jwks-launch`,
          active: true,
          source: 'static',
          deploymentIds: tool!.deploymentIds,
        });
      });
      after(async function () {
        await sim.close();
        await pathwise.close();
      });

      it('is refused 401 with the reason logged (key set larger than 256 KB), and no session is stored', async function () {
        hostile.route('/jwks-launch', { prefix: '{"keys":[', pattern: key(1) });
        const platform = sim.simulator.platform('moodle');
        const [tool] = platform.state.registrations.values();
        const launched = await driveLaunch({
          initiation: platform.initiateLogin({ user: 'student-01', clientId: tool!.clientId }),
        });
        const final = launched.final ?? launched.login;
        expect(final.status).to.equal(401);
        expect(final.body).to.contain('could not be verified');
        const refusal = log.lines.find((l) => l['code'] === 'ID_TOKEN_INVALID');
        const details = refusal?.['details'] as
          { failedChecks?: { check: string; detail: string }[] } | undefined;
        const failed = details?.failedChecks;
        expect(failed?.map((c) => [c.check, c.detail])).to.deep.equal([
          [
            'kid',
            `the platform's key set could not be fetched: the key set (JWKS) from ${hostile.url} is larger than 256 KB (reading stopped there)`,
          ],
        ]);
        expect(
          await pathwise.database.connection.collection('pw_lti_sessions').countDocuments(),
        ).to.equal(0);
        expect((await lastStream(hostile, '/jwks-launch')).clientClosed).to.equal(true);
      });
    });
  });

  describe('service calls (token, AGS, NRPS)', function () {
    const clock = new ManualClock(Date.UTC(2026, 2, 1, 12));

    it('an endless token answer → invalid-response naming the 64 KB limit, retried later', async function () {
      hostile.route('/token', { prefix: '{"access_token":"' });
      const registry = new MemoryPlatformRegistry();
      const platform = await registry.register({
        issuer: 'https://lms.example',
        clientId: 'c1',
        name: 'LMS',
        authEndpoint: 'https://lms.example/auth',
        tokenEndpoint: `${hostile.url}/token`,
        jwksUrl: 'https://lms.example/jwks',
        active: true,
        source: 'static',
      });
      const tokens = createServiceTokenClient({ registry, http, clock });
      const result = await tokens.getToken({
        platformId: platform.id,
        scopes: [SCOPE.score],
        grantedScopes: [SCOPE.score],
      });
      expect(result.ok).to.equal(false);
      if (result.ok) return;
      expect(result.error).to.deep.equal({
        kind: 'invalid-response',
        message: `token endpoint: the token answer from ${hostile.url} is larger than 64 KB (reading stopped there)`,
        status: 200,
      });
      expect(isRetryable(result.error)).to.equal(true);
      expect(tokens.fetchCount()).to.equal(1);
    });

    it('an endless AGS line item list → retryable invalid-response (the outbox retries, then dead-letters)', async function () {
      hostile.route('/lineitems', { prefix: '[' });
      const ags = createAgsClient({ http, tokens: fakeTokens, clock });
      const result = await ags.listLineItems(
        { platformId: 'p1', grantedScopes: [SCOPE.lineItem, SCOPE.score] },
        `${hostile.url}/lineitems`,
        { resourceLinkId: 'rl1' },
      );
      expect(result.ok).to.equal(false);
      if (result.ok) return;
      expect(result.error).to.deep.equal({
        kind: 'invalid-response',
        message: `the gradebook (AGS) answer from ${hostile.url} is larger than 1 MB (reading stopped there)`,
        status: 200,
      });
      expect(toPublishFailure(result.error).kind).to.equal('retryable');
    });

    it('an AGS 429 with an endless body keeps its Retry-After (rate-limited, retried when the platform said)', async function () {
      hostile.route('/lineitem/scores', { status: 429, headers: { 'Retry-After': '120' } });
      const ags = createAgsClient({ http, tokens: fakeTokens, clock });
      const result = await ags.postScore(
        { platformId: 'p1', grantedScopes: [SCOPE.score] },
        `${hostile.url}/lineitem`,
        {
          userId: 'u1',
          scoreGiven: 1,
          scoreMaximum: 2,
          activityProgress: 'Completed',
          gradingProgress: 'FullyGraded',
          timestamp: '2026-03-01T12:00:00.000Z',
        },
      );
      expect(result.ok).to.equal(false);
      if (result.ok) return;
      expect(result.error).to.deep.include({
        kind: 'rate-limited',
        status: 429,
        retryAfterMs: 120_000,
      });
      expect(result.error.message).to.contain('larger than 1 MB');
    });

    it('an endless NRPS page (gzip bomb) → retryable failure naming the 8 MB limit, memory bounded by the cap', async function () {
      hostile.route('/memberships', { gzip: true, maxBytes: 2048 * MB });
      const nrps = createNrpsMembershipSource({ http, tokens: fakeTokens, clock });
      const { result, elapsedMs, rssMb } = await measureGrowth(() =>
        nrps.fetchMembers({
          platformId: 'p1',
          membershipsUrl: `${hostile.url}/memberships`,
          resourceLinkId: undefined,
        }),
      );
      expect(result.ok).to.equal(false);
      if (result.ok) return;
      expect(result.error).to.deep.equal({
        code: 'invalid-response',
        message: `the roster (NRPS) page from ${hostile.url} is larger than 8 MB (reading stopped there)`,
        status: 200,
        retryable: true,
      });
      expect(elapsedMs).to.be.below(2000);
      expect(rssMb, 'RSS growth (MB)').to.be.below(48);
      expect((await lastStream(hostile, '/memberships')).clientClosed).to.equal(true);
    });
  });
});
