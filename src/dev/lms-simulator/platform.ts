/**
 * One simulated platform (one profile, one issuer): its state, keys, faults and Express router.
 */
import { randomUUID } from 'node:crypto';
import express, { type ErrorRequestHandler, type Router } from 'express';
import { route } from '../../infra/http/route.js';
import { systemClock, type Clock } from '../../shared/clock.js';
import {
  handleLineItemDelete,
  handleLineItemGet,
  handleLineItemPut,
  handleLineItemsGet,
  handleLineItemsPost,
  handleResultsGet,
  handleScorePost,
} from './ags.js';
import {
  requireServiceToken,
  sendErrorPage,
  ToolKeySets,
  track,
  type PlatformContext,
} from './context.js';
import { handleDeepLinkReturn } from './deep-linking.js';
import { FaultInjector, type FaultPlan } from './faults.js';
import {
  generateSigningKey,
  jwksDocument,
  type ClaimEdits,
  type SignJwtOptions,
  type SigningKey,
} from './jwt.js';
import {
  handleAuth,
  handleLaunchStart,
  initiateLogin,
  LaunchError,
  mintLaunchToken,
  type LaunchRequest,
  type LoginInitiation,
} from './oidc.js';
import { renderDashboard } from './pages.js';
import {
  CANVAS_ISSUER,
  PlatformUrls,
  PROFILES,
  STORAGE_FRAME_NAME,
  type ProfileName,
} from './profiles.js';
import {
  handleOpenidConfiguration,
  handleRegistration,
  startDynamicRegistration,
  type RegistrationStart,
} from './registration.js';
import { handleMemberships } from './nrps.js';
import { digest, seedCourse, seedUsers } from './seed.js';
import { seedLinks } from './seed-links.js';
import { SimulatorState, type PrivacyLevel, type ToolRegistration } from './state.js';
import { handleToken } from './token.js';
import { loadViews, type AssetName, type Views } from './views.js';
import { ALL_SERVICE_SCOPES, MESSAGE_TYPE, SCOPE } from './vocabulary.js';

/** A tool registered by hand (Canvas developer key / Moodle manual tool type). */
export interface ToolOptions {
  /** OIDC login initiation URL. */
  readonly loginUrl: string;
  /** target_link_uri of resource-link launches (also a redirect URI unless `redirectUris`). */
  readonly launchUrl: string;
  /** target_link_uri of deep-linking requests (defaults to launchUrl). */
  readonly deepLinkUrl?: string;
  readonly jwksUrl: string;
  /** The tool's Dynamic Registration URL (for the dev page's "register" button). */
  readonly registrationUrl?: string;
  /** Exact redirect URIs (default: launchUrl and deepLinkUrl). */
  readonly redirectUris?: readonly string[];
  readonly clientId?: string;
  readonly deploymentId?: string;
  readonly name?: string;
  /** Service scopes granted (default: all AGS + NRPS scopes). */
  readonly scopes?: readonly string[];
  /** Names/email sent in launches and NRPS (default public). */
  readonly privacy?: PrivacyLevel;
  readonly customParameters?: Readonly<Record<string, string>>;
}

export interface PlatformOptions {
  readonly profile: ProfileName;
  /** Public URL of this platform's mount point, e.g. `http://127.0.0.1:4000/dev/lms/canvas`. */
  readonly baseUrl: string;
  /**
   * The `iss` of launches. Default: `https://canvas.instructure.com` for canvas (as hosted Canvas
   * for every institution, even though the endpoints live under baseUrl); baseUrl for moodle.
   */
  readonly issuer?: string;
  readonly tool?: ToolOptions;
  readonly clock?: Clock;
  readonly faults?: FaultPlan;
  readonly signingKey?: SigningKey;
  /** Timeout for fetching the tool's JWKS (ms). */
  readonly toolJwksTimeoutMs?: number;
  readonly platformName?: string;
  readonly projectRoot?: string;
  /** Number of seeded students (default 30). */
  readonly studentCount?: number;
  /** Pre-loaded views (shared between platforms of one simulator). */
  readonly views?: Views;
  /**
   * 1EdTech Platform Storage (`lti_storage_target` in login and launch, a frame answering
   * lti.put_data / lti.get_data). Default: the profile's behaviour (Canvas on, Moodle off).
   */
  readonly platformStorage?: boolean;
}

