/**
 * LTI benchmark: `npm run bench:lti`. Everything runs in this one process, on this machine, over
 * real HTTP on 127.0.0.1 with one client (undici `fetch`):
 *
 * 1. Full LTI 1.3 launches per second: OIDC login initiation (POST /lti/login, 302) → the
 *    simulator's authorization endpoint signs an RS256 id_token (200, auto-submit form) → form_post
 *    to /lti/launch (state + cookie + signature + claims checked, session stored, 303) → landing
 *    page /lti/home (200). 4 HTTP requests per launch, crypto included, for the Canvas and the
 *    Moodle profile, at several concurrencies; and a bare Express "hello" server driven by the same
 *    client at the same concurrencies, with the ratio.
 * 2. Cache effect: outbound requests per 1,000 launches (platform JWKS fetches) and per 1,000
 *    scores (service token requests, AGS calls, and the LMS fetching our JWKS), counted by
 *    Pathwise's outbound client (`application.outbound.counts()`), the simulator's request log and
 *    Pathwise's inbound request counter. The uncached figures are measured too: launches with a
 *    fresh key set per launch (what ltijs 5.9.9 does: it fetches the JWKS on every launch), and
 *    scores through a token client that keeps no token (a naive client; ltijs itself reuses
 *    tokens from its database).
 *
 * The database is the embedded MongoDB-wire server in this process (or MONGODB_URI when set).
 * Figures are for comparison on one machine, not capacity planning: client, tool, LMS and
 * database share the same event loop.
 */
import os from 'node:os';
import { performance } from 'node:perf_hooks';
import express from 'express';
import {
  createGradeOutbox,
  type GradeOutbox,
  type ScoreDestination,
} from '../src/grading/grade-outbox.js';
import { createGradeOutboxRepository } from '../src/grading/grade-outbox.mongo.js';
import {
  createGradeOutboxWorker,
  type GradeOutboxWorker,
} from '../src/grading/grade-outbox.worker.js';
import { createAgsClient } from '../src/lti/ags-client.js';
import { createAgsScorePublisher } from '../src/lti/ags.adapter.js';
import { JwksCache } from '../src/lti/jwks-cache.js';
import type { OutboundPurpose } from '../src/lti/outbound-http.js';
import { fetchJwks } from '../src/lti/platform-jwks.js';
import {
  createServiceTokenClient,
  type ServiceTokenClient,
  type ServiceTokenOptions,
} from '../src/lti/service-token.js';
import { systemClock } from '../src/shared/clock.js';
import { driveLaunch } from '../test/support/platform/drive-launch.js';
import { startServer } from '../test/support/platform/http.js';
import {
  PROFILES,
  startLtiBenchFixture,
  type LtiBenchFixture,
  type Profile,
} from './lti/fixture.js';
import { formatTable, mergeLoadResults, runLoad, type LoadResult } from './lti/load.js';

const CONCURRENCY = [1, 8, 16];
const WARMUP_MS = 1000;
const DURATION_MS = 3000;
/** Scores per caching mode, split evenly over the two platforms. */
const SCORES = 1000;
/** Seeded students per simulated course: scores spread over many learners (one stream each). */
const STUDENTS = 200;
const HTTP_REQUESTS_PER_LAUNCH = 4;
const USER_AGENT = 'Mozilla/5.0 (Pathwise bench browser)';

