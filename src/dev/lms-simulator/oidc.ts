/**
 * Launches: the platform side of OIDC third-party-initiated login. `initiateLogin` creates an
 * opaque `lti_message_hint` and the login-initiation parameters; the authorization endpoint
 * validates the tool's redirect like a real platform and answers with an auto-submitting form
 * that POSTs the signed id_token and the state to the registered redirect URI.
 */
import { randomBytes } from 'node:crypto';
import type { Request, Response } from 'express';
import { buildLaunchClaims, rolesFor } from './claims.js';
import { nowSeconds, params, sendErrorPage, type PlatformContext } from './context.js';
import { editClaims, signJwt, type ClaimEdits, type SignJwtOptions } from './jwt.js';
import type { LaunchHint, ResourceLinkRecord, ToolRegistration } from './state.js';
import { MESSAGE_TYPE, SCOPE, type LaunchMessageType } from './vocabulary.js';

export interface LaunchRequest {
  /** Seeded user handle (`instructor`, `student-07`) or `sub`. */
  readonly user: string;
  readonly messageType?: LaunchMessageType;
  /** Resource link to launch (resource-link launches); defaults to the first seeded link. */
  readonly resourceLinkId?: string;
  /** Which tool registration; defaults to the first one. */
  readonly clientId?: string;
  readonly deploymentId?: string;
}

export interface LoginInitiation {
  /** The tool's OIDC login URL. */
  readonly url: string;
  /** Form fields (or query parameters) of the login initiation. */
  readonly params: Readonly<Record<string, string>>;
  /** The same as a GET URL. */
  readonly getUrl: string;
}

const HINT_LIFETIME_MS = 5 * 60 * 1000;

export class LaunchError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'LaunchError';
  }
}

function registrationFor(ctx: PlatformContext, clientId: string | undefined): ToolRegistration {
  const registration =
    clientId === undefined
      ? ctx.state.registrations.values().next().value
      : ctx.state.registrations.get(clientId);
  if (registration === undefined) throw new LaunchError(`no tool registration ${clientId ?? ''}`);
  return registration;
}

export function initiateLogin(ctx: PlatformContext, request: LaunchRequest): LoginInitiation {
  const registration = registrationFor(ctx, request.clientId);
  const user = ctx.state.userByKey(request.user) ?? ctx.state.userBySub(request.user);
  if (user === undefined) throw new LaunchError(`unknown user ${request.user}`);
  const messageType = request.messageType ?? MESSAGE_TYPE.resourceLink;
  const deploymentId = request.deploymentId ?? registration.deploymentIds[0];
  if (deploymentId === undefined || !registration.deploymentIds.includes(deploymentId)) {
    throw new LaunchError(
      `unknown deployment ${deploymentId ?? ''} (use mintIdToken edits to forge one)`,
    );
  }
  let link: ResourceLinkRecord | undefined;
  if (messageType === MESSAGE_TYPE.resourceLink) {
    link =
      request.resourceLinkId === undefined
        ? [...ctx.state.resourceLinks.values()].find((l) => l.clientId === registration.clientId)
        : ctx.state.resourceLinks.get(request.resourceLinkId);
    if (link === undefined)
      throw new LaunchError(`unknown resource link ${request.resourceLinkId ?? ''}`);
  }
  const targetLinkUri =
    messageType === MESSAGE_TYPE.deepLinking
      ? (registration.deepLinkUrl ?? registration.targetLinkUri)
      : (link?.url ?? registration.targetLinkUri);
  const hintId = randomBytes(18).toString('base64url');
  const hint: LaunchHint = {
    clientId: registration.clientId,
    deploymentId,
    userSub: user.sub,
    messageType,
    resourceLinkId: link?.id,
    targetLinkUri,
    expiresAtMs: ctx.clock.now().getTime() + HINT_LIFETIME_MS,
  };
  ctx.state.launchHints.set(hintId, hint);
  const fields: Record<string, string> = {
    iss: ctx.issuer,
    login_hint: user.sub,
    target_link_uri: targetLinkUri,
    lti_message_hint: hintId,
    client_id: registration.clientId,
    lti_deployment_id: deploymentId,
  };
  if (ctx.profile.name === 'canvas') {
    fields['canvas_region'] = 'not_configured';
    fields['canvas_environment'] = 'prod';
  }
  if (ctx.storageTarget !== undefined) fields['lti_storage_target'] = ctx.storageTarget;
  const query = new URLSearchParams(fields).toString();
  const separator = registration.loginUrl.includes('?') ? '&' : '?';
  return {
    url: registration.loginUrl,
    params: fields,
    getUrl: `${registration.loginUrl}${separator}${query}`,
  };
}

