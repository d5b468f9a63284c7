/**
 * Instructor dashboard pages: overview (roster and progress), mastery heatmap, struggling
 * students, item statistics, grade sync with manual retry, CSV export and the assignment's
 * settings. Thin: each handler opens the session's dashboard, calls one use case and renders a
 * view model built in instructor-dashboard.view.ts.
 *
 * Plain HTML forms (post → redirect → get), no script: the session token travels in the query
 * string for reads and in the form body for writes. A write refuses a token that is not in the
 * body, so another site cannot make an instructor's browser post to us (it cannot know the token).
 */
import express, { type Request, type Response, type Router } from 'express';
import { assignmentFormView, fieldsOf } from '../authoring/assignment-form.js';
import { route } from '../infra/http/route.js';
import type { LtiSession } from '../lti/launch-stores.js';
import type { SessionGate } from '../lti/session-gate.js';
import type { Clock } from '../shared/clock.js';
import { AppError, ForbiddenError, NotFoundError } from '../shared/errors.js';
import { assertNever } from '../shared/result.js';
import type {
  DashboardError,
  DashboardScope,
  InstructorDashboard,
} from './instructor-dashboard.service.js';
import {
  buildCsv,
  buildGrades,
  buildHeatmap,
  buildItemStats,
  buildOverview,
  buildStruggling,
  csvFileName,
  ITEM_FLAG_RULES,
  strugglingPage,
} from './instructor-dashboard.view.js';
import { formText } from '../shared/form-fields.js';

export interface DashboardRoutesDeps {
  readonly dashboard: InstructorDashboard;
  readonly sessions: SessionGate;
  readonly clock: Clock;
}

export const dashboardRouteMessages = {
  notInstructor: 'The class dashboard is for the instructors of this course.',
  notInstructorHelp: 'Open the assignment from your course as an instructor or teaching assistant.',
  noAssignment: 'This link does not point to a Pathwise assignment of this course.',
  noAssignmentHelp: 'Open the dashboard from the Pathwise assignment in your course.',
  formSession: 'This form did not carry your Pathwise session.',
  formSessionHelp: 'Go back to the dashboard, reload it, and try again.',
  gradeNotFound: 'There is no such score for this assignment.',
  actionFailed: 'That could not be done; reload the dashboard and try again.',
  // Notices after a redirect, by code (the query names a code, never the text).
  notices: {
    'roster-synced': 'The roster was read from your LMS just now.',
    'roster-busy': 'The roster is being read from your LMS already; reload in a minute.',
    'roster-no-service':
      'Your LMS has not given Pathwise access to the course roster (Names and Role Provisioning Services).',
    'roster-failed': 'Your LMS did not answer the roster request; try again later.',
    'grade-requeued': 'The score was queued again and will be sent to your LMS in a moment.',
    'grade-not-dead': 'That score is no longer failed: it was already sent or queued again.',
    'grade-superseded':
      'A newer score exists for this student, so the old one was not sent (it would overwrite the newer one).',
    'settings-saved':
      'Settings saved. Students keep their answers and mastery; the new settings apply from their next question.',
  },
} as const;

type NoticeCode = keyof typeof dashboardRouteMessages.notices;

const isNotice = (code: unknown): code is NoticeCode =>
  typeof code === 'string' && Object.hasOwn(dashboardRouteMessages.notices, code);

type Page = 'overview' | 'heatmap' | 'struggling' | 'items' | 'grades' | 'settings';

const PAGES: readonly { readonly page: Page; readonly path: string; readonly label: string }[] = [
  { page: 'overview', path: '/dashboard', label: 'Students' },
  { page: 'heatmap', path: '/dashboard/heatmap', label: 'Mastery heatmap' },
  { page: 'struggling', path: '/dashboard/struggling', label: 'Struggling students' },
  { page: 'items', path: '/dashboard/items', label: 'Item statistics' },
  { page: 'grades', path: '/dashboard/grades', label: 'Grade sync' },
  { page: 'settings', path: '/dashboard/settings', label: 'Edit settings' },
];

const withSession = (path: string, session: string, extra: Record<string, string> = {}): string =>
  `${path}?${new URLSearchParams({ session, ...extra }).toString()}`;