const print = (s = ''): void => {
  process.stdout.write(`${s}\n`);
};
const fixed = (n: number, digits = 0): string =>
  Number.isFinite(n)
    ? n.toLocaleString('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits })
    : '-';
const perThousand = (count: number, of: number): string => fixed((count / of) * 1000, 1);

const started = performance.now();
let failures = 0;

// ---------------------------------------------------------------------------------------------
// Servers

const fx: LtiBenchFixture = await startLtiBenchFixture({ studentCount: STUDENTS });
const helloApp = express();
helloApp.get('/hello', (_req, res) => {
  res.type('text').send('hello');
});
const hello = await startServer(helloApp);

print('LTI benchmark (npm run bench:lti)');
print(
  `machine: ${os.cpus()[0]?.model ?? 'unknown CPU'} × ${os.cpus().length}, ${os.platform()} ${os.release()}, Node ${process.version}`,
);
const loadAverage = (): string =>
  os
    .loadavg()
    .map((l) => l.toFixed(2))
    .join(' / ');
print(
  `load average (1/5/15 min) at start: ${loadAverage()}` +
    ((os.loadavg()[0] ?? 0) > os.cpus().length
      ? `  ! busier than ${os.cpus().length} CPUs: figures will be low and noisy`
      : ''),
);
print(
  `database: ${process.env['MONGODB_URI'] ? 'MONGODB_URI' : 'embedded MongoDB-wire server (in process)'}; ` +
    `client, Pathwise, simulator and hello server share this process`,
);
print(
  `each run: ${WARMUP_MS} ms warm-up (discarded) + ${DURATION_MS} ms measured, closed loop; ` +
    `1 launch = ${HTTP_REQUESTS_PER_LAUNCH} HTTP requests (login: 302, or for Canvas a 200 page whose form the client submits as a browser without scripts would; LMS auth 200; launch 303; home 200)`,
);
print();

// ---------------------------------------------------------------------------------------------
// Operations

let launchesDone = 0;

function launchOp(profile: Profile) {
  const platform = fx.platform(profile);
  const students = platform.state.students;
  return async (n: number): Promise<void> => {
    const student = students[n % students.length];
    if (student === undefined) throw new Error('no seeded students');
    const result = await driveLaunch({
      initiation: platform.initiateLogin({ user: student.key }),
      userAgent: USER_AGENT,
    });
    const final = result.final;
    if (final?.status !== 200 || !final.url.includes('/lti/home')) {
      const failed = result.launch[0] ?? result.auth ?? result.login;
      throw new Error(
        `${profile} launch did not land on /lti/home: ${failed.url} → ${failed.status} ${failed.body.slice(0, 200)}`,
      );
    }
    launchesDone += 1;
  };
}

const helloOp = async (): Promise<void> => {
  const response = await fetch(`${hello.url}/hello`, {
    headers: { 'User-Agent': USER_AGENT, Accept: 'text/html' },
  });
  const body = await response.text();
  if (response.status !== 200 || body !== 'hello') throw new Error(`hello → ${response.status}`);
};

// ---------------------------------------------------------------------------------------------
// 1. Throughput: launches vs hello, same client, same concurrency

interface ThroughputRow {
  readonly workload: string;
  readonly result: LoadResult;
  readonly requestsPerOp: number;
  readonly hello: LoadResult | undefined;
}

const outboundAtStart = fx.application.outbound.counts();
const simJwksAtStart = PROFILES.map((p) => fx.platform(p).state.countRequests('jwks'));
const throughput: ThroughputRow[] = [];
for (const concurrency of CONCURRENCY) {
  const options = { concurrency, warmupMs: WARMUP_MS, durationMs: DURATION_MS };
  const helloResult = await runLoad(helloOp, options);
  throughput.push({
    workload: 'bare Express hello',
    result: helloResult,
    requestsPerOp: 1,
    hello: undefined,
  });
  for (const profile of PROFILES) {
    throughput.push({
      workload: `${profile} full launch`,
      result: await runLoad(launchOp(profile), options),
      requestsPerOp: HTTP_REQUESTS_PER_LAUNCH,
      hello: helloResult,
    });
  }
}
const cachedLaunches = launchesDone;
const outboundAfterCached = fx.application.outbound.counts();
const simJwksAfterCached = PROFILES.map((p) => fx.platform(p).state.countRequests('jwks'));

print('1. Throughput (same client and concurrency; ratio = hello req/s ÷ this workload)');
print(
  formatTable(
    [
      'workload',
      'conc',
      'ops',
      'ops/s',
      'HTTP req/s',
      'p50 ms',
      'p99 ms',
      'err',
      'hello÷launch',
      'hello÷req',
    ],
    throughput.map((row) => {
      const r = row.result;
      const requestsPerSecond = r.perSecond * row.requestsPerOp;
      return [
        row.workload,
        String(r.concurrency),
        fixed(r.ops),
        fixed(r.perSecond, 1),
        fixed(requestsPerSecond, 0),
        fixed(r.p50Ms, 2),
        fixed(r.p99Ms, 2),
        String(r.errors),
        row.hello === undefined ? '' : `${fixed(row.hello.perSecond / r.perSecond, 1)}×`,
        row.hello === undefined ? '' : `${fixed(row.hello.perSecond / requestsPerSecond, 1)}×`,
      ];
    }),
    new Set([1, 2, 3, 4, 5, 6, 7, 8, 9]),
  ),
);
for (const row of throughput) {
  if (row.result.errors > 0) {
    failures += row.result.errors;
    print(`  ! ${row.workload} c${row.result.concurrency}: ${row.result.firstError ?? ''}`);
  }
}
print();

// ---------------------------------------------------------------------------------------------
// 2a. Launches with and without the JWKS cache (measured): a fresh key set per launch, like ltijs
// 5.9.9, locally and with a slower platform JWKS endpoint.

const delta = (
  after: Readonly<Record<OutboundPurpose, number>>,
  before: Readonly<Record<OutboundPurpose, number>>,
  purpose: OutboundPurpose,
): number => after[purpose] - before[purpose];

/**
 * Replaces the composition's JWKS cache lookup with one that fetches and imports the platform's
 * key set on every call (through the same counted outbound client). Returns the undo.
 */
function bypassJwksCache(): () => void {
  const { jwksCache, outbound } = fx.application;
  const uncached = (url: string, kid: string) =>
    new JwksCache({ fetchKeys: (u) => fetchJwks(outbound, u), clock: systemClock }).keyFor(
      url,
      kid,
    );
  Object.defineProperty(jwksCache, 'keyFor', { value: uncached, configurable: true });
  return () => {
    Reflect.deleteProperty(jwksCache, 'keyFor');
  };
}

/** How much slower a distant platform's JWKS endpoint is in the "slow JWKS" variant. */
const SLOW_JWKS_MS = 100;
/**
 * Cached and uncached launches alternate in short rounds, so a change in background load hits
 * every variant alike instead of whichever happened to run at that moment.
 */
const AB_ROUNDS = 3;
const AB_ROUND_MS = 1000;
const VARIANTS = ['cached', 'uncached', 'slow'] as const;
type Variant = (typeof VARIANTS)[number];
const VARIANT_LABEL: Readonly<Record<Variant, string>> = {
  cached: 'JWKS cache (production)',
  uncached: 'no JWKS cache',
  slow: `no JWKS cache, JWKS +${SLOW_JWKS_MS} ms`,
};
const abRuns = new Map<string, LoadResult[]>();
const abCounts: Record<Variant, { launches: number; jwks: number; token: number; ags: number }> = {
  cached: { launches: 0, jwks: 0, token: 0, ags: 0 },
  uncached: { launches: 0, jwks: 0, token: 0, ags: 0 },
  slow: { launches: 0, jwks: 0, token: 0, ags: 0 },
};
for (let round = 0; round < AB_ROUNDS; round++) {
  for (const profile of PROFILES) {
    for (const variant of VARIANTS) {
      const { faults } = fx.platform(profile);
      const restore = variant === 'cached' ? undefined : bypassJwksCache();
      if (variant === 'slow') faults.inject('jwks', { kind: 'delay', ms: SLOW_JWKS_MS }, Infinity);
      const launchesBefore = launchesDone;
      const before = fx.application.outbound.counts();
      try {
        const result = await runLoad(launchOp(profile), {
          concurrency: 8,
          warmupMs: 200,
          durationMs: AB_ROUND_MS,
        });
        const key = `${profile} ${variant}`;
        abRuns.set(key, [...(abRuns.get(key) ?? []), result]);
        if (result.errors > 0) {
          failures += result.errors;
          print(`  ! ${VARIANT_LABEL[variant]} ${profile}: ${result.firstError ?? ''}`);
        }
      } finally {
        faults.clear('jwks');
        restore?.();
      }
      const after = fx.application.outbound.counts();
      const counts = abCounts[variant];
      counts.launches += launchesDone - launchesBefore;
      counts.jwks += delta(after, before, 'jwks');
      counts.token += delta(after, before, 'token');
      counts.ags += delta(after, before, 'ags');
    }
  }
}
const abResults = PROFILES.flatMap((profile) =>
  VARIANTS.map((variant) => ({
    profile,
    variant,
    result: mergeLoadResults(abRuns.get(`${profile} ${variant}`) ?? []),
  })),
);

// ---------------------------------------------------------------------------------------------
// 2b. Scores through the grade outbox to the simulator's gradebooks.

function destinationOf(profile: Profile): ScoreDestination {
  const platform = fx.platform(profile);
  const registration = fx.registrationOf(profile);
  // The link every bench launch opened (initiateLogin's default: the tool's first seeded link).
  const link = [...platform.state.resourceLinks.values()].find(
    (l) => l.clientId === registration.clientId,
  );
  if (link === undefined) throw new Error(`${profile}: no seeded resource link`);
  return {
    platformId: registration.id,
    contextId: platform.state.course.contextId,
    resourceLinkId: link.id,
  };
}

interface ScoreRun {
  readonly label: string;
  readonly scores: number;
  readonly seconds: number;
  readonly outbound: Record<OutboundPurpose, number>;
  readonly simTokens: number;
  readonly simScores: number;
  readonly toolJwksFetches: number;
}

async function sendScores(label: string, outbox: GradeOutbox): Promise<ScoreRun> {
  const outboundBefore = fx.application.outbound.counts();
  const delivered = () => PROFILES.map((p) => fx.platform(p).state.scoreHistory.length);
  const deliveredBefore = delivered();
  const simTokensBefore = PROFILES.map((p) => fx.platform(p).state.countRequests('token'));
  const keysBefore = fx.inbound()['/lti/keys'] ?? 0;
  const perProfile = SCORES / PROFILES.length;
  const t0 = performance.now();
  const jobs = PROFILES.flatMap((profile) => {
    const destination = destinationOf(profile);
    const students = fx.platform(profile).state.students;
    return Array.from({ length: perProfile }, (_, i) => ({ profile, destination, i, students }));
  });
  // Enqueue with a little parallelism, as several request handlers would.
  let next = 0;
  await Promise.all(
    Array.from({ length: 8 }, async () => {
      while (next < jobs.length) {
        const job = jobs[next++];
        if (job === undefined) break;
        const student = job.students[job.i % job.students.length];
        if (student === undefined) throw new Error('no seeded students');
        const queued = await outbox.enqueueScore({
          destination: job.destination,
          score: {
            userId: student.sub,
            scoreGiven: job.i % 11,
            scoreMaximum: 10,
            activityProgress: 'Completed',
            gradingProgress: 'FullyGraded',
          },
        });
        if (!queued.ok) throw new Error(`enqueue refused: ${JSON.stringify(queued.error)}`);
      }
    }),
  );
  const deadline = Date.now() + 60_000;
  let lastCheck = 0;
  for (;;) {
    const now = delivered();
    const done = now.every((n, i) => n - (deliveredBefore[i] ?? 0) >= perProfile);
    if (done) break;
    if (Date.now() > deadline) throw new Error(`${label}: scores not delivered within 60 s`);
    if (Date.now() - lastCheck > 1000) {
      lastCheck = Date.now();
      for (const profile of PROFILES) {
        const destination = destinationOf(profile);
        const status = await outbox.status(destination, 1);
        if (status.counts.dead > 0) {
          throw new Error(
            `${label} ${profile}: ${status.counts.dead} score(s) dead-lettered: ${status.entries[0]?.lastError?.message ?? ''}`,
          );
        }
      }
    }
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
  const seconds = (performance.now() - t0) / 1000;
  const outboundAfter = fx.application.outbound.counts();
  const outbound = { ...outboundAfter };
  for (const purpose of Object.keys(outbound) as OutboundPurpose[])
    outbound[purpose] = delta(outboundAfter, outboundBefore, purpose);
  return {
    label,
    scores: SCORES,
    seconds,
    outbound,
    simTokens: PROFILES.reduce(
      (sum, p, i) => sum + fx.platform(p).state.countRequests('token') - (simTokensBefore[i] ?? 0),
      0,
    ),
    simScores: delivered().reduce((sum, n, i) => sum + n - (deliveredBefore[i] ?? 0), 0),
    toolJwksFetches: (fx.inbound()['/lti/keys'] ?? 0) - keysBefore,
  };
}

/** A token client that keeps nothing: every call asks the platform for a new token. */
function uncachedTokenClient(options: ServiceTokenOptions): ServiceTokenClient {
  let fetches = 0;
  return {
    async getToken(request) {
      const fresh = createServiceTokenClient(options);
      const result = await fresh.getToken(request);
      fetches += fresh.fetchCount();
      return result;
    },
    invalidate() {
      // Nothing is kept, so nothing to forget.
    },
    fetchCount: () => fetches,
  };
}

/** The composition's grading pipeline again, with the uncached token client. */
async function uncachedPipeline(): Promise<{ outbox: GradeOutbox; worker: GradeOutboxWorker }> {
  const { application } = fx;
  const clock = systemClock;
  const tokens = uncachedTokenClient({
    registry: application.registry,
    http: application.outbound,
    clock,
  });
  const ags = createAgsClient({ http: application.outbound, tokens, clock });
  const repository = await createGradeOutboxRepository(fx.database.connection);
  const worker = createGradeOutboxWorker({
    repository,
    publisher: createAgsScorePublisher({ endpoints: application.serviceEndpoints, ags, clock }),
    clock,
  });
  const outbox = createGradeOutbox({
    repository,
    clock,
    onEnqueued: () => {
      worker.wake();
    },
  });
  return { outbox, worker };
}

const scoreRuns: ScoreRun[] = [];
try {
  // Production wiring: the application's own outbox and started worker, cached tokens.
  scoreRuns.push(await sendScores('scores, token cache (production)', fx.application.gradeOutbox));
  // Same pipeline with no token cache; the application's worker is stopped so only ours sends.
  await fx.application.gradeWorker.stop();
  const bare = await uncachedPipeline();
  bare.worker.start();
  try {
    scoreRuns.push(await sendScores('scores, no token cache (naive)', bare.outbox));
  } finally {
    await bare.worker.stop();
  }
} catch (error) {
  failures += 1;
  print(`  ! scores: ${error instanceof Error ? error.message : String(error)}`);
}

// ---------------------------------------------------------------------------------------------
// 2. Report the cache effect

const cachedJwks = delta(outboundAfterCached, outboundAtStart, 'jwks');
const simCachedJwks = simJwksAfterCached.reduce(
  (sum, n, i) => sum + n - (simJwksAtStart[i] ?? 0),
  0,
);
const averageRate = (variant: Variant): number => {
  const rows = abResults.filter((r) => r.variant === variant);
  return rows.reduce((sum, r) => sum + r.result.perSecond, 0) / Math.max(1, rows.length);
};
const uncachedLaunches = abCounts.uncached.launches + abCounts.slow.launches;

print(
  `2a. Launches with and without the JWKS cache (concurrency 8, ${AB_ROUNDS} interleaved rounds of ${AB_ROUND_MS} ms each)`,
);
print(
  formatTable(
    ['profile', 'platform keys', 'launches', 'launch/s', 'p50 ms', 'p99 ms', 'JWKS/launch', 'err'],
    abResults.map(({ profile, variant, result }) => {
      const counts = abCounts[variant];
      return [
        profile,
        VARIANT_LABEL[variant],
        fixed(result.ops),
        fixed(result.perSecond, 1),
        fixed(result.p50Ms, 1),
        fixed(result.p99Ms, 1),
        fixed(counts.jwks / Math.max(1, counts.launches), 2),
        String(result.errors),
      ];
    }),
    new Set([2, 3, 4, 5, 6, 7]),
  ),
);
print();

print('2b. Cache effect: outbound requests per 1,000 operations (measured in this run)');
const cacheRows: string[][] = [
  [
    'launches, JWKS cache (production)',
    fixed(cachedLaunches),
    perThousand(cachedJwks, cachedLaunches),
    perThousand(delta(outboundAfterCached, outboundAtStart, 'token'), cachedLaunches),
    perThousand(delta(outboundAfterCached, outboundAtStart, 'ags'), cachedLaunches),
    '-',
    `${fixed(averageRate('cached'), 1)} launch/s (2a, c8 avg)`,
  ],
  [
    'launches, no JWKS cache (= ltijs 5.9.9)',
    fixed(uncachedLaunches),
    perThousand(abCounts.uncached.jwks + abCounts.slow.jwks, uncachedLaunches),
    perThousand(abCounts.uncached.token + abCounts.slow.token, uncachedLaunches),
    perThousand(abCounts.uncached.ags + abCounts.slow.ags, uncachedLaunches),
    '-',
    `${fixed(averageRate('uncached'), 1)} launch/s (2a, c8 avg)`,
  ],
  ...scoreRuns.map((run) => [
    run.label,
    fixed(run.scores),
    perThousand(run.outbound.jwks, run.scores),
    perThousand(run.outbound.token, run.scores),
    perThousand(run.outbound.ags, run.scores),
    perThousand(run.toolJwksFetches, run.scores),
    `${fixed(run.scores / run.seconds, 0)} score/s (enqueue → gradebook)`,
  ]),
];
print(
  formatTable(
    ['workload', 'n', 'platform JWKS', 'token req', 'AGS req', 'LMS→our JWKS', 'throughput'],
    cacheRows,
    new Set([1, 2, 3, 4, 5]),
  ),
);
print();
print(
  `  launches: ${cachedJwks} JWKS fetch(es) by Pathwise over ${cachedLaunches} cached launches (warm-ups included) ` +
    `(simulator log: ${simCachedJwks}), i.e. one per platform at cold start; the cache keeps a ` +
    `key set 10 min and refetches early only for an unknown kid (≤ 1 per 30 s).`,
);
for (const run of scoreRuns) {
  print(
    `  ${run.label}: ${run.outbound.token} token request(s) (simulator log: ${run.simTokens}), ` +
      `${run.outbound.ags} AGS request(s) for ${run.simScores} scores in the gradebooks, ` +
      `${run.toolJwksFetches} fetch(es) of /lti/keys by the LMS (it caches our key set).`,
  );
}
print(
  '  cached tokens live until 60 s before expires_in (3600 s here): steady state is 1 token per ' +
    '(platform, scope set) per ~59 min, whatever the score volume. ltijs 5.9.9 reuses tokens too ' +
    '(stored in its database), but has no JWKS cache.',
);
print();
print(
  `done in ${fixed((performance.now() - started) / 1000, 1)} s; load average at end: ${loadAverage()}`,
);

await hello.close();
await fx.close();
if (failures > 0) {
  print(`${failures} failure(s): see the lines marked "!" above`);
  process.exitCode = 1;
}
