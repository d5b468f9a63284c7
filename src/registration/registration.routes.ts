/**
 * Registration HTTP adapter, mounted at /lti (LTI_PATH):
 *   GET /lti/register             LTI Dynamic Registration (the LMS frames it)
 *   GET /lti/canvas-config.json   Canvas developer-key JSON ("Enter URL")
 * Thin: parse the query, call the use case, map each failure type to an AppError in one
 * exhaustive switch, render.
 */
import { Router, type Response } from 'express';
import { z } from 'zod';
import type { Logger } from '../infra/logger.js';
import { route } from '../infra/http/route.js';
import { setFraming } from '../infra/http/security-headers.js';
import {
  AppError,
  ConflictError,
  UpstreamError,
  ValidationError,
  type AppErrorOptions,
} from '../shared/errors.js';
import { assertNever } from '../shared/result.js';
import { formatBytes } from '../lti/outbound-http.js';
import { SCOPE } from '../lti/vocabulary.js';
import { originOf } from '../lti/frame-ancestors.js';
import { buildCanvasConfig } from './canvas-config.js';
import {
  createDynamicRegistration,
  type DynamicRegistrationDeps,
  type DynamicRegistrationFailure,
  type DynamicRegistrationOutcome,
} from './dynamic-registration.js';
import { defaultToolIdentity, toolEndpoints } from './tool-identity.js';
import { LTI_CLOSE_SUBJECT, TOOL_SCOPES } from './vocabulary.js';

export interface RegistrationRoutesDeps extends DynamicRegistrationDeps {
  readonly logger?: Logger;
}

/** What each service scope lets Pathwise do, for the administrator's summary. */
const SCOPE_LABELS: Readonly<Record<string, string>> = {
  [SCOPE.lineItem]: 'create and update gradebook columns',
  [SCOPE.lineItemReadOnly]: 'read gradebook columns',
  [SCOPE.resultReadOnly]: 'read gradebook results',
  [SCOPE.score]: 'send scores to the gradebook',
  [SCOPE.nrps]: 'read the course roster',
};

/** CLI line an administrator runs to activate a platform. */
export const activateCommand = (platformId: string): string =>
  `npm run platform -- activate ${platformId}`;

const messages = {
  title: 'Pathwise registration',
  startFromLms: (registrationUrl: string) =>
    `Start the registration from your LMS with the tool URL ${registrationUrl}: Canvas (Admin › Developer Keys › + Developer Key › LTI Registration) and Moodle (Site administration › Plugins › External tool › Manage tools › "Tool URL" › Add LTI Advantage) add openid_configuration and registration_token themselves.`,
  missing: 'The registration request has no openid_configuration parameter.',
  repeated: (name: string) => `The parameter ${name} must be given once, as text.`,
  invalidRequest: (problems: readonly string[]) =>
    `The registration request is not valid: ${problems.join('; ')}.`,
  unsafe: (field: string, url: string, detail: string) =>
    `Pathwise refused to contact the ${field} URL ${url}: ${detail}.`,
  unsafeHelp:
    'Pathwise only contacts platforms over https at public internet addresses. Check the LMS site URL (Moodle: wwwroot; Canvas: the domain you administer). A platform reachable only on a private network has to be registered by the Pathwise operator (config/platforms.json or the platform CLI).',
  unreachable: (what: string, url: string, detail: string) =>
    `Pathwise could not reach the platform's ${what} at ${url} (${detail}).`,
  unreachableHelp:
    'Check that the LMS can be reached from the Pathwise server, then start the registration again from the LMS.',
  configTooLarge: (url: string, limitBytes: number) =>
    `The LMS configuration at ${url} was too large: Pathwise stopped reading it after ${formatBytes(limitBytes)}.`,
  configTooLargeHelp:
    "A platform's configuration is a few kilobytes. Check that openid_configuration is your LMS's own configuration URL, then start the registration again from the LMS. Nothing was stored in Pathwise.",
  responseTooLarge: (url: string, limitBytes: number) =>
    `The platform's answer to the registration (${url}) was too large: Pathwise stopped reading it after ${formatBytes(limitBytes)}.`,
  configRefused: (url: string, status: number) =>
    `The platform answered ${status} when Pathwise asked for its configuration at ${url}.`,
  tokenHelp:
    'The registration token was refused or has expired. Start the registration again from the LMS; it issues a new token each time.',
  retryHelp:
    'Start the registration again from the LMS; if it fails again, the LMS logs show why it refused.',
  configInvalid: (problems: readonly string[]) =>
    `The platform's configuration cannot be used: ${problems.join('; ')}.`,
  configInvalidHelp:
    'The LMS must support LTI Dynamic Registration 1.0 over https. Otherwise ask the Pathwise operator to register it manually (config/platforms.json or the platform CLI).',
  issuerMismatch: (issuer: string, origin: string) =>
    `The platform's configuration names the issuer ${issuer}, which is not the site it was fetched from (${origin}).`,
  issuerMismatchHelp:
    "LTI Dynamic Registration requires the issuer and the configuration to be on the same site. Check the LMS site URL. A Canvas on its own domain that uses Canvas's shared issuer must be added to Pathwise's trusted Canvas hosts by the operator first.",
  registrationRefused: (status: number, platformError: string | undefined) =>
    `The platform refused the registration (HTTP ${status}${platformError === undefined ? '' : `: ${platformError}`}).`,
  registrationTokenHelp:
    'The registration token was refused, has expired or was already used (Moodle tokens work once). Start the registration again from the LMS.',
  responseInvalid: (problems: readonly string[]) =>
    `The platform's answer to the registration cannot be used: ${problems.join('; ')}.`,
  orphanHelp:
    'Nothing was stored in Pathwise. The LMS may have created a Pathwise registration anyway: remove it in the LMS before trying again.',
  already: (issuer: string, clientId: string) =>
    `This platform (issuer ${issuer}, client id ${clientId}) is already registered with Pathwise.`,
  alreadyHelp: (platformId: string | undefined) =>
    `Nothing was changed in Pathwise. Remove the duplicate the LMS just created there.${platformId === undefined ? '' : ` To replace the Pathwise registration, run "npm run platform -- remove ${platformId}" and register again.`}`,
} as const;

