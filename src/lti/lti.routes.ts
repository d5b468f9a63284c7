/**
 * LTI endpoints: OIDC login initiation, the launch (redirect URI), the tool's JWKS (served by
 * ltijs's own keyset route) and the Deep Linking configuration form. Launch failures become
 * AppErrors carrying the failed checks in `details`, so the error middleware logs every one of
 * them and shows the person a plain explanation and what to do.
 */
import { createHash } from 'node:crypto';
import cookieParser from 'cookie-parser';
import express, { type Request, type Response, type Router } from 'express';
import type { LtijsProvider } from 'ltijs';
import { route } from '../infra/http/route.js';
import { allowFormAction } from '../infra/http/security-headers.js';
import { AppError, ForbiddenError, LaunchError } from '../shared/errors.js';
import type { AssignmentRepository } from '../assignments/assignment.repository.js';
import type { Clock } from '../shared/clock.js';
import type { Logger } from '../infra/logger.js';
import type { LaunchContext } from './claims.js';
import { signDeepLinkingResponse, type ResourceLinkItem } from './deep-linking.js';
import type { LtiSession, LtiSessionStore } from './launch-stores.js';
import type {
  CompletedLaunch,
  LaunchFailure,
  LaunchService,
  LoginRequest,
} from './launch.service.js';
import type { PlatformRegistry } from './platforms.js';

/** Something that must happen after every successful launch (endpoints, roster, frame origin). */
export type LaunchHook = (launch: CompletedLaunch) => Promise<void>;

export interface LtiRoutesDeps {
  readonly launches: LaunchService;
  readonly sessions: LtiSessionStore;
  readonly registry: PlatformRegistry;
  readonly ltijs: LtijsProvider;
  readonly assignments: AssignmentRepository;
  readonly clock: Clock;
  readonly logger: Logger;
  readonly publicUrl: string;
  readonly secureCookies: boolean;
  readonly launchHooks?: readonly LaunchHook[];
}

const STATE_COOKIE_PREFIX = 'pw_lti_state_';

/** One cookie per login so two launches in two tabs do not overwrite each other's state. */
function stateCookieName(state: string): string {
  return STATE_COOKIE_PREFIX + createHash('sha256').update(state).digest('hex').slice(0, 16);
}

function field(source: unknown, name: string): string | undefined {
  if (typeof source !== 'object' || source === null) return undefined;
  const value = (source as Record<string, unknown>)[name];
  return typeof value === 'string' ? value : undefined;
}

function toAppError(failure: LaunchFailure): AppError {
  return new AppError(failure.status, failure.code, failure.message, {
    help: failure.help,
    details: {
      ...(failure.checks === undefined
        ? {}
        : { failedChecks: failure.checks.filter((c) => !c.passed) }),
      ...(failure.problems === undefined ? {} : { claimProblems: failure.problems }),
      ...(failure.detail === undefined ? {} : { detail: failure.detail }),
    },
  });
}

/** The session named by `?session=`, a form field, or `Authorization: Bearer`. */
export async function sessionFrom(
  req: Request,
  sessions: LtiSessionStore,
  now: Date,
): Promise<LtiSession> {
  const header = req.get('authorization');
  const bearer = header?.startsWith('Bearer ') === true ? header.slice(7) : undefined;
  const id = field(req.query, 'session') ?? field(req.body, 'session') ?? bearer;
  const help = 'Open Pathwise again from your course.';
  if (id === undefined || id === '')
    throw new LaunchError('You are not signed in to Pathwise.', { code: 'SESSION_MISSING', help });
  const session = await sessions.find(id, now);
  if (session === undefined)
    throw new LaunchError('Your Pathwise session has expired.', { code: 'SESSION_EXPIRED', help });
  return session;
}

function displayName(launch: LaunchContext): string | undefined {
  return launch.person.givenName ?? launch.person.name;
}

