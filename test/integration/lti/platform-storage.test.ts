// Launches inside an LMS frame whose browser blocks third-party cookies (checklist 19, 31, 46):
// the login state comes back through the platform's storage (1EdTech Platform Storage) instead of
// the state cookie, or the login page offers Pathwise in a new window. These tests play the
// browser over real HTTP: no cookie jar at all, and the requests the page scripts would make after
// talking to the platform's frame (the scripts themselves run in test/e2e and
// test/unit/lti/platform-storage-scripts.test.ts).
import { expect } from 'chai';
import request from 'supertest';
import { composeApplication } from '../../../src/composition.js';
import { openDatabase } from '../../../src/infra/db.js';
import { silentLogger, testConfig } from '../../support/app.js';
import { openTestDatabase } from '../../support/database.js';
import {
  decodeHtml,
  driveLaunch,
  readForm,
  type HtmlForm,
  type LoginInitiation,
} from '../../support/platform/index.js';
import { startLtiFixture, type LtiFixture } from '../../support/pathwise.js';
// As the browser that launched (session-bound cookies): see test/support/platform/browser.ts.
import { browserFetch as fetch } from '../../support/platform/browser.js';

type Profile = 'canvas' | 'moodle';

/** The data-* attributes of the element with this id. */
function dataOf(html: string, id: string): Record<string, string> {
  const element = new RegExp(`<[a-z]+\\b[^>]*\\bid='${id}'[^>]*>`, 'i').exec(html)?.[0];
  if (element === undefined) throw new Error(`no element #${id} in the page`);
  const out: Record<string, string> = {};
  for (const match of element.matchAll(/\bdata-([a-z-]+)='([^']*)'/g)) {
    const name = (match[1] ?? '').replace(/-([a-z])/g, (_m, c: string) => c.toUpperCase());
    out[name] = decodeHtml(match[2] ?? '');
  }
  return out;
}

function formUrl(form: HtmlForm, base: string): string {
  const url = new URL(form.action, base);
  for (const [name, value] of Object.entries(form.fields)) url.searchParams.set(name, value);
  return url.toString();
}

const SAME_ORIGIN = { 'Sec-Fetch-Site': 'same-origin' };

