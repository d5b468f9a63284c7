/**
 * LTI Dynamic Registration 1.0, tool side: what ltijs 5.9.9 gets wrong (LTI-NOTES §3, checklist
 * item 45) done here instead.
 *
 *   1. `openid_configuration` is required; outside dev mode it must be https and resolve only to
 *      public addresses (SSRF), and so must every endpoint Pathwise will call later.
 *   2. The configuration GET carries `Authorization: Bearer <registration_token>` (Canvas needs it).
 *   3. The configuration is validated with zod and its issuer checked against the URL (DR §3.5.1).
 *   4. The client registration is POSTed with the same Bearer token, asking only for the AGS/NRPS
 *      scopes the platform supports, with Canvas's placements and `privacy_level: public`.
 *   5. The platform is stored inactive (unless `autoActivate`), with the deployment id when the
 *      response carries one (Moodle); an (issuer, client_id) already stored is a conflict.
 *   6. Anyone can start a registration, so pending (inactive, never activated) registrations are
 *      kept bounded: the same issuer + openid_configuration registering again replaces its
 *      pending platform, and pending platforms older than `pendingExpiryMs` are removed
 *      (pending-registrations.ts). Both happen only once the platform accepted a registration.
 *
 * Every answer read from the platform is capped (RESPONSE_BODY_LIMITS.registration, 256 KB).
 * Every failure is a value (CONVENTIONS §C.2) and nothing is written before the last step.
 */
import { systemClock, type Clock } from '../shared/clock.js';
import { ConflictError } from '../shared/errors.js';
import { err, ok, type Result } from '../shared/result.js';
import {
  OutboundTooLargeError,
  type OutboundHttp,
  type OutboundResponse,
} from '../lti/outbound-http.js';
import type { PlatformRegistration, PlatformRegistry } from '../lti/platforms.js';
import { MESSAGE_TYPE } from '../lti/vocabulary.js';
import { z } from 'zod';
import { checkOutboundUrl, systemResolver, type HostResolver } from './address-guard.js';
import {
  expirePending,
  retirePending,
  type PendingRegistrationStore,
} from './pending-registrations.js';
import {
  matchIssuer,
  parsePlatformConfiguration,
  type IssuerMatch,
  type PlatformConfiguration,
} from './platform-configuration.js';
import {
  defaultToolIdentity,
  toolEndpoints,
  type ToolEndpoints,
  type ToolIdentity,
} from './tool-identity.js';
import {
  CANVAS_EXTENSION,
  CANVAS_PLACEMENT,
  TOOL_CLAIMS,
  TOOL_CONFIGURATION,
  TOOL_SCOPES,
} from './vocabulary.js';

export interface DynamicRegistrationSettings {
  /** PUBLIC_URL: every URL sent to the platform is built from it. */
  readonly publicUrl: string;
  readonly devMode: boolean;
  /** Store new platforms active. Default false: an administrator activates them with the CLI. */
  readonly autoActivate?: boolean;
  /**
   * Hosts (`host` or `host:port`) of Canvas instances outside Instructure's domains allowed to
   * register under Canvas's shared issuers: custom Canvas domains, self-hosted Canvas keeping the
   * default issuer, and in dev mode the simulator's host.
   */
  readonly canvasHosts?: readonly string[];
  readonly identity?: ToolIdentity;
  /** Pending registrations older than this are removed (default 7 days). */
  readonly pendingExpiryMs?: number;
}

export const DEFAULT_PENDING_EXPIRY_MS = 7 * 24 * 60 * 60 * 1000;

export interface DynamicRegistrationDeps extends DynamicRegistrationSettings {
  readonly registry: PlatformRegistry;
  readonly http: OutboundHttp;
  /** DNS for the SSRF check; the system resolver unless a test injects one. */
  readonly resolveHost?: HostResolver;
  /** Tracks inactive registrations for replacement and expiry; without it neither happens. */
  readonly pending?: PendingRegistrationStore;
  readonly clock?: Clock;
}

export interface DynamicRegistrationInput {
  readonly openidConfiguration: string | undefined;
  readonly registrationToken: string | undefined;
}

