/**
 * The grade outbox: AGS passback that never loses a score (LTI-NOTES §3, checklist 39-40).
 *
 * Why it is shaped this way:
 * - `enqueueScore` awaits a durable insert before returning, so a caller that acknowledges the
 *   learner afterwards can never have acknowledged a score that is only in memory;
 * - each (platform, course, resource link, learner) is a *stream* with its own sequence number,
 *   allocated so that entry n+1 can only exist once entry n does. A worker sends only the oldest
 *   pending entry of a stream, so an older score is never sent after a newer one even with
 *   several instances (the platform keeps the last score it accepts);
 * - the timestamp is assigned at send time from the last one persisted for (line item, learner),
 *   at least one second later (Moodle compares whole seconds, Canvas refuses older ones);
 * - failures are values from the ScorePublisher port; what to do next is the pure `planRetry`;
 * - dead entries stay visible to the instructor with the platform's last message, and can be
 *   requeued by hand unless a newer score for the same learner has superseded them.
 */
import type { Clock } from '../shared/clock.js';
import { err, ok, type Result } from '../shared/result.js';
import { retryDelayMs, type RetryPolicy } from './retry-policy.js';
import {
  buildScore,
  InvalidScoreError,
  type ActivityProgress,
  type AgsScore,
  type GradingProgress,
  type ScoreInput,
} from './score.js';

export type OutboxStatus = 'pending' | 'sent' | 'dead' | 'superseded';

/** Where a score goes: the line item of one resource link in one course. */
export interface ScoreDestination {
  readonly platformId: string;
  readonly contextId: string;
  readonly resourceLinkId: string;
}

/** What to create if the link has no line item yet (defaults come from the launch). */
export interface LineItemHint {
  readonly label?: string | undefined;
  readonly resourceId?: string | undefined;
  readonly tag?: string | undefined;
}

export interface OutboxError {
  /** Machine-readable cause (the service failure kind, or `unexpected`). */
  readonly code: string;
  /** The platform's message when it gave one; safe to show to an instructor. */
  readonly message: string;
  readonly status: number | undefined;
  readonly at: Date;
}

export interface OutboxEntry {
  readonly id: string;
  readonly destination: ScoreDestination;
  readonly userId: string;
  readonly streamKey: string;
  /** Position in the stream, 1-based, gap-free. */
  readonly seq: number;
  readonly score: ScoreInput;
  readonly lineItem: LineItemHint;
  readonly status: OutboxStatus;
  /** Failed attempts so far. */
  readonly attempts: number;
  readonly enqueuedAt: Date;
  /** Earliest time of the next attempt (pending entries). */
  readonly dueAt: Date;
  readonly sentAt: Date | undefined;
  readonly deadAt: Date | undefined;
  readonly lastError: OutboxError | undefined;
  /** The timestamp of the last attempt (the accepted one once sent). */
  readonly lastTimestamp: string | undefined;
  readonly lineItemUrl: string | undefined;
}

export interface NewOutboxEntry {
  readonly destination: ScoreDestination;
  readonly userId: string;
  readonly streamKey: string;
  readonly score: ScoreInput;
  readonly lineItem: LineItemHint;
  readonly enqueuedAt: Date;
}

/** An entry this worker holds the lease on; every write about it must present the token. */
export interface ClaimedEntry extends OutboxEntry {
  readonly leaseToken: string;
}

export interface EntryUpdate {
  readonly status?: OutboxStatus;
  readonly attempts?: number;
  readonly dueAt?: Date;
  readonly sentAt?: Date;
  readonly deadAt?: Date;
  readonly lastError?: OutboxError;
  readonly lastTimestamp?: string;
  readonly lineItemUrl?: string;
}

/** Which entries an instructor looks at: a course, optionally one resource link. */
export interface OutboxScope {
  readonly platformId: string;
  readonly contextId: string;
  readonly resourceLinkId?: string | undefined;
}

export interface ScoreTimestampKey {
  readonly platformId: string;
  readonly lineItemUrl: string;
  readonly userId: string;
}

