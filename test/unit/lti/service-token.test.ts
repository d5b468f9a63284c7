import { expect } from 'chai';
import { createLocalJWKSet, decodeProtectedHeader, jwtVerify } from 'jose';
import { createOutboundHttp } from '../../../src/lti/outbound-http.js';
import { createServiceTokenClient } from '../../../src/lti/service-token.js';
import { SCOPE } from '../../../src/lti/vocabulary.js';
import { ManualClock } from '../../../src/shared/clock.js';
import { MemoryPlatformRegistry } from '../../support/lti/memory-registry.js';

const urlOf = (input: string | URL | Request): string =>
  typeof input === 'string' ? input : input instanceof URL ? input.toString() : input.url;

const TOKEN_URL = 'https://platform.test/login/oauth2/token';

interface Sent {
  readonly url: string;
  readonly form: URLSearchParams;
  readonly userAgent: string | null;
}

/** A token endpoint answering from a script; records what it was sent. */
function fakeTokenEndpoint(answers: (n: number) => Response) {
  const sent: Sent[] = [];
  const fetchImpl: typeof fetch = (input, init) => {
    sent.push({
      url: urlOf(input),
      form: new URLSearchParams(typeof init?.body === 'string' ? init.body : ''),
      userAgent: new Headers(init?.headers).get('user-agent'),
    });
    return Promise.resolve(answers(sent.length));
  };
  return { sent, fetchImpl };
}

const tokenJson = (token: string, expiresIn = 3600) =>
  new Response(
    JSON.stringify({ access_token: token, token_type: 'Bearer', expires_in: expiresIn }),
    {
      headers: { 'Content-Type': 'application/json' },
    },
  );

