/**
 * ltijs's storage, backed by our own mongoose 8 connection (ltijs's `database.plugin` option).
 * Without it ltijs opens a second pool through its private mongoose 7, calls process.exit on a
 * connection error and registers models (`platform`, `state`, …) on a global singleton. Here its
 * documents live in `ltijs_*` collections of our database, so nothing collides with ours.
 *
 * Encrypted collections (keys, access tokens) use AES-256-GCM: ltijs's own AES-CBC has no
 * integrity check, so a tampered key document would decrypt to garbage instead of failing.
 */
import { createCipheriv, createDecipheriv, createHash, randomBytes } from 'node:crypto';
import type { Connection } from 'mongoose';
import type { LtijsDatabase } from 'ltijs';

const COLLECTIONS: Readonly<Record<string, string>> = {
  platform: 'ltijs_platforms',
  platformStatus: 'ltijs_platform_statuses',
  publickey: 'ltijs_public_keys',
  privatekey: 'ltijs_private_keys',
  accesstoken: 'ltijs_access_tokens',
  idtoken: 'ltijs_id_tokens',
  contexttoken: 'ltijs_context_tokens',
  nonce: 'ltijs_nonces',
  state: 'ltijs_states',
};

function collectionName(model: string): string {
  const name = COLLECTIONS[model];
  if (name === undefined) throw new Error(`ltijs asked for an unknown collection: ${model}`);
  return name;
}

function keyFrom(secret: string): Buffer {
  return createHash('sha256').update(secret).digest();
}

export function encryptJson(value: unknown, secret: string): { iv: string; data: string } {
  const iv = randomBytes(12);
  const cipher = createCipheriv('aes-256-gcm', keyFrom(secret), iv);
  const body = Buffer.concat([cipher.update(JSON.stringify(value), 'utf8'), cipher.final()]);
  return {
    iv: iv.toString('hex'),
    data: Buffer.concat([body, cipher.getAuthTag()]).toString('hex'),
  };
}

export function decryptJson(data: string, iv: string, secret: string): unknown {
  const raw = Buffer.from(data, 'hex');
  const decipher = createDecipheriv('aes-256-gcm', keyFrom(secret), Buffer.from(iv, 'hex'));
  decipher.setAuthTag(raw.subarray(raw.length - 16));
  const plain = Buffer.concat([
    decipher.update(raw.subarray(0, raw.length - 16)),
    decipher.final(),
  ]);
  return JSON.parse(plain.toString('utf8'));
}

export function createLtijsStore(connection: Connection): LtijsDatabase & {
  ensureIndexes(): Promise<void>;
} {
  const collection = (model: string) => connection.collection(collectionName(model));
  const envelope = (
    secret: string | false,
    item: Record<string, unknown>,
    index: Record<string, unknown> | undefined,
  ): Record<string, unknown> => {
    if (secret === false) return { ...item };
    if (index === undefined) throw new Error('MISSING_PARAMS');
    return { ...index, ...encryptJson(item, secret), createdAt: new Date() };
  };

  return {
    async ensureIndexes() {
      await collection('platform').createIndex({ platformUrl: 1, clientId: 1 }, { unique: true });
      await collection('platform').createIndex({ kid: 1 }, { unique: true });
      await collection('publickey').createIndex({ kid: 1 }, { unique: true });
      await collection('privatekey').createIndex({ kid: 1 }, { unique: true });
      await collection('platformStatus').createIndex({ id: 1 }, { unique: true });
      await collection('accesstoken').createIndex({ createdAt: 1 }, { expireAfterSeconds: 3600 });
    },
    setup: () => Promise.resolve(true),
    // The connection belongs to main.ts, which closes it last.
    Close: () => Promise.resolve(true),
    async Get(secret, model, query) {
      const docs = await collection(model)
        .find(query, { projection: { _id: 0, __v: 0 } })
        .toArray();
      if (docs.length === 0) return false;
      if (secret === false) return docs;
      return docs.map((doc) => {
        const value = decryptJson(String(doc.data), String(doc.iv), secret) as Record<
          string,
          unknown
        >;
        return doc.createdAt instanceof Date
          ? { ...value, createdAt: doc.createdAt.getTime() }
          : value;
      });
    },
    async Insert(secret, model, item, index) {
      await collection(model).insertOne(envelope(secret, item, index));
      return true;
    },
    async Replace(secret, model, query, item, index) {
      await collection(model).replaceOne(query, envelope(secret, item, index), { upsert: true });
      return true;
    },
    async Modify(secret, model, query, modification) {
      if (secret === false) {
        await collection(model).updateOne(query, { $set: modification });
        return true;
      }
      const doc = await collection(model).findOne(query);
      if (doc === null) return true;
      const value = decryptJson(String(doc.data), String(doc.iv), secret) as Record<
        string,
        unknown
      >;
      await collection(model).updateOne(
        { _id: doc._id },
        { $set: encryptJson({ ...value, ...modification }, secret) },
      );
      return true;
    },
    async Delete(model, query) {
      await collection(model).deleteMany(query);
      return true;
    },
  };
}