/** Options of `mintIdToken`: a launch token without the browser flow, optionally broken on purpose. */
export interface MintIdTokenOptions extends LaunchRequest {
  readonly nonce?: string;
  /** Claims to set (deep-merged) or delete after building a correct launch. */
  readonly edits?: ClaimEdits;
  /** Signing tweaks: wrong kid, alg none, HS256, tampering, another key… */
  readonly sign?: Partial<SignJwtOptions>;
}

export interface SimulatedPlatform {
  readonly profile: ProfileName;
  readonly issuer: string;
  readonly urls: PlatformUrls;
  readonly state: SimulatorState;
  readonly faults: FaultInjector;
  /** The `lti_storage_target` this platform sends (Platform Storage), or undefined. */
  readonly storageTarget: string | undefined;
  /** Publishing keys; the first one signs. */
  readonly keys: readonly SigningKey[];
  readonly router: Router;
  /** Login-initiation parameters for (user, message, link): what the /launch form posts. */
  initiateLogin(request: LaunchRequest): LoginInitiation;
  /** Opens DR: the tool's registration URL with openid_configuration and registration_token. */
  startDynamicRegistration(toolRegistrationUrl?: string): RegistrationStart;
  /** Registers a tool by hand; returns the registration (client id, deployment, typeId). */
  registerTool(tool: ToolOptions): ToolRegistration;
  /** Deploys a registered tool once more (Canvas: one developer key, many deployments); returns the id. */
  addDeployment(clientId: string, deploymentId?: string): string;
  /** A signed launch id_token and its claims, with optional edits and signing faults. */
  mintIdToken(options: MintIdTokenOptions): { token: string; claims: Record<string, unknown> };
  /** Adds a new signing key (first in the JWKS); keeps the old one published unless `retireOld`. */
  rotateKey(retireOld?: boolean): Promise<SigningKey>;
  close(): void;
}

