import { expect } from 'chai';
import { pino } from 'pino';
import {
  createGradeOutbox,
  type GradeOutbox,
  type GradeOutboxRepository,
} from '../../../src/grading/grade-outbox.js';
import { createGradeOutboxRepository } from '../../../src/grading/grade-outbox.mongo.js';
import {
  createGradeOutboxWorker,
  type GradeOutboxWorker,
} from '../../../src/grading/grade-outbox.worker.js';
import type { RetryPolicy } from '../../../src/grading/retry-policy.js';
import { createAgsClient } from '../../../src/lti/ags-client.js';
import { createAgsScorePublisher } from '../../../src/lti/ags.adapter.js';
import { createServiceTokenClient } from '../../../src/lti/service-token.js';
import type { ManualClock } from '../../../src/shared/clock.js';
import type { ProfileName, SimulatedPlatform } from '../../../src/dev/lms-simulator/index.js';
import { startServicesFixture, type ServicesFixture } from '../../support/lti/services-fixture.js';

const POLICY: RetryPolicy = { baseDelayMs: 1000, maxDelayMs: 8000, maxAttempts: 12 };

interface LogLine {
  readonly level: number;
  readonly msg: string;
  readonly [key: string]: unknown;
}

interface Outbox {
  readonly outbox: GradeOutbox;
  readonly worker: GradeOutboxWorker;
  readonly repository: GradeOutboxRepository;
  readonly logs: LogLine[];
}

async function outboxFor(
  fx: ServicesFixture,
  options: { policy?: RetryPolicy; instanceId?: string; separateClients?: boolean } = {},
): Promise<Outbox> {
  const repository = await createGradeOutboxRepository(fx.connection);
  const logs: LogLine[] = [];
  const logger = pino(
    { level: 'info' },
    {
      write: (line: string) => {
        logs.push(JSON.parse(line) as LogLine);
      },
    },
  );
  // A second "instance" gets its own token cache and AGS client, as another process would.
  const tokens = options.separateClients
    ? createServiceTokenClient({ registry: fx.registry, http: fx.http, clock: fx.clock })
    : fx.tokens;
  const ags = options.separateClients
    ? createAgsClient({ http: fx.http, tokens, clock: fx.clock, timeoutMs: fx.timeoutMs })
    : fx.ags;
  const publisher = createAgsScorePublisher({
    endpoints: fx.endpoints,
    ags,
    clock: fx.clock,
    ...(options.instanceId === undefined ? {} : { instanceId: options.instanceId }),
  });
  const worker = createGradeOutboxWorker({
    repository,
    publisher,
    clock: fx.clock,
    policy: options.policy ?? POLICY,
    random: () => 0.5,
    batchSize: 10,
    deferMs: 200,
    logger,
  });
  return { outbox: createGradeOutbox({ repository, clock: fx.clock }), worker, repository, logs };
}

/** Runs the workers, jumping the shared manual clock to the next due entry, until all settle. */
async function settle(workers: readonly GradeOutboxWorker[], clock: ManualClock): Promise<void> {
  for (let round = 0; round < 300; round++) {
    await Promise.all(workers.map((w) => w.drain()));
    const next = await workers[0]!.nextDueAt();
    if (next === undefined) return;
    if (next.getTime() > clock.now().getTime()) clock.set(next);
  }
  throw new Error('the outbox did not settle');
}

const sub = (platform: SimulatedPlatform, key: string): string =>
  platform.state.userByKey(key)!.sub;