function toHttpError(error: DashboardError): AppError {
  switch (error.type) {
    case 'not-instructor':
      return new ForbiddenError(dashboardRouteMessages.notInstructor, {
        code: 'DASHBOARD_FORBIDDEN',
        help: dashboardRouteMessages.notInstructorHelp,
      });
    case 'no-assignment':
      return new NotFoundError(dashboardRouteMessages.noAssignment, {
        code: 'ASSIGNMENT_NOT_FOUND',
        help: dashboardRouteMessages.noAssignmentHelp,
      });
    case 'grade-not-found':
      return new NotFoundError(dashboardRouteMessages.gradeNotFound, {
        code: 'GRADE_NOT_FOUND',
        details: { entryId: error.entryId },
      });
    case 'grade-not-dead':
    case 'grade-superseded':
    case 'roster':
    case 'invalid-settings':
      // The handlers answer these with a notice or the form; this is only a safety net.
      return new AppError(400, 'DASHBOARD_ACTION_FAILED', dashboardRouteMessages.actionFailed);
    default:
      return assertNever(error);
  }
}

export function dashboardRoutes(deps: DashboardRoutesDeps): Router {
  const router = express.Router();

  /** A page: the session from the query (or a bearer header). */
  async function openForRead(
    req: Request,
    res: Response,
  ): Promise<{ session: LtiSession; scope: DashboardScope }> {
    const session = await deps.sessions.open(req, res);
    const opened = await deps.dashboard.open(session);
    if (!opened.ok) throw toHttpError(opened.error);
    return { session, scope: opened.value };
  }

  /** A form post: the session must be in the body (the CSRF defence, see the header). */
  async function openForWrite(
    req: Request,
    res: Response,
  ): Promise<{ session: LtiSession; scope: DashboardScope }> {
    const id = formText(req.body, 'session');
    if (id === undefined || id === '')
      throw new ForbiddenError(dashboardRouteMessages.formSession, {
        code: 'SESSION_NOT_IN_FORM',
        help: dashboardRouteMessages.formSessionHelp,
      });
    const session = await deps.sessions.open(req, res, 'form');
    const opened = await deps.dashboard.open(session);
    if (!opened.ok) throw toHttpError(opened.error);
    return { session, scope: opened.value };
  }

  /** What every dashboard page shows around its content. */
  function frame(req: Request, session: LtiSession, scope: DashboardScope, page: Page) {
    const notice = req.query['notice'];
    const current = PAGES.find((p) => p.page === page);
    return {
      title: `${current?.label ?? 'Dashboard'} · ${scope.assignment.title}`,
      pageHeading: current?.label ?? 'Dashboard',
      assignmentTitle: scope.assignment.title,
      courseTitle: scope.courseTitle,
      session: session.id,
      nav: PAGES.map((p) => ({
        href: withSession(p.path, session.id),
        label: p.label,
        current: p.page === page,
      })),
      exportUrl: withSession('/dashboard/export.csv', session.id),
      notice: isNotice(notice) ? dashboardRouteMessages.notices[notice] : undefined,
    };
  }

  const noStore = (res: Response): void => {
    // Student data: never cached by the browser or a proxy.
    res.set('Cache-Control', 'no-store');
  };

  router.get(
    '/',
    route(async (req, res) => {
      const { session, scope } = await openForRead(req, res);
      const overview = buildOverview(await deps.dashboard.inputs(scope));
      noStore(res);
      res.render('dashboards/instructor', { ...frame(req, session, scope, 'overview'), overview });
    }),
  );

  router.get(
    '/heatmap',
    route(async (req, res) => {
      const { session, scope } = await openForRead(req, res);
      const heatmap = buildHeatmap(await deps.dashboard.inputs(scope));
      noStore(res);
      res.render('dashboards/heatmap', { ...frame(req, session, scope, 'heatmap'), heatmap });
    }),
  );

  router.get(
    '/struggling',
    route(async (req, res) => {
      const { session, scope } = await openForRead(req, res);
      const page = strugglingPage(buildStruggling(await deps.dashboard.inputs(scope)));
      noStore(res);
      res.render('dashboards/struggling', { ...frame(req, session, scope, 'struggling'), ...page });
    }),
  );

  router.get(
    '/items',
    route(async (req, res) => {
      const { session, scope } = await openForRead(req, res);
      const items = buildItemStats(await deps.dashboard.inputs(scope));
      noStore(res);
      res.render('dashboards/items', {
        ...frame(req, session, scope, 'items'),
        items,
        rules: { minAttempts: ITEM_FLAG_RULES.minAttempts },
      });
    }),
  );

  router.get(
    '/grades',
    route(async (req, res) => {
      const { session, scope } = await openForRead(req, res);
      const grades = buildGrades(await deps.dashboard.inputs(scope));
      noStore(res);
      res.render('dashboards/grades', { ...frame(req, session, scope, 'grades'), grades });
    }),
  );

  router.post(
    '/grades/retry',
    route(async (req, res) => {
      const { session, scope } = await openForWrite(req, res);
      const entryId = formText(req.body, 'entry') ?? '';
      const retried = await deps.dashboard.retryGrade(scope, entryId);
      let notice: NoticeCode = 'grade-requeued';
      if (!retried.ok) {
        if (retried.error.type === 'grade-not-dead') notice = 'grade-not-dead';
        else if (retried.error.type === 'grade-superseded') notice = 'grade-superseded';
        else throw toHttpError(retried.error);
      }
      res.redirect(303, withSession('/dashboard/grades', session.id, { notice }));
    }),
  );

  router.post(
    '/roster/sync',
    route(async (req, res) => {
      const { session, scope } = await openForWrite(req, res);
      const synced = await deps.dashboard.syncRoster(scope);
      let notice: NoticeCode = 'roster-synced';
      if (!synced.ok) {
        const error = synced.error;
        if (error.type !== 'roster') throw toHttpError(error);
        switch (error.error.type) {
          case 'no-roster-service':
            notice = 'roster-no-service';
            break;
          case 'sync-in-progress':
            notice = 'roster-busy';
            break;
          case 'fetch-failed':
            notice = 'roster-failed';
            break;
          default:
            assertNever(error.error);
        }
      }
      res.redirect(303, withSession('/dashboard', session.id, { notice }));
    }),
  );

  router.get(
    '/export.csv',
    route(async (req, res) => {
      const { scope } = await openForRead(req, res);
      const inputs = await deps.dashboard.inputs(scope);
      noStore(res);
      res
        .type('text/csv; charset=utf-8')
        .attachment(csvFileName(scope.assignment.title, inputs.now))
        .send(buildCsv(inputs));
    }),
  );

  const renderSettings = (
    req: Request,
    res: Response,
    session: LtiSession,
    scope: DashboardScope,
    form: ReturnType<typeof assignmentFormView>,
    status: number,
  ) => {
    res.status(status).render('authoring/assignment-form', {
      ...frame(req, session, scope, 'settings'),
      heading: `Edit “${scope.assignment.title}”`,
      action: '/dashboard/settings',
      submitLabel: 'Save settings',
      backUrl: withSession('/dashboard', session.id),
      form,
    });
  };

  router.get(
    '/settings',
    route(async (req, res) => {
      const { session, scope } = await openForRead(req, res);
      const form = assignmentFormView(
        fieldsOf(scope.assignment),
        {},
        await deps.dashboard.bankSkills(),
      );
      noStore(res);
      renderSettings(req, res, session, scope, form, 200);
    }),
  );

  router.post(
    '/settings',
    route(async (req, res) => {
      const { session, scope } = await openForWrite(req, res);
      const updated = await deps.dashboard.updateSettings(scope, req.body);
      if (!updated.ok) {
        const error = updated.error;
        if (error.type !== 'invalid-settings') throw toHttpError(error);
        const form = assignmentFormView(
          error.fields,
          error.errors,
          await deps.dashboard.bankSkills(),
        );
        renderSettings(req, res, session, scope, form, 400);
        return;
      }
      res.redirect(
        303,
        withSession('/dashboard/settings', session.id, { notice: 'settings-saved' }),
      );
    }),
  );

  return router;
}
