/**
 * OIDC third-party login and the launch that follows it (LTI Core §5, Security Framework §5.1).
 * We run these ourselves instead of through ltijs's routes because ltijs accepts tokens without
 * exp/iat, does not bind the nonce to the login, accepts any deployment and fetches the JWKS on
 * every launch (LTI-NOTES §1). Every failure names the checks that failed (for the log) and a
 * plain explanation with what to do (for the person in front of the LMS).
 *
 * The browser that finishes a launch must be the one that started the login (checklist 19). It
 * proves it with the state cookie, or, where third-party cookies are blocked, with the copy of
 * the state it stored in the platform's window (1EdTech Platform Storage, see platform-storage.ts).
 * A login that can do neither is offered again in a new window before it reaches the platform
 * (`relaunchUrl`): Canvas and Moodle accept each lti_message_hint only once, so after the launch
 * it is too late for that.
 */
import { createHash, randomBytes } from 'node:crypto';
import type { Clock } from '../shared/clock.js';
import { err, ok, type Result } from '../shared/result.js';
import { parseLaunchClaims, type ClaimProblem, type LaunchContext } from './claims.js';
import { sameSecret, verifyIdToken, type CheckOutcome, type KeyResolver } from './id-token.js';
import type { LoginState, LoginStateStore, LtiSession, LtiSessionStore } from './launch-stores.js';
import {
  nonceStorageKey,
  stateStorageKey,
  storageOrigin,
  storageTargetFrom,
  type PlatformStorageGet,
  type PlatformStoragePut,
} from './platform-storage.js';
import type { PlatformRegistration, PlatformRegistry } from './platforms.js';

export type LaunchFailureCode =
  | 'LOGIN_PARAMETERS_MISSING'
  | 'PLATFORM_UNKNOWN'
  | 'PLATFORM_AMBIGUOUS'
  | 'PLATFORM_INACTIVE'
  | 'DEPLOYMENT_UNKNOWN'
  | 'TARGET_LINK_URI_FOREIGN'
  | 'ID_TOKEN_MISSING'
  | 'STATE_MISSING'
  | 'STATE_UNKNOWN'
  | 'STATE_COOKIE_MISMATCH'
  | 'PLATFORM_STORAGE_EMPTY'
  | 'PLATFORM_STORAGE_MISMATCH'
  | 'LAUNCH_REQUEST_FOREIGN'
  | 'ID_TOKEN_INVALID'
  | 'CLAIMS_INVALID'
  | 'TARGET_LINK_URI_MISMATCH';

export interface LaunchFailure {
  readonly status: 400 | 401 | 403;
  readonly code: LaunchFailureCode;
  /** Safe to show: what went wrong, in plain words. */
  readonly message: string;
  /** Safe to show: what the person can do about it. */
  readonly help: string;
  /** For the log only. */
  readonly checks?: readonly CheckOutcome[];
  readonly problems?: readonly ClaimProblem[];
  readonly detail?: string;
}

