import { expect } from 'chai';
import { DEFAULT_ASSIGNMENT_SETTINGS } from '../../../src/assignments/assignment-settings.js';
import type { Assignment } from '../../../src/assignments/assignment.repository.js';
import {
  createInstructorDashboard,
  dashboardTarget,
  type InstructorDashboardDeps,
} from '../../../src/dashboards/instructor-dashboard.service.js';
import { asSkillId } from '../../../src/engine/index.js';
import type { OutboxScope } from '../../../src/grading/grade-outbox.js';
import type { LaunchContext } from '../../../src/lti/claims.js';
import { summariseRoles } from '../../../src/lti/roles.js';
import { err, ok } from '../../../src/shared/result.js';
import { grade, set } from './fixtures.js';

const NOW = new Date('2026-03-10T12:00:00Z');
const ROLE = 'http://purl.imsglobal.org/vocab/lis/v2/membership#';

function launch(fields: Partial<LaunchContext> = {}, roles = [`${ROLE}Instructor`]): LaunchContext {
  return {
    kind: 'resource-link',
    issuer: 'https://lms.example',
    clientId: 'client-1',
    deploymentId: 'dep-1',
    userId: 'teacher-1',
    roles: summariseRoles(roles),
    rawRoles: roles,
    person: { name: 'Grace', givenName: 'Grace', familyName: undefined, email: undefined },
    course: { id: 'course-a', title: 'Course A', label: undefined },
    resourceLink: { id: 'link-1', title: 'Practice' },
    targetLinkUri: 'https://tool.example/lti/launch',
    custom: { pathwise_assignment_id: 'asg-1' },
    gradeService: undefined,
    rosterService: undefined,
    deepLinking: undefined,
    forUserId: undefined,
    platform: { guid: undefined, name: undefined, product: undefined },
    returnUrl: undefined,
    locale: undefined,
    ...fields,
  };
}

const assignment: Assignment = {
  id: 'asg-1',
  platformId: 'plat-1',
  deploymentId: 'dep-1',
  courseId: 'course-a',
  title: 'Fractions',
  scoreMaximum: 10,
  dueAt: undefined,
  settings: { ...DEFAULT_ASSIGNMENT_SETTINGS, skillIds: [asSkillId('s1')] },
  createdAt: NOW,
  updatedAt: NOW,
};

function fakeDeps(overrides: Partial<InstructorDashboardDeps> = {}): InstructorDashboardDeps & {
  readonly retries: OutboxScope[];
} {
  const retries: OutboxScope[] = [];
  const deadEntry = grade('u1', 'dead', { id: 'dead-1', resourceLinkId: 'link-2' });
  return {
    retries,
    assignments: {
      find: (platformId, courseId, id) =>
        Promise.resolve(
          platformId === assignment.platformId &&
            courseId === assignment.courseId &&
            id === assignment.id
            ? assignment
            : undefined,
        ),
      update: () => Promise.resolve(undefined),
    },
    roster: {
      members: () => Promise.resolve([]),
      syncState: () => Promise.resolve(undefined),
      syncCourse: (course) => Promise.resolve(err({ type: 'no-roster-service', ...course })),
    },
    grades: {
      latestPerStream: () => Promise.resolve([]),
      retryDead: (id, scope) => {
        if (scope !== undefined) retries.push(scope);
        return Promise.resolve(
          id === deadEntry.id && scope?.resourceLinkId === deadEntry.resourceLinkId
            ? ok(deadEntry)
            : err({ type: 'entry-not-found' as const, id }),
        );
      },
    },
    sets: {
      listForAssignment: () =>
        Promise.resolve([
          set('u1', { platformId: 'plat-1', contextId: 'course-a', resourceLinkId: 'link-2' }),
          // The same assignment id seen elsewhere (cannot happen with UUIDs, but never trusted).
          set('u2', { platformId: 'plat-2', contextId: 'course-b', resourceLinkId: 'link-9' }),
        ]),
    },
    attempts: { listForAssignment: () => Promise.resolve([]) },
    learners: { listByUsers: () => Promise.resolve([]) },
    content: { skills: () => Promise.resolve([]), templatesForSkills: () => Promise.resolve([]) },
    clock: { now: () => NOW },
    ...overrides,
  };
}

