/**
 * Question-bank import: `npm run content:import -- [--replace] [--dry-run] <files...>`.
 * Connects to MONGODB_URI (in dev mode, start `npm run mongo:embedded` and point MONGODB_URI at
 * it), checks every file and the bank as a whole, then imports all files or nothing.
 * Exit code 0 on success, 1 when anything is refused (each problem is printed with its file,
 * item, line and field).
 */
import { readFile, stat } from 'node:fs/promises';
import { IMPORT_LIMITS } from '../src/content/import/import-limits.js';
import { createContentRepository } from '../src/content/content.repository.mongo.js';
import { createContentService, formatOfFile } from '../src/content/content.service.js';
import { describeImport, IMPORT_USAGE, parseImportArgs } from '../src/content/import/import-cli.js';
import { processEnv } from '../src/infra/config.js';
import { openDatabase, type Database } from '../src/infra/db.js';
import { createLogger } from '../src/infra/logger.js';

function fail(lines: readonly string[]): void {
  for (const line of lines) console.error(line);
  process.exitCode = 1;
}

async function main(argv: readonly string[]): Promise<void> {
  if (argv.includes('--help') || argv.includes('-h')) {
    console.log(IMPORT_USAGE);
    return;
  }
  const command = parseImportArgs(argv);
  if (!command.ok) {
    fail([`error: ${command.error}`, '', IMPORT_USAGE]);
    return;
  }
  const uri = processEnv()['MONGODB_URI']?.trim();
  if (uri === undefined || uri === '' || !/^mongodb(\+srv)?:\/\//.test(uri)) {
    fail([
      'error: MONGODB_URI is not set to a mongodb:// connection string.',
      'what to do: set MONGODB_URI to the database the Pathwise server uses, e.g. MONGODB_URI=mongodb://127.0.0.1:27017/pathwise',
    ]);
    return;
  }

  const sources = [];
  const unreadable: string[] = [];
  for (const file of command.value.files) {
    try {
      // Bounded before reading: a UTF-8 character is at least one byte, so a file of more bytes
      // than 4 × the character limit cannot fit, and reading it would only fill memory.
      const bytes = (await stat(file)).size;
      if (bytes > 4 * IMPORT_LIMITS.maxFileChars) {
        unreadable.push(
          `  - ${file}: ${String(bytes)} bytes is far above the limit of ${String(IMPORT_LIMITS.maxFileChars)} characters. Fix: split it into smaller files.`,
        );
        continue;
      }
      sources.push({ name: file, format: formatOfFile(file), text: await readFile(file, 'utf8') });
    } catch (error) {
      unreadable.push(
        `  - ${file}: cannot be read (${error instanceof Error ? error.message : String(error)}). Fix: check the path.`,
      );
    }
  }
  if (unreadable.length > 0) {
    fail([
      'Import refused: some files cannot be read or are too large. The bank was not changed.',
      ...unreadable,
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
    const service = createContentService({
      repository: await createContentRepository(database.connection),
    });
    const result = await service.importSources(sources, {
      replaceExisting: command.value.replace,
      dryRun: command.value.dryRun,
    });
    const report = describeImport(result, command.value.dryRun);
    if (report.failed) fail(report.lines);
    else for (const line of report.lines) console.log(line);
  } finally {
    await database.close();
  }
}

await main(process.argv.slice(2));
