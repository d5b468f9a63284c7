/**
 * LTI Dynamic Registration 1.0, platform side. The platform opens the tool's registration URL with
 * `openid_configuration` and `registration_token`; serves its openid-configuration (Canvas: only
 * with `Authorization: Bearer <registration_token>`; Moodle: without auth) and accepts the tool's
 * registration POST with the token as Bearer (Moodle: single use → 401 token_already_used).
 */
import { createHash, randomBytes } from 'node:crypto';
import type { Request, Response } from 'express';
import { isRecord, nowSeconds, sendError, type PlatformContext } from './context.js';
import { signJwt } from './jwt.js';
import { seedLinks } from './seed-links.js';
import type { PrivacyLevel, ToolMessage, ToolRegistration } from './state.js';
import { ALL_SERVICE_SCOPES, MESSAGE_TYPE, SCOPE, type LaunchMessageType } from './vocabulary.js';

const TOOL_CONFIG = 'https://purl.imsglobal.org/spec/lti-tool-configuration';
const PLATFORM_CONFIG = 'https://purl.imsglobal.org/spec/lti-platform-configuration';
const CANVAS_PRIVACY = 'https://canvas.instructure.com/lti/privacy_level';
const TOKEN_LIFETIME_MS = 60 * 60 * 1000;

export interface RegistrationStart {
  /** The tool's registration URL with `openid_configuration` and `registration_token` appended. */
  readonly url: string;
  readonly openidConfigurationUrl: string;
  readonly registrationToken: string;
}

export function startDynamicRegistration(
  ctx: PlatformContext,
  toolRegistrationUrl: string,
): RegistrationStart {
  const now = ctx.clock.now().getTime();
  const token =
    ctx.profile.name === 'moodle' ? signJwtToken(ctx) : randomBytes(24).toString('base64url');
  ctx.state.registrationTokens.set(token, {
    token,
    used: false,
    expiresAtMs: now + TOKEN_LIFETIME_MS,
  });
  const url = new URL(toolRegistrationUrl);
  url.searchParams.set('openid_configuration', ctx.urls.openidConfiguration);
  url.searchParams.set('registration_token', token);
  return {
    url: url.toString(),
    openidConfigurationUrl: ctx.urls.openidConfiguration,
    registrationToken: token,
  };
}

/** Moodle's registration token: an RS256 JWT signed by the platform, `sub` = the future client id. */
function signJwtToken(ctx: PlatformContext): string {
  const key = ctx.keys[0];
  if (key === undefined) throw new Error('platform has no signing key');
  const now = nowSeconds(ctx.clock);
  return signJwt(
    {
      sub: randomBytes(8).toString('hex'),
      scope: 'reg',
      iat: now,
      exp: now + 3600,
      jti: randomBytes(8).toString('hex'),
    },
    { key },
  );
}

function bearer(req: Request): string | undefined {
  return /^Bearer\s+(\S+)$/i.exec(req.get('authorization') ?? '')?.[1];
}

export function openidConfiguration(ctx: PlatformContext): Record<string, unknown> {
  const canvas = ctx.profile.name === 'canvas';
  return {
    issuer: ctx.issuer,
    authorization_endpoint: ctx.urls.auth,
    registration_endpoint: ctx.urls.registration,
    jwks_uri: ctx.urls.jwks,
    token_endpoint: ctx.urls.token,
    token_endpoint_auth_methods_supported: ['private_key_jwt'],
    token_endpoint_auth_signing_alg_values_supported: ['RS256'],
    scopes_supported: canvas
      ? ['openid', ...ALL_SERVICE_SCOPES, SCOPE.canvasPublicJwkUpdate]
      : ['openid', ...ALL_SERVICE_SCOPES],
    response_types_supported: ['id_token'],
    id_token_signing_alg_values_supported: ['RS256'],
    claims_supported: canvas
      ? [
          'sub',
          'iss',
          'name',
          'given_name',
          'family_name',
          'nickname',
          'picture',
          'email',
          'locale',
        ]
      : ['sub', 'iss', 'name', 'given_name', 'family_name', 'email'],
    subject_types_supported: ['public', 'pairwise'],
    // The token endpoint is also the client-assertion audience the simulator accepts.
    ...(canvas ? { authorization_server: ctx.urls.token } : {}),
    [PLATFORM_CONFIG]: {
      product_family_code: ctx.profile.productFamilyCode,
      version: canvas ? 'OpenSource' : '4.5',
      messages_supported: canvas
        ? [
            {
              type: MESSAGE_TYPE.resourceLink,
              placements: ['course_navigation', 'assignment_selection', 'link_selection'],
            },
            {
              type: MESSAGE_TYPE.deepLinking,
              placements: ['assignment_selection', 'link_selection', 'editor_button'],
            },
          ]
        : [MESSAGE_TYPE.resourceLink, MESSAGE_TYPE.deepLinking],
      variables: canvas
        ? ['Canvas.course.id', 'Canvas.user.id']
        : ['CourseSection.sourcedId', 'Context.id'],
    },
  };
}

