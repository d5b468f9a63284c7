// One test per item of the LTI security checklist (LTI-NOTES.md §4) that concerns login, launch,
// the tool session and the tool JWKS. Every refused launch must also leave no session behind.
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { expect } from 'chai';
import express from 'express';
import request from 'supertest';
import {
  CLAIM,
  CookieJar,
  decodeJwtUnverified,
  driveLaunch,
  generateSigningKey,
  MESSAGE_TYPE,
  readForm,
  type ClaimEdits,
  type MintIdTokenOptions,
  type SignJwtOptions,
} from '../../support/platform/index.js';
import { startLtiFixture, type LtiFixture } from '../../support/pathwise.js';
import { createApp, PROJECT_ROOT } from '../../../src/app.js';
import { composeApplication, USER_AGENT } from '../../../src/composition.js';
import { ConfigError } from '../../../src/infra/config.js';
import { configureViews } from '../../../src/infra/views.js';
import type { OutboundHttp, OutboundPurpose } from '../../../src/lti/outbound-http.js';
import { registrationRoutes } from '../../../src/registration/registration.routes.js';
import { ManualClock } from '../../../src/shared/clock.js';
import { silentLogger, testConfig } from '../../support/app.js';
import { startServer } from '../../support/platform/http.js';
import { registrySnapshot } from '../registration/helpers.js';
import { waitFor } from '../../support/wait.js';
// As the browser that launched (session-bound cookies): see test/support/platform/browser.ts.
import { browserFetch as fetch } from '../../support/platform/browser.js';

