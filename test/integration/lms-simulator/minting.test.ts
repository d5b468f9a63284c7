import { expect } from 'chai';
import { createLocalJWKSet, jwtVerify, type JSONWebKeySet } from 'jose';
import {
  CLAIM,
  createTestLaunchClaims,
  decodeJwtUnverified,
  generateSigningKey,
  jwksDocument,
  MESSAGE_TYPE,
  mintTestIdToken,
} from '../../support/platform/index.js';
import { firstRegistration, startFixture, type Fixture } from './helpers.js';

describe('LMS simulator: minting id_tokens for security tests', function () {
  let fx: Fixture;
  before(async function () {
    fx = await startFixture({ platforms: ['canvas'] });
  });
  after(async function () {
    await fx.close();
  });

  async function verify(token: string) {
    const { platform, registration } = firstRegistration(fx, 'canvas');
    const jwks = (await (await fetch(platform.urls.jwks)).json()) as JSONWebKeySet;
    return jwtVerify(token, createLocalJWKSet(jwks), {
      algorithms: ['RS256'],
      issuer: platform.issuer,
      audience: registration.clientId,
      requiredClaims: ['exp', 'iat', 'nonce'],
    });
  }

  it('a default minted launch verifies against the served JWKS', async function () {
    const { platform } = firstRegistration(fx, 'canvas');
    const { token, claims } = platform.mintIdToken({ user: 'student-02', nonce: 'n-1' });
    const { payload } = await verify(token);
    expect(payload).to.deep.equal(claims);
    expect(payload.nonce).to.equal('n-1');
  });

  const broken: [
    string,
    Parameters<Fixture['sim']['simulator']['platforms'][number]['mintIdToken']>[0],
  ][] = [
    ['an unknown kid', { user: 'student-02', sign: { header: { kid: 'unknown-kid' } } }],
    ['alg none', { user: 'student-02', sign: { signWith: 'none' } }],
    ['HS256 keyed with the public key', { user: 'student-02', sign: { signWith: 'HS256' } }],
    ['a tampered payload', { user: 'student-02', sign: { tamper: 'payload' } }],
    ['a tampered signature', { user: 'student-02', sign: { tamper: 'signature' } }],
    ['no exp', { user: 'student-02', edits: { omit: ['exp'] } }],
    ['a foreign aud', { user: 'student-02', edits: { set: { aud: ['someone-else'] } } }],
  ];
  for (const [name, options] of broken) {
    it(`a token with ${name} fails verification`, async function () {
      const { platform } = firstRegistration(fx, 'canvas');
      const { token } = platform.mintIdToken(options);
      let failed = false;
      try {
        await verify(token);
      } catch {
        failed = true;
      }
      expect(failed).to.equal(true);
    });
  }

  it('no kid in the header and nested claim deletions are expressible', function () {
    const { platform } = firstRegistration(fx, 'canvas');
    const { token, claims } = platform.mintIdToken({
      user: 'student-02',
      sign: { omitHeader: ['kid'] },
      edits: { omit: [[CLAIM.resourceLink, 'id'], CLAIM.version] },
    });
    const decoded = decodeJwtUnverified(token)!;
    expect(decoded.header).to.not.have.property('kid');
    expect(claims[CLAIM.resourceLink]).to.not.have.property('id');
    expect(claims).to.not.have.property(CLAIM.version);
  });

  it('createTestLaunchClaims fills every argument with a default and accepts edits', async function () {
    const moodle = createTestLaunchClaims({ profile: 'moodle', userKey: 'student-05' });
    expect(moodle['sub']).to.equal('9');
    expect(moodle[CLAIM.context]).to.include({ id: '12' });
    const anonymous = createTestLaunchClaims({ userKey: null });
    expect(anonymous).to.not.have.property('sub');
    const deepLink = createTestLaunchClaims({
      messageType: MESSAGE_TYPE.deepLinking,
      role: 'instructor',
    });
    expect(deepLink[CLAIM.deepLinkingSettings]).to.have.property('deep_link_return_url');
    const key = await generateSigningKey('test-key');
    const { token } = mintTestIdToken(
      key,
      { clientId: 'abc' },
      { edits: { set: { [CLAIM.custom]: { extra: 'x' } } } },
    );
    const { payload } = await jwtVerify(token, createLocalJWKSet(jwksDocument([key])), {
      audience: 'abc',
    });
    expect(payload[CLAIM.custom]).to.include({ extra: 'x', assignment: 'asg-fractions-1' });
  });

  it('rotateKey publishes the new key first and keeps the old one during the overlap', async function () {
    const { platform } = firstRegistration(fx, 'canvas');
    const old = platform.keys[0]!;
    const next = await platform.rotateKey();
    const jwks = (await (await fetch(platform.urls.jwks)).json()) as JSONWebKeySet;
    expect(jwks.keys.map((k) => k.kid)).to.deep.equal([next.kid, old.kid]);
    const { token } = platform.mintIdToken({ user: 'student-01' });
    expect(decodeJwtUnverified(token)!.header['kid']).to.equal(next.kid);
  });
});
