/**
 * A minimal fake LTI *tool* for testing the simulator (and for tool tests that need a second
 * party): its own RS256 key and JWKS on 127.0.0.1:0, an OIDC login route that redirects to the
 * platform's authorization endpoint with fresh state/nonce, a launch route that records the posted
 * id_token, client assertions and deep-linking responses with optional breakage, and a Dynamic
 * Registration route.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import express from 'express';
import {
  CLAIM,
  CLIENT_ASSERTION_TYPE,
  LTI_VERSION,
  MESSAGE_TYPE,
  editClaims,
  generateSigningKey,
  jwksDocument,
  signJwt,
  type ClaimEdits,
  type JwtClaims,
  type SignJwtOptions,
  type SigningKey,
  type SimulatedPlatform,
} from '../../../src/dev/lms-simulator/index.js';
import { startServer, type RunningServer } from './http.js';

export interface CapturedLaunch {
  readonly idToken: string;
  readonly state: string;
  /** The nonce the tool issued with this state (undefined: unknown state). */
  readonly expectedNonce: string | undefined;
  /** Whether the browser sent back the state cookie set at login (proves the cookie jar). */
  readonly stateCookieReturned: boolean;
}

export interface RegistrationOutcome {
  readonly configStatus: number;
  readonly registrationStatus: number;
  readonly registrationBody: unknown;
}

export class FakeTool {
  readonly key: SigningKey;
  readonly #server: RunningServer;
  /** iss → the platform's authorization endpoint. */
  readonly #platforms = new Map<string, string>();
  readonly #pending = new Map<string, { nonce: string; redirectUri: string }>();
  readonly launches: CapturedLaunch[] = [];
  readonly logins: Record<string, string>[] = [];
  readonly registrations: RegistrationOutcome[] = [];
  /** Extra parameters (or overrides, '' deletes) for the authorization redirect. */
  authOverrides: Record<string, string> = {};
  /** Whether the DR config GET carries the registration token (ltijs 5.9.9 does not). */
  sendTokenOnConfigGet = true;
  /** Delay of the JWKS endpoint (ms). */
  jwksDelayMs = 0;
  jwksRequests = 0;

  private constructor(key: SigningKey, server: RunningServer) {
    this.key = key;
    this.#server = server;
  }

  static async start(): Promise<FakeTool> {
    const key = await generateSigningKey('fake-tool-key');
    const app = express();
    app.use(express.urlencoded({ extended: false }));
    const router = express.Router();
    app.use(router);
    const server = await startServer(app);
    const tool = new FakeTool(key, server);
    tool.#mount(router);
    return tool;
  }

  get url(): string {
    return this.#server.url;
  }
  get jwksUrl(): string {
    return `${this.url}/jwks`;
  }
  get loginUrl(): string {
    return `${this.url}/login`;
  }
  get launchUrl(): string {
    return `${this.url}/launch`;
  }
  get deepLinkUrl(): string {
    return `${this.url}/deep-link`;
  }
  get registrationUrl(): string {
    return `${this.url}/register`;
  }

  /** The tool options to register this fake tool on a simulated platform. */
  toolOptions(): {
    loginUrl: string;
    launchUrl: string;
    deepLinkUrl: string;
    jwksUrl: string;
    registrationUrl: string;
  } {
    return {
      loginUrl: this.loginUrl,
      launchUrl: this.launchUrl,
      deepLinkUrl: this.deepLinkUrl,
      jwksUrl: this.jwksUrl,
      registrationUrl: this.registrationUrl,
    };
  }

  trust(platform: SimulatedPlatform): void {
    this.#platforms.set(platform.issuer, platform.urls.auth);
  }

