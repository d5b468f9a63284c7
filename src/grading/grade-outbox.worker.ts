/**
 * The worker that empties the grade outbox. Each round leases due entries (never two of one
 * stream, never one another instance holds), sends them in parallel across streams, and settles
 * each: sent, retried later (exponential backoff with jitter, Retry-After honoured), deferred,
 * or dead-lettered with the platform's last message.
 *
 * The lease must outlast one attempt (line item lookup + token + score POST, each bounded by the
 * outbound timeout); if a worker dies mid-attempt the entry becomes claimable again when the
 * lease runs out. `runOnce`/`drain` are for tests and scripts, `start`/`stop` for the process.
 */
import type { Logger } from '../infra/logger.js';
import type { Clock } from '../shared/clock.js';
import {
  planRetry,
  type ClaimedEntry,
  type GradeOutboxRepository,
  type OutboxError,
  type PublishFailure,
  type ScorePublisher,
  type ScoreTimestampKey,
} from './grade-outbox.js';
import { DEFAULT_RETRY_POLICY, type RetryPolicy } from './retry-policy.js';
import { buildScore, nextScoreTimestamp } from './score.js';

export type WorkerLogger = Pick<Logger, 'info' | 'warn' | 'error'>;

export interface GradeOutboxWorkerOptions {
  readonly repository: GradeOutboxRepository;
  readonly publisher: ScorePublisher;
  readonly clock: Clock;
  readonly policy?: RetryPolicy;
  /** [0, 1) for the backoff jitter; Math.random by default (injected in tests). */
  readonly random?: () => number;
  /** How long a claimed entry stays ours (default 2 min: several outbound timeouts). */
  readonly leaseMs?: number;
  /** Entries leased per round (default 10). */
  readonly batchSize?: number;
  /** Pause between rounds when started (default 1 s). */
  readonly pollIntervalMs?: number;
  /** Wait before retrying an entry whose line item another worker is creating (default 1 s). */
  readonly deferMs?: number;
  readonly logger?: WorkerLogger;
}

export interface WorkerRound {
  readonly claimed: number;
  readonly sent: number;
  readonly retried: number;
  readonly deferred: number;
  readonly dead: number;
  /** Entries whose lease ran out before we settled them (another worker may have them now). */
  readonly lost: number;
}

export interface GradeOutboxWorker {
  runOnce(): Promise<WorkerRound>;
  /** Rounds until nothing is due now (entries waiting for a retry later stay pending). */
  drain(maxRounds?: number): Promise<WorkerRound>;
  nextDueAt(): Promise<Date | undefined>;
  start(): void;
  /** Stops polling and waits for the round in progress. */
  stop(): Promise<void>;
  /** Runs a round soon (after an enqueue) instead of waiting for the poll interval. */
  wake(): void;
}

type Outcome = 'sent' | 'retried' | 'deferred' | 'dead' | 'lost';

const EMPTY: WorkerRound = { claimed: 0, sent: 0, retried: 0, deferred: 0, dead: 0, lost: 0 };

const add = (a: WorkerRound, b: WorkerRound): WorkerRound => ({
  claimed: a.claimed + b.claimed,
  sent: a.sent + b.sent,
  retried: a.retried + b.retried,
  deferred: a.deferred + b.deferred,
  dead: a.dead + b.dead,
  lost: a.lost + b.lost,
});

