/**
 * LTI endpoints: OIDC login initiation, the launch (redirect URI), the tool's JWKS (served by
 * ltijs's own keyset route) and the Deep Linking configuration form. Launch failures become
 * AppErrors carrying the failed checks in `details`, so the error middleware logs every one of
 * them and shows the person a plain explanation and what to do.
 *
 * Inside an LMS frame with third-party cookies blocked the state cookie never comes back. A login
 * inside a frame therefore answers a page instead of a redirect: it stores the state in the
 * platform (Platform Storage, when offered: /login/storage, then /launch/storage at launch), or
 * checks that the cookie works (/login/check), or else offers the same login in a new window
 * before the platform has used up the launch.
 */
import {
  assignmentFormView,
  fieldsOf,
  parseAssignmentForm,
  submittedFields,
  type AssignmentFormFields,
} from '../authoring/assignment-form.js';
import type { Skill } from '../content/content.model.js';
import { planAssignment, planView, type AssignmentPlan } from '../authoring/assignment-plan.js';
import type { Assignment as EngineAssignment, SkillId } from '../engine/index.js';
import { createHash } from 'node:crypto';
import cookieParser from 'cookie-parser';
import express, { type Request, type Response, type Router } from 'express';
import type { LtijsProvider } from 'ltijs';
import { route } from '../infra/http/route.js';
import { allowFormAction, setFraming } from '../infra/http/security-headers.js';
import { requestIdOf } from '../infra/http/error-handler.js';
import { assertNever } from '../shared/result.js';
import { AppError, ForbiddenError, LaunchError } from '../shared/errors.js';
import type { AssignmentRepository } from '../assignments/assignment.repository.js';
import type { Clock } from '../shared/clock.js';
import type { Logger } from '../infra/logger.js';
import type { LaunchContext } from './claims.js';
import { signDeepLinkingResponse, type ResourceLinkItem } from './deep-linking.js';
import type { LtiSession } from './launch-stores.js';
import type { PlatformFrameOrigins } from './frame-ancestors.js';
import type { SessionGate } from './session-gate.js';
import type {
  CompletedLaunch,
  LaunchFailure,
  LaunchService,
  LoginRequest,
} from './launch.service.js';
import { sameSecret } from './id-token.js';
import { CAPABILITIES_TIMEOUT_MS, STORAGE_REPLY_TIMEOUT_MS } from './platform-storage.js';
import type { PlatformRegistry } from './platforms.js';
import { formText } from '../shared/form-fields.js';

/** Something that must happen after every successful launch (endpoints, roster, frame origin). */
export type LaunchHook = (launch: CompletedLaunch) => Promise<void>;

export interface LtiRoutesDeps {
  readonly launches: LaunchService;
  readonly sessions: SessionGate;
  readonly frameOrigins: PlatformFrameOrigins;
  readonly registry: PlatformRegistry;
  readonly ltijs: LtijsProvider;
  readonly assignments: AssignmentRepository;
  readonly clock: Clock;
  readonly logger: Logger;
  readonly publicUrl: string;
  readonly secureCookies: boolean;
  readonly launchHooks?: readonly LaunchHook[];
  /** The question bank's skills, for the assignment form. */
  readonly skills: () => Promise<readonly Skill[]>;
  /** The engine's view of practising these skills, to plan an assignment before it is saved. */
  readonly poolFor: (skillIds: readonly SkillId[]) => Promise<EngineAssignment>;
}

const STATE_COOKIE_PREFIX = 'pw_lti_state_';

/** One cookie per login so two launches in two tabs do not overwrite each other's state. */
function stateCookieName(state: string): string {
  return STATE_COOKIE_PREFIX + createHash('sha256').update(state).digest('hex').slice(0, 16);
}

/**
 * Whether a POST was sent by one of Pathwise's own pages: Sec-Fetch-Site where the browser sends
 * it (all current ones), else an Origin equal to ours. Another site can make a browser post any
 * form to us, but not with these headers.
 */
function fromOwnPage(req: Request, publicUrl: string): boolean {
  const site = req.get('sec-fetch-site');
  if (site !== undefined) return site === 'same-origin';
  return req.get('origin') === new URL(publicUrl).origin;
}