/** GET /launch?user=…&message=resource|deeplink&link=…&client_id=…: the auto-submitting login form. */
export function handleLaunchStart(ctx: PlatformContext, req: Request, res: Response): void {
  const p = params(req);
  let initiation: LoginInitiation;
  try {
    initiation = initiateLogin(ctx, {
      user: p['user'] ?? 'student-01',
      messageType:
        p['message'] === 'deeplink' ? MESSAGE_TYPE.deepLinking : MESSAGE_TYPE.resourceLink,
      ...(p['link'] === undefined || p['link'] === '' ? {} : { resourceLinkId: p['link'] }),
      ...(p['client_id'] === undefined || p['client_id'] === ''
        ? {}
        : { clientId: p['client_id'] }),
    });
  } catch (error) {
    if (error instanceof LaunchError) {
      sendErrorPage(ctx, res, 400, 'Cannot start the launch', error.message);
      return;
    }
    throw error;
  }
  res.type('html').send(
    ctx.views.render('autopost', {
      title: 'Launching the tool…',
      heading: 'Launching the tool',
      explanation: 'Step 1 of 3: OIDC login initiation to the tool.',
      action: initiation.url,
      fields: Object.entries(initiation.params).map(([name, value]) => ({ name, value })),
      profile: ctx.profile.name,
      assetBase: ctx.urls.base,
    }),
  );
}

const REQUIRED_AUTH_PARAMS = [
  'scope',
  'response_type',
  'response_mode',
  'prompt',
  'client_id',
  'redirect_uri',
  'login_hint',
  'lti_message_hint',
  'state',
  'nonce',
] as const;

/** Validates an authorization request; returns the list of problems (empty when valid). */
function checkAuthRequest(
  ctx: PlatformContext,
  p: Record<string, string>,
): { problems: string[]; registration?: ToolRegistration; hint?: LaunchHint } {
  const problems: string[] = [];
  for (const name of REQUIRED_AUTH_PARAMS) {
    if ((p[name] ?? '') === '') problems.push(`missing ${name}`);
  }
  if (p['scope'] !== undefined && !p['scope'].split(' ').includes('openid'))
    problems.push('scope must include openid');
  if (p['response_type'] !== undefined && p['response_type'] !== 'id_token')
    problems.push('response_type must be id_token');
  if (p['response_mode'] !== undefined && p['response_mode'] !== 'form_post')
    problems.push('response_mode must be form_post');
  if (p['prompt'] !== undefined && p['prompt'] !== 'none') problems.push('prompt must be none');
  const registration =
    p['client_id'] === undefined ? undefined : ctx.state.registrations.get(p['client_id']);
  if (p['client_id'] !== undefined && registration === undefined)
    problems.push('unknown client_id');
  if (
    registration !== undefined &&
    p['redirect_uri'] !== undefined &&
    !registration.redirectUris.includes(p['redirect_uri'])
  ) {
    problems.push('redirect_uri does not exactly match a registered redirect URI');
  }
  const hint =
    p['lti_message_hint'] === undefined
      ? undefined
      : ctx.state.launchHints.get(p['lti_message_hint']);
  if (p['lti_message_hint'] !== undefined) {
    // Single use, as on the real platforms (Canvas fetch_and_delete_launch, Moodle
    // unset($SESSION->$launchid)): a second authorization request for one launch is refused.
    if (hint === undefined)
      problems.push('unknown lti_message_hint (the launch has expired or was already used)');
    else {
      if (hint.expiresAtMs <= ctx.clock.now().getTime()) problems.push('lti_message_hint expired');
      if (p['client_id'] !== undefined && hint.clientId !== p['client_id'])
        problems.push('client_id does not match the launch');
      if (p['login_hint'] !== undefined && hint.userSub !== p['login_hint'])
        problems.push('login_hint does not match the launch');
    }
  }
  return {
    problems,
    ...(registration === undefined ? {} : { registration }),
    ...(hint === undefined ? {} : { hint }),
  };
}

