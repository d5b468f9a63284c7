/**
 * Runs Pathwise for real on 127.0.0.1:<free port> (its public URL is known only after listening,
 * so the app is attached right after), on a fresh test database, optionally with the LMS
 * simulator on its own server and both simulated platforms registered with Pathwise.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { composeApplication, type Application } from '../../src/composition.js';
import { openDatabase, type Database } from '../../src/infra/db.js';
import type { Clock } from '../../src/shared/clock.js';
import type { Logger } from '../../src/infra/logger.js';
import type { PlatformRegistration, PlatformRegistry } from '../../src/lti/platforms.js';
import type { SimulatedPlatform } from '../../src/dev/lms-simulator/index.js';
import { openTestDatabase, type TestDatabase } from './database.js';
import { silentLogger, testConfig } from './app.js';
import { startServer, type RunningServer } from './platform/http.js';
import { startSimulator, type RunningSimulator } from './platform/simulator.js';

export interface RunningPathwise {
  readonly url: string;
  readonly application: Application;
  readonly database: Database;
  readonly testDatabase: TestDatabase;
  close(): Promise<void>;
}

export async function startPathwise(
  options: {
    readonly env?: Record<string, string>;
    readonly clock?: Clock;
    /** The application's logger (silent by default; tests of logging pass a capturing one). */
    readonly logger?: Logger;
  } = {},
): Promise<RunningPathwise> {
  const testDatabase = await openTestDatabase();
  const target: { handler?: (req: IncomingMessage, res: ServerResponse) => void } = {};
  const server: RunningServer = await startServer((req, res) => {
    const handler = target.handler;
    if (handler === undefined) {
      res.statusCode = 503;
      res.end();
      return;
    }
    handler(req, res);
  });
  const config = testConfig({
    MONGODB_URI: testDatabase.uri,
    PUBLIC_URL: server.url,
    ...options.env,
  });
  const database = await openDatabase(testDatabase.uri, silentLogger);
  const application = await composeApplication({
    config,
    logger: options.logger ?? silentLogger,
    database,
    encryptionKey: 'test-only-encryption-key-0123456789abcdef',
    ...(options.clock === undefined ? {} : { clock: options.clock }),
  });
  target.handler = application.app;
  return {
    url: server.url,
    application,
    database,
    testDatabase,
    close: async () => {
      await server.close();
      await application.close();
      await database.close();
      await testDatabase.close();
    },
  };
}

/** Registers each simulated platform with Pathwise (active, with its deployments), by profile. */
export async function registerSimulatedPlatforms(
  registry: PlatformRegistry,
  platforms: readonly SimulatedPlatform[],
): Promise<Map<string, PlatformRegistration>> {
  const registrations = new Map<string, PlatformRegistration>();
  for (const platform of platforms) {
    const [tool] = platform.state.registrations.values();
    if (tool === undefined) throw new Error('the simulator registered no tool');
    const registration = await registry.register({
      issuer: platform.issuer,
      clientId: tool.clientId,
      name: `simulated ${platform.profile}`,
      authEndpoint: platform.urls.auth,
      tokenEndpoint: platform.urls.token,
      jwksUrl: platform.urls.jwks,
      active: true,
      source: 'static',
      deploymentIds: tool.deploymentIds,
    });
    registrations.set(platform.profile, registration);
  }
  return registrations;
}

export interface LtiFixture {
  readonly pathwise: RunningPathwise;
  readonly sim: RunningSimulator;
  /** Pathwise's registration of each simulated platform. */
  registrationOf(profile: 'canvas' | 'moodle'): PlatformRegistration;
  platform(profile: 'canvas' | 'moodle'): SimulatedPlatform;
  close(): Promise<void>;
}

/** Pathwise plus the simulator, each platform registered (active, with its deployment) both ways. */
export async function startLtiFixture(
  options: {
    readonly clock?: Clock;
    readonly env?: Record<string, string>;
    readonly logger?: Logger;
  } = {},
): Promise<LtiFixture> {
  const pathwise = await startPathwise(options);
  const sim = await startSimulator({
    platforms: ['canvas', 'moodle'],
    tool: {
      name: 'Pathwise',
      loginUrl: `${pathwise.url}/lti/login`,
      launchUrl: `${pathwise.url}/lti/launch`,
      jwksUrl: `${pathwise.url}/lti/keys`,
      registrationUrl: `${pathwise.url}/lti/register`,
    },
    ...(options.clock === undefined ? {} : { clock: options.clock }),
  });
  const registrations = await registerSimulatedPlatforms(
    pathwise.application.registry,
    sim.simulator.platforms,
  );
  return {
    pathwise,
    sim,
    registrationOf(profile) {
      const found = registrations.get(profile);
      if (found === undefined) throw new Error(`no ${profile} registration`);
      return found;
    },
    platform: (profile) => sim.simulator.platform(profile),
    close: async () => {
      await sim.close();
      await pathwise.close();
    },
  };
}