export interface DynamicRegistrationOutcome {
  readonly platform: PlatformRegistration;
  readonly deploymentId: string | undefined;
  readonly productFamily: string;
  readonly issuerMatch: IssuerMatch;
  readonly requestedScopes: readonly string[];
  /** What the platform granted (its response may cut the request). */
  readonly grantedScopes: readonly string[];
  /** Pending platforms of the same issuer + configuration URL that this one replaced. */
  readonly replacedPlatformIds: readonly string[];
  /** Pending platforms removed because they were never activated in time. */
  readonly expiredPlatformIds: readonly string[];
}

/** The URL fields a failure can be about, in spec names (they are shown to administrators). */
export type RegistrationUrlField =
  'openid_configuration' | 'registration_endpoint' | 'token_endpoint' | 'jwks_uri';

export type DynamicRegistrationFailure =
  | { readonly type: 'missing-configuration-url' }
  | { readonly type: 'invalid-request'; readonly problems: readonly string[] }
  | {
      readonly type: 'unsafe-url';
      readonly field: RegistrationUrlField;
      readonly url: string;
      readonly detail: string;
    }
  | { readonly type: 'configuration-unreachable'; readonly url: string; readonly detail: string }
  /** The configuration answer exceeded RESPONSE_BODY_LIMITS.registration; reading stopped. */
  | { readonly type: 'configuration-too-large'; readonly url: string; readonly limitBytes: number }
  | { readonly type: 'configuration-refused'; readonly url: string; readonly status: number }
  | { readonly type: 'configuration-invalid'; readonly problems: readonly string[] }
  | {
      readonly type: 'issuer-mismatch';
      readonly issuer: string;
      readonly configurationUrl: string;
    }
  | { readonly type: 'registration-unreachable'; readonly url: string; readonly detail: string }
  | {
      readonly type: 'registration-refused';
      readonly url: string;
      readonly status: number;
      readonly platformError: string | undefined;
    }
  | { readonly type: 'registration-response-invalid'; readonly problems: readonly string[] }
  | {
      readonly type: 'registration-response-too-large';
      readonly url: string;
      readonly limitBytes: number;
    }
  | {
      readonly type: 'already-registered';
      readonly issuer: string;
      readonly clientId: string;
      readonly platformId: string | undefined;
    };

/** A message the tool supports, in the DR `messages` shape (plus Canvas extensions). */
export interface RegistrationMessage {
  readonly type: typeof MESSAGE_TYPE.resourceLink | typeof MESSAGE_TYPE.deepLinking;
  readonly target_link_uri: string;
  readonly label: string;
  readonly icon_uri?: string;
  readonly placements?: readonly string[];
  readonly [CANVAS_EXTENSION.courseNavigationDefaultEnabled]?: boolean;
  readonly [CANVAS_EXTENSION.visibility]?: 'admins' | 'members' | 'public';
}

/** The client registration request body (DR §3.5.2), spec names only. */
export interface ClientRegistrationRequest {
  readonly application_type: 'web';
  readonly response_types: readonly ['id_token'];
  readonly grant_types: readonly ['implicit', 'client_credentials'];
  readonly initiate_login_uri: string;
  readonly redirect_uris: readonly string[];
  readonly client_name: string;
  readonly jwks_uri: string;
  readonly logo_uri?: string;
  readonly token_endpoint_auth_method: 'private_key_jwt';
  readonly scope: string;
  readonly [TOOL_CONFIGURATION]: {
    readonly domain: string;
    readonly target_link_uri: string;
    readonly description: string;
    readonly claims: readonly string[];
    readonly messages: readonly RegistrationMessage[];
    readonly [CANVAS_EXTENSION.privacyLevel]?: 'public';
    readonly [CANVAS_EXTENSION.toolId]?: string;
  };
}

const supports = (platform: PlatformConfiguration, type: string): boolean =>
  platform.messagesSupported === undefined ||
  platform.messagesSupported.some((m) => m.type === type);

/** Our placements for a message type, limited to those the platform lists for it. */
function placementsFor(
  platform: PlatformConfiguration,
  type: string,
  wanted: readonly string[],
): string[] {
  const listed = platform.messagesSupported?.find((m) => m.type === type)?.placements;
  return listed === undefined ? [...wanted] : wanted.filter((p) => listed.includes(p));
}

/** The AGS + NRPS scopes Pathwise uses that the platform supports (all when it does not say). */
export function requestedScopes(platform: PlatformConfiguration): string[] {
  const supported = platform.scopesSupported;
  return supported === undefined
    ? [...TOOL_SCOPES]
    : TOOL_SCOPES.filter((s) => supported.includes(s));
}

