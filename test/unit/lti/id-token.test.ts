import { expect } from 'chai';
import { SignJWT, generateKeyPair, exportJWK, type JWK } from 'jose';
import {
  verifyIdToken,
  type IdTokenExpectations,
  type TokenCheck,
} from '../../../src/lti/id-token.js';
import { JwksCache } from '../../../src/lti/jwks-cache.js';
import { ManualClock } from '../../../src/shared/clock.js';

const ISSUER = 'https://canvas.instructure.com';
const CLIENT = '10000000000042';
const JWKS_URL = 'https://sso.example.test/jwks';
const NOW = new Date('2026-03-01T10:00:00Z');
const nowSeconds = Math.floor(NOW.getTime() / 1000);

type PrivateKey = Awaited<ReturnType<typeof generateKeyPair>>['privateKey'];

describe('verifyIdToken', () => {
  let privateKey: PrivateKey;
  let otherKey: PrivateKey;
  let jwks: JWK[];
  let fetches: number;
  let cache: JwksCache;
  const clock = new ManualClock(NOW);

  before(async () => {
    const pair = await generateKeyPair('RS256', { extractable: true });
    privateKey = pair.privateKey;
    otherKey = (await generateKeyPair('RS256')).privateKey;
    jwks = [{ ...(await exportJWK(pair.publicKey)), kid: 'k1', alg: 'RS256', use: 'sig' }];
  });
  beforeEach(() => {
    fetches = 0;
    cache = new JwksCache({
      clock,
      fetchKeys: () => {
        fetches += 1;
        return Promise.resolve(jwks);
      },
    });
  });

  const expectations: IdTokenExpectations = {
    issuer: ISSUER,
    clientId: CLIENT,
    jwksUrl: JWKS_URL,
    nonce: 'nonce-issued-at-login',
    now: NOW,
    clockSkewSeconds: 30,
    maxAgeSeconds: 60,
  };

  function sign(
    claims: Record<string, unknown>,
    options: { kid?: string | null; key?: PrivateKey } = {},
  ): Promise<string> {
    const payload: Record<string, unknown> = {
      iss: ISSUER,
      aud: CLIENT,
      sub: 'u1',
      iat: nowSeconds - 5,
      exp: nowSeconds + 300,
      nonce: 'nonce-issued-at-login',
      ...claims,
    };
    const defined = Object.fromEntries(Object.entries(payload).filter(([, v]) => v !== undefined));
    const header =
      options.kid === null ? { alg: 'RS256' } : { alg: 'RS256', kid: options.kid ?? 'k1' };
    return new SignJWT(defined).setProtectedHeader(header).sign(options.key ?? privateKey);
  }

  async function failed(token: string): Promise<TokenCheck[]> {
    const result = await verifyIdToken(token, expectations, (url, kid) => cache.keyFor(url, kid));
    expect(result.ok, 'token should be refused').to.equal(false);
    return result.checks.filter((c) => !c.passed).map((c) => c.check);
  }

  it('accepts a well-formed token and reports every check it ran', async () => {
    const result = await verifyIdToken(await sign({}), expectations, (url, kid) =>
      cache.keyFor(url, kid),
    );
    expect(result.ok).to.equal(true);
    expect(result.checks.map((c) => c.check)).to.deep.equal([
      'format',
      'algorithm',
      'kid',
      'signature',
      'iss',
      'aud',
      'azp',
      'exp',
      'iat',
      'nonce',
    ]);
  });

  it('refuses garbage, two-part and bad-JSON tokens as format errors', async () => {
    expect(await failed('not-a-jwt')).to.deep.equal(['format']);
    expect(await failed('a.b')).to.deep.equal(['format']);
    expect(await failed(`${Buffer.from('{bad').toString('base64url')}.e30.sig`)).to.deep.equal([
      'format',
    ]);
  });

  it('refuses alg none and HS256', async () => {
    const none = `${Buffer.from(JSON.stringify({ alg: 'none', kid: 'k1' })).toString('base64url')}.${Buffer.from(JSON.stringify({ iss: ISSUER })).toString('base64url')}.`;
    expect(await failed(none)).to.deep.equal(['algorithm']);
    const hs = await new SignJWT({ iss: ISSUER })
      .setProtectedHeader({ alg: 'HS256', kid: 'k1' })
      .sign(new TextEncoder().encode('x'.repeat(32)));
    expect(await failed(hs)).to.deep.equal(['algorithm']);
  });

  it('refuses a token without kid', async () => {
    expect(await failed(await sign({}, { kid: null }))).to.deep.equal(['kid']);
  });

  it('an unknown kid triggers one key-set refetch, then fails', async () => {
    await verifyIdToken(await sign({}), expectations, (url, kid) => cache.keyFor(url, kid));
    expect(fetches).to.equal(1);
    clock.advance(31_000);
    expect(await failed(await sign({}, { kid: 'rotated' }))).to.deep.equal(['kid']);
    expect(fetches).to.equal(2);
    clock.advance(1_000);
    expect(await failed(await sign({}, { kid: 'rotated-again' }))).to.deep.equal(['kid']);
    expect(fetches, 'no refetch storm within the minimum interval').to.equal(2);
  });

  it('refuses a token signed by another key and a tampered payload', async () => {
    expect(await failed(await sign({}, { key: otherKey }))).to.deep.equal(['signature']);
    const [h, , s] = (await sign({})).split('.');
    const forged = Buffer.from(JSON.stringify({ iss: ISSUER, aud: CLIENT, sub: 'admin' })).toString(
      'base64url',
    );
    expect(await failed(`${h}.${forged}.${s}`)).to.deep.equal(['signature']);
  });

  it('refuses a wrong issuer', async () => {
    expect(await failed(await sign({ iss: 'https://canvas.instructure.com/' }))).to.deep.equal([
      'iss',
    ]);
  });

  it('refuses aud without our client id, and an untrusted extra audience', async () => {
    expect(await failed(await sign({ aud: 'someone-else' }))).to.deep.equal(['aud']);
    expect(await failed(await sign({ aud: [CLIENT, 'evil-tool'], azp: CLIENT }))).to.deep.equal([
      'aud',
    ]);
  });

  it('refuses several audiences without azp and a foreign azp', async () => {
    expect(await failed(await sign({ aud: [CLIENT, CLIENT] }))).to.deep.equal(['azp']);
    expect(await failed(await sign({ azp: 'other' }))).to.deep.equal(['azp']);
  });

  it('refuses missing and expired exp, allowing the configured skew', async () => {
    expect(await failed(await sign({ exp: undefined }))).to.deep.equal(['exp']);
    expect(await failed(await sign({ exp: nowSeconds - 31 }))).to.deep.equal(['exp']);
    const withinSkew = await verifyIdToken(
      await sign({ exp: nowSeconds - 29 }),
      expectations,
      (u, k) => cache.keyFor(u, k),
    );
    expect(withinSkew.ok).to.equal(true);
  });

  it('refuses missing iat, iat in the future and a token that is too old', async () => {
    expect(await failed(await sign({ iat: undefined }))).to.deep.equal(['iat']);
    expect(await failed(await sign({ iat: nowSeconds + 3600 }))).to.deep.equal(['iat']);
    expect(await failed(await sign({ iat: nowSeconds - 600 }))).to.deep.equal(['iat']);
  });

  it('refuses a missing nonce and a nonce other than the one issued with the state', async () => {
    expect(await failed(await sign({ nonce: undefined }))).to.deep.equal(['nonce']);
    expect(await failed(await sign({ nonce: 'nonce-from-another-login' }))).to.deep.equal([
      'nonce',
    ]);
  });

  it('lists every failed claim check at once', async () => {
    const checks = await failed(await sign({ iss: 'x', exp: undefined, nonce: undefined }));
    expect(checks).to.deep.equal(['iss', 'exp', 'nonce']);
  });
});