const MESSAGES: Readonly<Record<LaunchFailureCode, { message: string; help: string }>> = {
  LOGIN_PARAMETERS_MISSING: {
    message: 'The LMS did not send the information needed to start Pathwise.',
    help: 'Open Pathwise again from your course. If this keeps happening, ask your LMS administrator to check the tool configuration.',
  },
  PLATFORM_UNKNOWN: {
    message: 'This LMS is not registered with Pathwise.',
    help: 'Ask your LMS administrator to register Pathwise (Dynamic Registration or the Canvas configuration URL).',
  },
  PLATFORM_AMBIGUOUS: {
    message: 'Several Pathwise registrations match this LMS and it did not say which one to use.',
    help: 'Ask your LMS administrator to make the LMS send its client_id when starting Pathwise.',
  },
  PLATFORM_INACTIVE: {
    message: 'Pathwise is registered with this LMS but has not been activated yet.',
    help: 'Ask the Pathwise administrator to activate the registration; then open Pathwise again.',
  },
  DEPLOYMENT_UNKNOWN: {
    message: 'This installation of Pathwise in your LMS (its deployment) is not known to Pathwise.',
    help: 'Ask the Pathwise administrator to add this deployment id to the registration.',
  },
  TARGET_LINK_URI_FOREIGN: {
    message: 'The LMS asked to open an address that is not part of Pathwise.',
    help: 'Ask your LMS administrator to check the tool link; it must point to Pathwise.',
  },
  ID_TOKEN_MISSING: {
    message: 'The LMS did not send its sign-in token.',
    help: 'Open Pathwise again from your course.',
  },
  STATE_MISSING: {
    message: 'This launch is missing its sign-in state.',
    help: 'Open Pathwise again from your course.',
  },
  STATE_UNKNOWN: {
    message: 'This launch has expired or was already used.',
    help: 'Open Pathwise again from your course (do not reload or go back to this page).',
  },
  STATE_COOKIE_MISMATCH: {
    message: 'Your browser did not keep the cookie Pathwise needs to finish signing you in.',
    help: 'Open Pathwise again from your course. If this keeps happening, allow cookies for Pathwise in your browser (third-party cookies), or ask your teacher to let Pathwise open in a new window.',
  },
  PLATFORM_STORAGE_EMPTY: {
    message:
      'Your browser did not keep the cookie Pathwise needs to finish signing you in, and your LMS could not give back the sign-in check it kept for Pathwise.',
    help: 'Open Pathwise again from your course. If this keeps happening, allow cookies for Pathwise in your browser (third-party cookies), or ask your teacher to let Pathwise open in a new window.',
  },
  PLATFORM_STORAGE_MISMATCH: {
    message: 'The sign-in check your LMS kept for Pathwise does not belong to this launch.',
    help: 'Open Pathwise again from your course (do not reload or go back to this page).',
  },
  LAUNCH_REQUEST_FOREIGN: {
    message: 'This sign-in step did not come from a Pathwise page.',
    help: 'Open Pathwise again from your course.',
  },
  ID_TOKEN_INVALID: {
    message: 'The sign-in token from the LMS could not be verified.',
    help: 'Open Pathwise again from your course. If it keeps failing, your LMS administrator should check the registration (issuer, client id, keys) and the server clocks.',
  },
  CLAIMS_INVALID: {
    message: 'The LMS sent an incomplete or invalid launch.',
    help: 'Ask your LMS administrator to check the Pathwise link settings; the details are in the Pathwise log.',
  },
  TARGET_LINK_URI_MISMATCH: {
    message: 'The launch did not match the address requested when it started.',
    help: 'Open Pathwise again from your course.',
  },
};

function failure(
  status: LaunchFailure['status'],
  code: LaunchFailureCode,
  extra: Partial<Pick<LaunchFailure, 'checks' | 'problems' | 'detail'>> = {},
): LaunchFailure {
  return { status, code, ...MESSAGES[code], ...extra };
}

const randomToken = (): string => randomBytes(32).toString('base64url');

/** What a session stores of its browser key. */
export const hashBrowserKey = (key: string): string =>
  createHash('sha256').update(key).digest('hex');

export interface LaunchSettings {
  /** Pathwise's public URL (no trailing slash): target_link_uri must live under it. */
  readonly publicUrl: string;
  readonly clockSkewSeconds: number;
  readonly tokenMaxAgeSeconds: number;
  readonly sessionTtlMinutes: number;
  /** How long a login may take before its state expires. */
  readonly loginStateTtlSeconds?: number;
}

export interface LaunchServiceDeps {
  readonly registry: PlatformRegistry;
  readonly loginStates: LoginStateStore;
  readonly sessions: LtiSessionStore;
  readonly resolveKey: KeyResolver;
  readonly clock: Clock;
  readonly settings: LaunchSettings;
}

export interface LoginRequest {
  readonly iss?: string | undefined;
  readonly login_hint?: string | undefined;
  readonly target_link_uri?: string | undefined;
  readonly client_id?: string | undefined;
  readonly lti_deployment_id?: string | undefined;
  readonly lti_message_hint?: string | undefined;
  /** Platform Storage frame name: the platform offers to keep the login state (no cookie needed). */
  readonly lti_storage_target?: string | undefined;
}

/** The login parameters repeated for the same login in a new window (never lti_storage_target). */
const RELAUNCH_PARAMETERS = [
  'iss',
  'login_hint',
  'target_link_uri',
  'lti_message_hint',
  'client_id',
  'lti_deployment_id',
] as const;

export interface LoginRedirect {
  readonly redirectUrl: string;
  readonly state: string;
  readonly stateMaxAgeSeconds: number;
  /** The platform the login is for (its origins may frame the login page). */
  readonly platformId: string;
  /**
   * The same login for a new, top-level window (where cookies are first-party), for a browser
   * that can neither keep the state cookie in the LMS frame nor use Platform Storage. Valid only
   * until the platform's authorization endpoint has seen this launch.
   */
  readonly relaunchUrl: string;
  /** Present when the platform offered Platform Storage: what the login page stores there. */
  readonly platformStorage?: PlatformStoragePut;
}

