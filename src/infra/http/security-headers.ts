/**
 * Security headers for a tool that lives inside an LMS iframe (CONVENTIONS §H.12). helmet's
 * defaults would forbid framing and the deep-link return POST, so the CSP is built from the
 * registered platforms' origins instead: `frame-ancestors` lists them and `form-action` also
 * allows any extra targets a handler puts in `res.locals.cspFormActions` (the deep-link return).
 */
import helmet from 'helmet';
import type { RequestHandler, Response } from 'express';

export interface SecurityHeaderOptions {
  /** Origins allowed to frame Pathwise (registered platforms). Called per request: registrations change. */
  readonly frameAncestors: () => readonly string[];
  readonly https: boolean;
}

const extraFormActions = (res: Response): string[] => {
  const value: unknown = res.locals['cspFormActions'];
  return Array.isArray(value) ? value.filter((v): v is string => typeof v === 'string') : [];
};

export function securityHeaders(options: SecurityHeaderOptions): RequestHandler {
  return helmet({
    contentSecurityPolicy: {
      useDefaults: false,
      directives: {
        defaultSrc: ["'self'"],
        baseUri: ["'self'"],
        objectSrc: ["'none'"],
        scriptSrc: ["'self'"],
        scriptSrcAttr: ["'none'"],
        styleSrc: ["'self'"],
        imgSrc: ["'self'", 'data:'],
        fontSrc: ["'self'", 'data:'],
        connectSrc: ["'self'"],
        frameAncestors: ["'self'", ...options.frameAncestors()],
        formAction: ["'self'", (_req, res) => extraFormActions(res as Response).join(' ')],
        ...(options.https ? { upgradeInsecureRequests: [] } : {}),
      },
    },
    // frame-ancestors supersedes X-Frame-Options, which cannot name several LMS origins.
    xFrameOptions: false,
    // Session tokens may travel in URLs inside the LMS: never leak them through Referer.
    referrerPolicy: { policy: 'no-referrer' },
    strictTransportSecurity: options.https ? { maxAge: 15552000, includeSubDomains: true } : false,
    crossOriginEmbedderPolicy: false,
  });
}
