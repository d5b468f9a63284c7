/**
 * PlatformRegistry on MongoDB. Registrations and deployments are ours (`pw_lti_*`, stable ids);
 * the tool's key pairs are stored in ltijs's own format (`publickey`/`privatekey` by kid,
 * encrypted) with a mirrored ltijs `platform` document, so ltijs's keyset route publishes them.
 * ltijs ties a platform's id to its kid, which would change on every key rotation; our id does
 * not.
 */
import {
  createPrivateKey,
  createPublicKey,
  generateKeyPair,
  randomBytes,
  randomUUID,
} from 'node:crypto';
import { promisify } from 'node:util';
import type { Connection } from 'mongoose';
import type { LtijsDatabase } from 'ltijs';
import { ConflictError, NotFoundError } from '../shared/errors.js';
import type {
  Deployment,
  PlatformRegistration,
  PlatformRegistry,
  PublishedKey,
  RegistrationSource,
  ToolSigningKey,
} from './platforms.js';
import { isDuplicateKeyError } from '../infra/mongo-errors.js';

const generateRsaKeyPair = promisify(generateKeyPair);

interface RegistrationDocument {
  _id: string;
  issuer: string;
  clientId: string;
  name: string;
  authEndpoint: string;
  tokenEndpoint: string;
  authorizationServer: string | null;
  jwksUrl: string;
  active: boolean;
  source: RegistrationSource;
  kid: string;
  frameOrigins?: string[];
  createdAt: Date;
}

interface DeploymentDocument {
  platformId: string;
  deploymentId: string;
  createdAt: Date;
}

export interface PlatformRegistryOptions {
  readonly connection: Connection;
  /** ltijs's storage (keys are encrypted with the encryption key inside it). */
  readonly ltijsStore: LtijsDatabase;
  readonly encryptionKey: string;
  /** RSA modulus; 2048 is what LTI platforms use and keeps registration fast. */
  readonly modulusLength?: number;
}

function toRegistration(doc: RegistrationDocument): PlatformRegistration {
  return {
    id: doc._id,
    issuer: doc.issuer,
    clientId: doc.clientId,
    name: doc.name,
    authEndpoint: doc.authEndpoint,
    tokenEndpoint: doc.tokenEndpoint,
    authorizationServer: doc.authorizationServer ?? undefined,
    jwksUrl: doc.jwksUrl,
    active: doc.active,
    source: doc.source,
    frameOrigins: doc.frameOrigins ?? [],
  };
}