describe('instructor dashboard access and actions', function () {
  describe('dashboardTarget', function () {
    it('lets instructors, TAs and administrators of the course in', function () {
      for (const roles of [
        [`${ROLE}Instructor`],
        ['http://purl.imsglobal.org/vocab/lis/v2/membership/Instructor#TeachingAssistant'],
        ['http://purl.imsglobal.org/vocab/lis/v2/system/person#Administrator'],
        [`${ROLE}Learner`, `${ROLE}Instructor`],
      ]) {
        const target = dashboardTarget(launch({}, roles));
        expect(target, roles.join()).to.deep.equal(
          ok({ contextId: 'course-a', resourceLinkId: 'link-1', assignmentId: 'asg-1' }),
        );
      }
    });

    it('refuses learners, institution-only instructors and people without a role', function () {
      for (const roles of [
        [`${ROLE}Learner`],
        ['http://purl.imsglobal.org/vocab/lis/v2/institution/person#Instructor', `${ROLE}Learner`],
        [],
      ])
        expect(dashboardTarget(launch({}, roles))).to.deep.equal(err({ type: 'not-instructor' }));
    });

    it('needs a resource link launch in a course that names an assignment', function () {
      const none = err({ type: 'no-assignment' });
      expect(dashboardTarget(launch({ kind: 'deep-linking' }))).to.deep.equal(none);
      expect(dashboardTarget(launch({ course: undefined }))).to.deep.equal(none);
      expect(dashboardTarget(launch({ resourceLink: undefined }))).to.deep.equal(none);
      expect(dashboardTarget(launch({ custom: {} }))).to.deep.equal(none);
    });
  });

  describe('createInstructorDashboard', function () {
    it('opens only an assignment of the launch’s own platform and course', async function () {
      const dashboard = createInstructorDashboard(fakeDeps());
      const opened = await dashboard.open({ platformId: 'plat-1', launch: launch() });
      expect(opened.ok && opened.value).to.deep.include({
        platformId: 'plat-1',
        contextId: 'course-a',
        resourceLinkId: 'link-1',
        assignment,
      });
      const otherCourse = await dashboard.open({
        platformId: 'plat-1',
        launch: launch({ course: { id: 'course-b', title: undefined, label: undefined } }),
      });
      expect(otherCourse).to.deep.equal(err({ type: 'no-assignment' }));
      const otherPlatform = await dashboard.open({ platformId: 'plat-2', launch: launch() });
      expect(otherPlatform).to.deep.equal(err({ type: 'no-assignment' }));
    });

    it("requeues a grade only within the assignment's own links in its course", async function () {
      const deps = fakeDeps();
      const dashboard = createInstructorDashboard(deps);
      const opened = await dashboard.open({ platformId: 'plat-1', launch: launch() });
      if (!opened.ok) throw new Error('not opened');
      const retried = await dashboard.retryGrade(opened.value, 'dead-1');
      expect(retried.ok).to.equal(true);
      expect(deps.retries).to.deep.equal([
        { platformId: 'plat-1', contextId: 'course-a', resourceLinkId: 'link-1' },
        { platformId: 'plat-1', contextId: 'course-a', resourceLinkId: 'link-2' },
      ]);
      const guessed = await dashboard.retryGrade(opened.value, 'someone-elses');
      expect(guessed).to.deep.equal(err({ type: 'grade-not-found', entryId: 'someone-elses' }));
      // The foreign set's link was never tried.
      expect(deps.retries.some((s) => s.resourceLinkId === 'link-9')).to.equal(false);
    });

    it('reports a roster sync the platform cannot serve, and refuses invalid settings without writing', async function () {
      let updates = 0;
      const dashboard = createInstructorDashboard(
        fakeDeps({
          assignments: {
            find: () => Promise.resolve(assignment),
            update: () => {
              updates += 1;
              return Promise.resolve(assignment);
            },
          },
        }),
      );
      const opened = await dashboard.open({ platformId: 'plat-1', launch: launch() });
      if (!opened.ok) throw new Error('not opened');
      const synced = await dashboard.syncRoster(opened.value);
      expect(synced).to.deep.equal(
        err({
          type: 'roster',
          error: { type: 'no-roster-service', platformId: 'plat-1', contextId: 'course-a' },
        }),
      );
      const invalid = await dashboard.updateSettings(opened.value, { title: '' });
      expect(invalid.ok).to.equal(false);
      if (!invalid.ok && invalid.error.type === 'invalid-settings')
        expect(invalid.error.errors.title).to.equal('Give the assignment a title.');
      expect(updates).to.equal(0);
    });
  });
});