/** Maps every failure type to what the administrator sees (CONVENTIONS §C.2). */
export function registrationFailureToError(
  failure: DynamicRegistrationFailure,
  registrationUrl: string,
): AppError {
  const opts = (code: string, help: string): AppErrorOptions => ({
    code,
    help,
    details: { ...failure },
  });
  switch (failure.type) {
    case 'missing-configuration-url':
      return new ValidationError(
        messages.missing,
        opts('DR_MISSING_CONFIGURATION_URL', messages.startFromLms(registrationUrl)),
      );
    case 'invalid-request':
      return new ValidationError(
        messages.invalidRequest(failure.problems),
        opts('DR_INVALID_REQUEST', messages.startFromLms(registrationUrl)),
      );
    case 'unsafe-url':
      return new ValidationError(
        messages.unsafe(failure.field, failure.url, failure.detail),
        opts('DR_UNSAFE_URL', messages.unsafeHelp),
      );
    case 'configuration-unreachable':
      return new UpstreamError(
        messages.unreachable('configuration', failure.url, failure.detail),
        opts('DR_CONFIGURATION_UNREACHABLE', messages.unreachableHelp),
      );
    case 'configuration-too-large':
      return new UpstreamError(
        messages.configTooLarge(failure.url, failure.limitBytes),
        opts('DR_CONFIGURATION_TOO_LARGE', messages.configTooLargeHelp),
      );
    case 'configuration-refused':
      return new UpstreamError(
        messages.configRefused(failure.url, failure.status),
        opts(
          'DR_CONFIGURATION_REFUSED',
          failure.status === 401 || failure.status === 403
            ? messages.tokenHelp
            : messages.retryHelp,
        ),
      );
    case 'configuration-invalid':
      return new UpstreamError(
        messages.configInvalid(failure.problems),
        opts('DR_CONFIGURATION_INVALID', messages.configInvalidHelp),
      );
    case 'issuer-mismatch':
      return new ValidationError(
        messages.issuerMismatch(failure.issuer, new URL(failure.configurationUrl).origin),
        opts('DR_ISSUER_MISMATCH', messages.issuerMismatchHelp),
      );
    case 'registration-unreachable':
      return new UpstreamError(
        messages.unreachable('registration endpoint', failure.url, failure.detail),
        opts('DR_REGISTRATION_UNREACHABLE', messages.unreachableHelp),
      );
    case 'registration-refused':
      return new UpstreamError(
        messages.registrationRefused(failure.status, failure.platformError),
        opts(
          'DR_REGISTRATION_REFUSED',
          failure.status === 401 || failure.status === 403
            ? messages.registrationTokenHelp
            : messages.retryHelp,
        ),
      );
    case 'registration-response-invalid':
      return new UpstreamError(
        messages.responseInvalid(failure.problems),
        opts('DR_REGISTRATION_RESPONSE_INVALID', messages.orphanHelp),
      );
    case 'registration-response-too-large':
      return new UpstreamError(
        messages.responseTooLarge(failure.url, failure.limitBytes),
        opts('DR_REGISTRATION_RESPONSE_TOO_LARGE', messages.orphanHelp),
      );
    case 'already-registered':
      return new ConflictError(
        messages.already(failure.issuer, failure.clientId),
        opts('DR_ALREADY_REGISTERED', messages.alreadyHelp(failure.platformId)),
      );
    default:
      return assertNever(failure);
  }
}