export function handleOpenidConfiguration(ctx: PlatformContext, req: Request, res: Response): void {
  if (ctx.profile.openidConfigurationNeedsToken) {
    const token = bearer(req);
    const record = token === undefined ? undefined : ctx.state.registrationTokens.get(token);
    if (record === undefined || record.expiresAtMs <= ctx.clock.now().getTime()) {
      res.set('WWW-Authenticate', 'Bearer');
      sendError(res, 401, 'unauthorized', 'registration_token required as Bearer');
      return;
    }
  }
  res.json(openidConfiguration(ctx));
}

const strings = (value: unknown): string[] | undefined =>
  Array.isArray(value) && value.every((v) => typeof v === 'string') ? value : undefined;

export function handleRegistration(ctx: PlatformContext, req: Request, res: Response): void {
  const body: unknown = req.body;
  const recordFailure = (status: number, error: string): void => {
    ctx.state.dynamicRegistrations.push({
      at: ctx.clock.now().toISOString(),
      ok: false,
      status,
      error,
      request: isRecord(body) ? { ...body } : undefined,
      clientId: undefined,
    });
  };
  const token = bearer(req);
  const tokenRecord = token === undefined ? undefined : ctx.state.registrationTokens.get(token);
  if (tokenRecord === undefined || tokenRecord.expiresAtMs <= ctx.clock.now().getTime()) {
    recordFailure(401, 'invalid_token');
    sendError(res, 401, 'invalid_token', 'registration_token required as Bearer');
    return;
  }
  if (tokenRecord.used && ctx.profile.name === 'moodle') {
    recordFailure(401, 'token_already_used');
    sendError(res, 401, 'token_already_used', 'The registration token was already used');
    return;
  }
  const problems: string[] = [];
  if (!isRecord(body)) {
    recordFailure(400, 'invalid_client_metadata');
    sendError(res, 400, 'invalid_client_metadata', 'a JSON registration body is required');
    return;
  }
  const toolConfig = body[TOOL_CONFIG];
  const redirectUris = strings(body['redirect_uris']);
  const responseTypes = strings(body['response_types']);
  const grantTypes = strings(body['grant_types']);
  if (body['application_type'] !== 'web') problems.push('application_type must be web');
  if (responseTypes?.includes('id_token') !== true)
    problems.push('response_types must include id_token');
  if (grantTypes?.includes('implicit') !== true || !grantTypes.includes('client_credentials')) {
    problems.push('grant_types must include implicit and client_credentials');
  }
  if (typeof body['initiate_login_uri'] !== 'string')
    problems.push('initiate_login_uri is required');
  if (redirectUris === undefined || redirectUris.length === 0)
    problems.push('redirect_uris is required');
  if (typeof body['jwks_uri'] !== 'string') problems.push('jwks_uri is required');
  if (body['token_endpoint_auth_method'] !== 'private_key_jwt')
    problems.push('token_endpoint_auth_method must be private_key_jwt');
  if (typeof body['client_name'] !== 'string' || body['client_name'].trim() === '')
    problems.push('client_name is required');
  if (!isRecord(toolConfig)) problems.push(`${TOOL_CONFIG} is required`);
  else if (typeof toolConfig['target_link_uri'] !== 'string')
    problems.push('target_link_uri is required');
  if (problems.length > 0 || !isRecord(toolConfig) || redirectUris === undefined) {
    recordFailure(400, problems.join('; '));
    sendError(res, 400, 'invalid_client_metadata', problems.join('; '));
    return;
  }
  tokenRecord.used = true;
  const requestedScopes =
    typeof body['scope'] === 'string' ? body['scope'].split(/\s+/).filter((s) => s !== '') : [];
  const supported = openidConfiguration(ctx)['scopes_supported'] as string[];
  const scopes = requestedScopes.filter((s) => supported.includes(s) && s !== 'openid');
  const claims = strings(toolConfig['claims']) ?? [];
  const messages: ToolMessage[] = (
    Array.isArray(toolConfig['messages']) ? toolConfig['messages'] : []
  )
    .filter(isRecord)
    .filter(
      (m) => m['type'] === MESSAGE_TYPE.resourceLink || m['type'] === MESSAGE_TYPE.deepLinking,
    )
    .map((m) => ({
      type: m['type'] as LaunchMessageType,
      ...(typeof m['target_link_uri'] === 'string' ? { targetLinkUri: m['target_link_uri'] } : {}),
      ...(typeof m['label'] === 'string' ? { label: m['label'] } : {}),
    }));
  const privacy = privacyFor(ctx, toolConfig, claims);
  const count = ctx.state.registrations.size + 1;
  const clientId =
    ctx.profile.name === 'canvas'
      ? String(10000000000000 + 100 + count)
      : randomBytes(8).toString('base64url').replace(/[-_]/g, 'x').slice(0, 15);
  const typeId = String(100 + count);
  const deploymentId =
    ctx.profile.name === 'canvas'
      ? `${count}:${createHash('sha1').update(clientId).digest('hex')}`
      : typeId;
  const deepLinkMessage = messages.find((m) => m.type === MESSAGE_TYPE.deepLinking);
  const targetLinkUri = toolConfig['target_link_uri'] as string;
  const registration: ToolRegistration = {
    clientId,
    deploymentIds: [deploymentId],
    typeId,
    name: body['client_name'] as string,
    loginUrl: body['initiate_login_uri'] as string,
    targetLinkUri,
    deepLinkUrl:
      deepLinkMessage?.targetLinkUri ?? (deepLinkMessage === undefined ? undefined : targetLinkUri),
    redirectUris,
    jwksUrl: body['jwks_uri'] as string,
    scopes,
    privacy,
    customParameters: isRecord(toolConfig['custom_parameters'])
      ? Object.fromEntries(
          Object.entries(toolConfig['custom_parameters']).filter(
            (e): e is [string, string] => typeof e[1] === 'string',
          ),
        )
      : {},
    messages,
    source: 'dynamic',
    claims,
  };
  ctx.state.registrations.set(clientId, registration);
  seedLinks(ctx, registration);
  ctx.state.dynamicRegistrations.push({
    at: ctx.clock.now().toISOString(),
    ok: true,
    status: 200,
    error: undefined,
    request: { ...body },
    clientId,
  });
  res.json({
    ...body,
    client_id: clientId,
    scope: scopes.join(' '),
    [TOOL_CONFIG]: {
      ...toolConfig,
      ...(ctx.profile.name === 'moodle' ? { deployment_id: deploymentId } : {}),
    },
  });
}

function privacyFor(
  ctx: PlatformContext,
  toolConfig: Record<string, unknown>,
  claims: readonly string[],
): PrivacyLevel {
  if (ctx.profile.name === 'canvas') {
    const level = toolConfig[CANVAS_PRIVACY];
    return level === 'public' || level === 'name_only' || level === 'email_only'
      ? level
      : 'anonymous';
  }
  const names = claims.some((c) => c === 'name' || c === 'given_name' || c === 'family_name');
  const email = claims.includes('email');
  if (names && email) return 'public';
  if (names) return 'name_only';
  if (email) return 'email_only';
  return 'anonymous';
}
