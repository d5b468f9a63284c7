/**
 * Platform administration CLI: `npm run platform -- <command>` (or `tsx scripts/platform.ts`).
 * Run `npm run platform -- help` for the commands.
 *
 * Settings are read through loadConfig exactly as the server reads them (NODE_ENV,
 * PATHWISE_DEV_MODE, config/<env>.json). This CLI additionally requires:
 *   MONGODB_URI          the database the server uses (also in dev mode: run the embedded server
 *                        with `npm run mongo:embedded` and point MONGODB_URI at it);
 *   LTI_ENCRYPTION_KEY   the server's key (tool keys are stored encrypted with it); in dev mode
 *                        the key the dev server generated under .data/ is used when it is unset.
 * Exit code 0 on success, 1 on bad input or a refused operation (the message says what to do).
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
import {
  describeCliError,
  executePlatformCommand,
  parsePlatformCommand,
  USAGE,
} from '../src/registration/platform-cli.js';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

function fail(lines: readonly string[]): void {
  for (const line of lines) console.error(line);
  process.exitCode = 1;
}

function encryptionKeyOf(config: Config): string | undefined {
  if (config.encryptionKey !== undefined) return config.encryptionKey;
  const file = path.resolve(ROOT, config.embeddedMongo.devKeyPath);
  return config.devMode && existsSync(file) ? readFileSync(file, 'utf8').trim() : undefined;
}

async function main(argv: readonly string[]): Promise<void> {
  const first = argv[0];
  if (first === undefined || first === 'help' || first === '--help' || first === '-h') {
    console.log(USAGE);
    if (first === undefined) process.exitCode = 1;
    return;
  }

  let config: Config;
  try {
    const env = processEnv();
    config = loadConfig(env, readConfigFiles(path.join(ROOT, 'config'), env));
  } catch (error) {
    if (error instanceof ConfigError) {
      fail([error.message]);
      return;
    }
    throw error;
  }

  const command = parsePlatformCommand(argv, { devMode: config.devMode });
  if (!command.ok) {
    fail([...command.error.map((p) => `error: ${p}`), `Run "npm run platform -- help" for usage.`]);
    return;
  }

  const uri = config.mongodbUri;
  if (uri === undefined) {
    fail([
      'error: MONGODB_URI is not set.',
      'what to do: set MONGODB_URI to the database the Pathwise server uses, e.g. MONGODB_URI=mongodb://127.0.0.1:27017/pathwise',
    ]);
    return;
  }
  const encryptionKey = encryptionKeyOf(config);
  if (encryptionKey === undefined) {
    fail([
      'error: LTI_ENCRYPTION_KEY is not set.',
      "what to do: set it to the Pathwise server's LTI_ENCRYPTION_KEY (the tool keys are stored encrypted with it).",
    ]);
    return;
  }

  let database: Database;
  try {
    database = await openDatabase(uri, createLogger('silent'));
  } catch (error) {
    // Never echo the URI: it may carry a password.
    const host = /^mongodb(?:\+srv)?:\/\/(?:[^@/]*@)?([^/?#]+)/.exec(uri)?.[1] ?? 'the server';
    fail([
      `error: could not connect to MongoDB at ${host} (${error instanceof Error ? error.name : 'error'}).`,
      'what to do: check MONGODB_URI and that the database is running and reachable from here.',
    ]);
    return;
  }
  try {
    const ltijsStore = createLtijsStore(database.connection);
    await ltijsStore.ensureIndexes();
    const registry = await createPlatformRegistry({
      connection: database.connection,
      ltijsStore,
      encryptionKey,
    });
    await executePlatformCommand(command.value, registry, {
      line: (text = '') => {
        console.log(text);
      },
    });
  } catch (error) {
    const lines = describeCliError(error);
    if (lines === undefined) throw error;
    fail(lines);
  } finally {
    await database.close();
  }
}

await main(process.argv.slice(2));
