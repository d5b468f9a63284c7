import { expect } from 'chai';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { openDatabase, type Database } from '../../../src/infra/db.js';
import type { PlatformRegistry } from '../../../src/lti/platforms.js';
import {
  applyStaticPlatforms,
  listStaticPlatformFiles,
  loadStaticPlatforms,
  parseStaticPlatforms,
  StaticPlatformsError,
} from '../../../src/registration/static-platforms.js';
import { PROJECT_ROOT } from '../../../src/app.js';
import { silentLogger } from '../../support/app.js';
import { openTestDatabase, type TestDatabase } from '../../support/database.js';
import { openRegistry, registrySnapshot } from './helpers.js';

const production = { devMode: false };

const canvas = {
  name: 'Example Canvas',
  issuer: 'https://canvas.instructure.com',
  clientId: '10000000000001',
  authEndpoint: 'https://sso.canvaslms.com/api/lti/authorize_redirect',
  tokenEndpoint: 'https://sso.canvaslms.com/login/oauth2/token',
  jwksUrl: 'https://sso.canvaslms.com/api/lti/security/jwks',
  deploymentIds: ['1:abc'],
};
const moodle = {
  name: 'Example Moodle',
  issuer: 'https://moodle.example.edu',
  clientId: 'm1',
  authEndpoint: 'https://moodle.example.edu/mod/lti/auth.php',
  tokenEndpoint: 'https://moodle.example.edu/mod/lti/token.php',
  jwksUrl: 'https://moodle.example.edu/mod/lti/certs.php',
  active: false,
  deploymentIds: ['3'],
};

describe('static platforms: loading config/platforms*.json', function () {
  let dir: string;
  beforeEach(function () {
    dir = mkdtempSync(path.join(tmpdir(), 'pw-platforms-'));
  });
  afterEach(function () {
    rmSync(dir, { recursive: true, force: true });
  });

  it('reads platforms.json and platforms.<name>.json, never the example or other files', function () {
    writeFileSync(path.join(dir, 'platforms.json'), JSON.stringify([canvas]));
    writeFileSync(path.join(dir, 'platforms.moodle.json'), JSON.stringify([moodle]));
    writeFileSync(path.join(dir, 'platforms.example.json'), '[{"broken": true}]');
    writeFileSync(path.join(dir, 'platforms-old.json'), '[{"broken": true}]');
    writeFileSync(path.join(dir, 'defaults.json'), '{}');
    expect(listStaticPlatformFiles(dir).map((f) => path.basename(f))).to.deep.equal([
      'platforms.json',
      'platforms.moodle.json',
    ]);
    const entries = loadStaticPlatforms(dir, production);
    expect(entries.map((e) => e.name)).to.deep.equal(['Example Canvas', 'Example Moodle']);
  });

  it('no files → no entries; a missing directory too', function () {
    expect(loadStaticPlatforms(dir, production)).to.deep.equal([]);
    expect(loadStaticPlatforms(path.join(dir, 'nope'), production)).to.deep.equal([]);
  });

  it('one error names every bad file, entry, field and fix, including duplicates across files', function () {
    writeFileSync(
      path.join(dir, 'platforms.json'),
      JSON.stringify([canvas, { ...moodle, tokenEndpoint: 'http://moodle.example.edu/t' }]),
    );
    writeFileSync(
      path.join(dir, 'platforms.more.json'),
      JSON.stringify([{ ...canvas, name: 'Again' }]),
    );
    let error: unknown;
    try {
      loadStaticPlatforms(dir, production);
    } catch (e) {
      error = e;
    }
    expect(error).to.be.instanceOf(StaticPlatformsError);
    const problems = (error as StaticPlatformsError).problems;
    expect(problems.map((p) => [path.basename(p.file), p.index, p.field])).to.deep.equal([
      ['platforms.json', 1, 'tokenEndpoint'],
      ['platforms.more.json', 0, 'clientId'],
    ]);
    const message = (error as StaticPlatformsError).message;
    expect(message).to.contain('2 problems');
    expect(message).to.contain(
      'platforms.json, entry 1 ("Example Moodle"), field "tokenEndpoint": uses http; LTI 1.3 requires https outside dev mode; fix: use the https:// URL the platform publishes',
    );
    expect(message).to.match(
      /platforms\.more\.json, entry 0 \("Again"\), field "clientId": repeats issuer https:\/\/canvas\.instructure\.com with client id 10000000000001, already registered by .*platforms\.json entry 0; fix: keep one entry per \(issuer, client id\)/,
    );
  });

  it('the shipped config/platforms.example.json is valid in production', function () {
    const file = path.join(PROJECT_ROOT, 'config/platforms.example.json');
    const { entries, problems } = parseStaticPlatforms(
      readFileSync(file, 'utf8'),
      file,
      production,
    );
    expect(problems).to.deep.equal([]);
    expect(entries.length).to.be.greaterThan(0);
  });
});