const queryValue = z.union([z.string(), z.undefined()]);

/**
 * The LMS frames the registration page before it is a registered platform, so its origin is not
 * in the CSP's frame-ancestors yet: add the origins the request names (configuration URL, and the
 * issuer once known) to this response only.
 */
function allowFramingBy(res: Response, urls: readonly string[]): void {
  const origins = urls.map(originOf).filter((o): o is string => o !== undefined);
  if (origins.length === 0) return;
  setFraming(res, { kind: 'origins', origins: [...new Set(origins)] });
}

function completionView(outcome: DynamicRegistrationOutcome): Record<string, unknown> {
  const granted = new Set(outcome.grantedScopes);
  const missing = TOOL_SCOPES.filter((s) => !granted.has(s));
  return {
    title: messages.title,
    platformName: outcome.platform.name,
    platformId: outcome.platform.id,
    issuer: outcome.platform.issuer,
    clientId: outcome.platform.clientId,
    deploymentId: outcome.deploymentId,
    active: outcome.platform.active,
    activateCommand: activateCommand(outcome.platform.id),
    grantedScopes: outcome.grantedScopes.map((s) => SCOPE_LABELS[s] ?? s),
    missingScopes: missing.map((s) => SCOPE_LABELS[s] ?? s),
    closeSubject: LTI_CLOSE_SUBJECT,
    isCanvas: outcome.productFamily === 'canvas',
  };
}

export function registrationRoutes(deps: RegistrationRoutesDeps): Router {
  const router = Router();
  const registration = createDynamicRegistration(deps);
  const endpoints = toolEndpoints(deps.publicUrl);
  const canvasConfig = buildCanvasConfig(
    endpoints,
    deps.identity ?? defaultToolIdentity(deps.publicUrl),
  );

  router.get(
    '/register',
    route(async (req, res) => {
      const configuration = queryValue.safeParse(req.query['openid_configuration']);
      const token = queryValue.safeParse(req.query['registration_token']);
      if (!configuration.success || !token.success) {
        throw new ValidationError(
          messages.repeated(!configuration.success ? 'openid_configuration' : 'registration_token'),
          { code: 'DR_INVALID_REQUEST', help: messages.startFromLms(endpoints.registrationUrl) },
        );
      }
      if (configuration.data !== undefined) allowFramingBy(res, [configuration.data]);
      const result = await registration.register({
        openidConfiguration: configuration.data,
        registrationToken: token.data,
      });
      if (!result.ok) throw registrationFailureToError(result.error, endpoints.registrationUrl);
      const outcome = result.value;
      allowFramingBy(res, [
        ...(configuration.data === undefined ? [] : [configuration.data]),
        outcome.platform.issuer,
      ]);
      deps.logger?.info(
        {
          platformId: outcome.platform.id,
          issuer: outcome.platform.issuer,
          clientId: outcome.platform.clientId,
          deploymentId: outcome.deploymentId,
          active: outcome.platform.active,
          issuerMatch: outcome.issuerMatch,
          grantedScopes: outcome.grantedScopes,
          replacedPlatformIds: outcome.replacedPlatformIds,
          expiredPlatformIds: outcome.expiredPlatformIds,
        },
        'platform registered through Dynamic Registration',
      );
      res.status(200).render('registration/complete', completionView(outcome));
    }),
  );

  router.get('/canvas-config.json', (_req, res) => {
    res.set('Cache-Control', 'public, max-age=300').json(canvasConfig);
  });

  return router;
}
