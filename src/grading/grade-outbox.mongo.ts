/**
 * MongoDB adapter of GradeOutboxRepository: entries in `pw_grade_outbox`, the last timestamp
 * sent per (line item, learner) in `pw_score_timestamps`.
 *
 * Ordering without transactions: a stream's sequence number is "highest so far + 1", guarded by
 * a unique (streamKey, seq) index; a concurrent enqueue that picks the same number gets E11000
 * and tries the next. Entry n+1 can therefore exist only after entry n, so "oldest pending entry
 * of the stream" is well defined at every moment. Claims are findOneAndUpdate calls conditioned
 * on the entry still being pending, due and unleased: two workers never hold the same entry.
 */
import { randomUUID } from 'node:crypto';
import type { Connection } from 'mongoose';
import type {
  ClaimedEntry,
  EntryUpdate,
  GradeOutboxRepository,
  OutboxEntry,
  OutboxError,
  OutboxScope,
  OutboxStatus,
  ScoreTimestampKey,
} from './grade-outbox.js';
import type { ActivityProgress, GradingProgress } from './score.js';
import { isDuplicateKeyError } from '../infra/mongo-errors.js';

interface ErrorDoc {
  code: string;
  message: string;
  status: number | null;
  at: Date;
}

interface EntryDoc {
  _id: string;
  platformId: string;
  contextId: string;
  resourceLinkId: string;
  userId: string;
  streamKey: string;
  seq: number;
  score: {
    scoreGiven: number;
    scoreMaximum: number;
    activityProgress: ActivityProgress;
    gradingProgress: GradingProgress;
    comment: string | null;
  };
  lineItem: { label: string | null; resourceId: string | null; tag: string | null };
  status: OutboxStatus;
  attempts: number;
  enqueuedAt: Date;
  dueAt: Date;
  /** The epoch when nobody holds the entry (keeps the claim filter a plain range). */
  leaseUntil: Date;
  leaseToken: string | null;
  sentAt: Date | null;
  deadAt: Date | null;
  lastError: ErrorDoc | null;
  lastTimestamp: string | null;
  lineItemUrl: string | null;
}

interface TimestampDoc {
  _id: string;
  platformId: string;
  lineItemUrl: string;
  userId: string;
  last: Date;
}

const NO_LEASE = new Date(0);

const opt = <T>(value: T | null | undefined): T | undefined => value ?? undefined;

function toError(doc: ErrorDoc | null): OutboxError | undefined {
  if (doc === null) return undefined;
  return { code: doc.code, message: doc.message, status: opt(doc.status), at: doc.at };
}

function toEntry(doc: EntryDoc): OutboxEntry {
  const comment = opt(doc.score.comment);
  return {
    id: doc._id,
    destination: {
      platformId: doc.platformId,
      contextId: doc.contextId,
      resourceLinkId: doc.resourceLinkId,
    },
    userId: doc.userId,
    streamKey: doc.streamKey,
    seq: doc.seq,
    score: {
      userId: doc.userId,
      scoreGiven: doc.score.scoreGiven,
      scoreMaximum: doc.score.scoreMaximum,
      activityProgress: doc.score.activityProgress,
      gradingProgress: doc.score.gradingProgress,
      ...(comment === undefined ? {} : { comment }),
    },
    lineItem: {
      label: opt(doc.lineItem.label),
      resourceId: opt(doc.lineItem.resourceId),
      tag: opt(doc.lineItem.tag),
    },
    status: doc.status,
    attempts: doc.attempts,
    enqueuedAt: doc.enqueuedAt,
    dueAt: doc.dueAt,
    sentAt: opt(doc.sentAt),
    deadAt: opt(doc.deadAt),
    lastError: toError(doc.lastError),
    lastTimestamp: opt(doc.lastTimestamp),
    lineItemUrl: opt(doc.lineItemUrl),
  };
}

const scopeFilter = (scope: OutboxScope) => ({
  platformId: scope.platformId,
  contextId: scope.contextId,
  ...(scope.resourceLinkId === undefined ? {} : { resourceLinkId: scope.resourceLinkId }),
});

const timestampId = (key: ScoreTimestampKey): string =>
  JSON.stringify([key.platformId, key.lineItemUrl, key.userId]);

