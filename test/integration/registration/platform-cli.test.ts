import { expect } from 'chai';
import { spawn } from 'node:child_process';
import path from 'node:path';
import { PROJECT_ROOT } from '../../../src/app.js';
import { openDatabase, type Database } from '../../../src/infra/db.js';
import type { PlatformRegistry } from '../../../src/lti/platforms.js';
import { silentLogger } from '../../support/app.js';
import { openTestDatabase, type TestDatabase } from '../../support/database.js';
import { openRegistry, registrySnapshot, TEST_ENCRYPTION_KEY } from './helpers.js';

interface CliRun {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

function runCli(args: readonly string[], env: Record<string, string>): Promise<CliRun> {
  return new Promise((resolve, reject) => {
    const child = spawn(
      process.execPath,
      ['--import', 'tsx', path.join(PROJECT_ROOT, 'scripts/platform.ts'), ...args],
      {
        cwd: PROJECT_ROOT,
        // A clean environment: nothing from the developer's shell leaks into the check.
        env: { PATH: process.env.PATH ?? '', ...env },
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

const moodleFlags = [
  '--name',
  'Example Moodle',
  '--issuer',
  'https://moodle.example.edu',
  '--client-id',
  'cli-client-1',
  '--auth-endpoint',
  'https://moodle.example.edu/mod/lti/auth.php',
  '--token-endpoint',
  'https://moodle.example.edu/mod/lti/token.php',
  '--jwks-url',
  'https://moodle.example.edu/mod/lti/certs.php',
  '--deployment',
  '7',
];

describe('platform CLI (scripts/platform.ts, spawned against the test database)', function () {
  this.timeout(60_000);
  let testDatabase: TestDatabase;
  let database: Database;
  let registry: PlatformRegistry;
  let env: Record<string, string>;
  before(async function () {
    testDatabase = await openTestDatabase();
    database = await openDatabase(testDatabase.uri, silentLogger);
    registry = await openRegistry(database);
    env = {
      NODE_ENV: 'test',
      MONGODB_URI: testDatabase.uri,
      LTI_ENCRYPTION_KEY: TEST_ENCRYPTION_KEY,
    };
  });
  after(async function () {
    await database.close();
    await testDatabase.close();
  });

  const cli = (...args: string[]) => runCli(args, env);

  it('add registers an active platform with its deployment; list shows it', async function () {
    const added = await cli('add', ...moodleFlags);
    expect(added.code, added.stderr).to.equal(0);
    const stored = await registry.find('https://moodle.example.edu', 'cli-client-1');
    expect(stored).to.deep.include({ source: 'cli', active: true, name: 'Example Moodle' });
    expect(added.stdout).to.contain(`Registered Example Moodle as ${stored!.id} (active).`);
    expect((await registry.deployments(stored!.id)).map((d) => d.deploymentId)).to.deep.equal([
      '7',
    ]);

    const listed = await cli('list');
    expect(listed.code, listed.stderr).to.equal(0);
    expect(listed.stdout).to.contain('Example Moodle  [ACTIVE]');
    expect(listed.stdout).to.contain(`id:           ${stored!.id}`);
    expect(listed.stdout).to.contain('deployments:  7');
  });

  it('add with bad input exits 1 naming each flag and fix, and stores nothing', async function () {
    const before = await registrySnapshot(registry);
    const flags = moodleFlags.map((f) =>
      f === 'https://moodle.example.edu/mod/lti/certs.php' ? 'http://moodle.example.edu/k' : f,
    );
    const run = await cli('add', ...flags.filter((f) => f !== '--name' && f !== 'Example Moodle'));
    expect(run.code).to.equal(1);
    expect(run.stderr).to.contain(
      'error: --jwks-url: uses http; LTI 1.3 requires https outside dev mode; fix: use the https:// URL the platform publishes',
    );
    expect(run.stderr).to.contain('error: --name: is missing; fix: pass a short label');
    expect(await registrySnapshot(registry)).to.deep.equal(before);
  });

  it('a duplicate (issuer, client id) exits 1 with the conflict and what to do', async function () {
    const run = await cli('add', ...moodleFlags);
    expect(run.code).to.equal(1);
    expect(run.stderr).to.contain(
      'error: A platform with issuer https://moodle.example.edu and client id cli-client-1 is already registered.',
    );
    expect(run.stderr).to.contain('what to do:');
  });

  it('list marks a Dynamic Registration awaiting approval; activate and deactivate switch it', async function () {
    const pending = await registry.register({
      issuer: 'https://canvas.instructure.com',
      clientId: '10000000000777',
      name: 'Canvas (school.instructure.com)',
      authEndpoint: 'https://sso.canvaslms.com/api/lti/authorize_redirect',
      tokenEndpoint: 'https://sso.canvaslms.com/login/oauth2/token',
      jwksUrl: 'https://sso.canvaslms.com/api/lti/security/jwks',
      active: false,
      source: 'dynamic',
    });
    const listed = await cli('list');
    expect(listed.stdout).to.contain('1 from Dynamic Registration awaiting activation');
    expect(listed.stdout).to.contain(
      `Canvas (school.instructure.com)  [INACTIVE - awaiting approval (Dynamic Registration): npm run platform -- activate ${pending.id}]`,
    );
    expect(listed.stdout).to.contain(
      `deployments:  (none: npm run platform -- deployment-add ${pending.id} <deploymentId>)`,
    );

    const activated = await cli('activate', pending.id);
    expect(activated.code, activated.stderr).to.equal(0);
    expect(activated.stdout).to.contain('Activated Canvas (school.instructure.com)');
    expect((await registry.findById(pending.id))?.active).to.equal(true);
    const deactivated = await cli('deactivate', pending.id);
    expect(deactivated.code).to.equal(0);
    expect((await registry.findById(pending.id))?.active).to.equal(false);

    const json = await cli('list', '--json');
    const parsed = JSON.parse(json.stdout) as {
      id: string;
      active: boolean;
      deployments: string[];
    }[];
    expect(parsed.find((p) => p.id === pending.id)).to.deep.include({
      active: false,
      deployments: [],
    });
  });

  it('deployment-add and deployment-remove; removing an unknown deployment exits 1', async function () {
    const stored = await registry.find('https://moodle.example.edu', 'cli-client-1');
    const added = await cli('deployment-add', stored!.id, '8');
    expect(added.code, added.stderr).to.equal(0);
    expect(await registry.hasDeployment(stored!.id, '8')).to.equal(true);
    const removed = await cli('deployment-remove', stored!.id, '7');
    expect(removed.code, removed.stderr).to.equal(0);
    expect(await registry.hasDeployment(stored!.id, '7')).to.equal(false);
    const unknown = await cli('deployment-remove', stored!.id, '7');
    expect(unknown.code).to.equal(1);
    expect(unknown.stderr).to.contain(`has no deployment 7`);
  });

  it('rotate-key keeps the old key published during the overlap; retire-key stops publishing it', async function () {
    const stored = await registry.find('https://moodle.example.edu', 'cli-client-1');
    const oldKid = (await registry.signingKey(stored!.id)).kid;
    const rotated = await cli('rotate-key', stored!.id);
    expect(rotated.code, rotated.stderr).to.equal(0);
    const newKid = (await registry.signingKey(stored!.id)).kid;
    expect(newKid).not.to.equal(oldKid);
    expect(rotated.stdout).to.contain(`New signing key ${newKid} is now current`);
    expect(rotated.stdout).to.contain(`npm run platform -- retire-key ${oldKid}`);
    const published = (await registry.publishedKeys()).map((k) => k.kid);
    expect(published).to.include.members([oldKid, newKid]);

    const keys = await cli('keys');
    expect(keys.stdout).to.contain(`${oldKid}  previous key, still published`);
    expect(keys.stdout).to.contain(`${newKid}  current for Example Moodle`);

    const current = await cli('retire-key', newKid);
    expect(current.code).to.equal(1);
    expect(current.stderr).to.contain(`Key ${newKid} is the current key`);

    const retired = await cli('retire-key', oldKid);
    expect(retired.code, retired.stderr).to.equal(0);
    const after = (await registry.publishedKeys()).map((k) => k.kid);
    expect(after).to.include(newKid);
    expect(after).not.to.include(oldKid);
  });

  it('remove deletes the registration; an unknown id exits 1 with how to find ids', async function () {
    const stored = await registry.find('https://moodle.example.edu', 'cli-client-1');
    const removed = await cli('remove', stored!.id);
    expect(removed.code, removed.stderr).to.equal(0);
    expect(await registry.findById(stored!.id)).to.equal(undefined);
    const again = await cli('activate', stored!.id);
    expect(again.code).to.equal(1);
    expect(again.stderr).to.contain(`error: No platform registration with id ${stored!.id}.`);
    expect(again.stderr).to.contain('what to do: Run "npm run platform -- list" to see the ids.');
  });

  it('usage errors and a missing MONGODB_URI exit 1 with a clear message', async function () {
    const unknown = await cli('lst');
    expect(unknown.code).to.equal(1);
    expect(unknown.stderr).to.contain('error: unknown command "lst"');
    const help = await cli('help');
    expect(help.code).to.equal(0);
    expect(help.stdout).to.contain('rotate-key <platformId>');
    const noUri = await runCli(['list'], {
      NODE_ENV: 'test',
      LTI_ENCRYPTION_KEY: TEST_ENCRYPTION_KEY,
    });
    expect(noUri.code).to.equal(1);
    expect(noUri.stderr).to.contain('MONGODB_URI');
  });
});
