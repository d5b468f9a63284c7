/**
 * Security headers for a tool that lives inside an LMS iframe (CONVENTIONS §H.12). helmet's
 * defaults would forbid framing and the deep-link return POST, so the CSP is decided per
 * response: `frame-ancestors` names only the origins of the platform this response belongs to
 * (set by the route with setFraming once it knows the session or the launching platform; 'self'
 * otherwise), and a handler widens `form-action` for one response with allowFormAction.
 */
import helmet from 'helmet';
import type { RequestHandler, Response } from 'express';

/** Who may frame one response. */
export type Framing =
  /** Pathwise's own pages only (the default). */
  | { readonly kind: 'self' }
  /** The LMS origins of the platform the response belongs to. */
  | { readonly kind: 'origins'; readonly origins: readonly string[] }
  /** Any site: only for pages that show a message and nothing to act on (error pages). */
  | { readonly kind: 'any' };

export interface SecurityHeaderOptions {
  readonly https: boolean;
}

const FRAMING = Symbol('pathwise.framing');

interface FramedLocals {
  [FRAMING]?: Framing;
}

/** Decides who may frame this response; the last call before the headers are sent wins. */
export function setFraming(res: Response, framing: Framing): void {
  (res.locals as FramedLocals)[FRAMING] = framing;
}

function frameAncestorsOf(framing: Framing | undefined): string {
  if (framing === undefined || framing.kind === 'self') return "'self'";
  if (framing.kind === 'any') return '*';
  const safe = framing.origins.filter((o) => /^https?:\/\/[^\s;,']+$/.test(o));
  return ["'self'", ...new Set(safe)].join(' ');
}

/**
 * Writes the response's frame-ancestors into the CSP just before the headers go out, whatever
 * sends them (render, redirect, json, end).
 */
function framingAtWriteHead(): RequestHandler {
  return (_req, res, next) => {
    const writeHead = res.writeHead.bind(res) as (...args: unknown[]) => Response;
    (res as { writeHead: (...args: unknown[]) => Response }).writeHead = (...args: unknown[]) => {
      const csp = res.getHeader('Content-Security-Policy');
      if (typeof csp === 'string') {
        const ancestors = frameAncestorsOf((res.locals as FramedLocals)[FRAMING]);
        res.setHeader(
          'Content-Security-Policy',
          csp.replace(/frame-ancestors [^;]*/, `frame-ancestors ${ancestors}`),
        );
      }
      return writeHead(...args);
    };
    next();
  };
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

export function securityHeaders(options: SecurityHeaderOptions): RequestHandler[] {
  return [
    helmet({
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
          // Replaced per response at writeHead (setFraming): never one list for every platform.
          frameAncestors: ["'self'"],
          formAction: ["'self'"],
          ...(options.https ? { upgradeInsecureRequests: [] } : {}),
        },
      },
      // frame-ancestors supersedes X-Frame-Options, which cannot name several LMS origins.
      xFrameOptions: false,
      // Session tokens may travel in URLs inside the LMS: never leak them through Referer.
      referrerPolicy: { policy: 'no-referrer' },
      strictTransportSecurity: options.https
        ? { maxAge: 15552000, includeSubDomains: true }
        : false,
      crossOriginEmbedderPolicy: false,
    }),
    framingAtWriteHead(),
  ];
}
