/**
 * MongoDB adapter of RosterRepository: members in `pw_roster_members` (one per platform, course
 * and user), sync bookkeeping and the per-course sync lease in `pw_roster_syncs`.
 */
import type { Connection } from 'mongoose';
import type {
  MemberRole,
  MemberStatus,
  RosterMember,
  RosterRepository,
  RosterSyncState,
} from './roster-sync.js';
import { isDuplicateKeyError } from '../infra/mongo-errors.js';

interface MemberDocument {
  platformId: string;
  contextId: string;
  userId: string;
  status: MemberStatus;
  roles: string[];
  role: MemberRole;
  name: string | null;
  removedAt: Date | null;
  firstSeenAt: Date;
  lastSeenAt: Date;
}

interface SyncDocument {
  platformId: string;
  contextId: string;
  lastSyncAt: Date | null;
  lastAttemptAt: Date | null;
  lastError: string | null;
  memberCount: number;
  /** The epoch when no sync holds the course. */
  leaseUntil: Date;
}

const NO_LEASE = new Date(0);
const opt = <T>(value: T | null): T | undefined => value ?? undefined;

function toMember(doc: MemberDocument): RosterMember {
  return {
    platformId: doc.platformId,
    contextId: doc.contextId,
    userId: doc.userId,
    status: doc.status,
    roles: [...doc.roles],
    role: doc.role,
    name: opt(doc.name),
    removedAt: opt(doc.removedAt),
    firstSeenAt: doc.firstSeenAt,
    lastSeenAt: doc.lastSeenAt,
  };
}

function toState(doc: SyncDocument): RosterSyncState {
  return {
    platformId: doc.platformId,
    contextId: doc.contextId,
    lastSyncAt: opt(doc.lastSyncAt),
    lastAttemptAt: opt(doc.lastAttemptAt),
    lastError: opt(doc.lastError),
    memberCount: doc.memberCount,
  };
}

export async function createRosterRepository(connection: Connection): Promise<RosterRepository> {
  const members = connection.collection<MemberDocument>('pw_roster_members');
  const syncs = connection.collection<SyncDocument>('pw_roster_syncs');
  await members.createIndex({ platformId: 1, contextId: 1, userId: 1 }, { unique: true });
  await members.createIndex({ platformId: 1, userId: 1 });
  await syncs.createIndex({ platformId: 1, contextId: 1 }, { unique: true });

  return {
    async members(platformId, contextId) {
      const docs = await members.find({ platformId, contextId }).sort({ userId: 1 }).toArray();
      return docs.map(toMember);
    },

    async membershipsOf(platformId, userId) {
      const docs = await members.find({ platformId, userId }).toArray();
      return docs.map(toMember);
    },

    async deleteMember(platformId, userId) {
      return (await members.deleteMany({ platformId, userId })).deletedCount;
    },

    async saveMembers(list) {
      if (list.length === 0) return;
      await members.bulkWrite(
        list.map((m) => ({
          updateOne: {
            filter: { platformId: m.platformId, contextId: m.contextId, userId: m.userId },
            update: {
              $set: {
                status: m.status,
                roles: [...m.roles],
                role: m.role,
                name: m.name ?? null,
                removedAt: m.removedAt ?? null,
                firstSeenAt: m.firstSeenAt,
                lastSeenAt: m.lastSeenAt,
              },
            },
            upsert: true,
          },
        })),
        { ordered: false },
      );
    },

    async syncState(platformId, contextId) {
      const doc = await syncs.findOne({ platformId, contextId });
      return doc === null ? undefined : toState(doc);
    },

    async listSyncStates() {
      const docs = await syncs.find({}).toArray();
      return docs.map(toState);
    },

    async tryBeginSync(platformId, contextId, now, until) {
      const taken = await syncs.findOneAndUpdate(
        { platformId, contextId, leaseUntil: { $lte: now } },
        { $set: { leaseUntil: until, lastAttemptAt: now } },
      );
      if (taken !== null) return true;
      try {
        // First sync of the course: the document does not exist yet.
        await syncs.insertOne({
          platformId,
          contextId,
          lastSyncAt: null,
          lastAttemptAt: now,
          lastError: null,
          memberCount: 0,
          leaseUntil: until,
        });
        return true;
      } catch (error) {
        if (isDuplicateKeyError(error)) return false;
        throw error;
      }
    },

    async finishSync(platformId, contextId, outcome) {
      await syncs.updateOne(
        { platformId, contextId },
        {
          $set: outcome.ok
            ? {
                leaseUntil: NO_LEASE,
                lastSyncAt: outcome.at,
                lastError: null,
                memberCount: outcome.memberCount ?? 0,
              }
            : { leaseUntil: NO_LEASE, lastError: outcome.error ?? 'unknown error' },
        },
      );
    },
  };
}
