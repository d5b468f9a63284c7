/** PendingRegistrationStore on MongoDB: `pw_lti_pending_registrations`, keyed by platform id. */
import type { Connection } from 'mongoose';
import type { PendingRegistration, PendingRegistrationStore } from './pending-registrations.js';

interface PendingDocument {
  _id: string;
  issuer: string;
  configurationUrl: string;
  createdAt: Date;
}

const toEntry = (doc: PendingDocument): PendingRegistration => ({
  platformId: doc._id,
  issuer: doc.issuer,
  configurationUrl: doc.configurationUrl,
  createdAt: doc.createdAt,
});

export async function createPendingRegistrationStore(
  connection: Connection,
): Promise<PendingRegistrationStore> {
  const pending = connection.collection<PendingDocument>('pw_lti_pending_registrations');
  // No TTL index: an entry must outlive its expiry so the platform it names gets removed.
  await pending.createIndex({ issuer: 1, configurationUrl: 1 });
  await pending.createIndex({ createdAt: 1 });
  return {
    async add(entry) {
      await pending.replaceOne(
        { _id: entry.platformId },
        {
          issuer: entry.issuer,
          configurationUrl: entry.configurationUrl,
          createdAt: entry.createdAt,
        },
        { upsert: true },
      );
    },
    async findSame(issuer, configurationUrl) {
      const docs = await pending
        .find({ issuer, configurationUrl })
        .sort({ createdAt: 1 })
        .toArray();
      return docs.map(toEntry);
    },
    async createdBefore(cutoff, limit) {
      const docs = await pending
        .find({ createdAt: { $lt: cutoff } })
        .sort({ createdAt: 1 })
        .limit(limit)
        .toArray();
      return docs.map(toEntry);
    },
    async forget(platformId) {
      await pending.deleteOne({ _id: platformId });
    },
  };
}
