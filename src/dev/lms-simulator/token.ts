/**
 * OAuth 2 token endpoint: client_credentials with a private_key_jwt client assertion (RFC 7523)
 * verified against the tool's JWKS (fetched over HTTP, cached). Checks iss = sub = client_id,
 * aud = this token endpoint, exp/iat, unused jti, scope ⊆ the registration's scopes.
 */
import { randomBytes } from 'node:crypto';
import type { Request, Response } from 'express';
import { errors as joseErrors, jwtVerify } from 'jose';
import { params, sendError, type PlatformContext } from './context.js';
import { decodeJwtUnverified } from './jwt.js';
import { CLIENT_ASSERTION_TYPE } from './vocabulary.js';

export const ACCESS_TOKEN_LIFETIME_SECONDS = 3600;
/** Longest client-assertion lifetime accepted (exp − iat). */
const MAX_ASSERTION_LIFETIME_SECONDS = 3600;
const CLOCK_TOLERANCE_SECONDS = 5;

export async function handleToken(
  ctx: PlatformContext,
  req: Request,
  res: Response,
): Promise<void> {
  const p = params(req);
  if (ctx.profile.requireUserAgent && (req.get('user-agent') ?? '').trim() === '') {
    sendError(res, 400, 'user_agent_required', 'Requests without a User-Agent header are refused.');
    return;
  }
  if (p['grant_type'] !== 'client_credentials') {
    sendError(res, 400, 'unsupported_grant_type', 'grant_type must be client_credentials');
    return;
  }
  if (p['client_assertion_type'] !== CLIENT_ASSERTION_TYPE) {
    sendError(
      res,
      400,
      'invalid_request',
      `client_assertion_type must be ${CLIENT_ASSERTION_TYPE}`,
    );
    return;
  }
  const assertion = p['client_assertion'];
  if (assertion === undefined || assertion === '') {
    sendError(res, 400, 'invalid_request', 'client_assertion is required');
    return;
  }
  const scope = (p['scope'] ?? '').trim();
  if (scope === '') {
    sendError(res, 400, 'invalid_scope', 'scope is required');
    return;
  }
  const decoded = decodeJwtUnverified(assertion);
  const clientId = decoded?.payload['sub'];
  const registration =
    typeof clientId === 'string' ? ctx.state.registrations.get(clientId) : undefined;
  if (decoded === undefined || registration === undefined) {
    sendError(res, 401, 'invalid_client', 'unknown client or unreadable client_assertion');
    return;
  }
  let payload: Record<string, unknown>;
  try {
    const verified = await jwtVerify(assertion, ctx.toolKeys.get(registration.jwksUrl), {
      algorithms: ['RS256'],
      issuer: registration.clientId,
      subject: registration.clientId,
      audience: ctx.urls.token,
      currentDate: ctx.clock.now(),
      clockTolerance: CLOCK_TOLERANCE_SECONDS,
      requiredClaims: ['exp', 'iat', 'jti'],
    });
    payload = verified.payload;
  } catch (error) {
    const reason =
      error instanceof joseErrors.JOSEError
        ? `${error.code}: ${error.message}`
        : 'verification failed';
    sendError(res, 401, 'invalid_client', `client_assertion rejected (${reason})`);
    return;
  }
  const nowS = Math.floor(ctx.clock.now().getTime() / 1000);
  const exp = typeof payload['exp'] === 'number' ? payload['exp'] : 0;
  const iat = typeof payload['iat'] === 'number' ? payload['iat'] : 0;
  if (iat > nowS + CLOCK_TOLERANCE_SECONDS) {
    sendError(res, 401, 'invalid_client', 'client_assertion iat is in the future');
    return;
  }
  if (exp - iat > MAX_ASSERTION_LIFETIME_SECONDS) {
    sendError(res, 401, 'invalid_client', 'client_assertion lifetime is too long');
    return;
  }
  const jti = typeof payload['jti'] === 'string' ? payload['jti'] : '';
  for (const [seen, until] of ctx.state.usedAssertionIds) {
    if (until < nowS) ctx.state.usedAssertionIds.delete(seen);
  }
  const jtiKey = `${registration.clientId} ${jti}`;
  if (jti === '' || ctx.state.usedAssertionIds.has(jtiKey)) {
    sendError(res, 401, 'invalid_client', 'client_assertion jti was already used');
    return;
  }
  ctx.state.usedAssertionIds.set(jtiKey, exp + CLOCK_TOLERANCE_SECONDS);
  const requested = scope.split(/\s+/);
  const refused = requested.filter((s) => !registration.scopes.includes(s));
  if (refused.length > 0) {
    sendError(res, 400, 'invalid_scope', `scopes not granted to this tool: ${refused.join(' ')}`);
    return;
  }
  const accessToken = randomBytes(32).toString('base64url');
  ctx.state.accessTokens.set(accessToken, {
    clientId: registration.clientId,
    scopes: requested,
    expiresAtMs: ctx.clock.now().getTime() + ACCESS_TOKEN_LIFETIME_SECONDS * 1000,
  });
  res.set('Cache-Control', 'no-store').json({
    access_token: accessToken,
    token_type: 'Bearer',
    expires_in: ACCESS_TOKEN_LIFETIME_SECONDS,
    scope: requested.join(' '),
  });
}
