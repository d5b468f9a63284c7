// ltijs 5.9.9 round-trip through its own nested mongoose 7: setup, registerPlatform, getPlatform,
// key decryption and the JWKS route. ltijs is a CJS singleton without types, so it is loaded
// through createRequire and narrowed to the handful of calls made here.
import { createRequire } from 'node:module';
import type { Express } from 'express';
import { expect } from 'chai';
import request from 'supertest';
import { openTestDatabase, type TestDatabase } from '../../support/database.js';

interface LtiPlatform {
  platformPublicKey(): Promise<string | false>;
  platformPrivateKey(): Promise<string | false>;
  platformKid(): Promise<string>;
  platformClientId(): Promise<string>;
}

interface LtiProvider {
  setup(key: string, database: { url: string }, options: Record<string, unknown>): LtiProvider;
  deploy(options: { serverless: boolean; silent: boolean }): Promise<boolean>;
  close(options: { silent: boolean }): Promise<boolean>;
  registerPlatform(platform: Record<string, unknown>): Promise<LtiPlatform>;
  getPlatform(url: string, clientId: string): Promise<LtiPlatform | false>;
  app: Express;
}

function loadProvider(): LtiProvider {
  const require = createRequire(import.meta.url);
  const ltijs: unknown = require('ltijs');
  if (typeof ltijs !== 'object' || ltijs === null || !('Provider' in ltijs)) {
    throw new Error('ltijs did not export Provider');
  }
  return ltijs.Provider as LtiProvider;
}

describe('embedded mongo conformance: ltijs 5.9.9 round-trip', function () {
  let database: TestDatabase | undefined;
  let lti: LtiProvider | undefined;

  before(async function () {
    database = await openTestDatabase();
    lti = loadProvider();
    lti.setup(
      'conformance-test-encryption-key',
      { url: database.uri },
      {
        devMode: true,
        cookies: { secure: false, sameSite: 'Lax' },
      },
    );
    await lti.deploy({ serverless: true, silent: true });
  });

  after(async function () {
    await lti?.close({ silent: true });
    await database?.close();
  });

  it('registers a platform, reads it back, decrypts its keys and serves them as JWKS', async function () {
    const provider = lti!;
    const registered = await provider.registerPlatform({
      url: 'https://lms.example.test',
      name: 'Conformance LMS',
      clientId: 'client-1',
      authenticationEndpoint: 'https://lms.example.test/auth',
      accesstokenEndpoint: 'https://lms.example.test/token',
      authConfig: { method: 'JWK_SET', key: 'https://lms.example.test/jwks' },
    });
    const kid = await registered.platformKid();
    const platform = await provider.getPlatform('https://lms.example.test', 'client-1');
    expect(platform).to.not.equal(false);
    const found = platform as LtiPlatform;
    expect(await found.platformClientId()).to.equal('client-1');
    expect(await found.platformKid()).to.equal(kid);
    const publicKey = await found.platformPublicKey();
    const privateKey = await found.platformPrivateKey();
    expect(publicKey)
      .to.be.a('string')
      .and.match(/BEGIN (RSA )?PUBLIC KEY/);
    expect(privateKey)
      .to.be.a('string')
      .and.match(/BEGIN (RSA )?PRIVATE KEY/);

    // Registering the same platform again updates in place rather than duplicating.
    await provider.registerPlatform({
      url: 'https://lms.example.test',
      name: 'Renamed LMS',
      clientId: 'client-1',
      authenticationEndpoint: 'https://lms.example.test/auth',
      accesstokenEndpoint: 'https://lms.example.test/token',
      authConfig: { method: 'JWK_SET', key: 'https://lms.example.test/jwks' },
    });
    const again = (await provider.getPlatform(
      'https://lms.example.test',
      'client-1',
    )) as LtiPlatform;
    expect(await again.platformKid()).to.equal(kid);

    const response = await request(provider.app).get('/keys').expect(200);
    const keys = response.body.keys as { kid: string; kty: string }[];
    expect(keys.map((k) => k.kid)).to.include(kid);
    expect(keys.every((k) => k.kty === 'RSA')).to.equal(true);
  });
});
