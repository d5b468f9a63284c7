/**
 * Security headers for a tool that lives inside an LMS iframe (CONVENTIONS §H.12). helmet's
 * defaults would forbid framing and the deep-link return POST, so the CSP is built from the
 * registered platforms' origins instead: `frame-ancestors` lists them and a handler widens
 * `form-action` for one response with allowFormAction (the deep-link return).
 */
import helmet from 'helmet';
import type { RequestHandler, Response } from 'express';

export interface SecurityHeaderOptions {
  /** Origins allowed to frame Pathwise (registered platforms). Called per request: registrations change. */
  readonly frameAncestors: () => readonly string[];
  readonly https: boolean;
}

/**
 * Lets one response post a form to another origin (the deep-link return to the LMS). helmet has
 * already written the header when the handler runs, so the handler widens form-action itself.
 */
export function allowFormAction(res: Response, origin: string): void {
  const current = res.getHeader('Content-Security-Policy');
  if (typeof current !== 'string') return;
  res.setHeader(
    'Content-Security-Policy',
    current.replace(
      /form-action ([^;]*)/,
      (_all, sources: string) => `form-action ${sources} ${origin}`,
    ),
  );
}

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
        // KaTeX positions glyphs with style attributes; <style> elements stay forbidden and
        // attributes cannot run script, so this admits layout only.
        styleSrcAttr: ["'unsafe-inline'"],
        imgSrc: ["'self'", 'data:'],
        fontSrc: ["'self'", 'data:'],
        connectSrc: ["'self'"],
        // Evaluated per request: platforms are registered and activated while we run.
        frameAncestors: ["'self'", () => options.frameAncestors().join(' ')],
        formAction: ["'self'"],
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
