/**
 * Student practice pages. Plain HTML forms (post → redirect → get), so practice works without
 * JavaScript and inside an LMS iframe with third-party cookies blocked: the session token
 * travels in a hidden field and the query string, never in a cookie.
 */
import express, { type Request, type Response, type Router } from 'express';
import type { SkillId } from '../engine/index.js';
import type { AssignmentRepository } from '../assignments/assignment.repository.js';
import { route } from '../infra/http/route.js';
import type { LtiSession } from '../lti/launch-stores.js';
import type { SessionGate } from '../lti/session-gate.js';
import type { Clock } from '../shared/clock.js';
import { AppError, ConflictError, ForbiddenError, NotFoundError } from '../shared/errors.js';
import { assertNever, type Result } from '../shared/result.js';
import type {
  PracticeContext,
  PracticeError,
  PracticeService,
  PracticeState,
} from './practice.service.js';
import type { GradeOutbox } from '../grading/grade-outbox.js';
import { formText, formValue } from '../shared/form-fields.js';
import { DELIVERY_LABELS, jsonAnswer, practicePage } from './practice.view.js';

export interface PracticeRoutesDeps {
  readonly practice: PracticeService;
  readonly sessions: SessionGate;
  readonly assignments: AssignmentRepository;
  readonly gradeOutbox: GradeOutbox;
  readonly clock: Clock;
}

export const practiceMessages = {
  preview:
    'Preview: you see this assignment as a student would. Your answers are checked and explained, but not graded, not sent to the gradebook and not shown on the class dashboard.',
  anonymous:
    'Your LMS opened Pathwise without saying who you are, so your practice cannot be saved or graded.',
  anonymousHelp:
    'Ask your teacher to let Pathwise receive your user id (Canvas: privacy level "public" or "name only").',
  noAssignment: 'This link does not point to a Pathwise assignment.',
  noAssignmentHelp: 'Ask your teacher to add the assignment again from the course.',
  stale: 'That question was already answered, so here is where you are now.',
  noQuestion: 'There is no question to answer right now.',
  unknownSkill: 'That skill is not part of this assignment.',
  skillMastered: 'You have already mastered that skill: choose one you are still working on.',
  skillNotReady: (blockedBy: string) => `That skill is not ready yet: first master ${blockedBy}.`,
  empty: 'This assignment has no skills to practise yet.',
  emptyHelp: 'Ask your teacher to choose skills for it.',
  busy: 'Pathwise is busy saving another answer of yours. Try again in a moment.',
  emptyAnswer: 'Type or choose an answer first.',
  confidence: 'Confidence must be 1, 2 or 3.',
} as const;

/** The practice context of a session; refuses instructors, anonymous and unknown assignments. */
export async function practiceContextOf(
  session: LtiSession,
  assignments: AssignmentRepository,
): Promise<PracticeContext> {
  const { launch } = session;
  if (launch.userId === undefined)
    throw new ForbiddenError(practiceMessages.anonymous, {
      code: 'ANONYMOUS_LAUNCH',
      help: practiceMessages.anonymousHelp,
    });
  const assignmentId = launch.custom['pathwise_assignment_id'];
  const assignment =
    assignmentId === undefined || launch.course === undefined
      ? undefined
      : await assignments.find(session.platformId, launch.course.id, assignmentId);
  if (assignment === undefined || launch.course === undefined || launch.resourceLink === undefined)
    throw new NotFoundError(practiceMessages.noAssignment, {
      code: 'ASSIGNMENT_NOT_FOUND',
      help: practiceMessages.noAssignmentHelp,
    });
  return {
    platformId: session.platformId,
    learner: { issuer: launch.issuer, clientId: launch.clientId, userId: launch.userId },
    contextId: launch.course.id,
    resourceLinkId: launch.resourceLink.id,
    assignment,
    // Staff may try the assignment; practice stays a student's only in what it records.
    preview: launch.roles.primary !== 'learner',
  };
}

function toHttpError(error: PracticeError): AppError {
  switch (error.type) {
    case 'stale-step':
      return new ConflictError(practiceMessages.stale, { code: 'STALE_QUESTION' });
    case 'no-question':
      return new ConflictError(practiceMessages.noQuestion, { code: 'NO_QUESTION' });
    case 'invalid-answer':
      return new AppError(400, 'INVALID_ANSWER', error.message);
    case 'unknown-skill':
      return new AppError(400, 'UNKNOWN_SKILL', practiceMessages.unknownSkill);
    case 'skill-not-ready':
      return new ConflictError(
        error.blockedBy === ''
          ? practiceMessages.skillMastered
          : practiceMessages.skillNotReady(error.blockedBy),
        { code: 'SKILL_NOT_READY' },
      );
    case 'empty-assignment':
      return new NotFoundError(practiceMessages.empty, {
        code: 'EMPTY_ASSIGNMENT',
        help: practiceMessages.emptyHelp,
      });
    case 'busy':
      return new AppError(503, 'PRACTICE_BUSY', practiceMessages.busy);
    default:
      return assertNever(error);
  }
}

/** Whether the client asked for JSON (scripts) rather than a page (forms). */
const wantsJson = (req: Request): boolean => req.accepts(['html', 'json']) === 'json';