export async function createPlatform(options: PlatformOptions): Promise<SimulatedPlatform> {
  const spec = PROFILES[options.profile];
  const urls = new PlatformUrls(options.baseUrl, spec);
  const issuer = options.issuer ?? (options.profile === 'canvas' ? CANVAS_ISSUER : urls.base);
  const key =
    options.signingKey ?? (await generateSigningKey(`${options.profile}-${randomUUID()}`));
  const state = new SimulatorState(
    seedCourse(options.profile),
    seedUsers(options.profile, options.studentCount),
  );
  const faults = new FaultInjector(options.faults);
  const ctx: PlatformContext = {
    profile: spec,
    issuer,
    urls,
    state,
    clock: options.clock ?? systemClock,
    keys: [key],
    faults,
    views: options.views ?? loadViews(options.projectRoot),
    toolKeys: new ToolKeySets(options.toolJwksTimeoutMs),
    platformName:
      options.platformName ??
      (options.profile === 'canvas' ? 'Simulated Canvas' : 'Simulated Moodle'),
    storageTarget:
      options.platformStorage === undefined
        ? spec.storageTarget
        : options.platformStorage
          ? (spec.storageTarget ?? STORAGE_FRAME_NAME)
          : undefined,
  };

  const registerTool = (tool: ToolOptions): ToolRegistration => {
    const index = state.registrations.size + 1;
    const clientId =
      tool.clientId ??
      (options.profile === 'canvas'
        ? String(10000000000041 + index)
        : `pw${digest(`client-${index}`).slice(0, 13)}`);
    const typeId =
      options.profile === 'moodle' ? (tool.deploymentId ?? String(index + 2)) : String(index);
    const deploymentId =
      tool.deploymentId ??
      (options.profile === 'canvas' ? `${16 + index}:${digest(`deployment-${clientId}`)}` : typeId);
    const registration: ToolRegistration = {
      clientId,
      deploymentIds: [deploymentId],
      typeId,
      name: tool.name ?? 'Pathwise',
      loginUrl: tool.loginUrl,
      targetLinkUri: tool.launchUrl,
      deepLinkUrl: tool.deepLinkUrl,
      redirectUris: [
        ...(tool.redirectUris ?? [
          ...new Set([tool.launchUrl, tool.deepLinkUrl ?? tool.launchUrl]),
        ]),
      ],
      jwksUrl: tool.jwksUrl,
      scopes: [...(tool.scopes ?? ALL_SERVICE_SCOPES)],
      privacy: tool.privacy ?? 'public',
      customParameters: { ...tool.customParameters },
      messages: [
        { type: MESSAGE_TYPE.resourceLink },
        ...(tool.deepLinkUrl === undefined
          ? []
          : [{ type: MESSAGE_TYPE.deepLinking, targetLinkUri: tool.deepLinkUrl }]),
      ],
      source: 'manual',
      claims: ['sub', 'iss', 'name', 'given_name', 'family_name', 'email'],
    };
    state.registrations.set(clientId, registration);
    seedLinks(ctx, registration);
    return registration;
  };
  if (options.tool !== undefined) registerTool(options.tool);

  const serviceToken = (scopes: readonly string[]) => requireServiceToken(ctx, scopes);
  const readLineItems = [SCOPE.lineItem, SCOPE.lineItemReadOnly];
  const r = spec.routes;
  const router = express.Router();
  router.use(express.urlencoded({ extended: false, limit: '1mb' }));
  router.use(express.json({ type: ['application/json', 'application/*+json'], limit: '1mb' }));

  router.get('/assets/:name', (req, res) => {
    const name = req.params['name'];
    const known: readonly AssetName[] = [
      'dev-lms-autosubmit.js',
      'dev-lms-register.js',
      'dev-lms-platform-storage.js',
      'dev-lms.css',
    ];
    const asset = known.find((a) => a === name);
    if (asset === undefined) {
      res.status(404).end();
      return;
    }
    res.type(asset.endsWith('.css') ? 'text/css' : 'text/javascript').send(ctx.views.asset(asset));
  });
  router.get('/', (_req, res) => {
    res.type('html').send(renderDashboard(ctx.views, [platform], platform));
  });
  // The Platform Storage frame the dashboard embeds next to the tool's frame (Canvas's
  // post_message_forwarding): it answers only the registered tools' origins.
  router.get(`/${STORAGE_FRAME_NAME}`, (_req, res) => {
    if (ctx.storageTarget === undefined) {
      res.status(404).type('text').send('This platform does not offer Platform Storage.');
      return;
    }
    res.type('html').send(
      ctx.views.render('storage-frame', {
        title: 'Platform Storage',
        profile: spec.name,
        assetBase: urls.base,
        frameName: ctx.storageTarget,
        toolOrigins: JSON.stringify(toolOrigins(state)),
      }),
    );
  });
  router.all(
    '/launch',
    ...track(ctx, 'launch'),
    route((req, res) => {
      handleLaunchStart(ctx, req, res);
    }),
  );
  router.get('/register-tool', (req, res) => {
    const target =
      typeof req.query['url'] === 'string' && req.query['url'] !== ''
        ? req.query['url']
        : options.tool?.registrationUrl;
    if (target === undefined) {
      sendErrorPage(ctx, res, 400, 'No registration URL', 'Pass ?url=<the tool registration URL>.');
      return;
    }
    let start: RegistrationStart;
    try {
      start = startDynamicRegistration(ctx, target);
    } catch {
      sendErrorPage(
        ctx,
        res,
        400,
        'Bad registration URL',
        'The tool registration URL is not a valid URL.',
      );
      return;
    }
    res.type('html').send(
      ctx.views.render('register', {
        title: 'Register a tool',
        frameUrl: start.url,
        assetBase: urls.base,
        profile: spec.name,
      }),
    );
  });
  router.get(
    r.auth,
    ...track(ctx, 'auth'),
    route((req, res) => {
      handleAuth(ctx, req, res);
    }),
  );
  router.post(
    r.auth,
    ...track(ctx, 'auth'),
    route((req, res) => {
      handleAuth(ctx, req, res);
    }),
  );
  router.get(r.jwks, ...track(ctx, 'jwks'), (_req, res) => {
    res.set('Cache-Control', 'max-age=300').json(jwksDocument(ctx.keys));
  });
  router.post(
    r.token,
    ...track(ctx, 'token'),
    route((req, res) => handleToken(ctx, req, res)),
  );
  router.get(
    r.lineItems,
    ...track(ctx, 'lineItems'),
    serviceToken(readLineItems),
    route((req, res) => {
      handleLineItemsGet(ctx, req, res);
    }),
  );
  router.post(
    r.lineItems,
    ...track(ctx, 'lineItems'),
    serviceToken([SCOPE.lineItem]),
    route((req, res) => {
      handleLineItemsPost(ctx, req, res);
    }),
  );
  router.get(
    r.lineItem,
    ...track(ctx, 'lineItem'),
    serviceToken(readLineItems),
    route((req, res) => {
      handleLineItemGet(ctx, req, res);
    }),
  );
  router.put(
    r.lineItem,
    ...track(ctx, 'lineItem'),
    serviceToken([SCOPE.lineItem]),
    route((req, res) => {
      handleLineItemPut(ctx, req, res);
    }),
  );
  router.delete(
    r.lineItem,
    ...track(ctx, 'lineItem'),
    serviceToken([SCOPE.lineItem]),
    route((req, res) => {
      handleLineItemDelete(ctx, req, res);
    }),
  );
  router.post(
    r.scores,
    ...track(ctx, 'scores'),
    serviceToken([SCOPE.score]),
    route((req, res) => {
      handleScorePost(ctx, req, res);
    }),
  );
  router.get(
    r.results,
    ...track(ctx, 'results'),
    serviceToken([SCOPE.resultReadOnly]),
    route((req, res) => {
      handleResultsGet(ctx, req, res);
    }),
  );
  router.get(
    r.memberships,
    ...track(ctx, 'memberships'),
    serviceToken([SCOPE.nrps]),
    route((req, res) => {
      handleMemberships(ctx, req, res);
    }),
  );
  router.post(
    r.deepLinkReturn,
    ...track(ctx, 'deepLinkReturn'),
    route((req, res) => handleDeepLinkReturn(ctx, req, res)),
  );
  router.get(
    r.openidConfiguration,
    ...track(ctx, 'openidConfiguration'),
    route((req, res) => {
      handleOpenidConfiguration(ctx, req, res);
    }),
  );
  router.post(
    r.registration,
    ...track(ctx, 'registration'),
    route((req, res) => {
      handleRegistration(ctx, req, res);
    }),
  );
  const onError: ErrorRequestHandler = (error: unknown, _req, res, next) => {
    if (res.headersSent) {
      next(error);
      return;
    }
    const status =
      typeof error === 'object' &&
      error !== null &&
      'status' in error &&
      typeof error.status === 'number'
        ? error.status
        : 500;
    res.status(status).json({
      error: status === 500 ? 'server_error' : 'invalid_request',
      error_description: error instanceof Error ? error.message : 'unexpected error',
    });
  };
  router.use(onError);

  const platform: SimulatedPlatform = {
    profile: options.profile,
    issuer,
    urls,
    state,
    faults,
    storageTarget: ctx.storageTarget,
    keys: ctx.keys,
    router,
    initiateLogin: (request) => initiateLogin(ctx, request),
    startDynamicRegistration: (url) => {
      const target = url ?? options.tool?.registrationUrl;
      if (target === undefined) throw new LaunchError('no tool registration URL');
      return startDynamicRegistration(ctx, target);
    },
    registerTool,
    addDeployment: (clientId, deploymentId) => {
      const registration = state.registrations.get(clientId);
      if (registration === undefined) throw new LaunchError(`no tool registration ${clientId}`);
      const n = registration.deploymentIds.length + 1;
      const id =
        deploymentId ??
        (options.profile === 'canvas'
          ? `${30 + n}:${digest(`deployment-${clientId}-${n}`)}`
          : `${registration.typeId}-${n}`);
      registration.deploymentIds.push(id);
      return id;
    },
    mintIdToken: (mint) => mintIdToken(ctx, mint),
    rotateKey: async (retireOld = false) => {
      const next = await generateSigningKey(`${options.profile}-${randomUUID()}`);
      if (retireOld) ctx.keys.length = 0;
      ctx.keys.unshift(next);
      return next;
    },
    close: () => {
      faults.close();
      ctx.toolKeys.forget();
    },
  };
  return platform;
}

