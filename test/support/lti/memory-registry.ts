/**
 * An in-memory PlatformRegistry for unit tests of the service clients (token, AGS, NRPS) that
 * need no database: real RSA-2048 keys from node:crypto, one per registration. Integration
 * tests use the MongoDB registry (createPlatformRegistry).
 */
import { generateKeyPair, randomUUID, type KeyObject } from 'node:crypto';
import { ConflictError, NotFoundError } from '../../../src/shared/errors.js';
import type {
  Deployment,
  NewRegistration,
  PlatformRegistration,
  PlatformRegistry,
  PublishedKey,
  ToolSigningKey,
} from '../../../src/lti/platforms.js';

interface StoredKey {
  readonly kid: string;
  readonly privateKey: KeyObject;
  readonly published: PublishedKey;
}

async function newKey(): Promise<StoredKey> {
  const { privateKey, publicKey } = await new Promise<{
    privateKey: KeyObject;
    publicKey: KeyObject;
  }>((resolve, reject) => {
    generateKeyPair('rsa', { modulusLength: 2048 }, (error, pub, priv) => {
      if (error !== null) reject(error);
      else resolve({ privateKey: priv, publicKey: pub });
    });
  });
  const jwk = publicKey.export({ format: 'jwk' });
  const kid = randomUUID();
  return {
    kid,
    privateKey,
    published: { kid, kty: 'RSA', n: jwk.n ?? '', e: jwk.e ?? '', alg: 'RS256', use: 'sig' },
  };
}

export class MemoryPlatformRegistry implements PlatformRegistry {
  readonly #registrations = new Map<string, PlatformRegistration>();
  readonly #deployments = new Map<string, Deployment[]>();
  /** Current key per registration. */
  readonly #current = new Map<string, StoredKey>();
  /** Every published key by kid. */
  readonly #published = new Map<string, StoredKey>();

  find(issuer: string, clientId: string): Promise<PlatformRegistration | undefined> {
    return Promise.resolve(
      [...this.#registrations.values()].find((r) => r.issuer === issuer && r.clientId === clientId),
    );
  }

  findByIssuer(issuer: string): Promise<readonly PlatformRegistration[]> {
    return Promise.resolve([...this.#registrations.values()].filter((r) => r.issuer === issuer));
  }

  findById(id: string): Promise<PlatformRegistration | undefined> {
    return Promise.resolve(this.#registrations.get(id));
  }

  list(): Promise<readonly PlatformRegistration[]> {
    return Promise.resolve([...this.#registrations.values()]);
  }

  async register(input: NewRegistration): Promise<PlatformRegistration> {
    if ((await this.find(input.issuer, input.clientId)) !== undefined) {
      throw new ConflictError(`${input.issuer} / ${input.clientId} is already registered`);
    }
    const registration: PlatformRegistration = {
      id: randomUUID(),
      issuer: input.issuer,
      clientId: input.clientId,
      name: input.name,
      authEndpoint: input.authEndpoint,
      tokenEndpoint: input.tokenEndpoint,
      authorizationServer: input.authorizationServer,
      jwksUrl: input.jwksUrl,
      active: input.active,
      source: input.source,
      frameOrigins: [],
    };
    this.#registrations.set(registration.id, registration);
    this.#deployments.set(
      registration.id,
      (input.deploymentIds ?? []).map((deploymentId) => ({
        platformId: registration.id,
        deploymentId,
        createdAt: new Date(),
      })),
    );
    const key = await newKey();
    this.#current.set(registration.id, key);
    this.#published.set(key.kid, key);
    return registration;
  }

  setActive(id: string, active: boolean): Promise<void> {
    const registration = this.#registrations.get(id);
    if (registration === undefined) return Promise.reject(new NotFoundError(`no platform ${id}`));
    this.#registrations.set(id, { ...registration, active });
    return Promise.resolve();
  }

  addFrameOrigin(id: string, origin: string): Promise<void> {
    const registration = this.#registrations.get(id);
    if (registration === undefined) return Promise.reject(new NotFoundError(`no platform ${id}`));
    if (!registration.frameOrigins.includes(origin)) {
      this.#registrations.set(id, {
        ...registration,
        frameOrigins: [...registration.frameOrigins, origin],
      });
    }
    return Promise.resolve();
  }

  removeFrameOrigin(id: string, origin: string): Promise<void> {
    const registration = this.#registrations.get(id);
    if (registration === undefined) return Promise.reject(new NotFoundError(`no platform ${id}`));
    this.#registrations.set(id, {
      ...registration,
      frameOrigins: registration.frameOrigins.filter((o) => o !== origin),
    });
    return Promise.resolve();
  }

  remove(id: string): Promise<void> {
    this.#registrations.delete(id);
    this.#deployments.delete(id);
    return Promise.resolve();
  }

  addDeployment(platformId: string, deploymentId: string): Promise<void> {
    const list = this.#deployments.get(platformId) ?? [];
    if (!list.some((d) => d.deploymentId === deploymentId))
      list.push({ platformId, deploymentId, createdAt: new Date() });
    this.#deployments.set(platformId, list);
    return Promise.resolve();
  }

  removeDeployment(platformId: string, deploymentId: string): Promise<void> {
    const list = this.#deployments.get(platformId) ?? [];
    this.#deployments.set(
      platformId,
      list.filter((d) => d.deploymentId !== deploymentId),
    );
    return Promise.resolve();
  }

  deployments(platformId: string): Promise<readonly Deployment[]> {
    return Promise.resolve(this.#deployments.get(platformId) ?? []);
  }

  hasDeployment(platformId: string, deploymentId: string): Promise<boolean> {
    return Promise.resolve(
      (this.#deployments.get(platformId) ?? []).some((d) => d.deploymentId === deploymentId),
    );
  }

  signingKey(platformId: string): Promise<ToolSigningKey> {
    const key = this.#current.get(platformId);
    if (key === undefined)
      return Promise.reject(new NotFoundError(`no signing key for ${platformId}`));
    return Promise.resolve({ kid: key.kid, privateKey: key.privateKey });
  }

  publishedKeys(): Promise<readonly PublishedKey[]> {
    return Promise.resolve([...this.#published.values()].map((k) => k.published));
  }

  async rotateKey(platformId: string): Promise<{ previousKid: string; kid: string }> {
    const previous = this.#current.get(platformId);
    if (previous === undefined) throw new NotFoundError(`no signing key for ${platformId}`);
    const key = await newKey();
    this.#current.set(platformId, key);
    this.#published.set(key.kid, key);
    return { previousKid: previous.kid, kid: key.kid };
  }

  retireKey(kid: string): Promise<void> {
    if ([...this.#current.values()].some((k) => k.kid === kid)) {
      return Promise.reject(new ConflictError('the current key cannot be retired'));
    }
    this.#published.delete(kid);
    return Promise.resolve();
  }
}