describe('static platforms: applyStaticPlatforms (MongoDB registry)', function () {
  let testDatabase: TestDatabase;
  let database: Database;
  let registry: PlatformRegistry;
  before(async function () {
    testDatabase = await openTestDatabase();
    database = await openDatabase(testDatabase.uri, silentLogger);
    registry = await openRegistry(database);
  });
  after(async function () {
    await database.close();
    await testDatabase.close();
  });

  const entriesOf = (list: unknown[]) => {
    const { entries, problems } = parseStaticPlatforms(JSON.stringify(list), 'p.json', production);
    expect(problems).to.deep.equal([]);
    return entries;
  };

  it('registers what is missing, then is idempotent: nothing duplicated on the next start', async function () {
    const first = await applyStaticPlatforms(registry, entriesOf([canvas, moodle]));
    expect(first.registered.map((r) => r.name)).to.deep.equal(['Example Canvas', 'Example Moodle']);
    expect(first.deploymentsAdded).to.deep.equal([]);
    const storedCanvas = await registry.find(canvas.issuer, canvas.clientId);
    expect(storedCanvas).to.deep.include({
      source: 'static',
      active: true,
      name: 'Example Canvas',
    });
    const storedMoodle = await registry.find(moodle.issuer, moodle.clientId);
    expect(storedMoodle?.active).to.equal(false);
    expect((await registry.deployments(storedMoodle!.id)).map((d) => d.deploymentId)).to.deep.equal(
      ['3'],
    );

    const snapshot = await registrySnapshot(registry);
    const second = await applyStaticPlatforms(registry, entriesOf([canvas, moodle]));
    expect(second).to.deep.equal({
      registered: [],
      deploymentsAdded: [],
      unchanged: 2,
      differences: [],
    });
    expect(await registrySnapshot(registry)).to.deep.equal(snapshot);
  });

  it('adds only the deployments that are missing', async function () {
    const report = await applyStaticPlatforms(
      registry,
      entriesOf([{ ...canvas, deploymentIds: ['1:abc', '2:def'] }]),
    );
    const stored = await registry.find(canvas.issuer, canvas.clientId);
    expect(report.deploymentsAdded).to.deep.equal([
      { platformId: stored!.id, deploymentId: '2:def' },
    ]);
    expect(
      (await registry.deployments(stored!.id)).map((d) => d.deploymentId).sort(),
    ).to.deep.equal(['1:abc', '2:def']);
  });

  it('reports a stored registration that differs from the file and does not overwrite it', async function () {
    const changed = { ...canvas, jwksUrl: 'https://canvas.instructure.com/api/lti/security/jwks' };
    const report = await applyStaticPlatforms(registry, entriesOf([changed]));
    const stored = await registry.find(canvas.issuer, canvas.clientId);
    expect(report.differences).to.deep.equal([
      { platformId: stored!.id, name: 'Example Canvas', fields: ['jwksUrl'] },
    ]);
    expect(stored?.jwksUrl).to.equal(canvas.jwksUrl);
  });

  it('picks up a registration another instance created meanwhile instead of failing', async function () {
    const racing = { ...moodle, clientId: 'race', deploymentIds: ['9'] };
    const inner = registry;
    let raced = false;
    // A registry whose first find misses although another instance has just registered.
    const racy: PlatformRegistry = {
      ...inner,
      find: async (issuer, clientId) => {
        if (!raced) {
          raced = true;
          await inner.register({ ...racing, source: 'static', deploymentIds: [] });
          return undefined;
        }
        return inner.find(issuer, clientId);
      },
    };
    const report = await applyStaticPlatforms(racy, entriesOf([racing]));
    expect(report.registered).to.deep.equal([]);
    const stored = await registry.find(racing.issuer, 'race');
    expect(report.deploymentsAdded).to.deep.equal([{ platformId: stored!.id, deploymentId: '9' }]);
    expect(
      (await registry.findByIssuer(racing.issuer)).filter((p) => p.clientId === 'race'),
    ).to.have.length(1);
  });
});