  #mount(router: express.Router): void {
    router.get('/jwks', (_req, res) => {
      this.jwksRequests += 1;
      const send = (): void => {
        res.json(jwksDocument([this.key]));
      };
      if (this.jwksDelayMs > 0) setTimeout(send, this.jwksDelayMs);
      else send();
    });
    const login = (req: express.Request, res: express.Response): void => {
      const source: unknown = req.method === 'POST' ? req.body : req.query;
      const p: Record<string, string> = {};
      if (typeof source === 'object' && source !== null) {
        for (const [k, v] of Object.entries(source)) if (typeof v === 'string') p[k] = v;
      }
      this.logins.push(p);
      const auth = this.#platforms.get(p['iss'] ?? '');
      if (auth === undefined) {
        res.status(400).send('unknown platform');
        return;
      }
      const state = randomBytes(16).toString('hex');
      const nonce = randomBytes(16).toString('hex');
      const redirectUri = p['target_link_uri'] ?? this.launchUrl;
      this.#pending.set(state, { nonce, redirectUri });
      res.cookie(`lti-state-${state}`, '1', { httpOnly: true, sameSite: 'lax', path: '/' });
      const url = new URL(auth);
      const query: Record<string, string> = {
        scope: 'openid',
        response_type: 'id_token',
        response_mode: 'form_post',
        prompt: 'none',
        client_id: p['client_id'] ?? '',
        redirect_uri: redirectUri,
        login_hint: p['login_hint'] ?? '',
        lti_message_hint: p['lti_message_hint'] ?? '',
        state,
        nonce,
        ...this.authOverrides,
      };
      for (const [k, v] of Object.entries(query)) if (v !== '') url.searchParams.set(k, v);
      res.redirect(302, url.toString());
    };
    router.get('/login', login);
    router.post('/login', login);
    const launch = (req: express.Request, res: express.Response): void => {
      const body = req.body as Record<string, unknown>;
      const state = typeof body['state'] === 'string' ? body['state'] : '';
      const idToken = typeof body['id_token'] === 'string' ? body['id_token'] : '';
      const cookies = req.get('cookie') ?? '';
      this.launches.push({
        idToken,
        state,
        expectedNonce: this.#pending.get(state)?.nonce,
        stateCookieReturned: cookies.split(/;\s*/).includes(`lti-state-${state}=1`),
      });
      this.#pending.delete(state);
      res.type('html').send('<p>launched</p>');
    };
    router.post('/launch', launch);
    router.post('/deep-link', launch);
    router.get('/register', (req, res, next) => {
      const config =
        typeof req.query['openid_configuration'] === 'string'
          ? req.query['openid_configuration']
          : '';
      const token =
        typeof req.query['registration_token'] === 'string' ? req.query['registration_token'] : '';
      this.register(config, token).then((outcome) => {
        res.status(outcome.registrationStatus === 200 ? 200 : 502).json(outcome);
      }, next);
    });
  }

  /** The registration request body this tool sends (DR §3.4). */
  registrationRequest(extra: Record<string, unknown> = {}): Record<string, unknown> {
    return {
      application_type: 'web',
      response_types: ['id_token'],
      grant_types: ['implicit', 'client_credentials'],
      initiate_login_uri: this.loginUrl,
      redirect_uris: [this.launchUrl, this.deepLinkUrl],
      client_name: 'Fake tool',
      jwks_uri: this.jwksUrl,
      token_endpoint_auth_method: 'private_key_jwt',
      scope: [
        'https://purl.imsglobal.org/spec/lti-ags/scope/lineitem',
        'https://purl.imsglobal.org/spec/lti-ags/scope/score',
        'https://purl.imsglobal.org/spec/lti-ags/scope/result.readonly',
        'https://purl.imsglobal.org/spec/lti-nrps/scope/contextmembership.readonly',
      ].join(' '),
      'https://purl.imsglobal.org/spec/lti-tool-configuration': {
        domain: new URL(this.url).host,
        target_link_uri: this.launchUrl,
        claims: ['iss', 'sub', 'name', 'given_name', 'family_name', 'email'],
        messages: [{ type: MESSAGE_TYPE.deepLinking, target_link_uri: this.deepLinkUrl }],
        'https://canvas.instructure.com/lti/privacy_level': 'public',
      },
      ...extra,
    };
  }

  /** Performs DR against `openidConfigurationUrl` with `token` (Bearer on GET if configured, and on POST). */
  async register(openidConfigurationUrl: string, token: string): Promise<RegistrationOutcome> {
    const headers: Record<string, string> = { 'User-Agent': 'FakeTool/1.0' };
    if (this.sendTokenOnConfigGet) headers['Authorization'] = `Bearer ${token}`;
    const configResponse = await fetch(openidConfigurationUrl, { headers });
    const config: unknown = await configResponse.json();
    const endpoint =
      typeof config === 'object' &&
      config !== null &&
      'registration_endpoint' in config &&
      typeof config.registration_endpoint === 'string'
        ? config.registration_endpoint
        : undefined;
    if (!configResponse.ok || endpoint === undefined) {
      const outcome = {
        configStatus: configResponse.status,
        registrationStatus: 0,
        registrationBody: config,
      };
      this.registrations.push(outcome);
      return outcome;
    }
    const response = await fetch(endpoint, {
      method: 'POST',
      headers: {
        'Content-Type': 'application/json',
        Authorization: `Bearer ${token}`,
        'User-Agent': 'FakeTool/1.0',
      },
      body: JSON.stringify(this.registrationRequest()),
    });
    const outcome = {
      configStatus: configResponse.status,
      registrationStatus: response.status,
      registrationBody: await response.json(),
    };
    this.registrations.push(outcome);
    return outcome;
  }

  /** A client assertion for the platform's token endpoint; `edits`/`sign` break it on purpose. */
  clientAssertion(
    clientId: string,
    audience: string,
    options: { edits?: ClaimEdits; sign?: Partial<SignJwtOptions>; nowSeconds?: number } = {},
  ): string {
    const now = options.nowSeconds ?? Math.floor(Date.now() / 1000);
    const claims: JwtClaims = {
      iss: clientId,
      sub: clientId,
      aud: audience,
      iat: now,
      exp: now + 60,
      jti: randomUUID(),
    };
    return signJwt(editClaims(claims, options.edits), { key: this.key, ...options.sign });
  }

  /** Fetches an access token over HTTP from the platform's token endpoint. */
  async accessToken(
    platform: SimulatedPlatform,
    clientId: string,
    scopes: readonly string[],
    assertion?: string,
  ): Promise<{ status: number; body: Record<string, unknown> }> {
    const response = await fetch(platform.urls.token, {
      method: 'POST',
      headers: {
        'Content-Type': 'application/x-www-form-urlencoded',
        'User-Agent': 'FakeTool/1.0',
      },
      body: new URLSearchParams({
        grant_type: 'client_credentials',
        client_assertion_type: CLIENT_ASSERTION_TYPE,
        client_assertion: assertion ?? this.clientAssertion(clientId, platform.urls.token),
        scope: scopes.join(' '),
      }).toString(),
    });
    return { status: response.status, body: (await response.json()) as Record<string, unknown> };
  }

  /** An LtiDeepLinkingResponse JWT answering a deep-linking request's claims. */
  deepLinkingResponse(
    request: JwtClaims,
    items: readonly Record<string, unknown>[],
    options: { edits?: ClaimEdits; sign?: Partial<SignJwtOptions> } = {},
  ): string {
    const now = Math.floor(Date.now() / 1000);
    const settings = request[CLAIM.deepLinkingSettings] as Record<string, unknown> | undefined;
    const aud = request['aud'];
    const claims: JwtClaims = {
      iss: typeof aud === 'string' ? aud : '',
      aud: request['iss'],
      iat: now,
      exp: now + 300,
      nonce: randomUUID(),
      [CLAIM.messageType]: MESSAGE_TYPE.deepLinkingResponse,
      [CLAIM.version]: LTI_VERSION,
      [CLAIM.deploymentId]: request[CLAIM.deploymentId],
      [CLAIM.deepLinkingContentItems]: items,
      ...(settings?.['data'] === undefined ? {} : { [CLAIM.deepLinkingData]: settings['data'] }),
    };
    return signJwt(editClaims(claims, options.edits), { key: this.key, ...options.sign });
  }

  async close(): Promise<void> {
    await this.#server.close();
  }
}