export function ltiRoutes(deps: LtiRoutesDeps): Router {
  const router = express.Router();
  router.use(cookieParser());

  const cookieOptions = {
    httpOnly: true,
    secure: deps.secureCookies,
    // The launch POST comes from the LMS's origin: only SameSite=None cookies travel with it.
    sameSite: deps.secureCookies ? ('none' as const) : ('lax' as const),
    path: '/lti',
  };

  const login = route(async (req: Request, res: Response) => {
    const source: unknown = req.method === 'POST' ? req.body : req.query;
    const request: LoginRequest = {
      iss: field(source, 'iss'),
      login_hint: field(source, 'login_hint'),
      target_link_uri: field(source, 'target_link_uri'),
      client_id: field(source, 'client_id'),
      lti_deployment_id: field(source, 'lti_deployment_id'),
      lti_message_hint: field(source, 'lti_message_hint'),
    };
    const started = await deps.launches.startLogin(request);
    if (!started.ok) throw toAppError(started.error);
    res.cookie(stateCookieName(started.value.state), started.value.state, {
      ...cookieOptions,
      maxAge: started.value.stateMaxAgeSeconds * 1000,
    });
    res.redirect(302, started.value.redirectUrl);
  });
  router.get('/login', login);
  router.post('/login', login);

  router.post(
    '/launch',
    route(async (req: Request, res: Response) => {
      const state = field(req.body, 'state');
      const cookies: unknown = req.cookies;
      const cookieName = state === undefined ? undefined : stateCookieName(state);
      if (cookieName !== undefined) res.clearCookie(cookieName, cookieOptions);
      const completed = await deps.launches.completeLaunch({
        idToken: field(req.body, 'id_token'),
        state,
        browserState: cookieName === undefined ? undefined : field(cookies, cookieName),
      });
      if (!completed.ok) throw toAppError(completed.error);
      for (const hook of deps.launchHooks ?? []) {
        try {
          await hook(completed.value);
        } catch (error) {
          // A failed side task (roster sync…) must not turn a valid launch into an error page.
          deps.logger.error({ err: error }, 'launch hook failed');
        }
      }
      const { session } = completed.value;
      const target = session.launch.kind === 'deep-linking' ? '/lti/deep-link' : '/lti/home';
      res.redirect(303, `${target}?session=${encodeURIComponent(session.id)}`);
    }),
  );

  // The tool's public keys, served by ltijs's keyset route (current and rotating-out keys).
  router.get('/keys', (req, res, next) => {
    req.url = deps.ltijs.keysetRoute();
    deps.ltijs.app(req, res, next);
  });

  router.get(
    '/home',
    route(async (req: Request, res: Response) => {
      const session = await sessionFrom(req, deps.sessions, deps.clock.now());
      const { launch } = session;
      const assignmentId = launch.custom['pathwise_assignment_id'];
      const assignment =
        assignmentId === undefined || launch.course === undefined
          ? undefined
          : await deps.assignments.find(session.platformId, launch.course.id, assignmentId);
      res.render('lti/home', {
        assignmentTitle: assignment?.title,
        assignmentPoints: assignment?.scoreMaximum,
        title: 'Pathwise',
        name: displayName(launch),
        anonymous: launch.userId === undefined,
        role: launch.roles.primary,
        isInstructor: launch.roles.primary !== 'learner',
        courseTitle: launch.course?.title,
        linkTitle: launch.resourceLink?.title,
      });
    }),
  );

  router.get(
    '/deep-link',
    route(async (req: Request, res: Response) => {
      const session = await sessionFrom(req, deps.sessions, deps.clock.now());
      requireDeepLinkingInstructor(session);
      res.render('lti/deep-link-form', {
        title: 'Add Pathwise practice',
        session: session.id,
        courseTitle: session.launch.course?.title,
        values: { title: 'Adaptive practice', scoreMaximum: '100', dueAt: '' },
        invalid: { title: 'false', scoreMaximum: 'false', dueAt: 'false' },
      });
    }),
  );

  router.post(
    '/deep-link',
    route(async (req: Request, res: Response) => {
      const session = await sessionFrom(req, deps.sessions, deps.clock.now());
      const settings = requireDeepLinkingInstructor(session);
      const form = parseAssignmentForm(req.body);
      if (!form.ok) {
        res.status(400).render('lti/deep-link-form', {
          title: 'Add Pathwise practice',
          session: session.id,
          courseTitle: session.launch.course?.title,
          values: form.values,
          errors: form.errors,
          invalid: {
            title: String('title' in form.errors),
            scoreMaximum: String('scoreMaximum' in form.errors),
            dueAt: String('dueAt' in form.errors),
          },
        });
        return;
      }
      const { launch } = session;
      const assignment = await deps.assignments.create({
        platformId: session.platformId,
        deploymentId: launch.deploymentId,
        courseId: launch.course?.id ?? '',
        title: form.value.title,
        scoreMaximum: form.value.scoreMaximum,
        dueAt: form.value.dueAt,
      });
      const item: ResourceLinkItem = {
        type: 'ltiResourceLink',
        title: assignment.title,
        url: `${deps.publicUrl}/lti/launch`,
        custom: { pathwise_assignment_id: assignment.id },
        lineItem: {
          scoreMaximum: assignment.scoreMaximum,
          label: assignment.title,
          resourceId: assignment.id,
          tag: 'pathwise',
        },
      };
      const registration = await deps.registry.findById(session.platformId);
      if (registration === undefined)
        throw new ForbiddenError('This LMS is no longer registered with Pathwise.');
      const jwt = await signDeepLinkingResponse(
        {
          request: settings,
          issuer: registration.issuer,
          clientId: registration.clientId,
          deploymentId: launch.deploymentId,
          items: [item],
          message: `Added "${assignment.title}".`,
          now: deps.clock.now(),
        },
        await deps.registry.signingKey(registration.id),
      );
      allowFormAction(res, new URL(settings.returnUrl).origin);
      res.render('lti/autopost', {
        title: 'Returning to your course',
        action: settings.returnUrl,
        fields: [{ name: 'JWT', value: jwt }],
      });
    }),
  );

  return router;
}