/** Builds the registration request for a platform (pure). */
export function buildClientRegistration(
  endpoints: ToolEndpoints,
  identity: ToolIdentity,
  platform: PlatformConfiguration,
): ClientRegistrationRequest {
  const canvas = platform.productFamily === 'canvas';
  const icon = identity.logoUrl === undefined ? {} : { icon_uri: identity.logoUrl };
  const claimsSupported = platform.claimsSupported;
  const claims = TOOL_CLAIMS.filter(
    (c) =>
      c === 'iss' || c === 'sub' || claimsSupported === undefined || claimsSupported.includes(c),
  );

  const messages: RegistrationMessage[] = [];
  if (canvas) {
    const navigation = placementsFor(platform, MESSAGE_TYPE.resourceLink, [
      CANVAS_PLACEMENT.courseNavigation,
    ]);
    messages.push({
      type: MESSAGE_TYPE.resourceLink,
      target_link_uri: endpoints.launchUrl,
      label: identity.name,
      ...icon,
      placements: navigation,
      // Course navigation: hidden until a teacher enables it, and only for teachers and admins.
      ...(navigation.length > 0
        ? {
            [CANVAS_EXTENSION.courseNavigationDefaultEnabled]: false,
            [CANVAS_EXTENSION.visibility]: 'admins' as const,
          }
        : {}),
    });
  } else {
    messages.push({
      type: MESSAGE_TYPE.resourceLink,
      target_link_uri: endpoints.launchUrl,
      label: identity.name,
      ...icon,
    });
  }
  if (supports(platform, MESSAGE_TYPE.deepLinking)) {
    messages.push({
      type: MESSAGE_TYPE.deepLinking,
      target_link_uri: endpoints.deepLinkUrl,
      label: `${identity.name} practice`,
      ...icon,
      ...(canvas
        ? {
            placements: placementsFor(platform, MESSAGE_TYPE.deepLinking, [
              CANVAS_PLACEMENT.assignmentSelection,
              CANVAS_PLACEMENT.linkSelection,
            ]),
          }
        : {}),
    });
  }

  return {
    application_type: 'web',
    response_types: ['id_token'],
    grant_types: ['implicit', 'client_credentials'],
    initiate_login_uri: endpoints.loginUrl,
    redirect_uris: [...new Set([endpoints.launchUrl, endpoints.deepLinkUrl])],
    client_name: identity.name,
    jwks_uri: endpoints.jwksUrl,
    ...(identity.logoUrl === undefined ? {} : { logo_uri: identity.logoUrl }),
    token_endpoint_auth_method: 'private_key_jwt',
    scope: requestedScopes(platform).join(' '),
    [TOOL_CONFIGURATION]: {
      domain: endpoints.domain,
      target_link_uri: endpoints.launchUrl,
      description: identity.description,
      claims,
      messages,
      // Canvas's DR default is anonymous (no names or emails); the dashboards need names.
      ...(canvas
        ? {
            [CANVAS_EXTENSION.privacyLevel]: 'public' as const,
            [CANVAS_EXTENSION.toolId]: identity.toolId,
          }
        : {}),
    },
  };
}

const idValue = z
  .union([z.string(), z.number().int().nonnegative()])
  .transform(String)
  .pipe(
    z
      .string()
      .min(1, 'is empty')
      .max(255, 'is longer than 255 characters')
      .refine((v) => v.trim() === v, 'has leading or trailing spaces'),
  );

const registrationResponseSchema = z.looseObject({
  client_id: idValue,
  scope: z.string().optional(),
  [TOOL_CONFIGURATION]: z.looseObject({ deployment_id: idValue.optional() }).optional(),
});

/** RFC 6750 token characters, bounded: the token goes into a header. */
const REGISTRATION_TOKEN = /^[\x21-\x7e]{1,8192}$/;

const FAMILY_NAMES: Readonly<Record<string, string>> = { canvas: 'Canvas', moodle: 'Moodle' };

function registrationName(platform: PlatformConfiguration, configurationUrl: URL): string {
  const family = FAMILY_NAMES[platform.productFamily] ?? platform.productFamily;
  return platform.accountName === undefined
    ? `${family} (${configurationUrl.host})`
    : `${family}: ${platform.accountName} (${configurationUrl.host})`;
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return undefined;
  }
}