/** How the browser proved that it is the one that started the login. */
export type BrowserCheck = 'cookie' | 'platform-storage';

export interface CompletedLaunch {
  readonly session: LtiSession;
  readonly registration: PlatformRegistration;
  readonly checks: readonly CheckOutcome[];
  readonly browserCheck: BrowserCheck;
  /**
   * The key the launching browser must keep in a cookie for the session to open, when that
   * browser proved that Pathwise's cookies reach it (only its hash is stored).
   */
  readonly browserKey: string | undefined;
}

/** What happens with an id_token the platform posted to the launch URL. */
export type LaunchStep =
  | { readonly kind: 'completed'; readonly launch: CompletedLaunch }
  /** No cookie came back, but the browser stored the login in the platform: read it back. */
  | {
      readonly kind: 'read-platform-storage';
      readonly storage: PlatformStorageGet;
      readonly platformId: string;
    };

export interface LaunchService {
  startLogin(request: LoginRequest): Promise<Result<LoginRedirect, LaunchFailure>>;
  /** The login page stored state and nonce in the platform (Platform Storage). */
  confirmPlatformStorage(state: string | undefined): Promise<Result<void, LaunchFailure>>;
  /** The platform's form post: completes with the state cookie, or asks for Platform Storage. */
  receiveLaunch(form: {
    readonly idToken: string | undefined;
    readonly state: string | undefined;
    /** The state cookie this browser returned, if any. */
    readonly cookieState: string | undefined;
  }): Promise<Result<LaunchStep, LaunchFailure>>;
  /** The launch page's post after reading the login state back from the platform's storage. */
  completeWithPlatformStorage(form: {
    readonly idToken: string | undefined;
    readonly state: string | undefined;
    /** The value the platform returned for the state key ('' when it had none or never answered). */
    readonly storedState: string | undefined;
    /** The post came from Pathwise's own launch page (Sec-Fetch-Site / Origin), not another site. */
    readonly fromOwnPage: boolean;
  }): Promise<Result<CompletedLaunch, LaunchFailure>>;
  /** The tool's own redirect URI (where the platform posts the id_token). */
  readonly launchUrl: string;
}

/** Whether a URL lives under Pathwise's public URL (same origin, path below it). */
export function isOwnUrl(candidate: string, publicUrl: string): boolean {
  let url: URL;
  let base: URL;
  try {
    url = new URL(candidate);
    base = new URL(publicUrl);
  } catch {
    return false;
  }
  const basePath = base.pathname.endsWith('/') ? base.pathname : `${base.pathname}/`;
  return url.origin === base.origin && (url.pathname + '/').startsWith(basePath);
}