describe('service tokens (client_credentials + private_key_jwt)', function () {
  const clock = new ManualClock(Date.UTC(2026, 2, 1, 12));
  let registry: MemoryPlatformRegistry;
  let platformId: string;

  beforeEach(async function () {
    registry = new MemoryPlatformRegistry();
    platformId = (
      await registry.register({
        issuer: 'https://canvas.instructure.com',
        clientId: '10000000000042',
        name: 'Canvas',
        authEndpoint: 'https://sso.canvaslms.com/api/lti/authorize_redirect',
        tokenEndpoint: TOKEN_URL,
        authorizationServer: 'https://canvas.instructure.com',
        jwksUrl: 'https://sso.canvaslms.com/api/lti/security/jwks',
        active: true,
        source: 'static',
      })
    ).id;
  });

  const granted = [SCOPE.score, SCOPE.lineItem];

  it('signs the assertion with our kid; aud is the authorization server when the platform names one', async function () {
    const endpoint = fakeTokenEndpoint(() => tokenJson('t1'));
    const tokens = createServiceTokenClient({
      registry,
      http: createOutboundHttp({ userAgent: 'Pathwise-unit', fetchImpl: endpoint.fetchImpl }),
      clock,
    });
    const result = await tokens.getToken({ platformId, scopes: granted, grantedScopes: granted });
    expect(result.ok).to.equal(true);
    const [sent] = endpoint.sent;
    expect(sent?.url).to.equal(TOKEN_URL);
    expect(sent?.userAgent).to.equal('Pathwise-unit');
    expect(sent?.form.get('scope')).to.equal([...granted].sort().join(' '));
    const assertion = sent!.form.get('client_assertion')!;
    const { kid } = await registry.signingKey(platformId);
    expect(decodeProtectedHeader(assertion)).to.include({ alg: 'RS256', kid });
    const { payload } = await jwtVerify(
      assertion,
      createLocalJWKSet({ keys: [...(await registry.publishedKeys())] }),
      { currentDate: clock.now() },
    );
    expect(payload).to.include({
      iss: '10000000000042',
      sub: '10000000000042',
      aud: 'https://canvas.instructure.com',
    });
    expect(payload.exp! - payload.iat!).to.be.at.most(300);
  });

  it('refuses scopes the launch did not grant, without a request', async function () {
    const endpoint = fakeTokenEndpoint(() => tokenJson('t1'));
    const tokens = createServiceTokenClient({
      registry,
      http: createOutboundHttp({ userAgent: 'ua', fetchImpl: endpoint.fetchImpl }),
      clock,
    });
    const result = await tokens.getToken({
      platformId,
      scopes: [SCOPE.score, SCOPE.nrps],
      grantedScopes: [SCOPE.score],
    });
    expect(result.ok).to.equal(false);
    if (!result.ok) {
      expect(result.error.kind).to.equal('not-permitted');
      expect(result.error.message).to.contain(SCOPE.nrps);
    }
    expect(endpoint.sent).to.have.length(0);
  });

  it('caches per (platform, sorted scopes), shares concurrent fetches, refetches before expiry', async function () {
    const endpoint = fakeTokenEndpoint((n) => tokenJson(`t${n}`, 600));
    const tokens = createServiceTokenClient({
      registry,
      http: createOutboundHttp({ userAgent: 'ua', fetchImpl: endpoint.fetchImpl }),
      clock,
      expiryMarginMs: 60_000,
    });
    const ask = (scopes: string[]) =>
      tokens.getToken({ platformId, scopes, grantedScopes: granted });
    const results = await Promise.all([ask(granted), ask([...granted].reverse()), ask(granted)]);
    expect(results.map((r) => r.ok && r.value.accessToken)).to.deep.equal(['t1', 't1', 't1']);
    expect(endpoint.sent).to.have.length(1);
    expect(tokens.fetchCount()).to.equal(1);
    const other = await ask([SCOPE.score]);
    expect(other.ok && other.value.accessToken).to.equal('t2');
    clock.advance(539_000);
    const cached = await ask(granted);
    expect(cached.ok && cached.value.accessToken).to.equal('t1');
    expect(endpoint.sent).to.have.length(2);
    clock.advance(1_000); // 600 s lifetime − 60 s margin reached
    const renewed = await ask(granted);
    expect(renewed.ok && renewed.value.accessToken).to.equal('t3');
  });

  it('invalidate drops only the token that failed', async function () {
    const endpoint = fakeTokenEndpoint((n) => tokenJson(`t${n}`));
    const tokens = createServiceTokenClient({
      registry,
      http: createOutboundHttp({ userAgent: 'ua', fetchImpl: endpoint.fetchImpl }),
      clock,
    });
    const ask = () => tokens.getToken({ platformId, scopes: granted, grantedScopes: granted });
    await ask();
    tokens.invalidate(platformId, granted, 'some-older-token');
    const kept = await ask();
    expect(kept.ok && kept.value.accessToken).to.equal('t1');
    expect(endpoint.sent).to.have.length(1);
    tokens.invalidate(platformId, [...granted].reverse(), 't1');
    const next = await ask();
    expect(next.ok && next.value.accessToken).to.equal('t2');
  });

  it('classifies token endpoint failures: 4xx refused, 5xx/429 retryable, junk invalid', async function () {
    const cases: [Response, string][] = [
      [new Response(JSON.stringify({ error: 'invalid_client' }), { status: 401 }), 'token-refused'],
      [new Response('busy', { status: 503 }), 'unavailable'],
      [new Response('', { status: 429, headers: { 'Retry-After': '7' } }), 'rate-limited'],
      [new Response('<html>proxy</html>', { status: 200 }), 'invalid-response'],
    ];
    for (const [response, kind] of cases) {
      const tokens = createServiceTokenClient({
        registry,
        http: createOutboundHttp({ userAgent: 'ua', fetchImpl: () => Promise.resolve(response) }),
        clock,
      });
      const result = await tokens.getToken({ platformId, scopes: granted, grantedScopes: granted });
      expect(result.ok).to.equal(false);
      if (!result.ok) expect(result.error.kind).to.equal(kind);
      if (!result.ok && result.error.kind === 'rate-limited')
        expect(result.error.retryAfterMs).to.equal(7000);
    }
  });

  it('an inactive or unknown platform gets no token', async function () {
    const endpoint = fakeTokenEndpoint(() => tokenJson('t1'));
    const tokens = createServiceTokenClient({
      registry,
      http: createOutboundHttp({ userAgent: 'ua', fetchImpl: endpoint.fetchImpl }),
      clock,
    });
    await registry.setActive(platformId, false);
    const inactive = await tokens.getToken({ platformId, scopes: granted, grantedScopes: granted });
    expect(inactive.ok).to.equal(false);
    const unknown = await tokens.getToken({
      platformId: 'nope',
      scopes: granted,
      grantedScopes: granted,
    });
    expect(unknown.ok).to.equal(false);
    if (!unknown.ok) expect(unknown.error.kind).to.equal('not-permitted');
    expect(endpoint.sent).to.have.length(0);
  });
});
