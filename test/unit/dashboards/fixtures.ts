/**
 * Plain dashboard inputs for unit tests: complete objects of the real types (no casts), with
 * fields overridable per test.
 */
import { DEFAULT_ASSIGNMENT_SETTINGS } from '../../../src/assignments/assignment-settings.js';
import type { Assignment } from '../../../src/assignments/assignment.repository.js';
import type { DashboardInputs } from '../../../src/dashboards/instructor-dashboard.view.js';
import { asSkillId, createLearnerState, type SkillState } from '../../../src/engine/index.js';
import type { OutboxEntryView, OutboxStatus } from '../../../src/grading/grade-outbox.js';
import { newLearnerProfile, type LearnerProfile } from '../../../src/learners/learner.js';
import type { AttemptRecord, PracticeSet } from '../../../src/practice/practice-set.js';
import type { MemberRole, MemberStatus, RosterMember } from '../../../src/roster/roster-sync.js';

export const NOW = new Date('2026-03-10T12:00:00Z');
export const at = (minutes: number): Date => new Date(NOW.getTime() - minutes * 60_000);
export const SCOPE = { platformId: 'p1', contextId: 'c1' };

export const assignment: Assignment = {
  id: 'a1',
  platformId: 'p1',
  deploymentId: 'd1',
  courseId: 'c1',
  title: 'Fractions, week 3',
  scoreMaximum: 10,
  dueAt: undefined,
  settings: { ...DEFAULT_ASSIGNMENT_SETTINGS, skillIds: [asSkillId('s1'), asSkillId('s2')] },
  createdAt: at(1000),
  updatedAt: at(1000),
};

export function member(
  userId: string,
  name: string | undefined,
  role: MemberRole = 'learner',
  status: MemberStatus = 'Active',
): RosterMember {
  return {
    ...SCOPE,
    userId,
    status,
    roles: [],
    role,
    name,
    removedAt: status === 'Deleted' ? at(10) : undefined,
    firstSeenAt: at(5000),
    lastSeenAt: at(60),
  };
}

export function set(userId: string, fields: Partial<PracticeSet> = {}): PracticeSet {
  return {
    id: `L-${userId}:a1`,
    learnerId: `L-${userId}`,
    assignmentId: 'a1',
    ...SCOPE,
    resourceLinkId: 'rl1',
    userId,
    phase: 'question',
    answered: 0,
    correct: 0,
    reviews: 0,
    step: 1,
    current: undefined,
    lastResult: undefined,
    chosenSkillId: undefined,
    completion: undefined,
    lastScore: undefined,
    startedAt: at(300),
    updatedAt: at(30),
    version: 1,
    ...fields,
  };
}

let attemptSeq = 0;
export function attempt(
  userId: string,
  skillId: string,
  correct: boolean,
  fields: Partial<AttemptRecord> = {},
): AttemptRecord {
  attemptSeq += 1;
  return {
    id: `L-${userId}:a1:${attemptSeq}`,
    setId: `L-${userId}:a1`,
    learnerId: `L-${userId}`,
    assignmentId: 'a1',
    ...SCOPE,
    userId,
    step: attemptSeq,
    templateId: `${skillId}-t1`,
    skillId: asSkillId(skillId),
    seed: 1,
    response: '1',
    correct,
    hintsUsed: 0,
    confidence: undefined,
    predicted: 0.6,
    masteryBefore: 0.5,
    masteryAfter: 0.5,
    durationMs: 5000,
    at: at(100 - attemptSeq),
    ...fields,
  };
}

export function skillState(skillId: string, mastery: number, mastered = false, n = 3): SkillState {
  return {
    skillId: asSkillId(skillId),
    n,
    correct: 0,
    recent: 0,
    slow: 0,
    last: 0,
    streak: 0,
    pattern: 0,
    ability: 0,
    lastStep: 1,
    lastAt: at(40).getTime(),
    mastery,
    mastered,
    review: null,
  };
}

export function profile(userId: string, skills: SkillState[]): LearnerProfile {
  const base = newLearnerProfile(`L-${userId}`, 'p1', { issuer: 'i', clientId: 'k', userId }, NOW);
  return { ...base, engine: { ...createLearnerState(), skills } };
}

export function grade(userId: string, status: OutboxStatus, fields: Partial<OutboxEntryView> = {}) {
  const entry: OutboxEntryView = {
    id: `g-${userId}`,
    resourceLinkId: 'rl1',
    userId,
    scoreGiven: 7.456,
    scoreMaximum: 10,
    activityProgress: 'InProgress',
    gradingProgress: 'FullyGraded',
    status,
    attempts: status === 'dead' ? 3 : 0,
    enqueuedAt: at(20),
    nextAttemptAt: status === 'pending' ? at(-5) : undefined,
    sentAt: status === 'sent' ? at(19) : undefined,
    lastError:
      status === 'dead' || fields.attempts !== undefined
        ? { code: 'rejected', message: 'HTTP 422: not a student', status: 422, at: at(19) }
        : undefined,
    ...fields,
  };
  return entry;
}

export function inputs(fields: Partial<DashboardInputs> = {}): DashboardInputs {
  return {
    now: NOW,
    assignment,
    courseTitle: 'Maths 7',
    skills: [
      { id: 's1', name: 'Adding fractions' },
      { id: 's2', name: 'Comparing fractions' },
    ],
    templates: [
      { id: 's1-t1', title: 'Add like denominators', skillId: 's1' },
      { id: 's1-t2', title: 'Add unlike denominators', skillId: 's1' },
      { id: 's2-t1', title: 'Which is bigger?', skillId: 's2' },
    ],
    roster: [],
    rosterState: undefined,
    sets: [],
    skips: [],
    attempts: [],
    profiles: [],
    grades: [],
    ...fields,
  };
}
