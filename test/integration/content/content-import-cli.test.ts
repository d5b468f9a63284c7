// `npm run content:import` end to end: a child process against the test database.
import { spawn } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { expect } from 'chai';
import { createContentRepository } from '../../../src/content/content.repository.mongo.js';
import { PROJECT_ROOT } from '../../../src/app.js';
import { openDatabase } from '../../../src/infra/db.js';
import { openTestDatabase, type TestDatabase } from '../../support/database.js';
import { silentLogger } from '../../support/app.js';

interface Run {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

function runImport(args: readonly string[], env: Record<string, string>): Promise<Run> {
  return new Promise((resolve, reject) => {
    const child = spawn(
      process.execPath,
      ['--import', 'tsx', 'scripts/content-import.ts', ...args],
      {
        cwd: PROJECT_ROOT,
        env: { PATH: process.env['PATH'] ?? '', ...env },
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.on('error', reject);
    child.on('close', (code) => {
      resolve({ code, stdout, stderr });
    });
  });
}

describe('content:import command line', function () {
  this.timeout(60_000);
  let testDb: TestDatabase;
  let dir: string;

  before(async function () {
    testDb = await openTestDatabase();
    dir = await mkdtemp(path.join(tmpdir(), 'pw-content-'));
  });
  after(async function () {
    await rm(dir, { recursive: true, force: true });
    await testDb.close();
  });

  async function templateCount(): Promise<number> {
    const database = await openDatabase(testDb.uri, silentLogger);
    try {
      return (await (await createContentRepository(database.connection)).listTemplates()).length;
    } finally {
      await database.close();
    }
  }

  it('prints every problem with file, item, line and field, exits 1 and writes nothing', async function () {
    const json = path.join(dir, 'bad.json');
    await writeFile(
      json,
      JSON.stringify(
        {
          format: 'pathwise-bank/1',
          skills: [{ id: 'a-skill', name: 'A', prerequisites: ['missing'] }],
        },
        null,
        2,
      ),
    );
    const gift = path.join(dir, 'bad.gift');
    await writeFile(gift, '::Q1:: No category {=a ~b}\n');
    const run = await runImport([json, gift], { MONGODB_URI: testDb.uri });
    expect(run.code, run.stderr).to.equal(1);
    expect(run.stderr).to.include('Import refused: 2 problems found. The bank was not changed.');
    expect(run.stderr).to.include(
      `${json}:8: skill "a-skill" (#1), field "prerequisites[0]": the prerequisite "missing" is not a skill`,
    );
    expect(run.stderr).to.include(`${gift}:1: question 1 "Q1", field "category"`);
    expect(await templateCount()).to.equal(0);
  });

  it('imports valid files and exits 0 with a summary', async function () {
    const gift = path.join(dir, 'good.gift');
    await writeFile(
      gift,
      '$CATEGORY: Warm up\n\n::Q1:: 2 + 2? {#4}\n\n::Q2:: Capital of France? {=Paris}\n',
    );
    const run = await runImport([gift], { MONGODB_URI: testDb.uri });
    expect(run.code, run.stderr).to.equal(0);
    expect(run.stdout).to.include('Imported 1 new skill(s) and 2 new template(s)');
    expect(await templateCount()).to.equal(2);
  });

  it('explains a missing MONGODB_URI and bad arguments', async function () {
    const noUri = await runImport([path.join(dir, 'good.gift')], {});
    expect(noUri.code).to.equal(1);
    expect(noUri.stderr).to.include('MONGODB_URI is not set');
    const noFiles = await runImport(['--replace'], { MONGODB_URI: testDb.uri });
    expect(noFiles.code).to.equal(1);
    expect(noFiles.stderr).to.include('name at least one file to import');
  });
});
