/**
 * Per-client rate limits for the unauthenticated entry points that make Pathwise do work or
 * write (OIDC login initiation stores a login state; Dynamic Registration fetches a stranger's
 * URL and stores a platform). express-rate-limit counts; the Store is shared by all instances
 * (MongoRateLimitStore). The client is `req.ip`, which Express derives from X-Forwarded-For only
 * through the number of proxies TRUST_PROXY names, so a client cannot pick its own key by sending
 * the header; IPv6 clients are grouped by /56 (express-rate-limit's default), since one customer
 * usually holds a whole prefix.
 *
 * A limited request never reaches the route: it gets 429 with Retry-After and a plain message,
 * through the one error middleware (an HTML page in the LMS frame, JSON for XHR).
 */
import type { Request, RequestHandler } from 'express';
import { rateLimit, type Store } from 'express-rate-limit';
import { AppError } from '../../shared/errors.js';
import type { Logger } from '../logger.js';

export interface RateLimitRule {
  /** Length of the fixed window. */
  readonly windowSeconds: number;
  /** Requests allowed per client in one window. */
  readonly max: number;
}

export interface RateLimiterOptions {
  /** Names the limiter in logs and error details ("login", "register"). */
  readonly name: string;
  readonly rule: RateLimitRule;
  readonly store: Store;
  /** What the person sees (plain, no jargon). */
  readonly message: string;
  /** What to do, given the seconds until the window ends. */
  readonly help: (retryAfterSeconds: number) => string;
  readonly logger?: Logger;
  /**
   * Count only requests to the mount path itself: mounted at /lti/login, the login page's own
   * follow-up calls (/lti/login/check, /lti/login/storage) are not logins and pass.
   */
  readonly exactPath?: boolean;
}

/** "in 1 minute", "in 9 minutes", "in 30 seconds". */
export function waitText(seconds: number): string {
  if (seconds < 60) return `in ${seconds} second${seconds === 1 ? '' : 's'}`;
  const minutes = Math.ceil(seconds / 60);
  return `in ${minutes} minute${minutes === 1 ? '' : 's'}`;
}

const retryAfterOf = (value: unknown, fallback: number): number => {
  const seconds = typeof value === 'string' || typeof value === 'number' ? Number(value) : NaN;
  return Number.isFinite(seconds) && seconds > 0 ? Math.ceil(seconds) : fallback;
};

export function createRateLimiter(options: RateLimiterOptions): RequestHandler {
  const { rule, logger } = options;
  const exactPath = options.exactPath ?? false;
  return rateLimit({
    windowMs: rule.windowSeconds * 1000,
    limit: rule.max,
    store: options.store,
    // RateLimit/RateLimit-Policy headers (IETF draft 8) and Retry-After on a 429.
    standardHeaders: 'draft-8',
    legacyHeaders: false,
    identifier: options.name,
    skip: (req: Request) => exactPath && req.path !== '/',
    // A database hiccup must not lock every school out of its launches; it is logged.
    passOnStoreError: true,
    handler: (req, res, next) => {
      const retryAfter = retryAfterOf(res.getHeader('Retry-After'), rule.windowSeconds);
      res.setHeader('Retry-After', String(retryAfter));
      res.setHeader('Cache-Control', 'no-store');
      next(
        new AppError(429, 'RATE_LIMITED', options.message, {
          help: options.help(retryAfter),
          details: { limiter: options.name, ip: req.ip, retryAfterSeconds: retryAfter },
        }),
      );
    },
    ...(logger === undefined
      ? {}
      : {
          logger: {
            error: (error: unknown, message?: string) => {
              logger.error({ err: error, limiter: options.name }, message ?? 'rate limiter error');
            },
            warn: (error: unknown, message?: string) => {
              logger.warn({ err: error, limiter: options.name }, message ?? 'rate limiter warning');
            },
          },
        }),
  });
}

/**
 * What a limited person reads at each entry point (name, message, help; exactPath so the login
 * page's own /lti/login/check and /lti/login/storage calls are not counted as logins).
 */
export const ENTRY_POINT_LIMITS = {
  login: {
    name: 'login',
    exactPath: true,
    message: 'Too many sign-in attempts have come from your network in a short time.',
    help: (seconds: number) =>
      `Wait a moment, then open Pathwise again from your course (you can try again ${waitText(seconds)}).`,
  },
  register: {
    name: 'register',
    exactPath: true,
    message: 'Too many registration attempts have come from your network in a short time.',
    help: (seconds: number) =>
      `Nothing was stored in Pathwise. Start the registration again from your LMS ${waitText(seconds)}.`,
  },
} as const satisfies Readonly<
  Record<string, Pick<RateLimiterOptions, 'name' | 'exactPath' | 'message' | 'help'>>
>;
