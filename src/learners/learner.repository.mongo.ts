import { randomUUID } from 'node:crypto';
import type { Connection } from 'mongoose';
import { isDuplicateKeyError } from '../infra/mongo-errors.js';
import type { LearnerState } from '../engine/index.js';
import {
  newLearnerProfile,
  type LearnerGoal,
  type LearnerKey,
  type LearnerPreferences,
  type LearnerProfile,
  type MasteryEvent,
} from './learner.js';
import type { LearnerRepository } from './learner.repository.js';

interface LearnerDocument {
  _id: string;
  platformId: string;
  issuer: string;
  clientId: string;
  userId: string;
  engine: LearnerState;
  masteryHistory: MasteryEvent[];
  goals: LearnerGoal[];
  preferences: LearnerPreferences;
  createdAt: Date;
  updatedAt: Date;
  version: number;
}

const toProfile = (doc: LearnerDocument): LearnerProfile => ({
  id: doc._id,
  platformId: doc.platformId,
  key: { issuer: doc.issuer, clientId: doc.clientId, userId: doc.userId },
  engine: doc.engine,
  masteryHistory: doc.masteryHistory,
  goals: doc.goals,
  preferences: doc.preferences,
  createdAt: doc.createdAt,
  updatedAt: doc.updatedAt,
  version: doc.version,
});

const toDocument = (profile: LearnerProfile): LearnerDocument => ({
  _id: profile.id,
  platformId: profile.platformId,
  issuer: profile.key.issuer,
  clientId: profile.key.clientId,
  userId: profile.key.userId,
  engine: profile.engine,
  masteryHistory: [...profile.masteryHistory],
  goals: [...profile.goals],
  preferences: profile.preferences,
  createdAt: profile.createdAt,
  updatedAt: profile.updatedAt,
  version: profile.version,
});

export async function createLearnerRepository(connection: Connection): Promise<LearnerRepository> {
  const learners = connection.collection<LearnerDocument>('pw_learners');
  await learners.createIndex({ issuer: 1, clientId: 1, userId: 1 }, { unique: true });

  const findByKey = async (key: LearnerKey): Promise<LearnerProfile | undefined> => {
    const doc = await learners.findOne({
      issuer: key.issuer,
      clientId: key.clientId,
      userId: key.userId,
    });
    return doc === null ? undefined : toProfile(doc);
  };

  return {
    async findOrCreate(platformId, key, now) {
      const existing = await findByKey(key);
      if (existing !== undefined) return existing;
      const created = newLearnerProfile(randomUUID(), platformId, key, now);
      try {
        await learners.insertOne(toDocument(created));
        return created;
      } catch (error) {
        // A parallel first launch created it: use theirs.
        if (!isDuplicateKeyError(error)) throw error;
        const raced = await findByKey(key);
        if (raced === undefined) throw error;
        return raced;
      }
    },
    findByKey,
    async findById(id) {
      const doc = await learners.findOne({ _id: id });
      return doc === null ? undefined : toProfile(doc);
    },
    async listByUsers(issuer, clientId, userIds) {
      if (userIds.length === 0) return [];
      const docs = await learners
        .find({ issuer, clientId, userId: { $in: [...userIds] } })
        .toArray();
      return docs.map(toProfile);
    },
    async save(next) {
      const { _id, ...fields } = toDocument(next);
      const result = await learners.updateOne({ _id, version: next.version - 1 }, { $set: fields });
      return result.matchedCount === 1 ? 'saved' : 'conflict';
    },
    async delete(id) {
      const result = await learners.deleteOne({ _id: id });
      return result.deletedCount === 1;
    },
  };
}