/** GET or POST on the authorization endpoint. */
export function handleAuth(ctx: PlatformContext, req: Request, res: Response): void {
  const p = params(req);
  const { problems, registration, hint } = checkAuthRequest(ctx, p);
  if (problems.length > 0 || registration === undefined || hint === undefined) {
    const message = `Invalid authorization request: ${problems.join('; ')}.`;
    ctx.state.authErrors.push({ at: ctx.clock.now().toISOString(), message });
    sendErrorPage(ctx, res, 400, 'Launch refused by the platform', message);
    return;
  }
  const redirectUri = p['redirect_uri'] ?? '';
  ctx.state.launchHints.delete(p['lti_message_hint'] ?? '');
  const { token, claims } = mintLaunchToken(ctx, registration, hint, p['nonce'] ?? '');
  ctx.state.issuedIdTokens.push({
    at: ctx.clock.now().toISOString(),
    clientId: registration.clientId,
    userSub: hint.userSub,
    messageType: hint.messageType,
    redirectUri,
    claims,
    token,
  });
  res.type('html').send(
    ctx.views.render('autopost', {
      title: 'Returning to the tool…',
      heading: 'Returning to the tool',
      explanation: 'Step 2 of 3: the platform posts the signed id_token to the tool.',
      action: redirectUri,
      fields: [
        { name: 'id_token', value: token },
        { name: 'state', value: p['state'] ?? '' },
        // Canvas repeats the Platform Storage signal in the launch itself.
        ...(ctx.storageTarget === undefined
          ? []
          : [{ name: 'lti_storage_target', value: ctx.storageTarget }]),
      ],
      profile: ctx.profile.name,
      assetBase: ctx.urls.base,
    }),
  );
}

/** Claims and signed token for a validated launch. */
export function mintLaunchToken(
  ctx: PlatformContext,
  registration: ToolRegistration,
  hint: LaunchHint,
  nonce: string,
  tweaks: { readonly edits?: ClaimEdits; readonly sign?: Partial<SignJwtOptions> } = {},
): { token: string; claims: Record<string, unknown> } {
  const user = ctx.state.userBySub(hint.userSub);
  if (user === undefined) throw new LaunchError('launch user vanished');
  const key = ctx.keys[0];
  if (key === undefined) throw new Error('platform has no signing key');
  const course = ctx.state.course;
  const link =
    hint.resourceLinkId === undefined
      ? undefined
      : ctx.state.resourceLinks.get(hint.resourceLinkId);
  const agsScopes = registration.scopes.filter((s) =>
    s.startsWith('https://purl.imsglobal.org/spec/lti-ags/'),
  );
  const lineItem = link === undefined ? undefined : ctx.state.lineItemsForLink(link.id)[0];
  const typeId = registration.typeId;
  const isDeepLink = hint.messageType === MESSAGE_TYPE.deepLinking;
  const data = isDeepLink ? randomBytes(12).toString('base64url') : undefined;
  if (data !== undefined) {
    ctx.state.deepLinkRequests.set(data, {
      clientId: registration.clientId,
      deploymentId: hint.deploymentId,
      userSub: hint.userSub,
      issuedAtMs: ctx.clock.now().getTime(),
    });
  }
  const claims = buildLaunchClaims({
    profile: ctx.profile.name,
    issuer: ctx.issuer,
    clientId: registration.clientId,
    deploymentId: hint.deploymentId,
    user,
    roles: rolesFor(ctx.profile.name, user.role),
    messageType: hint.messageType,
    targetLinkUri: hint.targetLinkUri,
    nonce,
    nowSeconds: nowSeconds(ctx.clock),
    lifetimeSeconds: ctx.profile.idTokenLifetimeSeconds,
    privacy: registration.privacy,
    course,
    platformName: ctx.platformName,
    returnUrl: `${ctx.urls.base}/`,
    ...(link === undefined
      ? {}
      : { resourceLink: { id: link.id, title: link.title, description: link.description } }),
    ...(agsScopes.length === 0
      ? {}
      : {
          ags: {
            scopes: agsScopes,
            lineItemsUrl: ctx.urls.lineItems(course.id, typeId),
            ...(lineItem === undefined ? {} : { lineItemUrl: lineItem.url }),
          },
        }),
    ...(registration.scopes.includes(SCOPE.nrps)
      ? { membershipsUrl: ctx.urls.memberships(course.id, typeId) }
      : {}),
    ...(isDeepLink
      ? {
          deepLinking: {
            returnUrl: ctx.urls.deepLinkReturn(course.id, typeId),
            acceptTypes: ['ltiResourceLink'],
            acceptPresentationDocumentTargets: ['iframe', 'window'],
            acceptMultiple: ctx.profile.name === 'moodle',
            acceptLineItem: true,
            autoCreate: true,
            ...(data === undefined ? {} : { data }),
          },
        }
      : {}),
    custom: {
      ...registration.customParameters,
      ...(link?.customParameters ?? {}),
      ...(ctx.profile.name === 'canvas'
        ? { canvas_course_id: Number(course.id), canvas_user_id: user.numericId }
        : {}),
    },
  });
  const edited = editClaims(claims, tweaks.edits);
  return { token: signJwt(edited, { key, ...tweaks.sign }), claims: edited };
}