function requireDeepLinkingInstructor(
  session: LtiSession,
): NonNullable<LaunchContext['deepLinking']> {
  const settings = session.launch.deepLinking;
  if (session.launch.kind !== 'deep-linking' || settings === undefined)
    throw new ForbiddenError('This page is only for adding Pathwise to a course.', {
      help: 'Use “Add external tool” (Canvas) or “Select content” (Moodle) in your course.',
    });
  if (session.launch.roles.primary === 'learner')
    throw new ForbiddenError('Only instructors can add Pathwise assignments.');
  return settings;
}

interface AssignmentForm {
  readonly title: string;
  readonly scoreMaximum: number;
  readonly dueAt: Date | undefined;
}

type FormResult =
  | { ok: true; value: AssignmentForm }
  | { ok: false; values: Record<string, string>; errors: Record<string, string> };

function parseAssignmentForm(body: unknown): FormResult {
  const values = {
    title: (field(body, 'title') ?? '').trim(),
    scoreMaximum: (field(body, 'scoreMaximum') ?? '').trim(),
    dueAt: (field(body, 'dueAt') ?? '').trim(),
  };
  const errors: Record<string, string> = {};
  if (values.title === '') errors['title'] = 'Give the assignment a title.';
  if (values.title.length > 200) errors['title'] = 'Keep the title under 200 characters.';
  const points = Number(values.scoreMaximum);
  if (values.scoreMaximum === '' || !Number.isFinite(points) || points <= 0 || points > 10_000)
    errors['scoreMaximum'] = 'Points must be a number greater than 0 (at most 10000).';
  let dueAt: Date | undefined;
  if (values.dueAt !== '') {
    dueAt = new Date(values.dueAt);
    if (Number.isNaN(dueAt.getTime())) errors['dueAt'] = 'Use a date like 2026-12-01T17:00.';
  }
  if (Object.keys(errors).length > 0) return { ok: false, values, errors };
  return { ok: true, value: { title: values.title, scoreMaximum: points, dueAt } };
}
