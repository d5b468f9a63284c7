/**
 * Instructor dashboard use cases: who may open it, gathering its inputs, and the three actions
 * it offers (requeue a failed grade, read the roster now, edit the assignment's settings).
 *
 * Scoping: the dashboard is always about the assignment of the launch (platform, course,
 * resource link and `pathwise_assignment_id` from the session), never about ids from the
 * request; every read filters by that platform and course again, and a grade entry is only
 * requeued when it belongs to one of the assignment's own links. A guessed id from another
 * course or platform finds nothing.
 */
import type { Assignment, AssignmentRepository } from '../assignments/assignment.repository.js';
import {
  parseAssignmentForm,
  type AssignmentFormFields,
  type AssignmentFormValue,
} from '../authoring/assignment-form.js';
import type { Skill } from '../content/content.model.js';
import type { SkillId } from '../engine/index.js';
import type { GradeOutbox, OutboxEntryView, RetryDeadError } from '../grading/grade-outbox.js';
import type { LearnerRepository } from '../learners/learner.repository.js';
import type { LaunchContext } from '../lti/claims.js';
import type { PracticeContent } from '../practice/practice.service.js';
import type { AttemptRepository, PracticeSetRepository } from '../practice/practice.repository.js';
import type { RosterSync, RosterSyncError, RosterSyncResult } from '../roster/roster-sync.js';
import type { Clock } from '../shared/clock.js';
import { err, ok, type Result } from '../shared/result.js';
import type { DashboardInputs } from './instructor-dashboard.view.js';

/** The launch a dashboard request comes with (structurally an LtiSession). */
export interface DashboardSession {
  readonly platformId: string;
  readonly launch: LaunchContext;
}

/** What one dashboard is about, taken from the launch only. */
export interface DashboardScope {
  readonly platformId: string;
  readonly issuer: string;
  readonly clientId: string;
  readonly contextId: string;
  readonly courseTitle: string | undefined;
  readonly resourceLinkId: string;
  readonly assignment: Assignment;
}

export type DashboardError =
  | { readonly type: 'not-instructor' }
  | { readonly type: 'no-assignment' }
  | { readonly type: 'grade-not-found'; readonly entryId: string }
  | { readonly type: 'grade-not-dead'; readonly entryId: string }
  | { readonly type: 'grade-superseded'; readonly entryId: string }
  | { readonly type: 'roster'; readonly error: RosterSyncError }
  | {
      readonly type: 'invalid-settings';
      readonly fields: AssignmentFormFields;
      readonly errors: Readonly<Partial<Record<keyof AssignmentFormFields, string>>>;
    };

/** The assignment named by a launch that may see its dashboard; pure. */
export function dashboardTarget(
  launch: LaunchContext,
): Result<
  { readonly contextId: string; readonly resourceLinkId: string; readonly assignmentId: string },
  DashboardError
> {
  // Instructors, TAs, content developers and course or system administrators of this course.
  if (!launch.roles.isInstructor && !launch.roles.isAdmin) return err({ type: 'not-instructor' });
  const assignmentId = launch.custom['pathwise_assignment_id'];
  if (
    launch.kind === 'deep-linking' ||
    launch.course === undefined ||
    launch.resourceLink === undefined ||
    assignmentId === undefined ||
    assignmentId === ''
  )
    return err({ type: 'no-assignment' });
  return ok({
    contextId: launch.course.id,
    resourceLinkId: launch.resourceLink.id,
    assignmentId,
  });
}

export interface InstructorDashboardDeps {
  readonly assignments: Pick<AssignmentRepository, 'find' | 'update'>;
  readonly roster: Pick<RosterSync, 'members' | 'syncState' | 'syncCourse'>;
  readonly grades: Pick<GradeOutbox, 'latestPerStream' | 'retryDead'>;
  readonly sets: Pick<PracticeSetRepository, 'listForAssignment'>;
  readonly attempts: Pick<AttemptRepository, 'listForAssignment'>;
  readonly learners: Pick<LearnerRepository, 'listByUsers'>;
  readonly content: PracticeContent;
  readonly clock: Clock;
}

export interface InstructorDashboard {
  /** The dashboard this session may open, or why not. */
  open(session: DashboardSession): Promise<Result<DashboardScope, DashboardError>>;
  inputs(scope: DashboardScope): Promise<DashboardInputs>;
  /** Requeues the dead grade entry `entryId` if it belongs to this assignment. */
  retryGrade(
    scope: DashboardScope,
    entryId: string,
  ): Promise<Result<OutboxEntryView, DashboardError>>;
  syncRoster(scope: DashboardScope): Promise<Result<RosterSyncResult, DashboardError>>;
  /** The question bank's skills (the settings form lists them). */
  bankSkills(): Promise<readonly Skill[]>;
  /** Applies the settings form; learners' sets and profiles are not touched. */
  updateSettings(
    scope: DashboardScope,
    body: unknown,
  ): Promise<Result<{ assignment: Assignment; form: AssignmentFormValue }, DashboardError>>;
}

const unique = <T>(values: readonly T[]): T[] => [...new Set(values)];

