/**
 * Pathwise in dev mode (embedded database, LMS simulator), in this process, on 127.0.0.1:<free
 * port>, for browser tests. The tool is addressed as http://localhost:<port> and the simulator as
 * http://127.0.0.1:<port>/dev/lms: one server, two sites, so the tool in the simulator's iframe is
 * a third-party frame exactly as inside a real LMS. Cookies are Secure; SameSite=None as in
 * production (browsers treat http://localhost as a secure context), so only the browser's
 * third-party-cookie setting decides whether the state cookie comes back.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { composeApplication, type Application } from '../../../src/composition.js';
import { openDatabase, type Database } from '../../../src/infra/db.js';
import { silentLogger, testConfig } from '../../support/app.js';
import { openTestDatabase, type TestDatabase } from '../../support/database.js';
import { startServer, type RunningServer } from '../../support/platform/http.js';

export interface DevPathwise {
  /** The tool's public URL (http://localhost:<port>). */
  readonly toolUrl: string;
  /** The simulator's dashboard URL (http://127.0.0.1:<port>/dev/lms). */
  readonly lmsUrl: string;
  readonly application: Application;
  /** The test database (tests peek at stored state, e.g. the question on screen). */
  readonly database: Database;
  close(): Promise<void>;
}

export async function startDevPathwise(
  options: { readonly sameSite?: boolean } = {},
): Promise<DevPathwise> {
  const testDatabase: TestDatabase = await openTestDatabase();
  const target: { handler?: (req: IncomingMessage, res: ServerResponse) => void } = {};
  const server: RunningServer = await startServer((req, res) => {
    if (target.handler === undefined) {
      res.statusCode = 503;
      res.end();
      return;
    }
    target.handler(req, res);
  });
  const port = new URL(server.url).port;
  const toolUrl = `http://localhost:${port}`;
  const lmsUrl =
    options.sameSite === true ? `${toolUrl}/dev/lms` : `http://127.0.0.1:${port}/dev/lms`;
  let database: Database | undefined;
  try {
    const config = testConfig({
      PATHWISE_DEV_MODE: 'true',
      MONGODB_URI: testDatabase.uri,
      PUBLIC_URL: toolUrl,
      PATHWISE_DEV_LMS_URL: lmsUrl,
      PATHWISE_SECURE_COOKIES: 'true',
    });
    database = await openDatabase(testDatabase.uri, silentLogger);
    const application = await composeApplication({
      config,
      logger: silentLogger,
      database,
      encryptionKey: 'e2e-only-encryption-key-0123456789abcdef',
    });
    target.handler = application.app;
    const opened = database;
    return {
      toolUrl,
      lmsUrl,
      application,
      database: opened,
      close: async () => {
        await server.close();
        await application.close();
        await opened.close();
        await testDatabase.close();
      },
    };
  } catch (error) {
    await server.close();
    await database?.close();
    await testDatabase.close();
    throw error;
  }
}