describe('Platform Storage: launches without the state cookie (real HTTP)', function () {
  let fx: LtiFixture;
  before(async function () {
    fx = await startLtiFixture();
  });
  after(async function () {
    await fx.close();
  });

  const sessionCount = () =>
    fx.pathwise.database.connection.collection('pw_lti_sessions').countDocuments();

  const post = (path: string, form: Record<string, string>, headers: Record<string, string> = {}) =>
    fetch(`${fx.pathwise.url}${path}`, {
      method: 'POST',
      headers: {
        'Content-Type': 'application/x-www-form-urlencoded',
        Accept: 'text/html',
        ...headers,
      },
      body: new URLSearchParams(form),
      redirect: 'manual',
    });

  /**
   * Login → (optionally) the login page's report that the platform stored the state → the
   * platform's authorization endpoint → the id_token form the platform posts to the launch URL.
   * No cookie is ever sent back, as in a frame with third-party cookies blocked.
   */
  async function loginWithoutCookies(
    options: {
      profile?: Profile;
      user?: string;
      stored?: boolean;
      initiation?: LoginInitiation;
    } = {},
  ) {
    const profile = options.profile ?? 'canvas';
    const initiation =
      options.initiation ??
      fx.platform(profile).initiateLogin({ user: options.user ?? 'student-06' });
    const login = await post('/lti/login', { ...initiation.params });
    const loginPage = await login.text();
    let authUrl: string;
    let storage: Record<string, string> | undefined;
    if (login.status === 302) {
      authUrl = login.headers.get('location')!;
    } else {
      expect(login.status, loginPage).to.equal(200);
      storage = dataOf(loginPage, 'pw-login');
      authUrl = formUrl(readForm(loginPage)!, login.url);
      if (options.stored !== false) {
        const confirmed = await post(
          '/lti/login/storage',
          { state: storage['state']! },
          SAME_ORIGIN,
        );
        expect(confirmed.status, await confirmed.text()).to.equal(204);
      }
    }
    const auth = await fetch(authUrl);
    expect(auth.status).to.equal(200);
    const idTokenForm = readForm(await auth.text())!;
    return { login, loginPage, storage, idTokenForm };
  }

  /** POSTs the platform's id_token form to the launch URL without any cookie. */
  async function launchWithoutCookie(idTokenForm: HtmlForm) {
    const response = await post(new URL(idTokenForm.action).pathname, idTokenForm.fields);
    return { response, page: await response.text() };
  }

  it('canvas: the login page stores state and nonce in the platform frame, keeps the cookie, and continues to the auth endpoint', async function () {
    const initiation = fx.platform('canvas').initiateLogin({ user: 'student-01' });
    expect(initiation.params['lti_storage_target']).to.equal('post_message_forwarding');
    const { login, loginPage, storage } = await loginWithoutCookies({ initiation, stored: false });
    const registration = fx.registrationOf('canvas');
    const authOrigin = new URL(registration.authEndpoint).origin;
    expect(storage).to.include({
      target: 'post_message_forwarding',
      origin: authOrigin,
      checkUrl: `${fx.pathwise.url}/lti/login/check`,
      confirmUrl: `${fx.pathwise.url}/lti/login/storage`,
    });
    expect(storage!['stateKey']).to.equal(`state-${storage!['state']!}`);
    expect(storage!['nonceKey']).to.equal(`nonce-${storage!['nonce']!}`);
    const form = readForm(loginPage)!;
    expect(form.method).to.equal('get');
    expect(form.action).to.equal(registration.authEndpoint);
    expect(form.fields).to.include({ state: storage!['state'], nonce: storage!['nonce'] });
    // The cookie is the fallback wherever the browser keeps it.
    expect(login.headers.getSetCookie().join('\n')).to.match(/^pw_lti_state_[0-9a-f]{16}=/m);
    // The page's script is a file; its form may go to the platform; it is never cached.
    expect(loginPage).to.not.match(/<script(?![^>]*\ssrc=)[^>]*>/);
    expect(login.headers.get('content-security-policy')).to.match(
      new RegExp(`form-action [^;]*${authOrigin.replace(/[.]/g, '\\.')}`),
    );
    expect(login.headers.get('cache-control')).to.equal('no-store');
  });

  it('no cookie but the right platform-storage value → the launch completes and lands on Pathwise', async function () {
    const before = await sessionCount();
    const { storage, idTokenForm } = await loginWithoutCookies({ user: 'student-07' });
    expect(idTokenForm.fields['lti_storage_target']).to.equal('post_message_forwarding');
    const launch = await launchWithoutCookie(idTokenForm);
    expect(launch.response.status, launch.page).to.equal(200);
    expect(launch.response.headers.get('referrer-policy')).to.equal('same-origin');
    // The page asks the platform for the state key, then posts the answer to /lti/launch/storage.
    expect(dataOf(launch.page, 'pw-storage-form')).to.include({
      target: 'post_message_forwarding',
      origin: new URL(fx.registrationOf('canvas').authEndpoint).origin,
      stateKey: storage!['stateKey'],
    });
    expect(launch.page).to.not.match(/<script(?![^>]*\ssrc=)[^>]*>/);
    const form = readForm(launch.page)!;
    expect(new URL(form.action).pathname).to.equal('/lti/launch/storage');
    expect(await sessionCount(), 'nothing is written before the answer').to.equal(before);

    const done = await post(
      '/lti/launch/storage',
      { ...form.fields, platform_state: storage!['state']! },
      SAME_ORIGIN,
    );
    expect(done.status, await done.text()).to.equal(303);
    expect(done.headers.get('location')).to.match(/^\/lti\/home\?session=/);
    expect(await sessionCount()).to.equal(before + 1);
    const home = await fetch(new URL(done.headers.get('location')!, fx.pathwise.url));
    expect(home.status).to.equal(200);
  });

  it('an older browser without Sec-Fetch-Site is accepted when its Origin is Pathwise', async function () {
    const { storage, idTokenForm } = await loginWithoutCookies({ user: 'student-08' });
    const form = readForm((await launchWithoutCookie(idTokenForm)).page)!;
    const done = await post(
      '/lti/launch/storage',
      { ...form.fields, platform_state: storage!['state']! },
      { Origin: new URL(fx.pathwise.url).origin },
    );
    expect(done.status, await done.text()).to.equal(303);
  });

  it('a wrong platform-storage value → 401 with a plain message, nothing written, and the state is gone', async function () {
    const before = await sessionCount();
    const { storage, idTokenForm } = await loginWithoutCookies({ user: 'student-09' });
    const form = readForm((await launchWithoutCookie(idTokenForm)).page)!;
    const wrong = await post(
      '/lti/launch/storage',
      { ...form.fields, platform_state: `${storage!['state']!}x` },
      SAME_ORIGIN,
    );
    const page = await wrong.text();
    expect(wrong.status).to.equal(401);
    expect(page).to.contain('does not belong to this launch');
    expect(page).to.contain('PLATFORM_STORAGE_MISMATCH');
    // One-time: the right value afterwards (a replay) finds no login state any more.
    const replay = await post(
      '/lti/launch/storage',
      { ...form.fields, platform_state: storage!['state']! },
      SAME_ORIGIN,
    );
    expect(replay.status).to.equal(401);
    expect(await replay.text()).to.contain('expired or was already used');
    expect(await sessionCount()).to.equal(before);
  });

  it('replaying a completed platform-storage launch → 401, no second session', async function () {
    const { storage, idTokenForm } = await loginWithoutCookies({ user: 'student-10' });
    const form = readForm((await launchWithoutCookie(idTokenForm)).page)!;
    const fields = { ...form.fields, platform_state: storage!['state']! };
    expect((await post('/lti/launch/storage', fields, SAME_ORIGIN)).status).to.equal(303);
    const before = await sessionCount();
    const replay = await post('/lti/launch/storage', fields, SAME_ORIGIN);
    expect(replay.status).to.equal(401);
    const relaunch = await launchWithoutCookie(idTokenForm);
    expect(relaunch.response.status).to.equal(401);
    expect(await sessionCount()).to.equal(before);
  });

  it('the answer posted from another site (forged cross-site form) → 401 and nothing written', async function () {
    const before = await sessionCount();
    const { storage, idTokenForm } = await loginWithoutCookies({ user: 'student-11' });
    const form = readForm((await launchWithoutCookie(idTokenForm)).page)!;
    const fields = { ...form.fields, platform_state: storage!['state']! };
    const forged = await post('/lti/launch/storage', fields, {
      'Sec-Fetch-Site': 'cross-site',
      Origin: 'https://evil.example',
    });
    const page = await forged.text();
    expect(forged.status).to.equal(401);
    expect(page).to.contain('did not come from a Pathwise page');
    // Without Sec-Fetch-Site, a foreign or missing Origin is refused too (on a fresh login).
    const second = await loginWithoutCookies({ user: 'student-12' });
    const secondForm = readForm((await launchWithoutCookie(second.idTokenForm)).page)!;
    const noOrigin = await post('/lti/launch/storage', {
      ...secondForm.fields,
      platform_state: second.storage!['state']!,
    });
    expect(noOrigin.status).to.equal(401);
    expect(await sessionCount()).to.equal(before);
  });

  it('a login that never stored its state in the platform cannot complete through /lti/launch/storage', async function () {
    const before = await sessionCount();
    const { storage, idTokenForm } = await loginWithoutCookies({
      user: 'student-13',
      stored: false,
    });
    const forged = await post(
      '/lti/launch/storage',
      { ...idTokenForm.fields, platform_state: storage!['state']! },
      SAME_ORIGIN,
    );
    expect(forged.status).to.equal(401);
    expect(await forged.text()).to.contain('PLATFORM_STORAGE_MISMATCH');
    expect(await sessionCount()).to.equal(before);
  });

  it('the login page report is refused from another site, for an unknown state, and for a login without storage', async function () {
    const { storage } = await loginWithoutCookies({ user: 'student-14', stored: false });
    const state = storage!['state']!;
    const foreign = await post('/lti/login/storage', { state }, { 'Sec-Fetch-Site': 'cross-site' });
    expect(foreign.status).to.equal(401);
    const unknown = await post('/lti/login/storage', { state: 'made-up' }, SAME_ORIGIN);
    expect(unknown.status).to.equal(401);
    const moodle = fx.platform('moodle').initiateLogin({ user: 'student-14' });
    const login = await post('/lti/login', { ...moodle.params });
    expect(login.status).to.equal(302);
    const moodleState = new URL(login.headers.get('location')!).searchParams.get('state')!;
    const noStorage = await post('/lti/login/storage', { state: moodleState }, SAME_ORIGIN);
    expect(noStorage.status).to.equal(401);
  });

  it('an unsafe lti_storage_target is ignored: plain redirect, cookie only', async function () {
    const initiation = fx.platform('canvas').initiateLogin({ user: 'student-15' });
    for (const target of ['opener', 'top', '<img src=x>', '_top', 'a'.repeat(65)]) {
      const login = await post('/lti/login', { ...initiation.params, lti_storage_target: target });
      expect(login.status, target).to.equal(302);
    }
  });

  describe('neither cookie nor Platform Storage', function () {
    const RELAUNCH_PARAMETERS = [
      'iss',
      'login_hint',
      'target_link_uri',
      'lti_message_hint',
      'client_id',
      'lti_deployment_id',
    ];
    const newWindowForm = (page: string): HtmlForm =>
      readForm(/<form\b[^>]*target='_blank'[\s\S]*?<\/form>/.exec(page)![0])!;

    it('moodle inside a frame: the login page checks the cookie first and offers the same login in a new window, which launches', async function () {
      const before = await sessionCount();
      const initiation = fx.platform('moodle').initiateLogin({ user: 'student-16' });
      // Top-level (a new window, a mobile app): the usual redirect.
      const topLevel = await post(
        '/lti/login',
        { ...initiation.params },
        { 'Sec-Fetch-Dest': 'document' },
      );
      expect(topLevel.status).to.equal(302);
      const framed = await post(
        '/lti/login',
        { ...initiation.params },
        { 'Sec-Fetch-Dest': 'iframe' },
      );
      const page = await framed.text();
      expect(framed.status, page).to.equal(200);
      expect(page).to.not.match(/<script(?![^>]*\ssrc=)[^>]*>/);
      const login = dataOf(page, 'pw-login');
      expect(login['target'], 'no Platform Storage').to.equal('');
      const cookie = framed.headers.getSetCookie().find((c) => c.startsWith('pw_lti_state_'));
      expect(cookie).to.be.a('string');

      // The page asks whether the cookie came back: not without it, yes with it.
      const check = (headers: Record<string, string>) =>
        post('/lti/login/check', { state: login['state']! }, { ...SAME_ORIGIN, ...headers });
      expect(await (await check({})).json()).to.deep.equal({ cookie: false });
      const withCookie = await check({ Cookie: cookie!.split(';')[0]! });
      expect(await withCookie.json()).to.deep.equal({ cookie: true });
      expect(withCookie.headers.get('cache-control')).to.equal('no-store');
      const foreign = await post(
        '/lti/login/check',
        { state: login['state']! },
        { 'Sec-Fetch-Site': 'cross-site' },
      );
      expect(foreign.status).to.equal(401);

      // Without the cookie it shows a new-window form: the same login, minus lti_storage_target.
      expect(page).to.contain('Open Pathwise in a new window');
      const relaunch = newWindowForm(page);
      expect(relaunch.method).to.equal('get');
      expect(relaunch.action).to.equal(`${fx.pathwise.url}/lti/login`);
      expect(relaunch.fields).to.deep.equal(
        Object.fromEntries(
          Object.entries(initiation.params).filter(([name]) => RELAUNCH_PARAMETERS.includes(name)),
        ),
      );
      // Its login redirects to the platform: the page's CSP lets the form go there.
      const authOrigin = new URL(fx.registrationOf('moodle').authEndpoint).origin;
      expect(framed.headers.get('content-security-policy')).to.contain(authOrigin);

      // The new window: a top-level login with a cookie jar, before the platform used the launch.
      const newWindow = {
        url: relaunch.action,
        params: relaunch.fields,
        getUrl: formUrl(relaunch, fx.pathwise.url),
      };
      const opened = await driveLaunch({ initiation: newWindow, loginMethod: 'get' });
      expect(opened.final?.status, opened.final?.body).to.equal(200);
      expect(opened.final?.url).to.match(/\/lti\/home\?session=/);
      expect(await sessionCount()).to.equal(before + 1);

      // Why it has to happen at login: once the platform has used the launch, it refuses it again
      // (Canvas and Moodle accept each lti_message_hint once).
      const again = await driveLaunch({ initiation: newWindow, loginMethod: 'get' });
      expect(again.auth?.status).to.equal(400);
      expect(again.auth?.body).to.contain('already used');
    });

    it('canvas inside a frame: the login page also carries the new-window offer, for when Platform Storage fails too', async function () {
      const initiation = fx.platform('canvas').initiateLogin({ user: 'student-17' });
      const framed = await post(
        '/lti/login',
        { ...initiation.params },
        { 'Sec-Fetch-Dest': 'iframe' },
      );
      const page = await framed.text();
      expect(dataOf(page, 'pw-login')['target']).to.equal('post_message_forwarding');
      const relaunch = newWindowForm(page);
      expect(relaunch.fields).to.not.have.property('lti_storage_target');
      expect(relaunch.fields['lti_message_hint']).to.equal(initiation.params['lti_message_hint']);
    });

    it('a launch that still arrives without cookie or stored state (no scripts, an old browser) → 401 that says so, nothing written', async function () {
      const before = await sessionCount();
      const moodle = await loginWithoutCookies({ profile: 'moodle', user: 'student-18' });
      const first = await launchWithoutCookie(moodle.idTokenForm);
      expect(first.response.status).to.equal(401);
      expect(first.page).to.contain('did not keep the cookie');
      expect(first.page).to.contain('STATE_COOKIE_MISMATCH');
      // Canvas whose frame never answered put_data (a mobile app announcing it): the same.
      const canvas = await loginWithoutCookies({ user: 'student-19', stored: false });
      const second = await launchWithoutCookie(canvas.idTokenForm);
      expect(second.response.status).to.equal(401);
      expect(second.page).to.contain('did not keep the cookie');
      expect(await sessionCount()).to.equal(before);
    });

    it('canvas whose storage came back empty (get_data: no value or no reply in time) → 401, nothing written', async function () {
      const before = await sessionCount();
      const { idTokenForm } = await loginWithoutCookies({ user: 'student-20' });
      const form = readForm((await launchWithoutCookie(idTokenForm)).page)!;
      const empty = await post('/lti/launch/storage', { ...form.fields }, SAME_ORIGIN);
      const page = await empty.text();
      expect(empty.status).to.equal(401);
      expect(page).to.contain('could not give back the sign-in check');
      expect(page).to.contain('PLATFORM_STORAGE_EMPTY');
      expect(await sessionCount()).to.equal(before);
    });
  });

  it('with the cookie present the launch completes at once, even when the platform offers storage', async function () {
    const result = await driveLaunch({
      initiation: fx.platform('canvas').initiateLogin({ user: 'student-21' }),
    });
    expect(result.login.status).to.equal(200);
    expect(result.launch[0]?.status).to.equal(303);
    expect(result.final?.url).to.match(/\/lti\/home\?session=/);
  });
});