/** `error: error_description` of an OAuth-style error body, for logs and the error page. */
function platformErrorOf(response: OutboundResponse): string | undefined {
  const body = parseJson(response.text);
  if (typeof body !== 'object' || body === null) return undefined;
  const { error, error_description: description } = body as Record<string, unknown>;
  const parts = [error, description].filter((p): p is string => typeof p === 'string');
  return parts.length === 0 ? undefined : parts.join(': ').slice(0, 300);
}

const describeNetworkError = (error: unknown): string =>
  error instanceof Error ? error.message : 'the request failed';

export interface DynamicRegistration {
  register(
    input: DynamicRegistrationInput,
  ): Promise<Result<DynamicRegistrationOutcome, DynamicRegistrationFailure>>;
}

export function createDynamicRegistration(deps: DynamicRegistrationDeps): DynamicRegistration {
  const endpoints = toolEndpoints(deps.publicUrl);
  const identity = deps.identity ?? defaultToolIdentity(deps.publicUrl);
  const urlPolicy = { devMode: deps.devMode, resolve: deps.resolveHost ?? systemResolver };
  const canvasHosts = deps.canvasHosts ?? [];
  const clock = deps.clock ?? systemClock;
  const pendingExpiryMs = deps.pendingExpiryMs ?? DEFAULT_PENDING_EXPIRY_MS;

  return {
    async register(input) {
      const configurationUrl = input.openidConfiguration;
      if (configurationUrl === undefined || configurationUrl === '') {
        return err({ type: 'missing-configuration-url' });
      }
      const token = input.registrationToken;
      if (token !== undefined && !REGISTRATION_TOKEN.test(token)) {
        return err({
          type: 'invalid-request',
          problems: ['registration_token contains characters a bearer token cannot have'],
        });
      }
      const authorization: Record<string, string> =
        token === undefined ? {} : { Authorization: `Bearer ${token}` };

      const checkedConfigUrl = await checkOutboundUrl(configurationUrl, urlPolicy);
      if (!checkedConfigUrl.ok) {
        return err({
          type: 'unsafe-url',
          field: 'openid_configuration',
          url: configurationUrl,
          detail: checkedConfigUrl.error.detail,
        });
      }

      let configResponse: OutboundResponse;
      try {
        configResponse = await deps.http.send({
          purpose: 'registration',
          url: configurationUrl,
          headers: { Accept: 'application/json', ...authorization },
        });
      } catch (error) {
        if (error instanceof OutboundTooLargeError) {
          return err({
            type: 'configuration-too-large',
            url: configurationUrl,
            limitBytes: error.limitBytes,
          });
        }
        return err({
          type: 'configuration-unreachable',
          url: configurationUrl,
          detail: describeNetworkError(error),
        });
      }
      if (configResponse.status !== 200) {
        return err({
          type: 'configuration-refused',
          url: configurationUrl,
          status: configResponse.status,
        });
      }
      const configJson = parseJson(configResponse.text);
      if (configJson === undefined) {
        return err({ type: 'configuration-invalid', problems: ['the answer is not JSON'] });
      }
      const parsed = parsePlatformConfiguration(configJson, { devMode: deps.devMode });
      if (!parsed.ok) return err({ type: 'configuration-invalid', problems: parsed.error });
      const platform = parsed.value;

      const issuerMatch = matchIssuer(
        platform.issuer,
        checkedConfigUrl.value,
        platform.productFamily,
        canvasHosts,
      );
      if (issuerMatch === undefined) {
        return err({ type: 'issuer-mismatch', issuer: platform.issuer, configurationUrl });
      }

      // Pathwise calls these itself (now or at every launch and grade sync): same SSRF rules.
      const serverSide: readonly [RegistrationUrlField, string][] = [
        ['registration_endpoint', platform.registrationEndpoint],
        ['token_endpoint', platform.tokenEndpoint],
        ['jwks_uri', platform.jwksUrl],
      ];
      for (const [field, url] of serverSide) {
        const checked = await checkOutboundUrl(url, urlPolicy);
        if (!checked.ok) {
          return err({ type: 'unsafe-url', field, url, detail: checked.error.detail });
        }
      }

      const request = buildClientRegistration(endpoints, identity, platform);
      let registrationResponse: OutboundResponse;
      try {
        registrationResponse = await deps.http.send({
          purpose: 'registration',
          url: platform.registrationEndpoint,
          method: 'POST',
          headers: {
            'Content-Type': 'application/json',
            Accept: 'application/json',
            ...authorization,
          },
          body: JSON.stringify(request),
        });
      } catch (error) {
        if (error instanceof OutboundTooLargeError) {
          return err({
            type: 'registration-response-too-large',
            url: platform.registrationEndpoint,
            limitBytes: error.limitBytes,
          });
        }
        return err({
          type: 'registration-unreachable',
          url: platform.registrationEndpoint,
          detail: describeNetworkError(error),
        });
      }
      if (registrationResponse.status !== 200 && registrationResponse.status !== 201) {
        return err({
          type: 'registration-refused',
          url: platform.registrationEndpoint,
          status: registrationResponse.status,
          platformError: platformErrorOf(registrationResponse),
        });
      }
      const responseJson = parseJson(registrationResponse.text);
      const response = registrationResponseSchema.safeParse(responseJson);
      if (!response.success) {
        return err({
          type: 'registration-response-invalid',
          problems:
            responseJson === undefined
              ? ['the answer is not JSON']
              : response.error.issues.map((i) => `${i.path.map(String).join('.')}: ${i.message}`),
        });
      }
      const clientId = response.data.client_id;
      const deploymentId = response.data[TOOL_CONFIGURATION]?.deployment_id;
      const scopesAsked = request.scope === '' ? [] : request.scope.split(' ');
      const grantedScopes =
        response.data.scope === undefined
          ? scopesAsked
          : response.data.scope.split(/\s+/).filter((s) => s !== '');

      const existing = await deps.registry.find(platform.issuer, clientId);
      if (existing !== undefined) {
        return err({
          type: 'already-registered',
          issuer: platform.issuer,
          clientId,
          platformId: existing.id,
        });
      }
      const now = clock.now();
      const expiredPlatformIds =
        deps.pending === undefined
          ? []
          : await expirePending(
              deps.registry,
              deps.pending,
              new Date(now.getTime() - pendingExpiryMs),
            );
      let stored: PlatformRegistration;
      try {
        stored = await deps.registry.register({
          issuer: platform.issuer,
          clientId,
          name: registrationName(platform, checkedConfigUrl.value),
          authEndpoint: platform.authEndpoint,
          tokenEndpoint: platform.tokenEndpoint,
          authorizationServer: platform.authorizationServer,
          jwksUrl: platform.jwksUrl,
          active: deps.autoActivate ?? false,
          source: 'dynamic',
          deploymentIds: deploymentId === undefined ? [] : [deploymentId],
        });
      } catch (error) {
        if (!(error instanceof ConflictError)) throw error;
        return err({
          type: 'already-registered',
          issuer: platform.issuer,
          clientId,
          platformId: undefined,
        });
      }
      // The LMS page that runs the registration is where it frames Pathwise from (Canvas: the
      // school's host, not the shared issuer): a registered frame origin of this platform.
      const lmsOrigin = checkedConfigUrl.value.origin;
      if (!stored.frameOrigins.includes(lmsOrigin) && lmsOrigin !== new URL(stored.issuer).origin) {
        await deps.registry.addFrameOrigin(stored.id, lmsOrigin);
        stored = { ...stored, frameOrigins: [...stored.frameOrigins, lmsOrigin] };
      }
      const replacedPlatformIds: string[] = [];
      if (deps.pending !== undefined) {
        // Stored first: if storing the new platform fails, the earlier pending one is still there.
        if (!stored.active) {
          await deps.pending.add({
            platformId: stored.id,
            issuer: platform.issuer,
            configurationUrl,
            createdAt: now,
          });
        }
        for (const earlier of await deps.pending.findSame(platform.issuer, configurationUrl)) {
          if (earlier.platformId === stored.id) continue;
          if (await retirePending(deps.registry, deps.pending, earlier))
            replacedPlatformIds.push(earlier.platformId);
        }
      }
      return ok({
        platform: stored,
        deploymentId,
        productFamily: platform.productFamily,
        issuerMatch,
        requestedScopes: scopesAsked,
        grantedScopes,
        replacedPlatformIds,
        expiredPlatformIds,
      });
    },
  };
}