/** A navigation inside a frame (Sec-Fetch-Dest), where the browser may withhold cookies. */
function insideFrame(req: Request): boolean {
  const destination = req.get('sec-fetch-dest');
  return destination === 'iframe' || destination === 'frame';
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
      iss: formText(source, 'iss'),
      login_hint: formText(source, 'login_hint'),
      target_link_uri: formText(source, 'target_link_uri'),
      client_id: formText(source, 'client_id'),
      lti_deployment_id: formText(source, 'lti_deployment_id'),
      lti_message_hint: formText(source, 'lti_message_hint'),
      lti_storage_target: formText(source, 'lti_storage_target'),
    };
    const started = await deps.launches.startLogin(request);
    if (!started.ok) throw toAppError(started.error);
    const { state, redirectUrl, relaunchUrl, platformStorage } = started.value;
    // The cookie is set in every case: it is the proof wherever third-party cookies still work.
    res.cookie(stateCookieName(state), state, {
      ...cookieOptions,
      maxAge: started.value.stateMaxAgeSeconds * 1000,
    });
    // A top-level login (new window, mobile app, no Sec-Fetch-Dest) keeps its first-party cookie.
    if (platformStorage === undefined && !insideFrame(req)) {
      res.redirect(302, redirectUrl);
      return;
    }
    // Inside a frame: a page stores the state in the platform (Platform Storage) or checks that
    // the cookie came through, then continues to the authorization endpoint; if neither works it
    // offers this login in a new window. Its form also works without scripts, on the cookie alone.
    const authRequest = new URL(redirectUrl);
    const relaunch = new URL(relaunchUrl);
    // Both forms lead to the platform (the new window's login redirects there): form-action is
    // enforced on redirects too.
    allowFormAction(res, authRequest.origin);
    res.set('Cache-Control', 'no-store');
    setFraming(res, deps.frameOrigins.framingFor(started.value.platformId));
    res.render('lti/login', {
      title: 'Opening Pathwise',
      action: `${authRequest.origin}${authRequest.pathname}`,
      fields: [...authRequest.searchParams].map(([name, value]) => ({ name, value })),
      relaunch: {
        action: `${relaunch.origin}${relaunch.pathname}`,
        fields: [...relaunch.searchParams].map(([name, value]) => ({ name, value })),
      },
      host: relaunch.host,
      state,
      checkUrl: `${deps.publicUrl}/lti/login/check`,
      storage: platformStorage,
      confirmUrl: `${deps.publicUrl}/lti/login/storage`,
      replyTimeoutMs: STORAGE_REPLY_TIMEOUT_MS,
      capabilitiesTimeoutMs: CAPABILITIES_TIMEOUT_MS,
    });
  });
  router.get('/login', login);
  router.post('/login', login);

  // The login page asks whether this browser sent the login's state cookie back (same check as
  // the launch will make, with the real cookie and its real attributes).
  router.post(
    '/login/check',
    route((req: Request, res: Response) => {
      if (!fromOwnPage(req, deps.publicUrl))
        throw new LaunchError('This request did not come from a Pathwise page.', {
          code: 'LAUNCH_REQUEST_FOREIGN',
        });
      const state = formText(req.body, 'state');
      const cookies: unknown = req.cookies;
      const cookie = state === undefined ? undefined : formText(cookies, stateCookieName(state));
      res.set('Cache-Control', 'no-store');
      res.json({
        cookie: state !== undefined && cookie !== undefined && sameSecret(cookie, state),
      });
    }),
  );

  // The login page reports that the platform stored state and nonce (fetch from our own page).
  router.post(
    '/login/storage',
    route(async (req: Request, res: Response) => {
      if (!fromOwnPage(req, deps.publicUrl))
        throw new LaunchError('This request did not come from a Pathwise page.', {
          code: 'LAUNCH_REQUEST_FOREIGN',
        });
      const confirmed = await deps.launches.confirmPlatformStorage(formText(req.body, 'state'));
      if (!confirmed.ok) throw toAppError(confirmed.error);
      res.status(204).end();
    }),
  );

  const finishLaunch = async (
    req: Request,
    res: Response,
    completed: CompletedLaunch,
  ): Promise<void> => {
    // How the browser proved itself tells how many launches need Platform Storage.
    deps.logger.child({ requestId: requestIdOf(req) }).info(
      {
        platformId: completed.registration.id,
        kind: completed.session.launch.kind,
        browserCheck: completed.browserCheck,
      },
      'launch completed',
    );
    for (const hook of deps.launchHooks ?? []) {
      try {
        await hook(completed);
      } catch (error) {
        // A failed side task (roster sync…) must not turn a valid launch into an error page.
        deps.logger.error({ err: error }, 'launch hook failed');
      }
    }
    deps.sessions.bind(res, completed);
    const { session } = completed;
    const target = session.launch.kind === 'deep-linking' ? '/lti/deep-link' : '/lti/home';
    res.redirect(303, `${target}?session=${encodeURIComponent(session.id)}`);
  };

  router.post(
    '/launch',
    route(async (req: Request, res: Response) => {
      const state = formText(req.body, 'state');
      const cookies: unknown = req.cookies;
      const cookieName = state === undefined ? undefined : stateCookieName(state);
      const cookieState = cookieName === undefined ? undefined : formText(cookies, cookieName);
      if (cookieState !== undefined && cookieName !== undefined)
        res.clearCookie(cookieName, cookieOptions);
      const received = await deps.launches.receiveLaunch({
        idToken: formText(req.body, 'id_token'),
        state,
        cookieState,
      });
      if (!received.ok) throw toAppError(received.error);
      const step = received.value;
      switch (step.kind) {
        case 'completed':
          await finishLaunch(req, res, step.launch);
          return;
        case 'read-platform-storage':
          // The launch page reads the state back from the platform and posts it to /launch/storage.
          res.set('Cache-Control', 'no-store');
          // Same-origin posts then carry Origin (no-referrer would send "Origin: null").
          res.set('Referrer-Policy', 'same-origin');
          setFraming(res, deps.frameOrigins.framingFor(step.platformId));
          res.render('lti/storage-launch', {
            title: 'Opening Pathwise',
            action: `${deps.publicUrl}/lti/launch/storage`,
            idToken: formText(req.body, 'id_token'),
            state,
            storage: step.storage,
            replyTimeoutMs: STORAGE_REPLY_TIMEOUT_MS,
          });
          return;
        default:
          assertNever(step);
      }
    }),
  );

  router.post(
    '/launch/storage',
    route(async (req: Request, res: Response) => {
      const completed = await deps.launches.completeWithPlatformStorage({
        idToken: formText(req.body, 'id_token'),
        state: formText(req.body, 'state'),
        storedState: formText(req.body, 'platform_state'),
        fromOwnPage: fromOwnPage(req, deps.publicUrl),
      });
      if (!completed.ok) throw toAppError(completed.error);
      await finishLaunch(req, res, completed.value);
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
      const session = await deps.sessions.open(req, res);
      const { launch } = session;
      const assignmentId = launch.custom['pathwise_assignment_id'];
      const assignment =
        assignmentId === undefined || launch.course === undefined
          ? undefined
          : await deps.assignments.find(session.platformId, launch.course.id, assignmentId);
      // Students go straight to their practice (instructors get the class view).
      if (
        assignment !== undefined &&
        launch.roles.primary === 'learner' &&
        launch.userId !== undefined
      ) {
        res.redirect(303, `/practice?session=${encodeURIComponent(session.id)}`);
        return;
      }
      // Instructors, TAs and admins of the assignment's course get its class dashboard.
      if (
        assignment !== undefined &&
        launch.kind !== 'deep-linking' &&
        (launch.roles.isInstructor || launch.roles.isAdmin)
      ) {
        res.redirect(303, `/dashboard?session=${encodeURIComponent(session.id)}`);
        return;
      }
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

  const renderAssignmentForm = async (
    res: Response,
    session: LtiSession,
    fields: AssignmentFormFields,
    errors: Readonly<Record<string, string>>,
    plan?: AssignmentPlan,
  ) => {
    res.status(Object.keys(errors).length > 0 ? 400 : 200).render('authoring/assignment-form', {
      title: 'Add Pathwise practice',
      heading: `Add Pathwise practice${session.launch.course?.title === undefined ? '' : ` to ${session.launch.course.title}`}`,
      action: '/lti/deep-link',
      submitLabel: 'Add to course',
      session: session.id,
      form: assignmentFormView(fields, errors, await deps.skills()),
      ...(plan === undefined ? {} : { plan: planView(plan) }),
    });
  };

  router.get(
    '/deep-link',
    route(async (req: Request, res: Response) => {
      const session = await deps.sessions.open(req, res);
      requireDeepLinkingInstructor(session);
      await renderAssignmentForm(res, session, fieldsOf(undefined), {});
    }),
  );

  router.post(
    '/deep-link',
    route(async (req: Request, res: Response) => {
      const session = await deps.sessions.open(req, res);
      const settings = requireDeepLinkingInstructor(session);
      const form = parseAssignmentForm(req.body, await deps.skills());
      if (!form.ok) {
        await renderAssignmentForm(res, session, form.fields, form.errors);
        return;
      }
      // Before saving: what Pathwise adds and whether the limit lets students finish. The
      // review holds for the settings it was shown for (a changed form is reviewed again).
      const chosen = form.value.settings.skillIds;
      const targets = chosen.length > 0 ? chosen : (await deps.skills()).map((s) => s.id);
      const plan =
        targets.length === 0
          ? undefined
          : planAssignment({
              settings: form.value.settings,
              addedPrerequisites: form.value.addedPrerequisites,
              pool: await deps.poolFor(targets),
              now: deps.clock.now(),
            });
      if (plan?.needsReview === true && formText(req.body, 'reviewed') !== plan.fingerprint) {
        await renderAssignmentForm(res, session, submittedFields(req.body), {}, plan);
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
        settings: form.value.settings,
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
          message:
            form.value.addedPrerequisites.length === 0
              ? `Added "${assignment.title}".`
              : `Added "${assignment.title}" with the prerequisites ${form.value.addedPrerequisites.map((p) => p.name).join(', ')}.`,
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