export interface GradeOutboxRepository {
  /** Durable insert with the next sequence number of the entry's stream. */
  insert(entry: NewOutboxEntry): Promise<OutboxEntry>;
  /**
   * Leases up to `limit` due entries, each the oldest pending entry of its stream and not
   * leased by anyone else; atomic per entry, so two workers never hold the same one.
   */
  claimDue(now: Date, leaseUntil: Date, limit: number): Promise<ClaimedEntry[]>;
  /** Applies `update` and releases the lease; false when the lease was lost meanwhile. */
  settle(id: string, leaseToken: string, update: EntryUpdate): Promise<boolean>;
  findById(id: string): Promise<OutboxEntry | undefined>;
  /** The entry with the highest sequence number of a stream. */
  newestInStream(streamKey: string): Promise<OutboxEntry | undefined>;
  /** dead → pending (attempts reset, due now); undefined when the entry was not dead. */
  requeueDead(id: string, now: Date): Promise<OutboxEntry | undefined>;
  /** dead → superseded. */
  markSuperseded(id: string): Promise<void>;
  countByStatus(scope: OutboxScope): Promise<Record<OutboxStatus, number>>;
  /** Newest first. */
  list(scope: OutboxScope, limit: number): Promise<OutboxEntry[]>;
  /** The entry with the highest sequence number of every stream in scope (any order). */
  newestPerStream(scope: OutboxScope): Promise<OutboxEntry[]>;
  /** Every entry about one learner on a platform (data export). */
  listForUser(platformId: string, userId: string): Promise<OutboxEntry[]>;
  /** Erases a learner's entries and score timestamps; returns how many records went. */
  deleteForUser(platformId: string, userId: string): Promise<number>;
  /** Earliest due time among pending entries (tests and adaptive polling). */
  nextDueAt(): Promise<Date | undefined>;
  lastScoreTimestamp(key: ScoreTimestampKey): Promise<Date | undefined>;
  /** Sets the last timestamp to `next` if it is still `expected`; false if someone moved it. */
  compareAndSetScoreTimestamp(
    key: ScoreTimestampKey,
    expected: Date | undefined,
    next: Date,
  ): Promise<boolean>;
}

/** How publishing failed, as far as the outbox cares. */
export interface PublishFailure {
  /**
   * retryable: try again with backoff (retryAfterMs: not sooner than that);
   * busy: another worker is creating the line item, try again soon without using an attempt;
   * permanent: the platform refused the request itself, dead-letter now.
   */
  readonly kind: 'retryable' | 'busy' | 'permanent';
  readonly code: string;
  readonly message: string;
  readonly status?: number | undefined;
  readonly retryAfterMs?: number | undefined;
}

/** The port the AGS adapter implements. */
export interface ScorePublisher {
  /** The line item URL of the destination (from the launch, stored, or found/created). */
  resolveLineItem(
    destination: ScoreDestination,
    hint: LineItemHint & { readonly scoreMaximum: number },
  ): Promise<Result<string, PublishFailure>>;
  publish(
    destination: ScoreDestination,
    lineItemUrl: string,
    score: AgsScore,
  ): Promise<Result<void, PublishFailure>>;
}

export type RetryPlan =
  | { readonly action: 'retry'; readonly attempts: number; readonly dueAt: Date }
  | { readonly action: 'defer'; readonly dueAt: Date }
  | { readonly action: 'dead'; readonly attempts: number };

/**
 * What to do after a failed attempt. Pure: the worker supplies `now` and `random` ([0, 1)).
 * Rate limits and conflicts count as attempts so a platform that never recovers still ends in
 * the dead-letter list instead of an endless loop.
 */
export function planRetry(
  attemptsBefore: number,
  failure: PublishFailure,
  now: Date,
  policy: RetryPolicy,
  random: number,
  deferMs: number,
): RetryPlan {
  if (failure.kind === 'busy') return { action: 'defer', dueAt: new Date(now.getTime() + deferMs) };
  const attempts = attemptsBefore + 1;
  if (failure.kind === 'permanent' || attempts >= policy.maxAttempts)
    return { action: 'dead', attempts };
  const delay = retryDelayMs(attempts, policy, random, failure.retryAfterMs);
  return { action: 'retry', attempts, dueAt: new Date(now.getTime() + delay) };
}

/** The ordering stream of a learner's scores on one resource link. */
export function streamKeyOf(destination: ScoreDestination, userId: string): string {
  return JSON.stringify([
    destination.platformId,
    destination.contextId,
    destination.resourceLinkId,
    userId,
  ]);
}

// ---------------------------------------------------------------------------------------------
// Service: enqueue, instructor status, manual requeue.

export interface EnqueueScoreInput {
  readonly destination: ScoreDestination;
  /** The learner's platform user id (`sub`) and the result. */
  readonly score: ScoreInput;
  readonly lineItem?: LineItemHint;
}

export type EnqueueError =
  | { readonly type: 'invalid-score'; readonly message: string }
  | { readonly type: 'invalid-destination'; readonly message: string };

export type RetryDeadError =
  | { readonly type: 'entry-not-found'; readonly id: string }
  | { readonly type: 'entry-not-dead'; readonly id: string; readonly status: OutboxStatus }
  /** A newer score for the same learner exists: sending this one would overwrite it. */
  | { readonly type: 'entry-superseded'; readonly id: string; readonly newerEntryId: string };

/** One entry as an instructor sees it. */
export interface OutboxEntryView {
  readonly id: string;
  readonly resourceLinkId: string;
  readonly userId: string;
  readonly scoreGiven: number;
  readonly scoreMaximum: number;
  readonly activityProgress: ActivityProgress;
  readonly gradingProgress: GradingProgress;
  readonly status: OutboxStatus;
  readonly attempts: number;
  readonly enqueuedAt: Date;
  /** Pending entries only. */
  readonly nextAttemptAt: Date | undefined;
  readonly sentAt: Date | undefined;
  readonly lastError: OutboxError | undefined;
}

