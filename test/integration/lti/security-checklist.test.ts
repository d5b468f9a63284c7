// One test per item of the LTI security checklist (LTI-NOTES.md §4) that concerns login, launch,
// the tool session and the tool JWKS. Every refused launch must also leave no session behind.
import { expect } from 'chai';
import {
  CLAIM,
  CookieJar,
  decodeJwtUnverified,
  driveLaunch,
  generateSigningKey,
  MESSAGE_TYPE,
  type ClaimEdits,
  type MintIdTokenOptions,
  type SignJwtOptions,
} from '../../support/platform/index.js';
import { startLtiFixture, type LtiFixture } from '../../support/pathwise.js';
import { composeApplication } from '../../../src/composition.js';
import { silentLogger, testConfig } from '../../support/app.js';
import { startServer } from '../../support/platform/http.js';

type Profile = 'canvas' | 'moodle';

describe('LTI security checklist: login, launch, session, JWKS', function () {
  let fx: LtiFixture;
  before(async function () {
    fx = await startLtiFixture();
  });
  after(async function () {
    await fx.close();
  });

  const sessionCount = () =>
    fx.pathwise.database.connection.collection('pw_lti_sessions').countDocuments();

  /** A full launch in which the platform's id_token is replaced by one minted with edits. */
  async function launchWith(
    profile: Profile,
    options: {
      edits?: ClaimEdits;
      sign?: Partial<SignJwtOptions>;
      user?: string;
      messageType?: MintIdTokenOptions['messageType'];
      form?: (fields: Record<string, string>) => Record<string, string>;
      keepNonce?: boolean;
    } = {},
  ) {
    const platform = fx.platform(profile);
    const user = options.user ?? 'student-05';
    const before = await sessionCount();
    const result = await driveLaunch({
      initiation: platform.initiateLogin({
        user,
        ...(options.messageType === undefined ? {} : { messageType: options.messageType }),
      }),
      alterIdTokenForm: (fields) => {
        const original = decodeJwtUnverified(fields['id_token'] ?? '');
        const nonce = original?.payload['nonce'];
        let next = fields;
        if (options.edits !== undefined || options.sign !== undefined) {
          const minted = platform.mintIdToken({
            user,
            ...(options.messageType === undefined ? {} : { messageType: options.messageType }),
            ...(typeof nonce === 'string' ? { nonce } : {}),
            ...(options.edits === undefined ? {} : { edits: options.edits }),
            ...(options.sign === undefined ? {} : { sign: options.sign }),
          });
          next = { ...fields, id_token: minted.token };
        }
        return options.form ? options.form(next) : next;
      },
    });
    const created = (await sessionCount()) - before;
    const response = result.launch[0];
    return { result, status: response?.status, body: response?.body ?? '', created };
  }

  function expectRefused(
    outcome: Awaited<ReturnType<typeof launchWith>>,
    status = 401,
    text?: string,
  ) {
    expect(outcome.status, outcome.body.slice(0, 400)).to.equal(status);
    expect(outcome.created, 'no session may be created').to.equal(0);
    if (text !== undefined) expect(outcome.body).to.contain(text);
  }

  describe('OIDC login', function () {
    const login = (params: Record<string, string>) =>
      fetch(`${fx.pathwise.url}/lti/login`, {
        method: 'POST',
        headers: { 'Content-Type': 'application/x-www-form-urlencoded', Accept: 'text/html' },
        body: new URLSearchParams(params),
        redirect: 'manual',
      });
    const good = () => {
      const initiation = fx.platform('moodle').initiateLogin({ user: 'student-01' });
      return { ...initiation.params };
    };

    for (const missing of ['iss', 'login_hint', 'target_link_uri']) {
      it(`#3 login without ${missing} → 400, no redirect`, async function () {
        const params = Object.fromEntries(
          Object.entries(good()).filter(([name]) => name !== missing),
        );
        const response = await login(params);
        expect(response.status).to.equal(400);
        expect(response.headers.get('location')).to.equal(null);
        expect(await response.text()).to.contain('did not send the information');
      });
    }

    it('#4 unknown iss or client_id → 400, no redirect', async function () {
      const a = await login({ ...good(), iss: 'https://unknown.example' });
      expect(a.status).to.equal(400);
      expect(a.headers.get('location')).to.equal(null);
      const b = await login({ ...good(), client_id: 'nobody' });
      expect(b.status).to.equal(400);
      expect(await b.text()).to.contain('not registered');
    });

    it('#5 lti_deployment_id unknown for the registration → refused', async function () {
      const response = await login({ ...good(), lti_deployment_id: 'not-a-deployment' });
      expect(response.status).to.equal(403);
      expect(response.headers.get('location')).to.equal(null);
    });

    it('#6 target_link_uri outside Pathwise → 400', async function () {
      const response = await login({
        ...good(),
        target_link_uri: 'https://evil.example/lti/launch',
      });
      expect(response.status).to.equal(400);
      expect(response.headers.get('location')).to.equal(null);
    });

    it('#7 the auth redirect carries every required parameter and fresh CSPRNG state/nonce', async function () {
      const params = good();
      const first = await login(params);
      const second = await login(params);
      expect(first.status).to.equal(302);
      const a = new URL(first.headers.get('location')!);
      const b = new URL(second.headers.get('location')!);
      expect(a.origin + a.pathname).to.equal(fx.platform('moodle').urls.auth);
      expect(Object.fromEntries(a.searchParams)).to.include({
        scope: 'openid',
        response_type: 'id_token',
        response_mode: 'form_post',
        prompt: 'none',
        client_id: fx.registrationOf('moodle').clientId,
        redirect_uri: `${fx.pathwise.url}/lti/launch`,
        login_hint: params['login_hint'],
        lti_message_hint: params['lti_message_hint'],
      });
      for (const name of ['state', 'nonce']) {
        const value = a.searchParams.get(name)!;
        expect(value).to.match(/^[A-Za-z0-9_-]{43}$/); // 32 random bytes
        expect(value).to.not.equal(b.searchParams.get(name));
      }
      expect(a.searchParams.get('state')).to.not.equal(a.searchParams.get('nonce'));
    });
  });

  describe('launch id_token', function () {
    it('#8 no id_token → 401', async function () {
      expectRefused(
        await launchWith('canvas', { form: ({ id_token: _t, ...rest }) => rest }),
        401,
        'did not send its sign-in token',
      );
    });

    for (const [name, token] of [
      ['two parts', 'abc.def'],
      ['bad base64 header', '###.e30.sig'],
      ['bad JSON header', `${Buffer.from('{nope').toString('base64url')}.e30.sig`],
    ] as const) {
      it(`#9 malformed token (${name}) → 401`, async function () {
        expectRefused(
          await launchWith('canvas', { form: (f) => ({ ...f, id_token: token }) }),
          401,
          'could not be verified',
        );
      });
    }

    it('#10 no kid → 401', async function () {
      expectRefused(await launchWith('moodle', { sign: { omitHeader: ['kid'] } }));
    });

    it('#10 unknown kid → one JWKS refetch, then 401', async function () {
      // Warm the cache, wait out the refetch rate limit is not needed: the first unknown kid may refetch.
      await launchWith('canvas');
      const before = fx.pathwise.application.outbound.counts().jwks;
      expectRefused(await launchWith('canvas', { sign: { header: { kid: 'who-is-this' } } }));
      const refetches = fx.pathwise.application.outbound.counts().jwks - before;
      expect(refetches).to.be.at.most(1);
    });

    it('#11 alg none → 401', async function () {
      expectRefused(await launchWith('canvas', { sign: { signWith: 'none' } }));
    });

    it('#11 HS256 keyed with the public key (algorithm confusion) → 401', async function () {
      expectRefused(await launchWith('canvas', { sign: { signWith: 'HS256' } }));
    });

    it('#12 tampered payload or signature → 401', async function () {
      expectRefused(await launchWith('moodle', { sign: { tamper: 'payload' } }));
      expectRefused(await launchWith('moodle', { sign: { tamper: 'signature' } }));
    });

    it('#12 signed by a key the platform does not publish → 401', async function () {
      const stranger = await generateSigningKey('stranger');
      expectRefused(
        await launchWith('moodle', { sign: { key: stranger, header: { kid: stranger.kid } } }),
      );
    });

    it('#13 iss differs from the registered issuer → 401', async function () {
      expectRefused(
        await launchWith('canvas', { edits: { set: { iss: 'https://canvas.instructure.com/' } } }),
      );
    });

    it('#14 aud without our client_id, or with an untrusted extra audience → 401', async function () {
      expectRefused(await launchWith('canvas', { edits: { set: { aud: 'someone-else' } } }));
      const clientId = fx.registrationOf('canvas').clientId;
      expectRefused(
        await launchWith('canvas', {
          edits: { set: { aud: [clientId, 'intruder'], azp: clientId } },
        }),
      );
    });

    it('#15 several audiences without azp, or azp ≠ client_id → 401', async function () {
      const clientId = fx.registrationOf('moodle').clientId;
      expectRefused(
        await launchWith('moodle', {
          edits: { set: { aud: [clientId, clientId] }, omit: ['azp'] },
        }),
      );
      expectRefused(await launchWith('moodle', { edits: { set: { azp: 'other-client' } } }));
    });

    it('#16 missing exp, or exp in the past beyond the skew → 401', async function () {
      expectRefused(await launchWith('canvas', { edits: { omit: ['exp'] } }));
      const past = Math.floor(Date.now() / 1000) - 3600;
      expectRefused(await launchWith('canvas', { edits: { set: { exp: past } } }));
    });

    it('#17 missing iat, iat in the future, iat too old → 401', async function () {
      const now = Math.floor(Date.now() / 1000);
      expectRefused(await launchWith('moodle', { edits: { omit: ['iat'] } }));
      expectRefused(await launchWith('moodle', { edits: { set: { iat: now + 3600 } } }));
      expectRefused(
        await launchWith('moodle', { edits: { set: { iat: now - 3600, exp: now + 600 } } }),
      );
    });

    it('#18 missing nonce, or a nonce other than the one issued with this state → 401', async function () {
      expectRefused(await launchWith('canvas', { edits: { omit: ['nonce'] } }));
      expectRefused(await launchWith('canvas', { edits: { set: { nonce: 'guessed-nonce' } } }));
    });

    it('#19 missing or unknown state → 401', async function () {
      expectRefused(await launchWith('moodle', { form: ({ state: _s, ...rest }) => rest }));
      expectRefused(
        await launchWith('moodle', { form: (f) => ({ ...f, state: 'made-up-state' }) }),
        401,
        'expired or was already used',
      );
    });

    it('#19 the state cookie does not come back (another browser, blocked cookie) → 401', async function () {
      // A browser that keeps no cookies: the login's state cookie never returns with the launch.
      class ForgetfulJar extends CookieJar {
        override header(): string | undefined {
          return undefined;
        }
      }
      const before = await sessionCount();
      const result = await driveLaunch({
        initiation: fx.platform('canvas').initiateLogin({ user: 'student-02' }),
        jar: new ForgetfulJar(),
      });
      expect(result.launch[0]?.status).to.equal(401);
      expect(result.launch[0]?.body).to.contain('did not keep the cookie');
      expect(await sessionCount()).to.equal(before);
    });

    it('#19 replaying the same form post → 401', async function () {
      const platform = fx.platform('canvas');
      let captured: Record<string, string> = {};
      const result = await driveLaunch({
        initiation: platform.initiateLogin({ user: 'student-04' }),
        alterIdTokenForm: (fields) => {
          captured = fields;
          return fields;
        },
      });
      expect(result.final?.status).to.equal(200);
      const replay = await fetch(`${fx.pathwise.url}/lti/launch`, {
        method: 'POST',
        headers: {
          'Content-Type': 'application/x-www-form-urlencoded',
          Accept: 'text/html',
          Cookie: result.jar.header(`${fx.pathwise.url}/lti/launch`) ?? '',
        },
        body: new URLSearchParams(captured),
        redirect: 'manual',
      });
      expect(replay.status).to.equal(401);
    });
  });

  describe('launch claims', function () {
    it('#20 version missing or not 1.3.0 → 401', async function () {
      expectRefused(await launchWith('canvas', { edits: { omit: [CLAIM.version] } }));
      expectRefused(await launchWith('canvas', { edits: { set: { [CLAIM.version]: '1.1' } } }));
    });

    it('#21 message_type missing or unknown → 401', async function () {
      expectRefused(await launchWith('moodle', { edits: { omit: [CLAIM.messageType] } }));
      expectRefused(
        await launchWith('moodle', { edits: { set: { [CLAIM.messageType]: 'LtiMadeUpRequest' } } }),
      );
    });

    it('#22 resource link without id, without target_link_uri, or target_link_uri ≠ login → 401', async function () {
      expectRefused(await launchWith('canvas', { edits: { omit: [[CLAIM.resourceLink, 'id']] } }));
      expectRefused(await launchWith('canvas', { edits: { omit: [CLAIM.targetLinkUri] } }));
      expectRefused(
        await launchWith('canvas', {
          edits: { set: { [CLAIM.targetLinkUri]: `${fx.pathwise.url}/lti/elsewhere` } },
        }),
      );
    });

    it('#23 deployment_id missing, or not registered for this platform → 401', async function () {
      expectRefused(await launchWith('moodle', { edits: { omit: [CLAIM.deploymentId] } }));
      expectRefused(
        await launchWith('moodle', {
          edits: { set: { [CLAIM.deploymentId]: 'rogue-deployment' } },
        }),
      );
    });

    it('#24 roles missing → 401; empty, short and unknown roles are accepted', async function () {
      expectRefused(await launchWith('canvas', { edits: { omit: [CLAIM.roles] } }));
      for (const roles of [[], ['Instructor'], ['http://example.com/role#Wizard']]) {
        const outcome = await launchWith('canvas', { edits: { set: { [CLAIM.roles]: roles } } });
        expect(outcome.status, outcome.body.slice(0, 300)).to.equal(303);
        expect(outcome.created).to.equal(1);
      }
    });

    it('#25 no sub → an anonymous launch is handled; sub "" → 401', async function () {
      const anonymous = await launchWith('moodle', { edits: { omit: ['sub'] } });
      expect(anonymous.status).to.equal(303);
      expect(anonymous.result.final?.status).to.equal(200);
      expect(anonymous.result.final?.body).to.contain('without telling it who you are');
      expectRefused(await launchWith('moodle', { edits: { set: { sub: '' } } }));
    });

    it('#26 deep linking request without deep_link_return_url → 401', async function () {
      expectRefused(
        await launchWith('canvas', {
          user: 'instructor',
          messageType: MESSAGE_TYPE.deepLinking,
          edits: { omit: [[CLAIM.deepLinkingSettings, 'deep_link_return_url']] },
        }),
      );
    });

    it('#27 submission review without for_user → 401', async function () {
      expectRefused(
        await launchWith('canvas', {
          user: 'instructor',
          edits: { set: { [CLAIM.messageType]: 'LtiSubmissionReviewRequest' } },
        }),
      );
    });

    it('#28 unknown extra claims are ignored', async function () {
      const outcome = await launchWith('moodle', {
        edits: { set: { 'https://example.com/claim/surprise': { nested: [1, 2] } } },
      });
      expect(outcome.status).to.equal(303);
      expect(outcome.created).to.equal(1);
    });

    it('#29 the same id_token posted to another instance is refused (shared state store)', async function () {
      const second = await composeApplication({
        config: testConfig({
          MONGODB_URI: fx.pathwise.testDatabase.uri,
          PUBLIC_URL: fx.pathwise.url,
        }),
        logger: silentLogger,
        database: fx.pathwise.database,
        encryptionKey: 'test-only-encryption-key-0123456789abcdef',
      });
      const other = await startServer(second.app);
      try {
        let captured: Record<string, string> = {};
        const first = await driveLaunch({
          initiation: fx.platform('canvas').initiateLogin({ user: 'student-06' }),
          alterIdTokenForm: (fields) => {
            captured = fields;
            return fields;
          },
        });
        expect(first.final?.status).to.equal(200);
        const replay = await fetch(`${other.url}/lti/launch`, {
          method: 'POST',
          headers: {
            'Content-Type': 'application/x-www-form-urlencoded',
            Accept: 'text/html',
            Cookie: first.jar.header(`${fx.pathwise.url}/lti/launch`) ?? '',
          },
          body: new URLSearchParams(captured),
          redirect: 'manual',
        });
        expect(replay.status).to.equal(401);
      } finally {
        await other.close();
        await second.close();
      }
    });

    it('#47 launch data is rendered HTML-escaped', async function () {
      const outcome = await launchWith('canvas', {
        edits: { set: { given_name: '<img src=x onerror=alert(1)>' } },
      });
      const page = outcome.result.final?.body ?? '';
      expect(page).to.not.contain('<img src=x');
      expect(page).to.contain('&lt;img src');
      expect(outcome.status).to.equal(303);
    });
  });

  describe('tool session and JWKS', function () {
    it('#30 a made-up session token → 401; a valid one shows the page', async function () {
      const good = await driveLaunch({
        initiation: fx.platform('moodle').initiateLogin({ user: 'student-07' }),
      });
      expect(good.final?.status).to.equal(200);
      const forged = await fetch(`${fx.pathwise.url}/lti/home?session=forged-token`, {
        headers: { Accept: 'text/html' },
      });
      expect(forged.status).to.equal(401);
      expect(await forged.text()).to.contain('session has expired');
    });

    it('#32 /lti/keys publishes only public RSA members with kid, alg RS256, use sig', async function () {
      const response = await fetch(`${fx.pathwise.url}/lti/keys`);
      expect(response.status).to.equal(200);
      const body = (await response.json()) as { keys: Record<string, unknown>[] };
      expect(body.keys.length).to.be.at.least(2);
      for (const key of body.keys) {
        expect(Object.keys(key).sort()).to.deep.equal(['alg', 'e', 'kid', 'kty', 'n', 'use']);
        expect(key).to.include({ kty: 'RSA', alg: 'RS256', use: 'sig' });
      }
    });
  });
});