/** Origins of every registered tool (login, launch and redirect URLs): who may use the storage. */
function toolOrigins(state: SimulatorState): string[] {
  const origins = new Set<string>();
  for (const registration of state.registrations.values()) {
    for (const url of [
      registration.loginUrl,
      registration.targetLinkUri,
      registration.deepLinkUrl,
      ...registration.redirectUris,
    ]) {
      if (url === undefined) continue;
      try {
        origins.add(new URL(url).origin);
      } catch {
        // A registration with a broken URL simply gets no storage.
      }
    }
  }
  return [...origins].sort();
}

function mintIdToken(
  ctx: PlatformContext,
  options: MintIdTokenOptions,
): { token: string; claims: Record<string, unknown> } {
  const initiation = initiateLogin(ctx, options);
  const hint = ctx.state.launchHints.get(initiation.params['lti_message_hint'] ?? '');
  const registration = ctx.state.registrations.get(initiation.params['client_id'] ?? '');
  if (hint === undefined || registration === undefined)
    throw new LaunchError('could not prepare the launch');
  return mintLaunchToken(ctx, registration, hint, options.nonce ?? randomUUID(), {
    ...(options.edits === undefined ? {} : { edits: options.edits }),
    ...(options.sign === undefined ? {} : { sign: options.sign }),
  });
}