/** Polls until `condition` holds (background work: the grade outbox worker). */
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

    it('#27 submission review with for_user but without the AGS endpoint → 401; with both it is accepted', async function () {
      const review = {
        [CLAIM.messageType]: 'LtiSubmissionReviewRequest',
        'https://purl.imsglobal.org/spec/lti/claim/for_user': {
          user_id: fx.platform('canvas').state.userByKey('student-05')!.sub,
        },
      };
      expectRefused(
        await launchWith('canvas', {
          user: 'instructor',
          edits: { set: review, omit: [CLAIM.ags] },
        }),
        401,
        'incomplete or invalid launch',
      );
      const accepted = await launchWith('canvas', { user: 'instructor', edits: { set: review } });
      expect(accepted.status, accepted.body.slice(0, 300)).to.equal(303);
      expect(accepted.created).to.equal(1);
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

    it('#30 a tampered session token → 401; each session shows only its own learner and cannot author', async function () {
      const platform = fx.platform('canvas');
      const [a, b] = [
        platform.state.userByKey('student-11')!,
        platform.state.userByKey('student-12')!,
      ];
      const sessionOf = async (user: string) => {
        const launched = await driveLaunch({ initiation: platform.initiateLogin({ user }) });
        expect(launched.final?.status).to.equal(200);
        return new URL(launched.final!.url).searchParams.get('session')!;
      };
      const sessionA = await sessionOf(a.key);
      const sessionB = await sessionOf(b.key);
      const home = (session: string, extra = '') =>
        fetch(`${fx.pathwise.url}/lti/home?session=${encodeURIComponent(session)}${extra}`, {
          headers: { Accept: 'text/html' },
        });

      const last = sessionA.at(-1) === 'A' ? 'B' : 'A';
      const tampered = await home(sessionA.slice(0, -1) + last);
      expect(tampered.status).to.equal(401);
      expect(await tampered.text()).to.contain('session has expired');

      // The session alone decides whose page this is: naming the other learner changes nothing.
      const pageA = await (await home(sessionA, `&user=${encodeURIComponent(b.sub)}`)).text();
      expect(pageA).to.contain(a.givenName).and.not.to.contain(b.givenName);
      const pageB = await (await home(sessionB)).text();
      expect(pageB).to.contain(b.givenName).and.not.to.contain(a.givenName);

      // A learner's resource-link session cannot open the instructor's authoring (deep link).
      const assignments = () =>
        fx.pathwise.database.connection.collection('pw_assignments').countDocuments();
      const before = await assignments();
      const authoring = await fetch(`${fx.pathwise.url}/lti/deep-link`, {
        method: 'POST',
        headers: { 'Content-Type': 'application/x-www-form-urlencoded', Accept: 'text/html' },
        body: new URLSearchParams({ session: sessionA, title: 'Hijack', scoreMaximum: '10' }),
      });
      expect(authoring.status).to.equal(403);
      expect(await authoring.text()).to.contain('only for adding Pathwise to a course');
      expect(await assignments()).to.equal(before);
    });
  });

  describe('services (AGS, NRPS) and registration', function () {
    it('#35 every request Pathwise sends to a platform carries its User-Agent (JWKS, token, AGS, NRPS)', async function () {
      const platform = fx.platform('canvas');
      const { application } = fx.pathwise;
      const launched = await driveLaunch({
        initiation: platform.initiateLogin({ user: 'student-13' }),
      });
      expect(launched.final?.status).to.equal(200);
      const registration = fx.registrationOf('canvas');
      const link = [...platform.state.resourceLinks.values()].find(
        (l) => l.clientId === registration.clientId,
      )!;
      const student = platform.state.userByKey('student-13')!;
      const queued = await application.gradeOutbox.enqueueScore({
        destination: {
          platformId: registration.id,
          contextId: platform.state.course.contextId,
          resourceLinkId: link.id,
        },
        score: {
          userId: student.sub,
          scoreGiven: 7,
          scoreMaximum: 10,
          activityProgress: 'Completed',
          gradingProgress: 'FullyGraded',
        },
      });
      expect(queued.ok).to.equal(true);
      await waitFor(() => platform.state.scoreHistory.some((s) => s.userId === student.sub));
      const synced = await application.rosterSync.syncCourse({
        platformId: registration.id,
        contextId: platform.state.course.contextId,
      });
      expect(synced.ok, JSON.stringify(synced)).to.equal(true);

      const fromPathwise = new Set([
        'jwks',
        'token',
        'lineItems',
        'lineItem',
        'scores',
        'results',
        'memberships',
        'openidConfiguration',
        'registration',
      ]);
      const requests = platform.state.requestLog.filter((e) => fromPathwise.has(e.endpoint));
      // Each kind of outbound call happened at least once, so the check below cannot pass empty.
      expect(new Set(requests.map((e) => e.endpoint))).to.include.keys(
        'jwks',
        'token',
        'scores',
        'memberships',
      );
      for (const entry of requests)
        expect(entry.userAgent, `${entry.method} ${entry.url}`).to.equal(USER_AGENT);
    });

    it('#43 a score for a link not launched in that course creates no line item: dead with a plain reason, no AGS request', async function () {
      // Moodle creates a line item for any link of the tool, so only Pathwise can hold the line.
      const platform = fx.platform('moodle');
      const registration = fx.registrationOf('moodle');
      const { application } = fx.pathwise;
      const launched = await driveLaunch({
        initiation: platform.initiateLogin({ user: 'student-14' }),
      });
      expect(launched.final?.status).to.equal(200);
      const launchedLink = [...platform.state.resourceLinks.values()].find(
        (l) => l.clientId === registration.clientId,
      )!;
      const ags = () =>
        (['lineItems', 'lineItem', 'scores'] as const).map((e) => platform.state.countRequests(e));
      const agsBefore = ags();
      const lineItemsBefore = platform.state.lineItems.size;
      const destinations = [
        // A link id the platform never launched Pathwise with.
        {
          platformId: registration.id,
          contextId: platform.state.course.contextId,
          resourceLinkId: 'never-launched-link',
        },
        // A launched link, claimed for another course.
        {
          platformId: registration.id,
          contextId: 'another-course',
          resourceLinkId: launchedLink.id,
        },
      ];
      const ids: string[] = [];
      for (const destination of destinations) {
        const queued = await application.gradeOutbox.enqueueScore({
          destination,
          score: {
            userId: platform.state.userByKey('student-14')!.sub,
            scoreGiven: 3,
            scoreMaximum: 10,
            activityProgress: 'Completed',
            gradingProgress: 'FullyGraded',
          },
          lineItem: { label: 'Injected column', resourceId: 'x' },
        });
        if (!queued.ok) throw new Error(JSON.stringify(queued.error));
        ids.push(queued.value.id);
      }
      await application.gradeWorker.drain();
      const entries = async () =>
        (
          await Promise.all(
            destinations.map(async (d) => (await application.gradeOutbox.status(d)).entries),
          )
        )
          .flat()
          .filter((e) => ids.includes(e.id));
      await waitFor(async () => (await entries()).every((e) => e.status === 'dead'));
      for (const entry of await entries()) {
        expect(entry.lastError?.code).to.equal('no-grade-service');
        expect(entry.lastError?.message).to.contain('no launch with grade services');
      }
      expect(ags()).to.deep.equal(agsBefore);
      expect(platform.state.lineItems.size).to.equal(lineItemsBefore);
    });

    it('#2 Dynamic Registration: an http issuer, authorization, token or JWKS URL, or an issuer with a query or fragment → refused, nothing stored', async function () {
      const registry = fx.pathwise.application.registry;
      const good = {
        issuer: 'https://lms.example.edu',
        authorization_endpoint: 'https://lms.example.edu/auth',
        token_endpoint: 'https://lms.example.edu/token',
        jwks_uri: 'https://lms.example.edu/jwks',
        registration_endpoint: 'https://lms.example.edu/register',
        token_endpoint_auth_methods_supported: ['private_key_jwt'],
        id_token_signing_alg_values_supported: ['RS256'],
        'https://purl.imsglobal.org/spec/lti-platform-configuration': {
          product_family_code: 'moodle',
        },
      };
      const cases: [string, Record<string, string>][] = [
        ['issuer', { issuer: 'http://lms.example.edu' }],
        ['authorization_endpoint', { authorization_endpoint: 'http://lms.example.edu/auth' }],
        ['token_endpoint', { token_endpoint: 'http://lms.example.edu/token' }],
        ['jwks_uri', { jwks_uri: 'http://lms.example.edu/jwks' }],
        ['issuer', { issuer: 'https://lms.example.edu?tenant=1' }],
        ['issuer', { issuer: 'https://lms.example.edu#main' }],
      ];
      for (const [field, change] of cases) {
        const sent: string[] = [];
        const http: OutboundHttp = {
          send: (r) => {
            sent.push(`${r.method ?? 'GET'} ${r.url}`);
            return Promise.resolve({
              status: 200,
              headers: new Headers({ 'Content-Type': 'application/json' }),
              text: JSON.stringify({ ...good, ...change }),
            });
          },
          counts: () => {
            const counts: Record<OutboundPurpose, number> = {
              jwks: 0,
              token: 0,
              ags: 0,
              nrps: 0,
              registration: sent.length,
              'deep-linking': 0,
              other: 0,
            };
            return counts;
          },
        };
        const app = createApp({
          config: testConfig({ PUBLIC_URL: 'https://pathwise.example.edu' }),
          logger: silentLogger,
          health: { isDatabaseReachable: () => Promise.resolve(true) },
          routers: [
            {
              path: '/lti',
              handler: registrationRoutes({
                registry,
                http,
                publicUrl: 'https://pathwise.example.edu',
                devMode: false,
                logger: silentLogger,
                resolveHost: () => Promise.resolve([{ address: '203.0.114.10', family: 4 }]),
              }),
            },
          ],
        });
        const before = await registrySnapshot(registry);
        const configurationUrl = 'https://lms.example.edu/openid-configuration';
        const res = await request(app)
          .get(
            `/lti/register?openid_configuration=${encodeURIComponent(configurationUrl)}&registration_token=t`,
          )
          .set('Accept', 'application/json');
        const label = `${field} ${JSON.stringify(change)}`;
        expect(res.status, label).to.equal(502);
        expect(res.body.error.code, label).to.equal('DR_CONFIGURATION_INVALID');
        expect(res.body.error.message, label).to.contain(field);
        expect(res.body.error.help, label).to.contain('over https');
        // Only the configuration was read; no registration was sent, nothing was stored.
        expect(sent, label).to.deep.equal([`GET ${configurationUrl}`]);
        expect(await registrySnapshot(registry), label).to.deep.equal(before);
      }
    });
  });

  describe('rendering', function () {
    it('#47 every auto-submit form escapes its action and hidden values', async function () {
      const app = express();
      const viewsDir = path.join(PROJECT_ROOT, 'views');
      configureViews(app, viewsDir);
      const evil = `https://lms.example/return?x='"><script>alert(1)</script>&y=<img src=x>`;
      const forms = readdirSync(path.join(viewsDir, 'lti'))
        .filter((file) => file.endsWith('.hbs'))
        .filter((file) => /<form\b/.test(readFileSync(path.join(viewsDir, 'lti', file), 'utf8')));
      expect(forms, 'the deep-link return page').to.include('autopost.hbs');
      for (const file of forms) {
        const html = await new Promise<string>((resolve, reject) => {
          app.render(
            `lti/${file.replace(/\.hbs$/, '')}`,
            {
              title: evil,
              action: evil,
              message: evil,
              help: evil,
              fields: [{ name: 'JWT', value: evil }],
              idToken: evil,
              state: evil,
              session: evil,
              values: { title: evil, scoreMaximum: evil, dueAt: evil },
              invalid: {},
            },
            (error: Error | null, rendered: string) => {
              if (error) reject(error);
              else resolve(rendered);
            },
          );
        });
        expect(html, file).not.to.contain('<script>alert');
        expect(html, file).not.to.contain('<img src=x>');
        expect(html, file).not.to.contain(`'"><`);
        const form = readForm(html);
        if (form?.action.includes('lms.example') === true) expect(form.action, file).to.equal(evil);
        for (const value of Object.values(form?.fields ?? {}))
          if (value.includes('script')) expect(value, file).to.equal(evil);
      }
      const autopost = readForm(
        await new Promise<string>((resolve, reject) => {
          app.render(
            'lti/autopost',
            { title: 'Returning', action: evil, fields: [{ name: 'JWT', value: evil }] },
            (error: Error | null, rendered: string) => {
              if (error) reject(error);
              else resolve(rendered);
            },
          );
        }),
      );
      expect(autopost).to.deep.equal({ action: evil, method: 'post', fields: { JWT: evil } });
    });
  });
});

