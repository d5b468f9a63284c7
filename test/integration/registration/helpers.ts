/**
 * Per-file fixture for registration tests: a fresh test database with the real MongoDB platform
 * registry, the LMS simulator on its own server, and a way to build Pathwise's registration
 * router (dev mode or not) behind createApp with an outbound client that records each request.
 */
import type { Express } from 'express';
import { createApp } from '../../../src/app.js';
import { openDatabase, type Database } from '../../../src/infra/db.js';
import { createLtijsStore } from '../../../src/lti/ltijs-store.mongo.js';
import {
  createOutboundHttp,
  type OutboundHttp,
  type OutboundRequest,
} from '../../../src/lti/outbound-http.js';
import { createPlatformRegistry } from '../../../src/lti/platform-registry.mongo.js';
import type { PlatformRegistry } from '../../../src/lti/platforms.js';
import type { HostResolver } from '../../../src/registration/address-guard.js';
import {
  registrationRoutes,
  type RegistrationRoutesDeps,
} from '../../../src/registration/registration.routes.js';
import { LTI_PATH } from '../../../src/registration/tool-identity.js';
import type { LmsSimulatorOptions } from '../../../src/dev/lms-simulator/index.js';
import { silentLogger, testConfig } from '../../support/app.js';
import { openTestDatabase, type TestDatabase } from '../../support/database.js';
import { startSimulator, type RunningSimulator } from '../../support/platform/index.js';

export const TEST_ENCRYPTION_KEY = 'test-only-encryption-key-0123456789abcdef';
export const TEST_USER_AGENT = 'Pathwise-test/1.0';

export interface RecordingHttp extends OutboundHttp {
  readonly requests: OutboundRequest[];
}

/** The real outbound client, plus a copy of every request it was asked to send. */
export function recordingHttp(): RecordingHttp {
  const inner = createOutboundHttp({ userAgent: TEST_USER_AGENT, defaultTimeoutMs: 5000 });
  const requests: OutboundRequest[] = [];
  return {
    requests,
    send(request) {
      requests.push(request);
      return inner.send(request);
    },
    counts: () => inner.counts(),
  };
}

export interface RegistrationFixture {
  readonly registry: PlatformRegistry;
  readonly database: Database;
  readonly testDatabase: TestDatabase;
  readonly sim: RunningSimulator;
  /** host:port of the simulator (trusted for Canvas's shared issuer in dev-mode tests). */
  readonly simHost: string;
  close(): Promise<void>;
}

export async function openRegistry(database: Database): Promise<PlatformRegistry> {
  const ltijsStore = createLtijsStore(database.connection);
  await ltijsStore.ensureIndexes();
  return createPlatformRegistry({
    connection: database.connection,
    ltijsStore,
    encryptionKey: TEST_ENCRYPTION_KEY,
  });
}

export async function startRegistrationFixture(
  options: { readonly platforms?: LmsSimulatorOptions['platforms'] } = {},
): Promise<RegistrationFixture> {
  const testDatabase = await openTestDatabase();
  const database = await openDatabase(testDatabase.uri, silentLogger);
  const registry = await openRegistry(database);
  const sim = await startSimulator({ platforms: options.platforms ?? ['canvas', 'moodle'] });
  return {
    registry,
    database,
    testDatabase,
    sim,
    simHost: new URL(sim.url).host,
    close: async () => {
      await sim.close();
      await database.close();
      await testDatabase.close();
    },
  };
}

export interface RegistrationApp {
  readonly app: Express;
  readonly http: RecordingHttp;
  readonly publicUrl: string;
}

/** createApp with only the registration router at /lti, as composition mounts it. */
export function registrationApp(
  registry: PlatformRegistry,
  settings: {
    readonly devMode: boolean;
    readonly autoActivate?: boolean;
    readonly canvasHosts?: readonly string[];
    readonly resolveHost?: HostResolver;
  },
): RegistrationApp {
  const config = testConfig({ PUBLIC_URL: 'https://pathwise.example.edu' });
  const http = recordingHttp();
  const deps: RegistrationRoutesDeps = {
    registry,
    http,
    publicUrl: config.publicUrl,
    devMode: settings.devMode,
    logger: silentLogger,
    ...(settings.autoActivate === undefined ? {} : { autoActivate: settings.autoActivate }),
    ...(settings.canvasHosts === undefined ? {} : { canvasHosts: settings.canvasHosts }),
    ...(settings.resolveHost === undefined ? {} : { resolveHost: settings.resolveHost }),
  };
  const app = createApp({
    config,
    logger: silentLogger,
    health: { isDatabaseReachable: () => Promise.resolve(true) },
    routers: [{ path: LTI_PATH, handler: registrationRoutes(deps) }],
  });
  return { app, http, publicUrl: config.publicUrl };
}

/** Everything the registry holds, to prove a failure wrote nothing. */
export async function registrySnapshot(registry: PlatformRegistry): Promise<unknown> {
  const platforms = await registry.list();
  return {
    platforms,
    deployments: await Promise.all(platforms.map((p) => registry.deployments(p.id))),
    keys: (await registry.publishedKeys()).map((k) => k.kid).sort(),
  };
}

/** The `?openid_configuration=…&registration_token=…` part of a DR start URL. */
export const queryOf = (url: string): string => new URL(url).search;