describe('State cookie attributes (checklist 31)', function () {
  async function loginCookie(env: Record<string, string>, storageTarget?: string) {
    const testDatabase = await openTestDatabase();
    const config = testConfig({ MONGODB_URI: testDatabase.uri, ...env });
    const database = await openDatabase(testDatabase.uri, silentLogger);
    const application = await composeApplication({
      config,
      logger: silentLogger,
      database,
      encryptionKey: 'test-only-encryption-key-0123456789abcdef',
    });
    try {
      const platform = await application.registry.register({
        issuer: 'https://lms.school.example',
        clientId: 'cookie-client',
        name: 'Cookie LMS',
        authEndpoint: 'https://lms.school.example/auth',
        tokenEndpoint: 'https://lms.school.example/token',
        jwksUrl: 'https://lms.school.example/jwks',
        active: true,
        source: 'static',
        deploymentIds: ['d1'],
      });
      const response = await request(application.app)
        .post('/lti/login')
        .type('form')
        .send({
          iss: platform.issuer,
          client_id: platform.clientId,
          login_hint: 'u1',
          target_link_uri: `${config.publicUrl}/lti/launch`,
          ...(storageTarget === undefined ? {} : { lti_storage_target: storageTarget }),
        });
      const cookies = response.headers['set-cookie'] as unknown as string[] | undefined;
      const cookie = (cookies ?? []).find((c) => c.startsWith('pw_lti_state_'));
      if (cookie === undefined) throw new Error('no state cookie');
      return { status: response.status, cookie };
    } finally {
      await application.close();
      await database.close();
      await testDatabase.close();
    }
  }

  it('https PUBLIC_URL: Secure; HttpOnly; SameSite=None; Path=/lti, on the redirect and on the login page', async function () {
    for (const target of [undefined, 'post_message_forwarding']) {
      const { status, cookie } = await loginCookie(
        { PUBLIC_URL: 'https://pathwise.example' },
        target,
      );
      expect(status).to.equal(target === undefined ? 302 : 200);
      const attributes = cookie.split(';').map((a) => a.trim().toLowerCase());
      expect(attributes).to.include.members(['secure', 'httponly', 'samesite=none', 'path=/lti']);
      expect(attributes.some((a) => a.startsWith('max-age='))).to.equal(true);
    }
  });

  it('http PUBLIC_URL (local development): HttpOnly; SameSite=Lax and not Secure', async function () {
    const { cookie } = await loginCookie({ PUBLIC_URL: 'http://pathwise.internal:3000' });
    const attributes = cookie.split(';').map((a) => a.trim().toLowerCase());
    expect(attributes).to.include.members(['httponly', 'samesite=lax']);
    expect(attributes).to.not.include('secure');
  });

  it('http://localhost with PATHWISE_SECURE_COOKIES=true (browser tests): Secure; SameSite=None', async function () {
    const { cookie } = await loginCookie({
      PUBLIC_URL: 'http://localhost:3999',
      PATHWISE_SECURE_COOKIES: 'true',
    });
    const attributes = cookie.split(';').map((a) => a.trim().toLowerCase());
    expect(attributes).to.include.members(['secure', 'httponly', 'samesite=none']);
  });
});