export function practiceRoutes(deps: PracticeRoutesDeps): Router {
  const router = express.Router();

  const contextOf = async (req: Request, res: Response) => {
    const session = await deps.sessions.open(req, res);
    return { session, ctx: await practiceContextOf(session, deps.assignments) };
  };
  const backTo = (res: Response, session: LtiSession, anchor = '') => {
    res.redirect(303, `/practice?session=${encodeURIComponent(session.id)}${anchor}`);
  };

  async function render(
    res: Response,
    session: LtiSession,
    ctx: PracticeContext,
    state: PracticeState,
    extras: { error?: string; previous?: string; status?: number } = {},
  ) {
    let delivery: string | undefined;
    const lastScore = state.set.lastScore;
    if (lastScore !== undefined) {
      const { set } = state;
      const entry = await deps.gradeOutbox.entry(lastScore.entryId, {
        platformId: set.platformId,
        contextId: set.contextId,
        resourceLinkId: set.resourceLinkId,
      });
      delivery = entry === undefined ? undefined : DELIVERY_LABELS[entry.status];
    }
    res.status(extras.status ?? 200).render(
      'practice/practice',
      practicePage(state, session.id, ctx.assignment.title, {
        ...extras,
        ...(ctx.preview ? { preview: practiceMessages.preview } : {}),
        ...(delivery === undefined ? {} : { delivery }),
      }),
    );
  }

  const orThrow = <T>(result: Result<T, PracticeError>): T => {
    if (!result.ok) throw toHttpError(result.error);
    return result.value;
  };

  router.get(
    '/',
    route(async (req, res) => {
      const { session, ctx } = await contextOf(req, res);
      await render(res, session, ctx, orThrow(await deps.practice.open(ctx)));
    }),
  );

  router.post(
    '/answer',
    route(async (req, res) => {
      const { session, ctx } = await contextOf(req, res);
      const step = Number(formText(req.body, 'step'));
      const raw = formValue(req.body, 'answer');
      const response = Array.isArray(raw)
        ? raw.filter((v): v is string => typeof v === 'string')
        : typeof raw === 'string'
          ? raw
          : '';
      const confidenceRaw = formText(req.body, 'confidence');
      const confidence =
        confidenceRaw === undefined || confidenceRaw === '' ? undefined : Number(confidenceRaw);
      const problem = (Array.isArray(response) ? response.length === 0 : response.trim() === '')
        ? practiceMessages.emptyAnswer
        : confidence !== undefined && ![1, 2, 3].includes(confidence)
          ? practiceMessages.confidence
          : undefined;
      const previous = Array.isArray(response) ? response.join(',') : response;
      if (problem !== undefined && wantsJson(req))
        throw new AppError(400, 'INVALID_ANSWER', problem);
      if (problem !== undefined) {
        await render(res, session, ctx, orThrow(await deps.practice.open(ctx)), {
          error: problem,
          previous,
          status: 400,
        });
        return;
      }
      const answered = await deps.practice.answer(ctx, {
        step,
        response,
        confidence,
        advance: wantsJson(req),
      });
      if (!answered.ok && answered.error.type === 'invalid-answer' && !wantsJson(req)) {
        // Nothing was stored: show the question again with what to fix and the learner's input.
        await render(res, session, ctx, orThrow(await deps.practice.open(ctx)), {
          error: answered.error.message,
          previous,
          status: 400,
        });
        return;
      }
      if (!answered.ok && answered.error.type === 'stale-step' && !wantsJson(req)) {
        backTo(res, session);
        return;
      }
      const state = orThrow(answered);
      if (wantsJson(req)) {
        // Script clients get the result and the next question in one round trip.
        res.json(jsonAnswer(state));
        return;
      }
      backTo(res, session, '#result');
    }),
  );

  router.post(
    '/hint',
    route(async (req, res) => {
      const { session, ctx } = await contextOf(req, res);
      const hinted = await deps.practice.hint(ctx, Number(formText(req.body, 'step')));
      if (!hinted.ok && hinted.error.type !== 'stale-step') orThrow(hinted);
      backTo(res, session, '#hints');
    }),
  );

  router.post(
    '/next',
    route(async (req, res) => {
      const { session, ctx } = await contextOf(req, res);
      orThrow(await deps.practice.next(ctx));
      backTo(res, session, '#question');
    }),
  );

  router.post(
    '/test-out',
    route(async (req, res) => {
      const { session, ctx } = await contextOf(req, res);
      const skill = formText(req.body, 'skill');
      if (skill === undefined || skill === '')
        throw new AppError(400, 'UNKNOWN_SKILL', practiceMessages.unknownSkill);
      orThrow(await deps.practice.testOut(ctx, skill as SkillId));
      backTo(res, session, '#question');
    }),
  );

  router.post(
    '/skill',
    route(async (req, res) => {
      const { session, ctx } = await contextOf(req, res);
      const chosen = formText(req.body, 'skill');
      orThrow(
        await deps.practice.chooseSkill(
          ctx,
          chosen === undefined || chosen === '' ? undefined : (chosen as SkillId),
        ),
      );
      backTo(res, session, '#question');
    }),
  );

  return router;
}