export function createLaunchService(deps: LaunchServiceDeps): LaunchService {
  const { registry, loginStates, sessions, clock, settings } = deps;
  const launchUrl = `${settings.publicUrl}/lti/launch`;
  const stateTtlSeconds = settings.loginStateTtlSeconds ?? 600;

  const findRegistration = async (
    issuer: string,
    clientId: string | undefined,
  ): Promise<Result<PlatformRegistration, LaunchFailure>> => {
    if (clientId !== undefined && clientId !== '') {
      const found = await registry.find(issuer, clientId);
      return found === undefined ? err(failure(400, 'PLATFORM_UNKNOWN')) : ok(found);
    }
    const candidates = await registry.findByIssuer(issuer);
    const [only, ...others] = candidates;
    if (only === undefined) return err(failure(400, 'PLATFORM_UNKNOWN'));
    if (others.length > 0) return err(failure(400, 'PLATFORM_AMBIGUOUS'));
    return ok(only);
  };

  /** Every check of the id_token against the consumed login; a session when all pass. */
  const verifyLaunch = async (
    login: LoginState,
    idToken: string,
    now: Date,
    browserCheck: BrowserCheck,
  ): Promise<Result<CompletedLaunch, LaunchFailure>> => {
    const registration = await registry.findById(login.platformId);
    if (registration === undefined) return err(failure(401, 'PLATFORM_UNKNOWN'));
    if (!registration.active) return err(failure(403, 'PLATFORM_INACTIVE'));

    const verified = await verifyIdToken(
      idToken,
      {
        issuer: registration.issuer,
        clientId: registration.clientId,
        jwksUrl: registration.jwksUrl,
        nonce: login.nonce,
        now,
        clockSkewSeconds: settings.clockSkewSeconds,
        maxAgeSeconds: settings.tokenMaxAgeSeconds,
      },
      deps.resolveKey,
    );
    if (!verified.ok) return err(failure(401, 'ID_TOKEN_INVALID', { checks: verified.checks }));

    const parsed = parseLaunchClaims(verified.payload, registration);
    if (!parsed.ok)
      return err(
        failure(401, 'CLAIMS_INVALID', { checks: verified.checks, problems: parsed.error }),
      );
    const launch: LaunchContext = parsed.value;
    if (!(await registry.hasDeployment(registration.id, launch.deploymentId)))
      return err(
        failure(401, 'DEPLOYMENT_UNKNOWN', {
          checks: verified.checks,
          detail: `deployment ${launch.deploymentId}`,
        }),
      );
    if (login.deploymentId !== undefined && login.deploymentId !== launch.deploymentId)
      return err(
        failure(401, 'CLAIMS_INVALID', {
          checks: verified.checks,
          problems: [{ claim: 'lti/claim/deployment_id', problem: 'differs from the login' }],
        }),
      );
    // Core §5.3.4: the claim must be the target_link_uri the login asked for.
    if (launch.targetLinkUri !== login.targetLinkUri)
      return err(
        failure(401, 'TARGET_LINK_URI_MISMATCH', {
          checks: verified.checks,
          detail: `login ${login.targetLinkUri}, token ${launch.targetLinkUri}`,
        }),
      );

    // The state cookie came back, so this browser keeps our cookies in the frame: bind to it.
    const browserKey = browserCheck === 'cookie' ? randomToken() : undefined;
    const session: LtiSession = {
      id: randomToken(),
      platformId: registration.id,
      launch,
      createdAt: now,
      expiresAt: new Date(now.getTime() + settings.sessionTtlMinutes * 60_000),
      ...(browserKey === undefined ? {} : { browserBinding: hashBrowserKey(browserKey) }),
    };
    await sessions.create(session);
    return ok({ session, registration, checks: verified.checks, browserCheck, browserKey });
  };

  return {
    launchUrl,

    async startLogin(request) {
      const { iss, login_hint: loginHint, target_link_uri: targetLinkUri } = request;
      if (
        iss === undefined ||
        iss === '' ||
        loginHint === undefined ||
        loginHint === '' ||
        targetLinkUri === undefined ||
        targetLinkUri === ''
      ) {
        const missing = [
          ['iss', iss],
          ['login_hint', loginHint],
          ['target_link_uri', targetLinkUri],
        ]
          .filter(([, value]) => value === undefined || value === '')
          .map(([name]) => name);
        return err(
          failure(400, 'LOGIN_PARAMETERS_MISSING', { detail: `missing: ${missing.join(', ')}` }),
        );
      }
      const found = await findRegistration(iss, request.client_id);
      if (!found.ok) return found;
      const registration = found.value;
      if (!registration.active) return err(failure(403, 'PLATFORM_INACTIVE'));
      const deploymentId = request.lti_deployment_id;
      if (
        deploymentId !== undefined &&
        deploymentId !== '' &&
        !(await registry.hasDeployment(registration.id, deploymentId))
      ) {
        return err(failure(403, 'DEPLOYMENT_UNKNOWN', { detail: `deployment ${deploymentId}` }));
      }
      if (!isOwnUrl(targetLinkUri, settings.publicUrl)) {
        return err(failure(400, 'TARGET_LINK_URI_FOREIGN', { detail: targetLinkUri }));
      }

      const now = clock.now();
      const state = randomToken();
      const nonce = randomToken();
      const target = storageTargetFrom(request.lti_storage_target);
      const origin = storageOrigin(registration.authEndpoint);
      const storageTarget = target !== undefined && origin !== undefined ? target : undefined;
      const relaunch = new URLSearchParams();
      for (const name of RELAUNCH_PARAMETERS) {
        const value = request[name];
        if (value !== undefined && value !== '') relaunch.set(name, value);
      }
      await loginStates.save({
        state,
        nonce,
        platformId: registration.id,
        deploymentId: deploymentId === '' ? undefined : deploymentId,
        targetLinkUri,
        storageTarget,
        storedInPlatform: false,
        createdAt: now,
        expiresAt: new Date(now.getTime() + stateTtlSeconds * 1000),
      });
      const redirect = new URL(registration.authEndpoint);
      const params: Record<string, string> = {
        scope: 'openid',
        response_type: 'id_token',
        response_mode: 'form_post',
        prompt: 'none',
        client_id: registration.clientId,
        redirect_uri: launchUrl,
        login_hint: loginHint,
        state,
        nonce,
      };
      if (request.lti_message_hint !== undefined)
        params['lti_message_hint'] = request.lti_message_hint;
      for (const [name, value] of Object.entries(params)) redirect.searchParams.set(name, value);
      return ok({
        redirectUrl: redirect.toString(),
        state,
        stateMaxAgeSeconds: stateTtlSeconds,
        platformId: registration.id,
        relaunchUrl: `${settings.publicUrl}/lti/login?${relaunch.toString()}`,
        ...(storageTarget === undefined || origin === undefined
          ? {}
          : {
              platformStorage: {
                target: storageTarget,
                origin,
                stateKey: stateStorageKey(state),
                state,
                nonceKey: nonceStorageKey(nonce),
                nonce,
              },
            }),
      });
    },

    async confirmPlatformStorage(state) {
      if (state === undefined || state === '') return err(failure(401, 'STATE_MISSING'));
      const now = clock.now();
      const login = await loginStates.find(state, now);
      if (login?.storageTarget === undefined) return err(failure(401, 'STATE_UNKNOWN'));
      if (!(await loginStates.markStoredInPlatform(state, now)))
        return err(failure(401, 'STATE_UNKNOWN'));
      return ok(undefined);
    },

    async receiveLaunch(form) {
      if (form.idToken === undefined || form.idToken === '')
        return err(failure(401, 'ID_TOKEN_MISSING'));
      if (form.state === undefined || form.state === '') return err(failure(401, 'STATE_MISSING'));
      const now = clock.now();
      if (form.cookieState === undefined) {
        // No cookie: if this browser stored the login in the platform, read it back from there
        // (the state stays unconsumed until that answer is posted).
        const pending = await loginStates.find(form.state, now);
        const stored = pending?.storedInPlatform === true ? pending : undefined;
        const registration =
          stored === undefined ? undefined : await registry.findById(stored.platformId);
        const origin =
          registration === undefined ? undefined : storageOrigin(registration.authEndpoint);
        if (stored?.storageTarget !== undefined && origin !== undefined) {
          return ok({
            kind: 'read-platform-storage',
            platformId: stored.platformId,
            storage: {
              target: stored.storageTarget,
              origin,
              stateKey: stateStorageKey(stored.state),
            },
          });
        }
      }
      // Consumed before anything else: a replayed form finds nothing, on any instance.
      const login = await loginStates.consume(form.state, now);
      if (login === undefined) return err(failure(401, 'STATE_UNKNOWN'));
      if (form.cookieState === undefined || !sameSecret(form.cookieState, login.state))
        return err(
          failure(401, 'STATE_COOKIE_MISMATCH', {
            detail: form.cookieState === undefined ? 'no state cookie' : 'state cookie differs',
          }),
        );
      const completed = await verifyLaunch(login, form.idToken, now, 'cookie');
      return completed.ok ? ok({ kind: 'completed', launch: completed.value }) : completed;
    },

    async completeWithPlatformStorage(form) {
      if (form.idToken === undefined || form.idToken === '')
        return err(failure(401, 'ID_TOKEN_MISSING'));
      if (form.state === undefined || form.state === '') return err(failure(401, 'STATE_MISSING'));
      const now = clock.now();
      // One-time whatever the outcome: a second post of the same state finds nothing.
      const login = await loginStates.consume(form.state, now);
      if (login === undefined) return err(failure(401, 'STATE_UNKNOWN'));
      // Anyone may know a state (it travels in URLs); what another site cannot do is make this
      // browser post the answer from Pathwise's own page, where only the platform's reply lands.
      if (!form.fromOwnPage)
        return err(failure(401, 'LAUNCH_REQUEST_FOREIGN', { detail: 'cross-site post' }));
      if (!login.storedInPlatform || login.storageTarget === undefined)
        return err(
          failure(401, 'PLATFORM_STORAGE_MISMATCH', {
            detail: 'this login never stored its state in the platform',
          }),
        );
      if (form.storedState === undefined || form.storedState === '')
        return err(
          failure(401, 'PLATFORM_STORAGE_EMPTY', {
            detail: 'the platform returned no value (blocked, cleared or no reply in time)',
          }),
        );
      if (!sameSecret(form.storedState, login.state))
        return err(
          failure(401, 'PLATFORM_STORAGE_MISMATCH', {
            detail: 'the value in platform storage is not this login state',
          }),
        );
      return verifyLaunch(login, form.idToken, now, 'platform-storage');
    },
  };
}
