/**
 * What the administration CLIs share: settings read exactly as the server reads them, the
 * database connection, and the platform registry. Each helper prints what to fix and returns
 * undefined on a problem (the caller exits 1).
 */
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  ConfigError,
  loadConfig,
  processEnv,
  readConfigFiles,
  type Config,
} from '../src/infra/config.js';
import { openDatabase, type Database } from '../src/infra/db.js';
import { createLogger } from '../src/infra/logger.js';
import { createLtijsStore } from '../src/lti/ltijs-store.mongo.js';
import { createPlatformRegistry } from '../src/lti/platform-registry.mongo.js';
import type { PlatformRegistry } from '../src/lti/platforms.js';

export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

export function fail(lines: readonly string[]): void {
  for (const line of lines) console.error(line);
  process.exitCode = 1;
}

export function cliConfig(): Config | undefined {
  try {
    const env = processEnv();
    return loadConfig(env, readConfigFiles(path.join(ROOT, 'config'), env));
  } catch (error) {
    if (error instanceof ConfigError) {
      fail([error.message]);
      return undefined;
    }
    throw error;
  }
}

function encryptionKeyOf(config: Config): string | undefined {
  if (config.encryptionKey !== undefined) return config.encryptionKey;
  const file = path.resolve(ROOT, config.embeddedMongo.devKeyPath);
  return config.devMode && existsSync(file) ? readFileSync(file, 'utf8').trim() : undefined;
}

export async function cliDatabase(config: Config): Promise<Database | undefined> {
  const uri = config.mongodbUri;
  if (uri === undefined) {
    fail([
      'error: MONGODB_URI is not set.',
      'what to do: set MONGODB_URI to the database the Pathwise server uses, e.g. MONGODB_URI=mongodb://127.0.0.1:27017/pathwise',
    ]);
    return undefined;
  }
  try {
    return await openDatabase(uri, createLogger('silent'));
  } catch (error) {
    // Never echo the URI: it may carry a password.
    const host = /^mongodb(?:\+srv)?:\/\/(?:[^@/]*@)?([^/?#]+)/.exec(uri)?.[1] ?? 'the server';
    fail([
      `error: could not connect to MongoDB at ${host} (${error instanceof Error ? error.name : 'error'}).`,
      'what to do: check MONGODB_URI and that the database is running and reachable from here.',
    ]);
    return undefined;
  }
}

export async function cliRegistry(
  config: Config,
  database: Database,
): Promise<PlatformRegistry | undefined> {
  const encryptionKey = encryptionKeyOf(config);
  if (encryptionKey === undefined) {
    fail([
      'error: LTI_ENCRYPTION_KEY is not set.',
      "what to do: set it to the Pathwise server's LTI_ENCRYPTION_KEY (the tool keys are stored encrypted with it).",
    ]);
    return undefined;
  }
  const ltijsStore = createLtijsStore(database.connection);
  await ltijsStore.ensureIndexes();
  return createPlatformRegistry({ connection: database.connection, ltijsStore, encryptionKey });
}
