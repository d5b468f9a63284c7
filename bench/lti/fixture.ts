/**
 * Pathwise and the LMS simulator on two real HTTP servers (127.0.0.1, free ports), as in
 * test/support/pathwise.ts startLtiFixture, with what the LTI benchmark needs on top: a counter of
 * every request Pathwise receives (per path), and a bigger seeded course so scores spread over
 * many learners (one stream each) instead of piling up on 30.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { composeApplication, type Application } from '../../src/composition.js';
import type { SimulatedPlatform } from '../../src/dev/lms-simulator/index.js';
import { openDatabase, type Database } from '../../src/infra/db.js';
import type { PlatformRegistration } from '../../src/lti/platforms.js';
import { silentLogger, testConfig } from '../../test/support/app.js';
import { openTestDatabase, type TestDatabase } from '../../test/support/database.js';
import { startServer } from '../../test/support/platform/http.js';
import { startSimulator, type RunningSimulator } from '../../test/support/platform/simulator.js';
import { registerSimulatedPlatforms } from '../../test/support/pathwise.js';

export type Profile = 'canvas' | 'moodle';
export const PROFILES: readonly Profile[] = ['canvas', 'moodle'];

export interface LtiBenchFixture {
  readonly url: string;
  readonly application: Application;
  readonly database: Database;
  readonly testDatabase: TestDatabase;
  readonly sim: RunningSimulator;
  platform(profile: Profile): SimulatedPlatform;
  registrationOf(profile: Profile): PlatformRegistration;
  /** Requests Pathwise received so far, per path (query dropped). */
  inbound(): Readonly<Record<string, number>>;
  close(): Promise<void>;
}

export async function startLtiBenchFixture(options: {
  readonly studentCount: number;
}): Promise<LtiBenchFixture> {
  const testDatabase = await openTestDatabase();
  const inbound: Record<string, number> = {};
  const target: { handler?: (req: IncomingMessage, res: ServerResponse) => void } = {};
  const server = await startServer((req, res) => {
    const path = (req.url ?? '').split('?')[0] ?? '';
    inbound[path] = (inbound[path] ?? 0) + 1;
    const handler = target.handler;
    if (handler === undefined) {
      res.statusCode = 503;
      res.end();
      return;
    }
    handler(req, res);
  });
  const database = await openDatabase(testDatabase.uri, silentLogger);
  const application = await composeApplication({
    config: testConfig({ MONGODB_URI: testDatabase.uri, PUBLIC_URL: server.url }),
    logger: silentLogger,
    database,
    encryptionKey: 'bench-only-encryption-key-0123456789abcdef',
  });
  target.handler = application.app;
  const sim = await startSimulator({
    platforms: PROFILES.map((profile) => ({ profile, studentCount: options.studentCount })),
    tool: {
      name: 'Pathwise',
      loginUrl: `${server.url}/lti/login`,
      launchUrl: `${server.url}/lti/launch`,
      jwksUrl: `${server.url}/lti/keys`,
      registrationUrl: `${server.url}/lti/register`,
    },
  });
  const registrations = await registerSimulatedPlatforms(
    application.registry,
    sim.simulator.platforms,
  );
  return {
    url: server.url,
    application,
    database,
    testDatabase,
    sim,
    platform: (profile) => sim.simulator.platform(profile),
    registrationOf(profile) {
      const found = registrations.get(profile);
      if (found === undefined) throw new Error(`no ${profile} registration`);
      return found;
    },
    inbound: () => ({ ...inbound }),
    close: async () => {
      await sim.close();
      await server.close();
      await application.close();
      await database.close();
      await testDatabase.close();
    },
  };
}
