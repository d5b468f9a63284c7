/**
 * Learner data administration (privacy requests): `npm run learner -- <command>`.
 *
 *   export <platformId> <userId>          print everything stored about the learner as JSON
 *   erase <platformId> <userId> --yes     delete everything stored about the learner
 *
 * `platformId` is the id `npm run platform -- list` shows; `userId` is the learner's LMS user id
 * (the LTI `sub`). Settings as for `npm run platform` (MONGODB_URI, LTI_ENCRYPTION_KEY).
 */
import { systemClock } from '../src/shared/clock.js';
import { createLearnerPrivacyService } from '../src/privacy/learner-privacy.mongo.js';
import { cliConfig, cliDatabase, cliRegistry, fail } from './cli-support.js';

const USAGE = `Usage:
  npm run learner -- export <platformId> <userId>
  npm run learner -- erase <platformId> <userId> --yes`;

async function main(argv: readonly string[]): Promise<void> {
  const [command, platformId, userId, ...rest] = argv;
  if (
    (command !== 'export' && command !== 'erase') ||
    platformId === undefined ||
    userId === undefined
  ) {
    fail([`error: expected a command, a platform id and a user id.`, USAGE]);
    return;
  }
  if (command === 'erase' && !rest.includes('--yes')) {
    fail([
      'error: erasure cannot be undone.',
      'what to do: add --yes to confirm (export the data first if the learner asked for a copy).',
    ]);
    return;
  }
  const config = cliConfig();
  if (config === undefined) return;
  const database = await cliDatabase(config);
  if (database === undefined) return;
  try {
    const registry = await cliRegistry(config, database);
    if (registry === undefined) return;
    const platform = await registry.findById(platformId);
    if (platform === undefined) {
      fail([
        `error: no platform with id ${platformId}.`,
        'what to do: run "npm run platform -- list" and use an id from the first column.',
      ]);
      return;
    }
    const key = { issuer: platform.issuer, clientId: platform.clientId, userId };
    const learners = await createLearnerPrivacyService(database.connection, systemClock);
    if (command === 'export') {
      console.log(JSON.stringify(await learners.exportData(platform.id, key), null, 2));
    } else {
      const report = await learners.erase(platform.id, key);
      console.log(`Erased learner ${userId} on ${platform.name}:`);
      for (const [what, count] of Object.entries(report.removed))
        console.log(`  ${what}: ${count}`);
    }
  } finally {
    await database.close();
  }
}

await main(process.argv.slice(2));