export interface OutboxStatusView {
  readonly counts: Readonly<Record<OutboxStatus, number>>;
  readonly entries: readonly OutboxEntryView[];
}

export interface GradeOutbox {
  /** Resolves only once the entry is stored durably. */
  enqueueScore(input: EnqueueScoreInput): Promise<Result<{ readonly id: string }, EnqueueError>>;
  status(scope: OutboxScope, limit?: number): Promise<OutboxStatusView>;
  /**
   * The newest score of every learner stream in scope, whatever its age (the instructor's
   * per-student grade status; `status` stops at `limit` entries).
   */
  latestPerStream(scope: OutboxScope): Promise<readonly OutboxEntryView[]>;
  /** One entry, if it exists within `scope` (a learner's "was my score delivered?"). */
  entry(id: string, scope: OutboxScope): Promise<OutboxEntryView | undefined>;
  /** Requeues a dead entry; `scope` restricts it to the instructor's own course. */
  retryDead(id: string, scope?: OutboxScope): Promise<Result<OutboxEntryView, RetryDeadError>>;
}

export interface GradeOutboxOptions {
  readonly repository: GradeOutboxRepository;
  readonly clock: Clock;
  /** Called after each enqueue (e.g. to wake the worker). */
  readonly onEnqueued?: () => void;
}

export function toEntryView(entry: OutboxEntry): OutboxEntryView {
  return {
    id: entry.id,
    resourceLinkId: entry.destination.resourceLinkId,
    userId: entry.userId,
    scoreGiven: entry.score.scoreGiven,
    scoreMaximum: entry.score.scoreMaximum,
    activityProgress: entry.score.activityProgress,
    gradingProgress: entry.score.gradingProgress,
    status: entry.status,
    attempts: entry.attempts,
    enqueuedAt: entry.enqueuedAt,
    nextAttemptAt: entry.status === 'pending' ? entry.dueAt : undefined,
    sentAt: entry.sentAt,
    lastError: entry.lastError,
  };
}

const inScope = (entry: OutboxEntry, scope: OutboxScope): boolean =>
  entry.destination.platformId === scope.platformId &&
  entry.destination.contextId === scope.contextId &&
  (scope.resourceLinkId === undefined || entry.destination.resourceLinkId === scope.resourceLinkId);

export function createGradeOutbox(options: GradeOutboxOptions): GradeOutbox {
  const { repository, clock } = options;
  return {
    async enqueueScore(input) {
      const { destination, score } = input;
      for (const [name, value] of Object.entries(destination)) {
        if (typeof value !== 'string' || value.trim() === '')
          return err({ type: 'invalid-destination', message: `${name} is blank` });
      }
      try {
        // Validates now what Canvas and Moodle would refuse later (the timestamp comes at send time).
        buildScore(score, clock.now());
      } catch (error) {
        if (error instanceof InvalidScoreError)
          return err({ type: 'invalid-score', message: error.message });
        throw error;
      }
      const entry = await repository.insert({
        destination: { ...destination },
        userId: score.userId,
        streamKey: streamKeyOf(destination, score.userId),
        score: { ...score },
        lineItem: { ...input.lineItem },
        enqueuedAt: clock.now(),
      });
      options.onEnqueued?.();
      return ok({ id: entry.id });
    },

    async status(scope, limit = 100) {
      const [counts, entries] = await Promise.all([
        repository.countByStatus(scope),
        repository.list(scope, limit),
      ]);
      return { counts, entries: entries.map(toEntryView) };
    },

    async entry(id, scope) {
      const found = await repository.findById(id);
      return found === undefined || !inScope(found, scope) ? undefined : toEntryView(found);
    },

    async latestPerStream(scope) {
      return (await repository.newestPerStream(scope)).map(toEntryView);
    },

    async retryDead(id, scope) {
      const entry = await repository.findById(id);
      if (entry === undefined || (scope !== undefined && !inScope(entry, scope)))
        return err({ type: 'entry-not-found', id });
      if (entry.status !== 'dead') return err({ type: 'entry-not-dead', id, status: entry.status });
      const newest = await repository.newestInStream(entry.streamKey);
      if (newest !== undefined && newest.seq > entry.seq) {
        await repository.markSuperseded(id);
        return err({ type: 'entry-superseded', id, newerEntryId: newest.id });
      }
      const requeued = await repository.requeueDead(id, clock.now());
      if (requeued === undefined) {
        const now = await repository.findById(id);
        return now === undefined
          ? err({ type: 'entry-not-found', id })
          : err({ type: 'entry-not-dead', id, status: now.status });
      }
      options.onEnqueued?.();
      return ok(toEntryView(requeued));
    },
  };
}