describe('LTI security checklist: production behind a TLS proxy (#1, #31, #30 expiry)', function () {
  const publicUrl = 'https://pathwise.example.edu';
  const clock = new ManualClock(Date.now());
  let fx: LtiFixture;
  /** A Moodle tool registration whose URLs are Pathwise's public https URLs. */
  let clientId: string;
  before(async function () {
    fx = await startLtiFixture({
      clock,
      env: { NODE_ENV: 'production', PUBLIC_URL: publicUrl, TRUST_PROXY: '1' },
    });
    const platform = fx.platform('moodle');
    const tool = platform.registerTool({
      name: 'Pathwise (https)',
      loginUrl: `${publicUrl}/lti/login`,
      launchUrl: `${publicUrl}/lti/launch`,
      jwksUrl: `${fx.pathwise.url}/lti/keys`,
    });
    clientId = tool.clientId;
    await fx.pathwise.application.registry.register({
      issuer: platform.issuer,
      clientId,
      name: 'simulated moodle (https tool)',
      authEndpoint: platform.urls.auth,
      tokenEndpoint: platform.urls.token,
      jwksUrl: platform.urls.jwks,
      active: true,
      source: 'static',
      deploymentIds: tool.deploymentIds,
    });
  });
  after(async function () {
    await fx.close();
  });

  const loginStates = () =>
    fx.pathwise.database.connection.collection('pw_lti_login_states').countDocuments();
  const sessions = () =>
    fx.pathwise.database.connection.collection('pw_lti_sessions').countDocuments();

  /**
   * A request to Pathwise as the TLS-terminating proxy (TRUST_PROXY=1) forwards it: the public
   * https URL is sent to the local server with X-Forwarded-Proto telling how the browser came.
   */
  const viaProxy = (
    url: string,
    init: { method?: string; form?: Record<string, string>; cookie?: string } = {},
    proto: 'https' | 'http' = 'https',
  ) =>
    fetch(url.replace(publicUrl, fx.pathwise.url), {
      method: init.method ?? 'GET',
      headers: {
        Accept: 'text/html',
        'X-Forwarded-Proto': proto,
        ...(init.form === undefined ? {} : { 'Content-Type': 'application/x-www-form-urlencoded' }),
        ...(init.cookie === undefined ? {} : { Cookie: init.cookie }),
      },
      ...(init.form === undefined ? {} : { body: new URLSearchParams(init.form) }),
      redirect: 'manual',
    });
  const loginParams = (user: string) => ({
    ...fx.platform('moodle').initiateLogin({ user, clientId }).params,
  });

  /** A full launch through the proxy; every Set-Cookie header Pathwise sent, per step. */
  async function launch(user: string) {
    const setCookies: { step: string; header: string }[] = [];
    const record = (step: string, response: Response) => {
      for (const header of response.headers.getSetCookie()) setCookies.push({ step, header });
    };
    const params = loginParams(user);
    expect(params['target_link_uri']).to.equal(`${publicUrl}/lti/launch`);
    const login = await viaProxy(`${publicUrl}/lti/login`, { method: 'POST', form: params });
    record('login', login);
    expect(login.status, await login.clone().text()).to.equal(302);
    const auth = await fetch(login.headers.get('location')!);
    const form = readForm(await auth.text())!;
    expect(form.action).to.equal(`${publicUrl}/lti/launch`);
    const cookie = setCookies.map((c) => c.header.split(';')[0]).join('; ');
    const posted = await viaProxy(form.action, { method: 'POST', form: form.fields, cookie });
    record('launch', posted);
    expect(posted.status, await posted.clone().text()).to.equal(303);
    // The launch binds the session to this browser with a key cookie: the browser sends it back.
    const binding = posted.headers
      .getSetCookie()
      .map((c) => c.split(';')[0]!)
      .filter((c) => c.startsWith('pw_bind_'))
      .join('; ');
    const home = await viaProxy(new URL(posted.headers.get('location')!, publicUrl).toString(), {
      cookie: binding,
    });
    record('home', home);
    expect(home.status).to.equal(200);
    return {
      login,
      home,
      setCookies,
      binding,
      session: new URL(posted.headers.get('location')!, publicUrl).searchParams.get('session')!,
    };
  }

  it('#1 production refuses to start with a plain-http PUBLIC_URL', function () {
    expect(() => testConfig({ NODE_ENV: 'production', PUBLIC_URL: 'http://pathwise.example.edu' }))
      .to.throw(ConfigError)
      .with.property('message')
      .that.contains('PUBLIC_URL: must use https in production');
  });

  it('#1 over https: HSTS on LTI responses, the https launch URL as redirect_uri; an http target_link_uri → 400, nothing stored', async function () {
    const launched = await launch('student-01');
    const auth = new URL(launched.login.headers.get('location')!);
    expect(auth.searchParams.get('redirect_uri')).to.equal(`${publicUrl}/lti/launch`);
    const keys = await viaProxy(`${publicUrl}/lti/keys`);
    for (const response of [launched.login, launched.home, keys])
      expect(response.headers.get('strict-transport-security')).to.match(/max-age=\d{7,}/);

    const before = await loginStates();
    const plain = await viaProxy(`${publicUrl}/lti/login`, {
      method: 'POST',
      form: {
        ...loginParams('student-01'),
        target_link_uri: 'http://pathwise.example.edu/lti/launch',
      },
    });
    expect(plain.status).to.equal(400);
    expect(plain.headers.get('location')).to.equal(null);
    expect(plain.headers.getSetCookie()).to.deep.equal([]);
    expect(await plain.text()).to.contain('not part of Pathwise');
    expect(await loginStates()).to.equal(before);
  });

  it('#1 a login that reached Pathwise over plain http → refused, nothing stored', async function () {
    const before = await loginStates();
    const plain = await viaProxy(
      `${publicUrl}/lti/login`,
      { method: 'POST', form: loginParams('student-01') },
      'http',
    );
    expect(plain.status).to.be.within(400, 499);
    expect(plain.headers.get('location')).to.equal(null);
    expect(plain.headers.getSetCookie()).to.deep.equal([]);
    expect(await plain.text()).to.contain('https');
    expect(await loginStates()).to.equal(before);
  });

  it('#31 every cookie Pathwise sets in a launch is Secure, HttpOnly, SameSite=None, and short-lived', async function () {
    const { setCookies } = await launch('student-02');
    // The state cookie: set at login, cleared by the launch; the launch also sets the session's
    // browser key (session binding). Nothing else.
    expect(setCookies.map((c) => c.step)).to.deep.equal(['login', 'launch', 'launch']);
    const [stateSet, stateCleared, binding] = setCookies.map((c) => c.header);
    for (const header of setCookies.map((c) => c.header)) {
      const attributes = header
        .split(';')
        .slice(1)
        .map((part) => part.trim().toLowerCase());
      expect(attributes, header).to.include.members(['secure', 'httponly', 'samesite=none']);
    }
    expect(stateSet).to.match(/^pw_lti_state_[0-9a-f]{16}=/);
    expect(stateSet!.toLowerCase()).to.contain('path=/lti');
    expect(Number(/max-age=(\d+)/i.exec(stateSet!)?.[1])).to.be.within(1, 3600);
    expect(stateCleared).to.match(/expires=thu, 01 jan 1970/i);
    expect(binding).to.match(/^pw_bind_[0-9a-f]{16}=[A-Za-z0-9_-]{43};/);
    expect(binding!.toLowerCase()).to.contain('path=/;');
    // Lives no longer than the session (config/defaults.json lti.sessionTtlMinutes = 120).
    expect(Number(/max-age=(\d+)/i.exec(binding!)?.[1])).to.be.within(1, 120 * 60);
  });

  it('#30 an expired session → 401 with what to do; nothing is written', async function () {
    const { session, binding } = await launch('student-03');
    const before = await sessions();
    clock.advance((120 + 1) * 60_000); // config/defaults.json lti.sessionTtlMinutes = 120
    const expired = await viaProxy(`${publicUrl}/lti/home?session=${session}`, {
      cookie: binding,
    });
    expect(expired.status).to.equal(401);
    const page = await expired.text();
    expect(page).to.contain('session has expired');
    expect(page).to.contain('Open Pathwise again from your course');
    expect(await sessions()).to.equal(before);
  });
});
