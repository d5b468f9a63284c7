/**
 * What every endpoint module of one simulated platform shares, and the small HTTP helpers they use.
 */
import type { NextFunction, Request, RequestHandler, Response } from 'express';
import { createRemoteJWKSet, type JWTVerifyGetKey } from 'jose';
import type { Clock } from '../../shared/clock.js';
import type { FaultInjector } from './faults.js';
import type { SigningKey } from './jwt.js';
import type { PlatformUrls, ProfileSpec } from './profiles.js';
import type { EndpointName, SimulatorState, ToolRegistration } from './state.js';
import type { Views } from './views.js';

export interface PlatformContext {
  readonly profile: ProfileSpec;
  readonly issuer: string;
  readonly urls: PlatformUrls;
  readonly state: SimulatorState;
  readonly clock: Clock;
  /** Signing keys; the first signs, all are published in the JWKS. */
  readonly keys: SigningKey[];
  readonly faults: FaultInjector;
  readonly views: Views;
  readonly toolKeys: ToolKeySets;
  readonly platformName: string;
  /** `lti_storage_target` sent in login and launch (Platform Storage), or undefined (none). */
  readonly storageTarget: string | undefined;
}

export const nowSeconds = (clock: Clock): number => Math.floor(clock.now().getTime() / 1000);

/** Remote JWKS per tool URL, cached (jose: keeps keys, refetches on an unknown kid after a cooldown). */
export class ToolKeySets {
  readonly #sets = new Map<string, JWTVerifyGetKey>();
  readonly #timeoutMs: number;

  constructor(timeoutMs = 5000) {
    this.#timeoutMs = timeoutMs;
  }

  get(url: string): JWTVerifyGetKey {
    let set = this.#sets.get(url);
    if (set === undefined) {
      set = createRemoteJWKSet(new URL(url), {
        timeoutDuration: this.#timeoutMs,
        cooldownDuration: 1000,
        cacheMaxAge: 10 * 60 * 1000,
        headers: { 'User-Agent': 'Pathwise-LMS-Simulator/1.0' },
      });
      this.#sets.set(url, set);
    }
    return set;
  }

  /** Drops a tool's cached keys (after key rotation in a test). */
  forget(url?: string): void {
    if (url === undefined) this.#sets.clear();
    else this.#sets.delete(url);
  }
}

/** Logs every request to `endpoint` (on close, so hung/aborted requests count) and applies faults. */
export function track(ctx: PlatformContext, endpoint: EndpointName): RequestHandler[] {
  const log: RequestHandler = (req, res, next) => {
    const at = ctx.clock.now().toISOString();
    res.on('close', () => {
      ctx.state.requestLog.push({
        endpoint,
        method: req.method,
        url: req.originalUrl,
        status: res.writableFinished ? res.statusCode : 0,
        at,
        userAgent: req.get('user-agent'),
        faulted: res.locals['faulted'] === true,
      });
    });
    next();
  };
  return [log, ctx.faults.middleware(endpoint)];
}

/** JSON error in the shape Canvas/Moodle-ish clients expect: `{ error, error_description }`. */
export function sendError(res: Response, status: number, error: string, description: string): void {
  res.status(status).json({ error, error_description: description });
}

/** An HTML error page (browser-facing endpoints: auth, deep-link return, launch). */
export function sendErrorPage(
  ctx: PlatformContext,
  res: Response,
  status: number,
  title: string,
  message: string,
): void {
  res
    .status(status)
    .type('html')
    .send(
      ctx.views.render('message', {
        title,
        heading: title,
        message,
        error: true,
        profile: ctx.profile.name,
      }),
    );
}

export const firstString = (value: unknown): string | undefined => {
  if (typeof value === 'string') return value;
  if (Array.isArray(value) && typeof value[0] === 'string') return value[0];
  return undefined;
};

/** Request parameters from the query string and (for POST) the form body, body winning. */
export function params(req: Request): Record<string, string> {
  const out: Record<string, string> = {};
  const merge = (source: unknown): void => {
    if (typeof source !== 'object' || source === null) return;
    for (const [k, v] of Object.entries(source)) {
      const s = firstString(v);
      if (s !== undefined) out[k] = s;
    }
  };
  merge(req.query);
  if (req.method === 'POST') merge(req.body);
  return out;
}

export interface ServiceCaller {
  readonly registration: ToolRegistration;
  readonly scopes: readonly string[];
}

/**
 * Bearer-token guard for AGS/NRPS: 400 without User-Agent (Canvas profile), 401 without a valid
 * token, 403 when the token lacks every one of `anyOfScopes`. Sets `res.locals.caller`.
 */
export function requireServiceToken(
  ctx: PlatformContext,
  anyOfScopes: readonly string[],
): RequestHandler {
  return (req: Request, res: Response, next: NextFunction) => {
    if (ctx.profile.requireUserAgent && (req.get('user-agent') ?? '').trim() === '') {
      sendError(
        res,
        400,
        'user_agent_required',
        'Requests without a User-Agent header are refused.',
      );
      return;
    }
    const match = /^Bearer\s+(\S+)$/i.exec(req.get('authorization') ?? '');
    const token = match?.[1];
    const record = token === undefined ? undefined : ctx.state.accessTokens.get(token);
    if (record === undefined || record.expiresAtMs <= ctx.clock.now().getTime()) {
      res.set('WWW-Authenticate', 'Bearer error="invalid_token"');
      sendError(res, 401, 'invalid_token', 'Missing, unknown or expired access token.');
      return;
    }
    if (!anyOfScopes.some((s) => record.scopes.includes(s))) {
      sendError(res, 403, 'insufficient_scope', `Requires one of: ${anyOfScopes.join(' ')}`);
      return;
    }
    const registration = ctx.state.registrations.get(record.clientId);
    if (registration === undefined) {
      sendError(res, 401, 'invalid_token', 'The tool registration for this token is gone.');
      return;
    }
    const caller: ServiceCaller = { registration, scopes: record.scopes };
    res.locals['caller'] = caller;
    next();
  };
}

export function callerOf(res: Response): ServiceCaller {
  const caller = res.locals['caller'] as ServiceCaller | undefined;
  if (caller === undefined) throw new Error('requireServiceToken must run first');
  return caller;
}

/**
 * Builds an RFC 8288 Link header value with the profile's quote characters. Moodle (PHP) puts the
 * UTF-8 bytes of “ ” on the wire; Node writes header strings as latin1, so the UTF-8 bytes are
 * smuggled through a latin1 string. Clients that decode headers as latin1 (undici, got) then see
 * `rel=â\x80\x9cnextâ\x80\x9d`, exactly as they would from a real Moodle.
 */
export function linkHeader(
  ctx: PlatformContext,
  links: readonly { url: string; rel: string }[],
): string {
  const [open, close] = ctx.profile.linkRelQuotes;
  const value = links.map((l) => `<${l.url}>; rel=${open}${l.rel}${close}`).join(', ');
  return Buffer.from(value, 'utf8').toString('latin1');
}

export const isRecord = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);
