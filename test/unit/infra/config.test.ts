import { expect } from 'chai';
import { ConfigError, loadConfig, type ConfigFileLayers } from '../../../src/infra/config.js';

const defaults: ConfigFileLayers = [
  {
    port: 3000,
    host: '0.0.0.0',
    logLevel: 'info',
    trustProxy: 1,
    shutdownGraceMs: 10000,
    lti: { tokenMaxAgeSeconds: 60, clockSkewSeconds: 30, sessionTtlMinutes: 120 },
    embeddedMongo: { snapshotPath: '.data/x.json', devKeyPath: '.data/key' },
    registration: { autoActivate: false, canvasHosts: [] },
  },
];
const goodKey = 'k'.repeat(40);
const production = {
  NODE_ENV: 'production',
  PUBLIC_URL: 'https://pathwise.example.edu/',
  MONGODB_URI: 'mongodb://db.internal:27017/pathwise?replicaSet=rs0',
  LTI_ENCRYPTION_KEY: goodKey,
};

function problemsOf(env: Record<string, string | undefined>, layers = defaults): ConfigError {
  try {
    loadConfig(env, layers);
  } catch (error) {
    if (error instanceof ConfigError) return error;
    throw error;
  }
  throw new Error('expected loadConfig to refuse this configuration');
}

