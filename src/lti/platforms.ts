/**
 * Platform registrations and their deployments: what the tool knows about each LMS it trusts.
 * One registration = one (issuer, client_id) pair, e.g. one Canvas developer key or one Moodle
 * tool type; it can have many deployments (Canvas deploys a key per account/course). The tool
 * signs with its own key per registration (ltijs keeps one RSA key per platform); rotation adds
 * a key and retires the old one after an overlap.
 */
import type { KeyObject } from 'node:crypto';

export type RegistrationSource = 'static' | 'dynamic' | 'cli' | 'simulator';

export interface PlatformRegistration {
  /** Stable id (ltijs's platformId). */
  readonly id: string;
  /** Exact `iss` string the platform sends (Canvas: https://canvas.instructure.com for all). */
  readonly issuer: string;
  readonly clientId: string;
  readonly name: string;
  /** OIDC authorization endpoint the login redirects to. */
  readonly authEndpoint: string;
  /** OAuth2 token endpoint for AGS/NRPS service tokens. */
  readonly tokenEndpoint: string;
  /** `aud` of the client assertion (Canvas DR lists one); the token endpoint when absent. */
  readonly authorizationServer: string | undefined;
  readonly jwksUrl: string;
  /** Launches and service calls are refused until a registration is active. */
  readonly active: boolean;
  readonly source: RegistrationSource;
  /** Origins that frame the tool, learned from launches (Canvas frames from the school's domain). */
  readonly frameOrigins: readonly string[];
}

export interface Deployment {
  readonly platformId: string;
  readonly deploymentId: string;
  readonly createdAt: Date;
}

export interface NewRegistration {
  readonly issuer: string;
  readonly clientId: string;
  readonly name: string;
  readonly authEndpoint: string;
  readonly tokenEndpoint: string;
  readonly authorizationServer?: string | undefined;
  readonly jwksUrl: string;
  readonly active: boolean;
  readonly source: RegistrationSource;
  readonly deploymentIds?: readonly string[];
}

/** The tool's current signing key for one registration (client assertions, deep-link responses). */
export interface ToolSigningKey {
  readonly kid: string;
  readonly privateKey: KeyObject;
}

/** A public key the tool publishes at /keys. */
export interface PublishedKey {
  readonly kid: string;
  readonly kty: 'RSA';
  readonly n: string;
  readonly e: string;
  readonly alg: 'RS256';
  readonly use: 'sig';
}

export interface PlatformRegistry {
  /** A registration by issuer and client id (Canvas needs the client id: one issuer, many keys). */
  find(issuer: string, clientId: string): Promise<PlatformRegistration | undefined>;
  /** Every registration of an issuer (login without client_id works only if there is one). */
  findByIssuer(issuer: string): Promise<readonly PlatformRegistration[]>;
  findById(id: string): Promise<PlatformRegistration | undefined>;
  list(): Promise<readonly PlatformRegistration[]>;
  /** Registers a platform; a duplicate (issuer, client id) is a ConflictError. */
  register(input: NewRegistration): Promise<PlatformRegistration>;
  setActive(id: string, active: boolean): Promise<void>;
  /** An origin (scheme://host[:port]) the platform's pages frame Pathwise from. */
  addFrameOrigin(id: string, origin: string): Promise<void>;
  removeFrameOrigin(id: string, origin: string): Promise<void>;
  remove(id: string): Promise<void>;

  addDeployment(platformId: string, deploymentId: string): Promise<void>;
  removeDeployment(platformId: string, deploymentId: string): Promise<void>;
  deployments(platformId: string): Promise<readonly Deployment[]>;
  hasDeployment(platformId: string, deploymentId: string): Promise<boolean>;

  signingKey(platformId: string): Promise<ToolSigningKey>;
  /** Every public key currently published (current and, during a rotation, the previous). */
  publishedKeys(): Promise<readonly PublishedKey[]>;
  /** Adds a new key for the registration and makes it current; the old one stays published. */
  rotateKey(platformId: string): Promise<{ readonly previousKid: string; readonly kid: string }>;
  /** Stops publishing a key that is no longer current. */
  retireKey(kid: string): Promise<void>;
}
