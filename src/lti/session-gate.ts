/**
 * The one way a page opens its tool session (HTTP adapter shared by the LTI, practice, dashboard
 * and learner routes):
 * - the token comes from `?session=`, the form field or `Authorization: Bearer`;
 * - a session bound to a browser (its launch proved that Pathwise's cookies reach that browser
 *   inside the LMS frame) opens only with that browser's key cookie, so a page link handed to
 *   someone else, or leaked, opens nothing (session fixation: a victim's answers credited to
 *   whoever made the link). Browsers that block third-party cookies launch through Platform
 *   Storage and get an unbound session: the token alone, as before, since nothing else of theirs
 *   reaches us; the page names whose session it is;
 * - the response may be framed by that session's platform only (frame-ancestors).
 */
import { createHash } from 'node:crypto';
import type { CookieOptions, Request, Response } from 'express';
import { setFraming } from '../infra/http/security-headers.js';
import { LaunchError } from '../shared/errors.js';
import type { Clock } from '../shared/clock.js';
import { formText } from '../shared/form-fields.js';
import type { PlatformFrameOrigins } from './frame-ancestors.js';
import { sameSecret } from './id-token.js';
import type { LtiSession, LtiSessionStore } from './launch-stores.js';
import { hashBrowserKey, type CompletedLaunch } from './launch.service.js';

export const sessionMessages = {
  missing: 'You are not signed in to Pathwise.',
  expired: 'Your Pathwise session has expired.',
  otherBrowser: 'This Pathwise page belongs to a launch made in another browser.',
  help: 'Open Pathwise again from your course.',
  otherBrowserHelp:
    'Open Pathwise from your course in this browser. Links to Pathwise pages only work in the browser that opened them.',
} as const;

/** Where a request may carry its session token. */
export type SessionSource = 'any' | 'form';

export interface SessionGate {
  /** The request's session, checked against this browser; frames the response for its platform. */
  open(req: Request, res: Response, source?: SessionSource): Promise<LtiSession>;
  /** After a launch: the key cookie that binds the session to this browser, and framing. */
  bind(res: Response, completed: CompletedLaunch): void;
}

export interface SessionGateDeps {
  readonly sessions: LtiSessionStore;
  readonly frameOrigins: PlatformFrameOrigins;
  readonly clock: Clock;
  readonly secureCookies: boolean;
}

/** One cookie per session, so two launches in two tabs keep their own keys. */
export const bindingCookieName = (sessionId: string): string =>
  `pw_bind_${createHash('sha256').update(sessionId).digest('hex').slice(0, 16)}`;

export function createSessionGate(deps: SessionGateDeps): SessionGate {
  const cookieOptions: CookieOptions = {
    httpOnly: true,
    secure: deps.secureCookies,
    // Pages are requested from inside the LMS's frame: only SameSite=None cookies travel there.
    sameSite: deps.secureCookies ? 'none' : 'lax',
    path: '/',
  };

  const tokenOf = (req: Request, source: SessionSource): string | undefined => {
    const fromForm = formText(req.body, 'session');
    if (source === 'form') return fromForm;
    const header = req.get('authorization');
    const bearer = header?.startsWith('Bearer ') === true ? header.slice(7) : undefined;
    return formText(req.query, 'session') ?? fromForm ?? bearer;
  };

  return {
    async open(req, res, source = 'any') {
      const id = tokenOf(req, source);
      if (id === undefined || id === '')
        throw new LaunchError(sessionMessages.missing, {
          code: 'SESSION_MISSING',
          help: sessionMessages.help,
        });
      const session = await deps.sessions.find(id, deps.clock.now());
      if (session === undefined)
        throw new LaunchError(sessionMessages.expired, {
          code: 'SESSION_EXPIRED',
          help: sessionMessages.help,
        });
      if (session.browserBinding !== undefined) {
        const cookies: unknown = req.cookies;
        const key = formText(cookies, bindingCookieName(session.id));
        if (key === undefined || !sameSecret(hashBrowserKey(key), session.browserBinding))
          throw new LaunchError(sessionMessages.otherBrowser, {
            code: 'SESSION_OTHER_BROWSER',
            help: sessionMessages.otherBrowserHelp,
          });
      }
      if (deps.frameOrigins.originsOf(session.platformId).length === 0)
        await deps.frameOrigins.refresh();
      setFraming(res, deps.frameOrigins.framingFor(session.platformId));
      return session;
    },

    bind(res, completed) {
      const { session, browserKey } = completed;
      if (browserKey !== undefined)
        res.cookie(bindingCookieName(session.id), browserKey, {
          ...cookieOptions,
          maxAge: Math.max(0, session.expiresAt.getTime() - deps.clock.now().getTime()),
        });
      setFraming(res, deps.frameOrigins.framingFor(session.platformId));
    },
  };
}
