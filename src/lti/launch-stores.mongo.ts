/**
 * MongoDB adapters for login states and tool sessions. TTL indexes remove expired records; reads
 * also compare expiresAt because the TTL monitor runs only about once a minute.
 */
import type { Connection } from 'mongoose';
import type { LaunchContext } from './claims.js';
import type { LoginState, LoginStateStore, LtiSessionStore } from './launch-stores.js';

interface LoginStateDocument {
  _id: string;
  nonce: string;
  platformId: string;
  deploymentId: string | null;
  targetLinkUri: string;
  // Optional: records written before Platform Storage existed lack them.
  storageTarget?: string | null;
  storedInPlatform?: boolean;
  createdAt: Date;
  expiresAt: Date;
}

function toLoginState(doc: LoginStateDocument): LoginState {
  return {
    state: doc._id,
    nonce: doc.nonce,
    platformId: doc.platformId,
    deploymentId: doc.deploymentId ?? undefined,
    targetLinkUri: doc.targetLinkUri,
    storageTarget: doc.storageTarget ?? undefined,
    storedInPlatform: doc.storedInPlatform === true,
    createdAt: doc.createdAt,
    expiresAt: doc.expiresAt,
  };
}

interface SessionDocument {
  _id: string;
  platformId: string;
  userId: string | null;
  /** JSON text: custom parameter names from the platform may contain '.' or start with '$'. */
  launch: string;
  createdAt: Date;
  expiresAt: Date;
  browserBinding?: string;
}

export async function createLoginStateStore(connection: Connection): Promise<LoginStateStore> {
  const states = connection.collection<LoginStateDocument>('pw_lti_login_states');
  await states.createIndex({ expiresAt: 1 }, { expireAfterSeconds: 0 });
  return {
    async save(state) {
      await states.insertOne({
        _id: state.state,
        nonce: state.nonce,
        platformId: state.platformId,
        deploymentId: state.deploymentId ?? null,
        targetLinkUri: state.targetLinkUri,
        storageTarget: state.storageTarget ?? null,
        storedInPlatform: state.storedInPlatform,
        createdAt: state.createdAt,
        expiresAt: state.expiresAt,
      });
    },
    async consume(state, now) {
      const doc = await states.findOneAndDelete({ _id: state });
      if (doc === null || doc.expiresAt.getTime() <= now.getTime()) return undefined;
      return toLoginState(doc);
    },
    async find(state, now) {
      const doc = await states.findOne({ _id: state });
      if (doc === null || doc.expiresAt.getTime() <= now.getTime()) return undefined;
      return toLoginState(doc);
    },
    async markStoredInPlatform(state, now) {
      const result = await states.updateOne(
        { _id: state, expiresAt: { $gt: now } },
        { $set: { storedInPlatform: true } },
      );
      return result.matchedCount === 1;
    },
  };
}

export async function createLtiSessionStore(connection: Connection): Promise<LtiSessionStore> {
  const sessions = connection.collection<SessionDocument>('pw_lti_sessions');
  await sessions.createIndex({ expiresAt: 1 }, { expireAfterSeconds: 0 });
  await sessions.createIndex({ platformId: 1, userId: 1 });
  return {
    async create(session) {
      await sessions.insertOne({
        _id: session.id,
        platformId: session.platformId,
        userId: session.launch.userId ?? null,
        launch: JSON.stringify(session.launch),
        createdAt: session.createdAt,
        expiresAt: session.expiresAt,
        ...(session.browserBinding === undefined ? {} : { browserBinding: session.browserBinding }),
      });
    },
    async find(id, now) {
      const doc = await sessions.findOne({ _id: id });
      if (doc === null || doc.expiresAt.getTime() <= now.getTime()) return undefined;
      return {
        id: doc._id,
        platformId: doc.platformId,
        launch: JSON.parse(doc.launch) as LaunchContext,
        createdAt: doc.createdAt,
        expiresAt: doc.expiresAt,
        ...(doc.browserBinding === undefined ? {} : { browserBinding: doc.browserBinding }),
      };
    },
    async deleteForUser(platformId, userId) {
      const result = await sessions.deleteMany({ platformId, userId });
      return result.deletedCount;
    },
  };
}