export function createGradeOutboxWorker(options: GradeOutboxWorkerOptions): GradeOutboxWorker {
  const { repository, publisher, clock, logger } = options;
  const policy = options.policy ?? DEFAULT_RETRY_POLICY;
  const random = options.random ?? Math.random;
  const leaseMs = options.leaseMs ?? 120_000;
  const batchSize = options.batchSize ?? 10;
  const pollIntervalMs = options.pollIntervalMs ?? 1000;
  const deferMs = options.deferMs ?? 1000;

  /** Strictly after the last timestamp sent for (line item, learner), even across instances. */
  async function reserveTimestamp(key: ScoreTimestampKey): Promise<Date> {
    for (let i = 0; i < 10; i++) {
      const previous = await repository.lastScoreTimestamp(key);
      const next = nextScoreTimestamp(previous, clock.now());
      if (await repository.compareAndSetScoreTimestamp(key, previous, next)) return next;
    }
    throw new Error('could not reserve a score timestamp (too much contention)');
  }

  async function fail(
    entry: ClaimedEntry,
    failure: PublishFailure,
    sent: { lastTimestamp?: string; lineItemUrl?: string },
  ): Promise<Outcome> {
    const now = clock.now();
    const plan = planRetry(entry.attempts, failure, now, policy, random(), deferMs);
    const lastError: OutboxError = {
      code: failure.code,
      message: failure.message,
      status: failure.status,
      at: now,
    };
    const context = {
      entryId: entry.id,
      platformId: entry.destination.platformId,
      resourceLinkId: entry.destination.resourceLinkId,
      code: failure.code,
      status: failure.status,
    };
    switch (plan.action) {
      case 'defer':
        return (await repository.settle(entry.id, entry.leaseToken, { dueAt: plan.dueAt, ...sent }))
          ? 'deferred'
          : 'lost';
      case 'retry':
        logger?.warn(
          { ...context, attempts: plan.attempts, retryAt: plan.dueAt.toISOString() },
          `score not delivered, retrying later: ${failure.message}`,
        );
        return (await repository.settle(entry.id, entry.leaseToken, {
          attempts: plan.attempts,
          dueAt: plan.dueAt,
          lastError,
          ...sent,
        }))
          ? 'retried'
          : 'lost';
      case 'dead':
        logger?.error(
          { ...context, attempts: plan.attempts },
          `score dead-lettered: ${failure.message}`,
        );
        return (await repository.settle(entry.id, entry.leaseToken, {
          status: 'dead',
          attempts: plan.attempts,
          deadAt: now,
          lastError,
          ...sent,
        }))
          ? 'dead'
          : 'lost';
    }
  }

  async function attempt(entry: ClaimedEntry): Promise<Outcome> {
    const sent: { lastTimestamp?: string; lineItemUrl?: string } = {};
    try {
      const resolved = await publisher.resolveLineItem(entry.destination, {
        ...entry.lineItem,
        scoreMaximum: entry.score.scoreMaximum,
      });
      if (!resolved.ok) return await fail(entry, resolved.error, sent);
      const lineItemUrl = resolved.value;
      sent.lineItemUrl = lineItemUrl;
      const timestamp = await reserveTimestamp({
        platformId: entry.destination.platformId,
        lineItemUrl,
        userId: entry.userId,
      });
      const score = buildScore(entry.score, timestamp);
      sent.lastTimestamp = score.timestamp;
      const published = await publisher.publish(entry.destination, lineItemUrl, score);
      if (!published.ok) return await fail(entry, published.error, sent);
      const settled = await repository.settle(entry.id, entry.leaseToken, {
        status: 'sent',
        sentAt: clock.now(),
        ...sent,
      });
      logger?.info(
        { entryId: entry.id, platformId: entry.destination.platformId, attempts: entry.attempts },
        'score delivered',
      );
      return settled ? 'sent' : 'lost';
    } catch (error) {
      // A bug or our database failing: keep the entry and try again later.
      const message = error instanceof Error ? error.message : String(error);
      return fail(entry, { kind: 'retryable', code: 'unexpected', message }, sent);
    }
  }

  async function runOnce(): Promise<WorkerRound> {
    const now = clock.now();
    const claimed = await repository.claimDue(now, new Date(now.getTime() + leaseMs), batchSize);
    const outcomes = await Promise.all(claimed.map(attempt));
    const count = (o: Outcome) => outcomes.filter((x) => x === o).length;
    return {
      claimed: claimed.length,
      sent: count('sent'),
      retried: count('retried'),
      deferred: count('deferred'),
      dead: count('dead'),
      lost: count('lost'),
    };
  }

  async function drain(maxRounds = 1000): Promise<WorkerRound> {
    let total = EMPTY;
    for (let i = 0; i < maxRounds; i++) {
      const round = await runOnce();
      total = add(total, round);
      if (round.claimed === 0) break;
    }
    return total;
  }

  let stopped = true;
  let timer: NodeJS.Timeout | undefined;
  let current: Promise<void> | undefined;
  let wakeRequested = false;

  const schedule = (ms: number): void => {
    if (stopped || timer !== undefined || current !== undefined) return;
    timer = setTimeout(() => {
      timer = undefined;
      current = drain()
        .then(
          () => undefined,
          (error: unknown) => {
            logger?.error({ err: error }, 'grade outbox round failed');
          },
        )
        .finally(() => {
          current = undefined;
          const again = wakeRequested;
          wakeRequested = false;
          schedule(again ? 0 : pollIntervalMs);
        });
    }, ms);
  };

  return {
    runOnce,
    drain,
    nextDueAt: () => repository.nextDueAt(),
    start() {
      if (!stopped) return;
      stopped = false;
      schedule(0);
    },
    async stop() {
      stopped = true;
      if (timer !== undefined) clearTimeout(timer);
      timer = undefined;
      await current;
    },
    wake() {
      if (stopped) return;
      if (current !== undefined) {
        wakeRequested = true;
        return;
      }
      if (timer !== undefined) clearTimeout(timer);
      timer = undefined;
      schedule(0);
    },
  };
}
