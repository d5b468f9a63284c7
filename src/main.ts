/**
 * Process entry: loadConfig → (dev: embedded database) → open database → compose app → listen.
 * SIGTERM/SIGINT drain the HTTP server, then close in reverse order of opening.
 */
import { mkdirSync, readFileSync, writeFileSync, existsSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import type { Server } from 'node:http';
import path from 'node:path';
import {
  ConfigError,
  loadConfig,
  processEnv,
  readConfigFiles,
  type Config,
} from './infra/config.js';
import { createLogger, type Logger } from './infra/logger.js';
import { openDatabase } from './infra/db.js';
import { composeApplication } from './composition.js';
import { PROJECT_ROOT } from './app.js';
import {
  loadStaticPlatforms,
  StaticPlatformsError,
  type StaticPlatform,
} from './registration/static-platforms.js';

type Closer = { readonly name: string; close(): Promise<void> };

async function main(): Promise<void> {
  let config: Config;
  let staticPlatforms: StaticPlatform[];
  try {
    const env = processEnv();
    const configDir = path.join(PROJECT_ROOT, 'config');
    config = loadConfig(env, readConfigFiles(configDir, env));
    staticPlatforms = loadStaticPlatforms(configDir, { devMode: config.devMode });
  } catch (error) {
    if (error instanceof ConfigError || error instanceof StaticPlatformsError) {
      process.stderr.write(`${error.message}\n`);
      process.exit(1);
    }
    throw error;
  }

  const logger = createLogger(config.logLevel);
  installCrashHandlers(logger);
  const closers: Closer[] = [];

  try {
    let mongodbUri = config.mongodbUri;
    if (config.devMode) {
      logger.warn(
        'dev mode: embedded database and LMS simulator enabled (never use in production)',
      );
    }
    if (mongodbUri === undefined) {
      // Dev mode only (loadConfig refuses a missing URI otherwise).
      const { startEmbeddedMongo } = await import('./dev/embedded-mongo/index.js');
      const embedded = await startEmbeddedMongo({
        port: 0,
        snapshotPath: path.resolve(PROJECT_ROOT, config.embeddedMongo.snapshotPath),
      });
      closers.push({ name: 'embedded database', close: () => embedded.close() });
      mongodbUri = `${embedded.uri.replace(/\/$/, '')}/pathwise`;
      logger.info({ uri: embedded.uri }, 'embedded MongoDB-compatible server started');
    }
    const encryptionKey = config.encryptionKey ?? devEncryptionKey(config);

    const database = await openDatabase(mongodbUri, logger);
    closers.push({ name: 'database', close: () => database.close() });

    const application = await composeApplication({
      config,
      logger,
      database,
      encryptionKey,
      staticPlatforms,
    });
    closers.push({ name: 'application', close: () => application.close() });

    const server = await listen(application.app, config);
    closers.push({ name: 'http server', close: () => drain(server, config.shutdownGraceMs) });
    const address = server.address();
    const port = typeof address === 'object' && address !== null ? address.port : config.port;
    logger.info({ port, publicUrl: config.publicUrl }, 'Pathwise is listening');
    if (config.devMode) {
      process.stdout.write(
        `\nPathwise (dev mode) is running:\n  app:           ${config.publicUrl}/\n  LMS simulator: ${config.devLmsUrl}\n  health:        ${config.publicUrl}/healthz  ${config.publicUrl}/readyz\n\n`,
      );
    }
  } catch (error) {
    logger.fatal({ err: error }, 'start-up failed');
    await closeAll(closers, logger);
    process.exit(1);
  }

  let stopping = false;
  const stop = (signal: string): void => {
    if (stopping) return;
    stopping = true;
    logger.info({ signal }, 'shutting down');
    void closeAll(closers, logger).then(() => {
      logger.info('shutdown complete');
      process.exit(0);
    });
  };
  process.once('SIGTERM', () => {
    stop('SIGTERM');
  });
  process.once('SIGINT', () => {
    stop('SIGINT');
  });
}

/** Closes in reverse order of opening; one failure does not stop the others. */
async function closeAll(closers: Closer[], logger: Logger): Promise<void> {
  for (const closer of [...closers].reverse()) {
    try {
      await closer.close();
    } catch (error) {
      logger.error({ err: error, component: closer.name }, 'close failed');
    }
  }
  closers.length = 0;
}

function listen(app: import('express').Express, config: Config): Promise<Server> {
  return new Promise((resolve, reject) => {
    const server = app.listen(config.port, config.host);
    server.once('listening', () => {
      resolve(server);
    });
    server.once('error', reject);
  });
}

/** Stops accepting, lets in-flight requests finish, then cuts what is left after the grace period. */
function drain(server: Server, graceMs: number): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(() => {
      server.closeAllConnections();
    }, graceMs);
    timer.unref();
    server.close(() => {
      clearTimeout(timer);
      resolve();
    });
    server.closeIdleConnections();
  });
}

/** Dev mode keeps one generated key so stored LTI keys still decrypt after a restart. */
function devEncryptionKey(config: Config): string {
  const file = path.resolve(PROJECT_ROOT, config.embeddedMongo.devKeyPath);
  if (existsSync(file)) return readFileSync(file, 'utf8').trim();
  mkdirSync(path.dirname(file), { recursive: true });
  const key = randomBytes(32).toString('base64url');
  writeFileSync(file, `${key}\n`, { mode: 0o600 });
  return key;
}

function installCrashHandlers(logger: Logger): void {
  // Unknown state after these: log and exit so the orchestrator restarts a clean process.
  process.on('unhandledRejection', (reason) => {
    logger.fatal({ err: reason }, 'unhandled promise rejection');
    process.exit(1);
  });
  process.on('uncaughtException', (error) => {
    logger.fatal({ err: error }, 'uncaught exception');
    process.exit(1);
  });
}

await main();