describe('grade outbox: durable AGS passback against the simulated Canvas and Moodle', function () {
  let fx: ServicesFixture;

  before(async function () {
    // Short outbound timeout: injected hangs must cost milliseconds, not seconds.
    fx = await startServicesFixture({ timeoutMs: 150 });
  });
  after(async function () {
    await fx.close();
  });

  async function enqueue(
    outbox: GradeOutbox,
    profile: ProfileName,
    resourceLinkId: string,
    userKey: string,
    scoreGiven: number,
  ): Promise<string> {
    const result = await outbox.enqueueScore({
      destination: {
        platformId: fx.platformId(profile),
        contextId: fx.platform(profile).state.course.contextId,
        resourceLinkId,
      },
      score: {
        userId: sub(fx.platform(profile), userKey),
        scoreGiven,
        scoreMaximum: 10,
        activityProgress: 'Completed',
        gradingProgress: 'FullyGraded',
      },
    });
    if (!result.ok) throw new Error(JSON.stringify(result.error));
    return result.value.id;
  }

  it('moodle: two instances on a link without a line item create it once and send each score exactly once', async function () {
    const a = await outboxFor(fx, { instanceId: 'instance-a' });
    const b = await outboxFor(fx, { instanceId: 'instance-b', separateClients: true });
    const link = fx.links('moodle').ungraded;
    const platform = fx.platform('moodle');
    await fx.launch('moodle', { resourceLinkId: link });
    const students = ['student-01', 'student-02', 'student-03', 'student-04', 'student-05'];
    for (const [i, key] of students.entries()) await enqueue(a.outbox, 'moodle', link, key, i + 1);
    const posts = platform.state.countRequests('lineItems', { method: 'POST' });

    await settle([a.worker, b.worker], fx.clock);

    expect(platform.state.countRequests('lineItems', { method: 'POST' }) - posts).to.equal(1);
    const items = platform.state.lineItemsForLink(link);
    expect(items).to.have.length(1);
    for (const [i, key] of students.entries()) {
      const history = platform.state.scoresFor(items[0]!.id, sub(platform, key));
      expect(history, key).to.have.length(1);
      expect(history[0]!.stored.scoreGiven).to.equal(i + 1);
    }
    const stored = await fx.endpoints.find({
      platformId: fx.platformId('moodle'),
      contextId: platform.state.course.contextId,
      resourceLinkId: link,
    });
    expect(stored?.resolvedLineItemUrl).to.equal(items[0]!.url);
    const status = await a.outbox.status({
      platformId: fx.platformId('moodle'),
      contextId: platform.state.course.contextId,
      resourceLinkId: link,
    });
    expect(status.counts).to.deep.equal({ pending: 0, sent: 5, dead: 0, superseded: 0 });
  });

  it('enqueueScore resolves only after the entry is stored, and refuses scores platforms would reject', async function () {
    const { outbox } = await outboxFor(fx);
    const id = await enqueue(outbox, 'canvas', fx.links('canvas').graded, 'student-30', 4);
    const stored = await fx.connection.collection('pw_grade_outbox').findOne({ _id: id as never });
    expect(stored).to.include({ status: 'pending', attempts: 0 });
    const refused = await outbox.enqueueScore({
      destination: {
        platformId: fx.platformId('canvas'),
        contextId: fx.platform('canvas').state.course.contextId,
        resourceLinkId: fx.links('canvas').graded,
      },
      score: {
        userId: 'someone',
        scoreGiven: 11,
        scoreMaximum: 0,
        activityProgress: 'Completed',
        gradingProgress: 'FullyGraded',
      },
    });
    expect(refused.ok).to.equal(false);
    if (!refused.ok) expect(refused.error.type).to.equal('invalid-score');
  });

  for (const profile of ['canvas', 'moodle'] as const) {
    describe(profile, function () {
      it('outage (500s, then 429 + Retry-After, then hangs): every queued score lands exactly once, in order, with the right final value', async function () {
        const { outbox, worker, logs } = await outboxFor(fx);
        const platform = fx.platform(profile);
        const link = fx.links(profile).graded;
        await fx.launch(profile, { resourceLinkId: link });
        const lineItem = platform.state.lineItemsForLink(link)[0]!;
        platform.faults.inject('scores', { kind: 'error', status: 500 }, 3);
        platform.faults.inject('scores', { kind: 'error', status: 503 }, 2);
        platform.faults.inject('scores', { kind: 'rateLimit', retryAfterSeconds: 5 }, 3);
        platform.faults.inject('scores', { kind: 'hang', ms: 60_000 }, 3);
        fx.clock.advance(60_000);

        // Six learners once each; one learner three times within the same second (Moodle 409 trap).
        const once = [
          'student-06',
          'student-07',
          'student-08',
          'student-09',
          'student-15',
          'student-16',
        ];
        const expected = new Map<string, number[]>();
        const ids: string[] = [];
        for (const [i, key] of once.entries()) {
          ids.push(await enqueue(outbox, profile, link, key, i + 2));
          expected.set(key, [i + 2]);
        }
        for (const value of [2, 6, 9])
          ids.push(await enqueue(outbox, profile, link, 'student-17', value));
        expected.set('student-17', [2, 6, 9]);

        await settle([worker], fx.clock);

        expect(platform.faults.pendingFor('scores')).to.equal(0);
        for (const [key, values] of expected) {
          const history = platform.state.scoresFor(lineItem.id, sub(platform, key));
          // Exactly once each, in enqueue order.
          expect(
            history.map((h) => h.stored.scoreGiven),
            key,
          ).to.deep.equal(values);
          expect(platform.state.resultFor(lineItem.id, sub(platform, key))?.scoreGiven).to.equal(
            values.at(-1),
          );
          const seconds = history.map((h) => Math.floor(Date.parse(h.stored.timestamp) / 1000));
          for (let i = 1; i < seconds.length; i++)
            expect(seconds[i]!, 'whole seconds apart').to.be.greaterThan(seconds[i - 1]!);
        }
        const log = platform.state.requestLog.filter((e) => e.endpoint === 'scores');
        expect(log.filter((e) => e.status === 500 || e.status === 503)).to.have.length(5);
        expect(log.filter((e) => e.status === 429)).to.have.length(3);
        // Hung requests were abandoned by our timeout (the simulator logs status 0).
        expect(log.filter((e) => e.faulted && e.status === 0)).to.have.length(3);
        const status = await outbox.status({
          platformId: fx.platformId(profile),
          contextId: platform.state.course.contextId,
          resourceLinkId: link,
        });
        const ours = status.entries.filter((e) => ids.includes(e.id));
        expect(ours).to.have.length(ids.length);
        expect(ours.every((e) => e.status === 'sent')).to.equal(true);
        expect(ours.filter((e) => e.attempts > 0).length).to.be.at.least(3);
        expect(status.counts.pending).to.equal(0);
        const retryLines = logs.filter((l) => l.msg.startsWith('score not delivered'));
        expect(retryLines.map((l) => l['code'])).to.include.members([
          'unavailable',
          'rate-limited',
        ]);
      });

      it('429 with Retry-After: the entry waits at least that long before the next attempt', async function () {
        const { outbox, worker } = await outboxFor(fx);
        const platform = fx.platform(profile);
        const link = fx.links(profile).graded;
        await fx.launch(profile, { resourceLinkId: link });
        fx.clock.advance(10_000);
        platform.faults.inject('scores', { kind: 'rateLimit', retryAfterSeconds: 30 }, 1);
        const id = await enqueue(outbox, profile, link, 'student-18', 7);
        const startedAt = fx.clock.now().getTime();
        expect((await worker.runOnce()).retried).to.equal(1);
        const scope = {
          platformId: fx.platformId(profile),
          contextId: platform.state.course.contextId,
        };
        const entry = (await outbox.status(scope)).entries.find((e) => e.id === id)!;
        expect(entry.status).to.equal('pending');
        expect(entry.lastError).to.include({ code: 'rate-limited', status: 429 });
        expect(entry.nextAttemptAt!.getTime() - startedAt).to.be.at.least(30_000);
        fx.clock.advance(29_000);
        expect((await worker.runOnce()).claimed).to.equal(0);
        fx.clock.advance(1_000);
        expect((await worker.runOnce()).sent).to.equal(1);
      });

      it('dead-letters after maxAttempts with the last error visible; retryDead delivers it', async function () {
        const { outbox, worker, logs } = await outboxFor(fx, {
          policy: { ...POLICY, maxAttempts: 3 },
        });
        const platform = fx.platform(profile);
        const link = fx.links(profile).graded;
        await fx.launch(profile, { resourceLinkId: link });
        fx.clock.advance(10_000);
        platform.faults.inject('scores', { kind: 'error', status: 500 }, 3);
        const id = await enqueue(outbox, profile, link, 'student-19', 9);
        await settle([worker], fx.clock);

        const scope = {
          platformId: fx.platformId(profile),
          contextId: platform.state.course.contextId,
          resourceLinkId: link,
        };
        const dead = (await outbox.status(scope)).entries.find((e) => e.id === id)!;
        expect(dead.status).to.equal('dead');
        expect(dead.attempts).to.equal(3);
        expect(dead.lastError).to.include({ code: 'unavailable', status: 500 });
        expect(dead.lastError?.message).to.equal('HTTP 500: injected_fault');
        expect((await outbox.status(scope)).counts.dead).to.be.at.least(1);
        expect(
          logs.some((l) => l.msg.startsWith('score dead-lettered') && l['entryId'] === id),
        ).to.equal(true);

        // The instructor of another course cannot touch it.
        const foreign = await outbox.retryDead(id, { ...scope, contextId: 'another-course' });
        expect(foreign.ok).to.equal(false);
        const retried = await outbox.retryDead(id, scope);
        expect(retried.ok, JSON.stringify(retried)).to.equal(true);
        await settle([worker], fx.clock);
        const lineItem = platform.state.lineItemsForLink(link)[0]!;
        const history = platform.state.scoresFor(lineItem.id, sub(platform, 'student-19'));
        expect(history.map((h) => h.stored.scoreGiven)).to.deep.equal([9]);
        const sent = (await outbox.status(scope)).entries.find((e) => e.id === id)!;
        expect(sent.status).to.equal('sent');
        const again = await outbox.retryDead(id, scope);
        expect(again.ok).to.equal(false);
        if (!again.ok) expect(again.error.type).to.equal('entry-not-dead');
      });

      it('a dead score superseded by a newer one is not resent', async function () {
        const { outbox, worker } = await outboxFor(fx, { policy: { ...POLICY, maxAttempts: 2 } });
        const platform = fx.platform(profile);
        const link = fx.links(profile).graded;
        await fx.launch(profile, { resourceLinkId: link });
        fx.clock.advance(10_000);
        platform.faults.inject('scores', { kind: 'error', status: 502 }, 2);
        const old = await enqueue(outbox, profile, link, 'student-23', 2);
        await settle([worker], fx.clock);
        await enqueue(outbox, profile, link, 'student-23', 8);
        await settle([worker], fx.clock);
        const result = await outbox.retryDead(old);
        expect(result.ok).to.equal(false);
        if (!result.ok) expect(result.error.type).to.equal('entry-superseded');
        await settle([worker], fx.clock);
        const lineItem = platform.state.lineItemsForLink(link)[0]!;
        expect(
          platform.state
            .scoresFor(lineItem.id, sub(platform, 'student-23'))
            .map((h) => h.stored.scoreGiven),
        ).to.deep.equal([8]);
      });
    });
  }

  it('canvas: a score the platform refuses (422, not a student) is dead at once with its message', async function () {
    const { outbox, worker } = await outboxFor(fx);
    const link = fx.links('canvas').graded;
    await fx.launch('canvas', { resourceLinkId: link });
    const id = await enqueue(outbox, 'canvas', link, 'instructor', 5);
    await settle([worker], fx.clock);
    const scope = {
      platformId: fx.platformId('canvas'),
      contextId: fx.platform('canvas').state.course.contextId,
    };
    const entry = (await outbox.status(scope)).entries.find((e) => e.id === id)!;
    expect(entry.status).to.equal('dead');
    expect(entry.attempts).to.equal(1);
    expect(entry.lastError).to.include({ code: 'rejected', status: 422 });
    expect(entry.lastError?.message).to.contain('User not found in course or is not a student');
  });

  it('moodle: three scores for one learner enqueued in the same second all land, in order', async function () {
    const { outbox, worker } = await outboxFor(fx);
    const platform = fx.platform('moodle');
    const link = fx.links('moodle').graded;
    await fx.launch('moodle', { resourceLinkId: link });
    fx.clock.advance(10_000);
    for (const value of [1, 4, 10]) await enqueue(outbox, 'moodle', link, 'student-24', value);
    const round = await worker.drain();
    expect(round.sent).to.equal(3);
    const lineItem = platform.state.lineItemsForLink(link)[0]!;
    const history = platform.state.scoresFor(lineItem.id, sub(platform, 'student-24'));
    expect(history.map((h) => h.stored.scoreGiven)).to.deep.equal([1, 4, 10]);
    expect(platform.state.countRequests('scores', { status: 409 })).to.equal(0);
    const times = history.map((h) => Date.parse(h.stored.timestamp));
    expect(times[1]! - times[0]!).to.be.at.least(1000);
    expect(times[2]! - times[1]!).to.be.at.least(1000);
  });

  it('latestPerStream gives the newest entry of each learner on a link, however many there are', async function () {
    const { outbox } = await outboxFor(fx);
    const link = 'latest-per-stream-link';
    const scope = {
      platformId: fx.platformId('canvas'),
      contextId: fx.platform('canvas').state.course.contextId,
      resourceLinkId: link,
    };
    for (const value of [1, 2, 3]) await enqueue(outbox, 'canvas', link, 'student-26', value);
    const newest = await enqueue(outbox, 'canvas', link, 'student-27', 9);
    await enqueue(outbox, 'canvas', 'another-link', 'student-26', 7);
    const latest = await outbox.latestPerStream(scope);
    const byUser = new Map(latest.map((e) => [e.userId, e]));
    expect(latest).to.have.length(2);
    expect(byUser.get(sub(fx.platform('canvas'), 'student-26'))?.scoreGiven).to.equal(3);
    expect(byUser.get(sub(fx.platform('canvas'), 'student-27'))?.id).to.equal(newest);
    expect(await outbox.latestPerStream({ ...scope, contextId: 'another-course' })).to.deep.equal(
      [],
    );
  });

  it('a link launched without grade services is dead-lettered with a plain reason', async function () {
    const { outbox, worker } = await outboxFor(fx);
    const id = await enqueue(outbox, 'canvas', 'never-launched-link', 'student-25', 5);
    await worker.drain();
    const entry = (
      await outbox.status({
        platformId: fx.platformId('canvas'),
        contextId: fx.platform('canvas').state.course.contextId,
        resourceLinkId: 'never-launched-link',
      })
    ).entries.find((e) => e.id === id)!;
    expect(entry.status).to.equal('dead');
    expect(entry.lastError?.code).to.equal('no-grade-service');
  });

  it('start()/stop(): the started worker delivers a woken entry without a manual drain', async function () {
    const { outbox, worker } = await outboxFor(fx);
    const link = fx.links('canvas').graded;
    await fx.launch('canvas', { resourceLinkId: link });
    fx.clock.advance(10_000);
    worker.start();
    try {
      const id = await enqueue(outbox, 'canvas', link, 'student-26', 6);
      worker.wake();
      const scope = {
        platformId: fx.platformId('canvas'),
        contextId: fx.platform('canvas').state.course.contextId,
      };
      for (let i = 0; i < 100; i++) {
        const entry = (await outbox.status(scope)).entries.find((e) => e.id === id);
        if (entry?.status === 'sent') return;
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
      expect.fail('the started worker did not deliver the score');
    } finally {
      await worker.stop();
    }
  });
});
