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
import { cliConfig, cliDatabase, cliRegistry, fail } from './cli-support.js';
import {
  describeCliError,
  executePlatformCommand,
  parsePlatformCommand,
  USAGE,
} from '../src/registration/platform-cli.js';
import { createPendingRegistrationStore } from '../src/registration/pending-registrations.mongo.js';

async function main(argv: readonly string[]): Promise<void> {
  const first = argv[0];
  if (first === undefined || first === 'help' || first === '--help' || first === '-h') {
    console.log(USAGE);
    if (first === undefined) process.exitCode = 1;
    return;
  }

  const config = cliConfig();
  if (config === undefined) return;

  const command = parsePlatformCommand(argv, { devMode: config.devMode });
  if (!command.ok) {
    fail([...command.error.map((p) => `error: ${p}`), `Run "npm run platform -- help" for usage.`]);
    return;
  }

  const database = await cliDatabase(config);
  if (database === undefined) return;
  try {
    const registry = await cliRegistry(config, database);
    if (registry === undefined) return;
    await executePlatformCommand(
      command.value,
      registry,
      {
        line: (text = '') => {
          console.log(text);
        },
      },
      // Activating or removing a Dynamic Registration takes it off the pending (expiring) list.
      { pending: await createPendingRegistrationStore(database.connection) },
    );
  } catch (error) {
    const lines = describeCliError(error);
    if (lines === undefined) throw error;
    fail(lines);
  } finally {
    await database.close();
  }
}

await main(process.argv.slice(2));
