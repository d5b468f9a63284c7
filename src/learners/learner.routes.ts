/**
 * Learner self-service: goals, preferences and the download of one's own data. Forms post here
 * from the practice page and come back to it.
 */
import express, { type Request, type Response, type Router } from 'express';
import type { SkillId } from '../engine/index.js';
import { route } from '../infra/http/route.js';
import type { LtiSession } from '../lti/launch-stores.js';
import type { SessionGate } from '../lti/session-gate.js';
import type { Clock } from '../shared/clock.js';
import { AppError, ForbiddenError, NotFoundError, ValidationError } from '../shared/errors.js';
import { assertNever } from '../shared/result.js';
import type { LearnerKey } from './learner.js';
import type { LearnerError, LearnerService } from './learner.service.js';
import { formList, formText } from '../shared/form-fields.js';

export interface LearnerRoutesDeps {
  readonly learners: LearnerService;
  readonly sessions: SessionGate;
  readonly clock: Clock;
  /** Skills a goal may name for this launch (the assignment's). */
  readonly goalSkillsFor: (session: LtiSession) => Promise<readonly SkillId[]>;
}

const messages = {
  anonymous: 'Your LMS did not say who you are, so Pathwise keeps no data about you.',
  backHelp: 'Go back to the practice page and correct the form.',
  goalNotFound: 'That goal no longer exists.',
  notFound: 'Pathwise has no profile for you yet.',
  busy: 'Pathwise is busy saving another change of yours. Try again in a moment.',
} as const;

function keyOf(session: LtiSession): LearnerKey {
  const { launch } = session;
  if (launch.userId === undefined)
    throw new ForbiddenError(messages.anonymous, { code: 'ANONYMOUS_LAUNCH' });
  return { issuer: launch.issuer, clientId: launch.clientId, userId: launch.userId };
}

function toHttpError(error: LearnerError): AppError {
  switch (error.type) {
    case 'invalid-goal':
    case 'invalid-preferences':
      return new ValidationError(error.problems.join(' '), { help: messages.backHelp });
    case 'goal-not-found':
      return new NotFoundError(messages.goalNotFound, { code: 'GOAL_NOT_FOUND' });
    case 'learner-not-found':
      return new NotFoundError(messages.notFound, { code: 'LEARNER_NOT_FOUND' });
    case 'busy':
      return new AppError(503, 'LEARNER_BUSY', messages.busy);
    default:
      return assertNever(error);
  }
}

export function learnerRoutes(deps: LearnerRoutesDeps): Router {
  const router = express.Router();
  const sessionOf = (req: Request, res: Response) => deps.sessions.open(req, res);
  const back = (session: LtiSession, anchor: string) =>
    `/practice?session=${encodeURIComponent(session.id)}${anchor}`;

  router.post(
    '/goals',
    route(async (req, res) => {
      const session = await sessionOf(req, res);
      const skillIds = formList(req.body, 'skills');
      const targetDate = formText(req.body, 'targetDate');
      const result = await deps.learners.addGoal(
        session.platformId,
        keyOf(session),
        { skillIds, targetDate: targetDate ?? '' },
        await deps.goalSkillsFor(session),
      );
      if (!result.ok) throw toHttpError(result.error);
      res.redirect(303, back(session, '#goals-heading'));
    }),
  );

  router.post(
    '/goals/:goalId/delete',
    route(async (req, res) => {
      const session = await sessionOf(req, res);
      const result = await deps.learners.removeGoal(keyOf(session), String(req.params['goalId']));
      if (!result.ok) throw toHttpError(result.error);
      res.redirect(303, back(session, '#goals-heading'));
    }),
  );

  router.post(
    '/preferences',
    route(async (req, res) => {
      const session = await sessionOf(req, res);
      const body = (typeof req.body === 'object' && req.body !== null ? req.body : {}) as Record<
        string,
        unknown
      >;
      const result = await deps.learners.setPreferences(session.platformId, keyOf(session), body);
      if (!result.ok) throw toHttpError(result.error);
      res.redirect(303, back(session, '#prefs-heading'));
    }),
  );

  router.get(
    '/export',
    route(async (req, res) => {
      const session = await sessionOf(req, res);
      const data = await deps.learners.exportData(session.platformId, keyOf(session));
      res
        .type('application/json')
        .attachment('pathwise-my-data.json')
        .send(JSON.stringify(data, null, 2));
    }),
  );

  return router;
}