export async function createGradeOutboxRepository(
  connection: Connection,
): Promise<GradeOutboxRepository> {
  const entries = connection.collection<EntryDoc>('pw_grade_outbox');
  const timestamps = connection.collection<TimestampDoc>('pw_score_timestamps');
  // The unique (streamKey, seq) index must exist before the first enqueue relies on it.
  await entries.createIndex({ streamKey: 1, seq: 1 }, { unique: true });
  await entries.createIndex({ status: 1, dueAt: 1 });
  await entries.createIndex({ platformId: 1, contextId: 1, resourceLinkId: 1, enqueuedAt: -1 });
  await entries.createIndex({ platformId: 1, userId: 1 });

  return {
    async listForUser(platformId, userId) {
      const docs = await entries.find({ platformId, userId }).sort({ enqueuedAt: 1 }).toArray();
      return docs.map(toEntry);
    },
    async deleteForUser(platformId, userId) {
      const removed = await entries.deleteMany({ platformId, userId });
      const stamps = await timestamps.deleteMany({ platformId, userId });
      return removed.deletedCount + stamps.deletedCount;
    },
    async insert(entry) {
      for (let attempt = 0; attempt < 20; attempt++) {
        const last = await entries.findOne(
          { streamKey: entry.streamKey },
          { sort: { seq: -1 }, projection: { seq: 1 } },
        );
        const doc: EntryDoc = {
          _id: randomUUID(),
          platformId: entry.destination.platformId,
          contextId: entry.destination.contextId,
          resourceLinkId: entry.destination.resourceLinkId,
          userId: entry.userId,
          streamKey: entry.streamKey,
          seq: (last?.seq ?? 0) + 1,
          score: {
            scoreGiven: entry.score.scoreGiven,
            scoreMaximum: entry.score.scoreMaximum,
            activityProgress: entry.score.activityProgress,
            gradingProgress: entry.score.gradingProgress,
            comment: entry.score.comment ?? null,
          },
          lineItem: {
            label: entry.lineItem.label ?? null,
            resourceId: entry.lineItem.resourceId ?? null,
            tag: entry.lineItem.tag ?? null,
          },
          status: 'pending',
          attempts: 0,
          enqueuedAt: entry.enqueuedAt,
          dueAt: entry.enqueuedAt,
          leaseUntil: NO_LEASE,
          leaseToken: null,
          sentAt: null,
          deadAt: null,
          lastError: null,
          lastTimestamp: null,
          lineItemUrl: null,
        };
        try {
          // Awaited, acknowledged insert: the durability point of enqueueScore.
          await entries.insertOne(doc);
          return toEntry(doc);
        } catch (error) {
          if (!isDuplicateKeyError(error)) throw error;
        }
      }
      throw new Error('could not allocate a sequence number for the score (contention)');
    },

    async claimDue(now, leaseUntil, limit) {
      // Heads of streams: the lowest-seq pending entry of each stream, if due and unleased.
      const heads = await entries
        .aggregate<{ _id: string }>([
          { $match: { status: 'pending' } },
          { $sort: { seq: 1 } },
          { $group: { _id: '$streamKey', head: { $first: '$$ROOT' } } },
          { $replaceRoot: { newRoot: '$head' } },
          { $match: { dueAt: { $lte: now }, leaseUntil: { $lte: now } } },
          { $sort: { dueAt: 1, enqueuedAt: 1 } },
          { $limit: limit },
          { $project: { _id: 1 } },
        ])
        .toArray();
      const claimed: ClaimedEntry[] = [];
      for (const head of heads) {
        const leaseToken = randomUUID();
        const doc = await entries.findOneAndUpdate(
          { _id: head._id, status: 'pending', dueAt: { $lte: now }, leaseUntil: { $lte: now } },
          { $set: { leaseUntil, leaseToken } },
          { returnDocument: 'after' },
        );
        if (doc !== null) claimed.push({ ...toEntry(doc), leaseToken });
      }
      return claimed;
    },

    async settle(id, leaseToken, update: EntryUpdate) {
      const set: Partial<EntryDoc> = { leaseUntil: NO_LEASE, leaseToken: null };
      if (update.status !== undefined) set.status = update.status;
      if (update.attempts !== undefined) set.attempts = update.attempts;
      if (update.dueAt !== undefined) set.dueAt = update.dueAt;
      if (update.sentAt !== undefined) set.sentAt = update.sentAt;
      if (update.deadAt !== undefined) set.deadAt = update.deadAt;
      if (update.lastTimestamp !== undefined) set.lastTimestamp = update.lastTimestamp;
      if (update.lineItemUrl !== undefined) set.lineItemUrl = update.lineItemUrl;
      if (update.lastError !== undefined) {
        set.lastError = {
          code: update.lastError.code,
          message: update.lastError.message,
          status: update.lastError.status ?? null,
          at: update.lastError.at,
        };
      }
      const result = await entries.updateOne({ _id: id, leaseToken }, { $set: set });
      return result.modifiedCount === 1;
    },

    async findById(id) {
      const doc = await entries.findOne({ _id: id });
      return doc === null ? undefined : toEntry(doc);
    },

    async newestInStream(streamKey) {
      const doc = await entries.findOne({ streamKey }, { sort: { seq: -1 } });
      return doc === null ? undefined : toEntry(doc);
    },

    async requeueDead(id, now) {
      const doc = await entries.findOneAndUpdate(
        { _id: id, status: 'dead' },
        {
          $set: {
            status: 'pending',
            attempts: 0,
            dueAt: now,
            leaseUntil: NO_LEASE,
            leaseToken: null,
            deadAt: null,
          },
        },
        { returnDocument: 'after' },
      );
      return doc === null ? undefined : toEntry(doc);
    },

    async markSuperseded(id) {
      await entries.updateOne({ _id: id, status: 'dead' }, { $set: { status: 'superseded' } });
    },

    async countByStatus(scope) {
      const groups = await entries
        .aggregate<{ _id: OutboxStatus; n: number }>([
          { $match: scopeFilter(scope) },
          { $group: { _id: '$status', n: { $sum: 1 } } },
        ])
        .toArray();
      const counts: Record<OutboxStatus, number> = {
        pending: 0,
        sent: 0,
        dead: 0,
        superseded: 0,
      };
      for (const g of groups) counts[g._id] = g.n;
      return counts;
    },

    async list(scope, limit) {
      const docs = await entries
        .find(scopeFilter(scope))
        .sort({ enqueuedAt: -1, seq: -1 })
        .limit(limit)
        .toArray();
      return docs.map(toEntry);
    },

    async newestPerStream(scope) {
      const heads = await entries
        .aggregate<{ head: EntryDoc }>([
          { $match: scopeFilter(scope) },
          { $sort: { seq: -1 } },
          { $group: { _id: '$streamKey', head: { $first: '$$ROOT' } } },
        ])
        .toArray();
      return heads.map((h) => toEntry(h.head));
    },

    async nextDueAt() {
      // Only stream heads can be claimed, so only their due times matter.
      const heads = await entries
        .aggregate<{ dueAt: Date; leaseUntil: Date }>([
          { $match: { status: 'pending' } },
          { $sort: { seq: 1 } },
          { $group: { _id: '$streamKey', head: { $first: '$$ROOT' } } },
          { $project: { _id: 0, dueAt: '$head.dueAt', leaseUntil: '$head.leaseUntil' } },
        ])
        .toArray();
      let earliest: Date | undefined;
      for (const head of heads) {
        const at = head.leaseUntil > head.dueAt ? head.leaseUntil : head.dueAt;
        if (earliest === undefined || at < earliest) earliest = at;
      }
      return earliest;
    },

    async lastScoreTimestamp(key) {
      const doc = await timestamps.findOne({ _id: timestampId(key) });
      return doc === null ? undefined : doc.last;
    },

    async compareAndSetScoreTimestamp(key, expected, next) {
      const _id = timestampId(key);
      if (expected === undefined) {
        try {
          await timestamps.insertOne({ _id, ...key, last: next });
          return true;
        } catch (error) {
          if (isDuplicateKeyError(error)) return false;
          throw error;
        }
      }
      const result = await timestamps.updateOne({ _id, last: expected }, { $set: { last: next } });
      return result.modifiedCount === 1;
    },
  };
}