export async function createPlatformRegistry(
  options: PlatformRegistryOptions,
): Promise<PlatformRegistry> {
  const { connection, ltijsStore: store, encryptionKey } = options;
  const modulusLength = options.modulusLength ?? 2048;
  const registrations = connection.collection<RegistrationDocument>('pw_lti_registrations');
  const deployments = connection.collection<DeploymentDocument>('pw_lti_deployments');
  await registrations.createIndex({ issuer: 1, clientId: 1 }, { unique: true });
  await deployments.createIndex({ platformId: 1, deploymentId: 1 }, { unique: true });

  const byId = async (id: string): Promise<RegistrationDocument> => {
    const doc = await registrations.findOne({ _id: id });
    if (doc === null) throw new NotFoundError(`No platform registration with id ${id}.`);
    return doc;
  };

  /** A fresh key pair stored the way ltijs stores its own (pkcs1/spki PEM, encrypted). */
  const createKey = async (issuer: string, clientId: string): Promise<string> => {
    const kid = randomBytes(16).toString('hex');
    const { publicKey, privateKey } = await generateRsaKeyPair('rsa', {
      modulusLength,
      publicKeyEncoding: { type: 'spki', format: 'pem' },
      privateKeyEncoding: { type: 'pkcs1', format: 'pem' },
    });
    const index = { kid, platformUrl: issuer, clientId };
    await store.Insert(encryptionKey, 'publickey', { key: publicKey, kid }, index);
    await store.Insert(encryptionKey, 'privatekey', { key: privateKey, kid }, index);
    return kid;
  };

  const mirrorToLtijs = async (doc: RegistrationDocument): Promise<void> => {
    await store.Replace(
      false,
      'platform',
      { platformUrl: doc.issuer, clientId: doc.clientId },
      {
        platformName: doc.name,
        platformUrl: doc.issuer,
        clientId: doc.clientId,
        authEndpoint: doc.authEndpoint,
        accesstokenEndpoint: doc.tokenEndpoint,
        authorizationServer: doc.authorizationServer ?? doc.tokenEndpoint,
        kid: doc.kid,
        authConfig: { method: 'JWK_SET', key: doc.jwksUrl },
      },
    );
    await store.Replace(
      false,
      'platformStatus',
      { id: doc.kid },
      { id: doc.kid, active: doc.active },
    );
  };

  const readKey = async (
    kind: 'publickey' | 'privatekey',
    kid: string,
  ): Promise<string | undefined> => {
    const found = await store.Get(encryptionKey, kind, { kid });
    const key = found === false ? undefined : found[0]?.key;
    return typeof key === 'string' ? key : undefined;
  };

  return {
    async find(issuer, clientId) {
      const doc = await registrations.findOne({ issuer, clientId });
      return doc === null ? undefined : toRegistration(doc);
    },
    async findByIssuer(issuer) {
      return (await registrations.find({ issuer }).toArray()).map(toRegistration);
    },
    async findById(id) {
      const doc = await registrations.findOne({ _id: id });
      return doc === null ? undefined : toRegistration(doc);
    },
    async list() {
      return (await registrations.find({}).sort({ createdAt: 1 }).toArray()).map(toRegistration);
    },
    async register(input) {
      const existing = await registrations.findOne({
        issuer: input.issuer,
        clientId: input.clientId,
      });
      if (existing !== null) {
        throw new ConflictError(
          `A platform with issuer ${input.issuer} and client id ${input.clientId} is already registered.`,
          {
            code: 'PLATFORM_ALREADY_REGISTERED',
            help: 'Remove it first, or use its existing registration.',
          },
        );
      }
      const kid = await createKey(input.issuer, input.clientId);
      const doc: RegistrationDocument = {
        _id: randomUUID(),
        issuer: input.issuer,
        clientId: input.clientId,
        name: input.name,
        authEndpoint: input.authEndpoint,
        tokenEndpoint: input.tokenEndpoint,
        authorizationServer: input.authorizationServer ?? null,
        jwksUrl: input.jwksUrl,
        active: input.active,
        source: input.source,
        kid,
        createdAt: new Date(),
      };
      try {
        await registrations.insertOne(doc);
      } catch (error) {
        // Lost a race with a concurrent registration: drop the key we made for it.
        await store.Delete('publickey', { kid });
        await store.Delete('privatekey', { kid });
        if (isDuplicateKeyError(error)) {
          throw new ConflictError(
            `A platform with issuer ${input.issuer} and client id ${input.clientId} is already registered.`,
            { code: 'PLATFORM_ALREADY_REGISTERED' },
          );
        }
        throw error;
      }
      await mirrorToLtijs(doc);
      for (const deploymentId of input.deploymentIds ?? []) {
        await deployments.updateOne(
          { platformId: doc._id, deploymentId },
          { $setOnInsert: { platformId: doc._id, deploymentId, createdAt: new Date() } },
          { upsert: true },
        );
      }
      return toRegistration(doc);
    },
    async setActive(id, active) {
      const doc = await byId(id);
      await registrations.updateOne({ _id: id }, { $set: { active } });
      await mirrorToLtijs({ ...doc, active });
    },
    async addFrameOrigin(id, origin) {
      await registrations.updateOne({ _id: id }, { $addToSet: { frameOrigins: origin } });
    },
    async removeFrameOrigin(id, origin) {
      await registrations.updateOne({ _id: id }, { $pull: { frameOrigins: origin } });
    },
    async remove(id) {
      const doc = await byId(id);
      const keyDocs = await store.Get(false, 'publickey', {
        platformUrl: doc.issuer,
        clientId: doc.clientId,
      });
      for (const key of keyDocs === false ? [] : keyDocs) {
        await store.Delete('platformStatus', { id: key.kid });
      }
      await store.Delete('publickey', { platformUrl: doc.issuer, clientId: doc.clientId });
      await store.Delete('privatekey', { platformUrl: doc.issuer, clientId: doc.clientId });
      await store.Delete('platform', { platformUrl: doc.issuer, clientId: doc.clientId });
      await deployments.deleteMany({ platformId: id });
      await registrations.deleteOne({ _id: id });
    },

    async addDeployment(platformId, deploymentId) {
      await byId(platformId);
      await deployments.updateOne(
        { platformId, deploymentId },
        { $setOnInsert: { platformId, deploymentId, createdAt: new Date() } },
        { upsert: true },
      );
    },
    async removeDeployment(platformId, deploymentId) {
      await deployments.deleteOne({ platformId, deploymentId });
    },
    async deployments(platformId): Promise<readonly Deployment[]> {
      const docs = await deployments.find({ platformId }).sort({ createdAt: 1 }).toArray();
      return docs.map((d) => ({
        platformId: d.platformId,
        deploymentId: d.deploymentId,
        createdAt: d.createdAt,
      }));
    },
    async hasDeployment(platformId, deploymentId) {
      return (await deployments.countDocuments({ platformId, deploymentId }, { limit: 1 })) > 0;
    },

    async signingKey(platformId): Promise<ToolSigningKey> {
      const doc = await byId(platformId);
      const pem = await readKey('privatekey', doc.kid);
      if (pem === undefined)
        throw new Error(`signing key ${doc.kid} of platform ${platformId} is missing`);
      return { kid: doc.kid, privateKey: createPrivateKey(pem) };
    },
    async publishedKeys(): Promise<readonly PublishedKey[]> {
      const docs = await store.Get(encryptionKey, 'publickey', {});
      if (docs === false) return [];
      return docs.flatMap((doc) => {
        if (typeof doc.key !== 'string' || typeof doc.kid !== 'string') return [];
        const jwk = createPublicKey(doc.key).export({ format: 'jwk' });
        if (typeof jwk.n !== 'string' || typeof jwk.e !== 'string') return [];
        return [
          { kid: doc.kid, kty: 'RSA', n: jwk.n, e: jwk.e, alg: 'RS256', use: 'sig' } as const,
        ];
      });
    },
    async rotateKey(platformId) {
      const doc = await byId(platformId);
      const kid = await createKey(doc.issuer, doc.clientId);
      await registrations.updateOne({ _id: platformId }, { $set: { kid } });
      await mirrorToLtijs({ ...doc, kid });
      return { previousKid: doc.kid, kid };
    },
    async retireKey(kid) {
      const current = await registrations.findOne({ kid });
      if (current !== null) {
        throw new ConflictError(`Key ${kid} is the current key of platform ${current._id}.`, {
          code: 'KEY_IN_USE',
          help: 'Rotate the key first (a new key becomes current), then retire the old one.',
        });
      }
      const existed = await store.Get(false, 'publickey', { kid });
      if (existed === false) throw new NotFoundError(`No published key with kid ${kid}.`);
      await store.Delete('publickey', { kid });
      await store.Delete('privatekey', { kid });
      await store.Delete('platformStatus', { id: kid });
    },
  };
}