describe('loadConfig', () => {
  it('accepts a complete production environment and normalises the public URL', () => {
    const config = loadConfig(production, defaults);
    expect(config.nodeEnv).to.equal('production');
    expect(config.publicUrl).to.equal('https://pathwise.example.edu');
    expect(config.devMode).to.equal(false);
    expect(config.secureCookies).to.equal(true);
    expect(Object.isFrozen(config)).to.equal(true);
    expect(Object.isFrozen(config.lti)).to.equal(true);
  });

  it('production without MONGODB_URI, key or public URL names every missing variable at once', () => {
    const error = problemsOf({ NODE_ENV: 'production' });
    const variables = error.problems.map((p) => p.variable);
    expect(variables).to.have.members(['MONGODB_URI', 'LTI_ENCRYPTION_KEY', 'PUBLIC_URL']);
    expect(error.message).to.match(/3 configuration problems/);
    expect(error.message).to.include('how to fix');
    for (const p of error.problems) expect(p.purpose.length).to.be.greaterThan(10);
  });

  it('refuses a short encryption key without printing the key', () => {
    const error = problemsOf({ ...production, LTI_ENCRYPTION_KEY: 'short-secret-value' });
    expect(error.problems.map((p) => p.variable)).to.deep.equal(['LTI_ENCRYPTION_KEY']);
    expect(error.message).to.include('18 characters');
    expect(error.message).not.to.include('short-secret-value');
  });

  it('refuses plain http, a query string and a non-URL as PUBLIC_URL in production', () => {
    expect(
      problemsOf({ ...production, PUBLIC_URL: 'http://pathwise.example.edu' }).problems[0]?.problem,
    ).to.match(/https/);
    expect(
      problemsOf({ ...production, PUBLIC_URL: 'https://x.edu/?a=1' }).problems[0]?.problem,
    ).to.match(/query/);
    expect(problemsOf({ ...production, PUBLIC_URL: 'not a url' }).problems[0]?.problem).to.match(
      /not a URL/,
    );
  });

  it('refuses dev mode in production', () => {
    const error = problemsOf({ ...production, PATHWISE_DEV_MODE: 'true' });
    expect(error.problems.map((p) => p.variable)).to.deep.equal(['PATHWISE_DEV_MODE']);
  });

  it('refuses malformed values with the variable named', () => {
    const error = problemsOf({
      ...production,
      PORT: 'eighty',
      LOG_LEVEL: 'loud',
      MONGODB_URI: 'postgres://x',
      NODE_ENV: 'production',
      TRUST_PROXY: '-1',
    });
    expect(error.problems.map((p) => p.variable)).to.have.members([
      'PORT',
      'LOG_LEVEL',
      'MONGODB_URI',
      'TRUST_PROXY',
    ]);
  });

  it('outside dev mode a development start still needs a database and a key', () => {
    const error = problemsOf({ NODE_ENV: 'development' });
    expect(error.problems.map((p) => p.variable)).to.have.members([
      'MONGODB_URI',
      'LTI_ENCRYPTION_KEY',
    ]);
  });

  it('dev mode runs with no secrets: embedded database and a generated key', () => {
    const config = loadConfig(
      { NODE_ENV: 'development', PATHWISE_DEV_MODE: 'true', PORT: '4100' },
      defaults,
    );
    expect(config.devMode).to.equal(true);
    expect(config.mongodbUri).to.equal(undefined);
    expect(config.encryptionKey).to.equal(undefined);
    expect(config.publicUrl).to.equal('http://localhost:4100');
    expect(config.secureCookies).to.equal(false);
  });

  it('later file layers override earlier ones and environment variables override files', () => {
    const config = loadConfig({ ...production, LOG_LEVEL: 'warn' }, [
      ...defaults,
      { port: 8080, lti: { clockSkewSeconds: 5 } },
    ]);
    expect(config.port).to.equal(8080);
    expect(config.lti.clockSkewSeconds).to.equal(5);
    expect(config.lti.tokenMaxAgeSeconds).to.equal(60);
    expect(config.logLevel).to.equal('warn');
  });

  it('reports a broken config file field by its path', () => {
    const error = problemsOf(production, [...defaults, { lti: { tokenMaxAgeSeconds: -3 } }]);
    expect(error.problems[0]?.variable).to.include('lti.tokenMaxAgeSeconds');
  });

  it('PATHWISE_SECURE_COOKIES: on for a loopback http URL (browsers treat it as secure), refused where browsers would drop the cookies or in production', () => {
    const dev = { NODE_ENV: 'development', PATHWISE_DEV_MODE: 'true' };
    expect(
      loadConfig(
        { ...dev, PUBLIC_URL: 'http://localhost:4100', PATHWISE_SECURE_COOKIES: 'true' },
        defaults,
      ).secureCookies,
    ).to.equal(true);
    expect(
      problemsOf({
        ...dev,
        PUBLIC_URL: 'http://pathwise.lan:4100',
        PATHWISE_SECURE_COOKIES: 'true',
      }).problems.map((p) => p.variable),
    ).to.deep.equal(['PATHWISE_SECURE_COOKIES']);
    expect(
      problemsOf({ ...production, PATHWISE_SECURE_COOKIES: 'false' }).problems.map(
        (p) => p.variable,
      ),
    ).to.deep.equal(['PATHWISE_SECURE_COOKIES']);
    expect(problemsOf({ ...dev, PATHWISE_SECURE_COOKIES: 'maybe' }).problems[0]?.variable).to.equal(
      'PATHWISE_SECURE_COOKIES',
    );
  });

  it('PATHWISE_DEV_LMS_URL: the simulator under another host name in dev mode, always at /dev/lms', () => {
    const dev = { NODE_ENV: 'development', PATHWISE_DEV_MODE: 'true', PORT: '4100' };
    expect(loadConfig(dev, defaults).devLmsUrl).to.equal('http://localhost:4100/dev/lms');
    expect(
      loadConfig({ ...dev, PATHWISE_DEV_LMS_URL: 'http://127.0.0.1:4100/dev/lms/' }, defaults)
        .devLmsUrl,
    ).to.equal('http://127.0.0.1:4100/dev/lms');
    for (const bad of ['http://127.0.0.1:4100/lms', 'ftp://127.0.0.1/dev/lms', 'nope']) {
      expect(
        problemsOf({ ...dev, PATHWISE_DEV_LMS_URL: bad }).problems.map((p) => p.variable),
        bad,
      ).to.deep.equal(['PATHWISE_DEV_LMS_URL']);
    }
    expect(
      problemsOf({
        ...production,
        PATHWISE_DEV_LMS_URL: 'https://lms.example/dev/lms',
      }).problems.map((p) => p.variable),
    ).to.deep.equal(['PATHWISE_DEV_LMS_URL']);
  });
});
