import type { Connection } from 'mongoose';
import type { ItemStats } from '../engine/index.js';
import { isDuplicateKeyError } from '../infra/mongo-errors.js';
import type { AttemptRecord, PracticeSet } from './practice-set.js';
import type {
  AttemptRepository,
  ItemStatsRepository,
  PracticeSetRepository,
} from './practice.repository.js';

/** MongoDB stores absent optional values as null; these map both ways. */
type Stored<T> = {
  [K in keyof T]: undefined extends T[K] ? Exclude<T[K], undefined> | null : T[K];
};

function toStored<T extends object>(value: T): Stored<T> & { _id: string } {
  const out: Record<string, unknown> = {};
  for (const [key, field] of Object.entries(value)) out[key] = field ?? null;
  out['_id'] = (value as { id: string }).id;
  delete out['id'];
  return out as Stored<T> & { _id: string };
}

function fromStoredFields(doc: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [key, field] of Object.entries(doc)) {
    if (key === '_id') out['id'] = field;
    else out[key] = field ?? undefined;
  }
  return out;
}
const toSet = (doc: Record<string, unknown>): PracticeSet =>
  fromStoredFields(doc) as unknown as PracticeSet;
const toAttempt = (doc: Record<string, unknown>): AttemptRecord =>
  fromStoredFields(doc) as unknown as AttemptRecord;

export async function createPracticeSetRepository(
  connection: Connection,
): Promise<PracticeSetRepository> {
  const sets = connection.collection<Record<string, unknown> & { _id: string }>('pw_practice_sets');
  await sets.createIndex({ assignmentId: 1 });
  await sets.createIndex({ learnerId: 1 });
  return {
    async find(id) {
      const doc = await sets.findOne({ _id: id });
      return doc === null ? undefined : toSet(doc);
    },
    async create(set) {
      try {
        await sets.insertOne(toStored(set));
        return set;
      } catch (error) {
        if (!isDuplicateKeyError(error)) throw error;
        const doc = await sets.findOne({ _id: set.id });
        if (doc === null) throw error;
        return toSet(doc);
      }
    },
    async save(next) {
      const { _id, ...fields } = toStored(next);
      const result = await sets.updateOne({ _id, version: next.version - 1 }, { $set: fields });
      return result.matchedCount === 1 ? 'saved' : 'conflict';
    },
    async listForAssignment(assignmentId) {
      const docs = await sets.find({ assignmentId }).toArray();
      return docs.map((doc) => toSet(doc));
    },
    async listForLearner(learnerId) {
      const docs = await sets.find({ learnerId }).toArray();
      return docs.map((doc) => toSet(doc));
    },
    async deleteForLearner(learnerId) {
      return (await sets.deleteMany({ learnerId })).deletedCount;
    },
  };
}

export async function createAttemptRepository(connection: Connection): Promise<AttemptRepository> {
  const attempts = connection.collection<Record<string, unknown> & { _id: string }>('pw_attempts');
  await attempts.createIndex({ assignmentId: 1, at: 1 });
  await attempts.createIndex({ learnerId: 1, at: 1 });
  return {
    async insert(attempt) {
      try {
        await attempts.insertOne(toStored(attempt));
        return 'inserted';
      } catch (error) {
        if (isDuplicateKeyError(error)) return 'duplicate';
        throw error;
      }
    },
    async find(id) {
      const doc = await attempts.findOne({ _id: id });
      return doc === null ? undefined : toAttempt(doc);
    },
    async listForAssignment(assignmentId) {
      const docs = await attempts.find({ assignmentId }).sort({ at: 1 }).toArray();
      return docs.map((doc) => toAttempt(doc));
    },
    async listForLearner(learnerId) {
      const docs = await attempts.find({ learnerId }).sort({ at: 1 }).toArray();
      return docs.map((doc) => toAttempt(doc));
    },
    async deleteForLearner(learnerId) {
      return (await attempts.deleteMany({ learnerId })).deletedCount;
    },
  };
}

interface ItemStatsDocument extends ItemStats {
  _id: string;
  skillId: string;
}

export async function createItemStatsRepository(
  connection: Connection,
): Promise<ItemStatsRepository> {
  const stats = connection.collection<ItemStatsDocument>('pw_item_stats');
  await stats.createIndex({ skillId: 1 });
  return {
    async statsFor(templateIds) {
      const docs = await stats.find({ _id: { $in: [...templateIds] } }).toArray();
      return new Map(
        docs.map((d) => [
          d._id,
          { n: d.n, correct: d.correct, residual: d.residual, information: d.information },
        ]),
      );
    },
    async increment(templateId, skillId, increment) {
      // $inc keeps concurrent answers from overwriting each other's counts.
      await stats.updateOne(
        { _id: templateId },
        {
          $inc: {
            n: increment.n,
            correct: increment.correct,
            residual: increment.residual,
            information: increment.information,
          },
          $setOnInsert: { skillId },
        },
        { upsert: true },
      );
    },
  };
}