export function createInstructorDashboard(deps: InstructorDashboardDeps): InstructorDashboard {
  const inCourse =
    (scope: DashboardScope) =>
    (record: { readonly platformId: string; readonly contextId: string }): boolean =>
      record.platformId === scope.platformId && record.contextId === scope.contextId;

  /** The assignment's resource links in this course: the launch's and any its students used. */
  async function linksOf(scope: DashboardScope): Promise<string[]> {
    const sets = (await deps.sets.listForAssignment(scope.assignment.id)).filter(inCourse(scope));
    return unique([scope.resourceLinkId, ...sets.map((s) => s.resourceLinkId)]);
  }

  return {
    async open(session) {
      const target = dashboardTarget(session.launch);
      if (!target.ok) return target;
      const { contextId, resourceLinkId, assignmentId } = target.value;
      const assignment = await deps.assignments.find(session.platformId, contextId, assignmentId);
      if (assignment === undefined) return err({ type: 'no-assignment' });
      return ok({
        platformId: session.platformId,
        issuer: session.launch.issuer,
        clientId: session.launch.clientId,
        contextId,
        courseTitle: session.launch.course?.title,
        resourceLinkId,
        assignment,
      });
    },

    async inputs(scope) {
      const course = { platformId: scope.platformId, contextId: scope.contextId };
      const [members, rosterState, allSets, allAttempts, bank] = await Promise.all([
        deps.roster.members(course),
        deps.roster.syncState(course),
        deps.sets.listForAssignment(scope.assignment.id),
        deps.attempts.listForAssignment(scope.assignment.id),
        deps.content.skills(),
      ]);
      const sets = allSets.filter(inCourse(scope));
      const inThisCourse = allAttempts
        .filter(inCourse(scope))
        .sort((a, b) => a.at.getTime() - b.at.getTime());
      // A question left by switching skill is not an answer: counted apart.
      const attempts = inThisCourse.filter((a) => a.skipped !== true);
      const skips = inThisCourse.filter((a) => a.skipped === true);
      const chosen = scope.assignment.settings.skillIds;
      const targetIds = new Set<string>(chosen.length > 0 ? chosen : bank.map((s) => s.id));
      const inBank = new Set<string>(bank.map((s) => s.id));
      const skills = [
        ...bank.filter((s) => targetIds.has(s.id)).map((s) => ({ id: s.id, name: s.name })),
        // A target skill the bank no longer has still gets its column.
        ...[...targetIds].filter((id) => !inBank.has(id)).map((id) => ({ id, name: id })),
      ];
      const templateSkills = unique([...targetIds, ...attempts.map((a) => a.skillId)]);
      const links = unique([scope.resourceLinkId, ...sets.map((s) => s.resourceLinkId)]);
      const [templates, profiles, grades] = await Promise.all([
        deps.content.templatesForSkills(templateSkills as SkillId[]),
        deps.learners.listByUsers(scope.issuer, scope.clientId, unique(sets.map((s) => s.userId))),
        Promise.all(
          links.map((resourceLinkId) => deps.grades.latestPerStream({ ...course, resourceLinkId })),
        ),
      ]);
      return {
        now: deps.clock.now(),
        assignment: scope.assignment,
        courseTitle: scope.courseTitle,
        skills,
        templates: templates.map((t) => ({ id: t.id, title: t.title, skillId: t.skills[0] })),
        roster: members.filter(inCourse(scope)),
        rosterState,
        sets,
        attempts,
        skips,
        profiles: profiles.filter((p) => p.platformId === scope.platformId),
        grades: grades.flat(),
      };
    },

    async retryGrade(scope, entryId) {
      for (const resourceLinkId of await linksOf(scope)) {
        const retried = await deps.grades.retryDead(entryId, {
          platformId: scope.platformId,
          contextId: scope.contextId,
          resourceLinkId,
        });
        if (retried.ok) return retried;
        const error: RetryDeadError = retried.error;
        switch (error.type) {
          case 'entry-not-found':
            continue;
          case 'entry-not-dead':
            return err({ type: 'grade-not-dead', entryId });
          case 'entry-superseded':
            return err({ type: 'grade-superseded', entryId });
        }
      }
      return err({ type: 'grade-not-found', entryId });
    },

    async syncRoster(scope) {
      const synced = await deps.roster.syncCourse({
        platformId: scope.platformId,
        contextId: scope.contextId,
      });
      return synced.ok ? synced : err({ type: 'roster', error: synced.error });
    },

    bankSkills: () => deps.content.skills(),

    async updateSettings(scope, body) {
      const form = parseAssignmentForm(body, await deps.content.skills());
      if (!form.ok)
        return err({ type: 'invalid-settings', fields: form.fields, errors: form.errors });
      const updated = await deps.assignments.update(
        scope.platformId,
        scope.contextId,
        scope.assignment.id,
        {
          title: form.value.title,
          scoreMaximum: form.value.scoreMaximum,
          dueAt: form.value.dueAt,
          settings: form.value.settings,
        },
      );
      if (updated === undefined) return err({ type: 'no-assignment' });
      return ok({ assignment: updated, form: form.value });
    },
  };
}
