/**
 * The instructor dashboard's read side (ActivityPub ADR-0008): pure builders from plain inputs
 * (roster, practice sets, attempts, learner profiles, grade outbox entries) to the view models
 * the pages render, and the CSV export. No I/O: the service gathers the inputs, already scoped to
 * one platform, course and assignment; `now` is an input.
 *
 * Why the figures come from where they do:
 * - answers, correct answers, attempts per skill and item statistics come from this assignment's
 *   own sets and attempts, never from the learner's other courses;
 * - mastery comes from the learner profile (it drives practice and the grade), and is shown only
 *   for students who started this assignment, so nothing about a student's work elsewhere shows
 *   up for someone who never opened it here;
 * - every colour on the pages has a text equivalent (percentages, "mastered", flag sentences).
 */
import type { Assignment } from '../assignments/assignment.repository.js';
import {
  DEFAULT_MODEL,
  itemEasiness,
  masteryOf,
  type ModelParams,
  type SkillId,
} from '../engine/index.js';
import type { OutboxEntryView } from '../grading/grade-outbox.js';
import type { LearnerProfile } from '../learners/learner.js';
import type { AttemptRecord, PracticeSet } from '../practice/practice-set.js';
import type { MemberStatus, RosterMember, RosterSyncState } from '../roster/roster-sync.js';
import { isCompletion } from '../practice/completion.js';
import { masteryPercent } from '../practice/feedback-rules.js';

// ---------------------------------------------------------------------------------------------
// Inputs

export interface DashboardSkill {
  readonly id: string;
  readonly name: string;
}

export interface DashboardTemplate {
  readonly id: string;
  readonly title: string;
  /** The template's primary skill. */
  readonly skillId: string;
}

/** Everything the dashboard shows, already scoped to one platform, course and assignment. */
export interface DashboardInputs {
  readonly now: Date;
  readonly assignment: Assignment;
  readonly courseTitle: string | undefined;
  /** The assignment's target skills, in bank order. */
  readonly skills: readonly DashboardSkill[];
  /** Templates of the target skills and of every skill answered in this assignment. */
  readonly templates: readonly DashboardTemplate[];
  readonly roster: readonly RosterMember[];
  readonly rosterState: RosterSyncState | undefined;
  readonly sets: readonly PracticeSet[];
  /** Answers, chronological. */
  readonly attempts: readonly AttemptRecord[];
  /** Questions left unanswered when the student switched skill, chronological. */
  readonly skips: readonly AttemptRecord[];
  /** Profiles of the students who have a set here. */
  readonly profiles: readonly LearnerProfile[];
  /** The newest grade outbox entry of each learner stream of this assignment's links. */
  readonly grades: readonly OutboxEntryView[];
}

// ---------------------------------------------------------------------------------------------
// Thresholds (named, so a reader of a flag can find the rule behind it)

/** When a student counts as stuck on a skill. */
export const STRUGGLE_RULES = {
  /** Answers on the skill before "still low mastery" can be said. */
  minAttempts: 5,
  /** Mastery below this after `minAttempts` answers. */
  lowMastery: 0.5,
  /** Wrong answers in a row on the skill. */
  missStreak: 3,
  /** Recent answers looked at for hint use (a supporting reason, not a trigger). */
  hintWindow: 4,
  hintShare: 0.5,
} as const;

/** When an item is flagged for the instructor to look at. */
export const ITEM_FLAG_RULES = {
  /** No flag before this many answers (too little evidence). */
  minAttempts: 5,
  veryHard: 0.3,
  veryEasy: 0.95,
  /** Gap between the share of correct answers and the engine's mean prediction. */
  predictionGap: 0.25,
  hintShare: 0.5,
} as const;

/** Estimated success rate below which an item reads "hard", above which "easy". */
const DIFFICULTY_BANDS = { hard: 0.45, easy: 0.8 } as const;

export const dashboardMessages = {
  placed: 'placement check',
  skipped: (n: number) => `${String(n)} skipped`,
  nameHidden: 'Name not shared by the LMS',
  notStarted: 'Not started',
  inProgress: 'In progress',
  complete: 'Complete',
  inactive: 'inactive in the LMS',
  left: 'no longer in the course',
  notInRoster: 'not in the roster yet',
  rosterNever: 'The roster has not been read from your LMS yet.',
  rosterSynced: (when: string, count: number) =>
    `Roster read from your LMS at ${when} (${count} ${count === 1 ? 'member' : 'members'}).`,
  rosterError: (message: string) => `The last roster update failed: ${message}`,
  stuckLowMastery: (answers: number, mastery: string) =>
    `${answers} answers on this skill and mastery is still ${mastery}`,
  stuckMisses: (misses: number) => `missed the last ${misses} questions in a row`,
  stuckHints: (used: number, of: number) => `used hints on ${used} of the last ${of} questions`,
  steppedBack: (n: number) =>
    `Pathwise stepped back ${n === 1 ? 'once' : `${String(n)} times`} (easier questions with a worked example, or a prerequisite)`,
  flagVeryHard: (pct: string) => `Very hard: only ${pct} correct`,
  flagVeryEasy: (pct: string) => `Very easy: ${pct} correct`,
  flagHarder: (pct: string, expected: string) =>
    `Harder than predicted: ${pct} correct where about ${expected} was expected`,
  flagEasier: (pct: string, expected: string) =>
    `Easier than predicted: ${pct} correct where about ${expected} was expected`,
  flagHints: (pct: string) => `Hints used on ${pct} of answers`,
  gradeNone: 'No score yet',
  gradeSent: 'Delivered',
  gradeWaiting: 'Waiting to send',
  gradeRetrying: 'Retrying',
  gradeFailed: 'Failed',
  gradeSuperseded: 'Replaced by a newer score',
  gradeSentAt: (when: string) => `Delivered to the LMS gradebook at ${when}.`,
  gradeQueuedAt: (when: string) => `Queued at ${when}; sending shortly.`,
  gradeRetryAt: (attempts: number, when: string, error: string) =>
    `${attempts} failed ${attempts === 1 ? 'attempt' : 'attempts'}; next try at ${when}. Last error: ${error}`,
  gradeDead: (attempts: number, error: string) =>
    `Gave up after ${attempts} ${attempts === 1 ? 'attempt' : 'attempts'}. The LMS said: ${error}`,
} as const;

// ---------------------------------------------------------------------------------------------
// Formatting

const pct = (p: number): string => `${Math.round(p * 100)}%`;
/** A mastery as learners see it: rounded down, like the rule it is checked against. */
const masteryPct = (p: number): string => `${String(masteryPercent(p))}%`;

/** A date as "2026-05-01 14:03 UTC" (the LMS frame has no reliable time zone to offer). */
export function formatUtc(date: Date): string {
  return `${date.toISOString().slice(0, 16).replace('T', ' ')} UTC`;
}

export interface TimeView {
  readonly iso: string;
  readonly text: string;
}

const timeView = (date: Date | undefined): TimeView | undefined =>
  date === undefined ? undefined : { iso: date.toISOString(), text: formatUtc(date) };

const round2 = (x: number): number => Math.round(x * 100) / 100;

/** "1 student", "3 students". */
export const countOf = (n: number, one: string, many: string): string =>
  `${n} ${n === 1 ? one : many}`;

// ---------------------------------------------------------------------------------------------
// Students: the roster joined with this assignment's sets, attempts, profiles and grades

export type StudentProgressKind = 'not-started' | 'in-progress' | 'complete';

export interface SkillProgress {
  readonly skillId: string;
  /** Mastery from the profile; undefined when the student has not started this assignment. */
  readonly mastery: number | undefined;
  readonly mastered: boolean;
  /** Answers on the skill in this assignment. */
  readonly attempts: number;
  readonly correct: number;
}

export interface StudentProgress {
  readonly userId: string;
  readonly name: string | undefined;
  /** Enrolment as NRPS reported it; 'unknown' for a student the roster does not list. */
  readonly enrolment: MemberStatus | 'unknown';
  readonly set: PracticeSet | undefined;
  readonly progress: StudentProgressKind;
  readonly answered: number;
  readonly correct: number;
  /** Questions left unanswered by switching skill. */
  readonly skipped: number;
  readonly skills: readonly SkillProgress[];
  readonly masteredCount: number;
  readonly lastActivity: Date | undefined;
  /** The newest score entry for this student (any of the assignment's links). */
  readonly grade: OutboxEntryView | undefined;
  /** This student's answers in this assignment, chronological. */
  readonly attempts: readonly AttemptRecord[];
}

const byName = (a: StudentProgress, b: StudentProgress): number => {
  if (a.name !== undefined && b.name !== undefined)
    return a.name.localeCompare(b.name) || a.userId.localeCompare(b.userId);
  if (a.name !== undefined) return -1;
  if (b.name !== undefined) return 1;
  return a.userId.localeCompare(b.userId);
};

/**
 * One entry per student: every learner of the roster (never-launched ones included, members who
 * left only if they have work here) plus anyone with a set whom the roster does not list yet.
 */
export function studentsOf(inputs: DashboardInputs): StudentProgress[] {
  const setByUser = new Map(inputs.sets.map((s) => [s.userId, s]));
  const profileById = new Map(inputs.profiles.map((p) => [p.id, p]));
  const attemptsByUser = new Map<string, AttemptRecord[]>();
  for (const attempt of inputs.attempts) {
    const list = attemptsByUser.get(attempt.userId) ?? [];
    list.push(attempt);
    attemptsByUser.set(attempt.userId, list);
  }
  const skipsByUser = new Map<string, number>();
  for (const skip of inputs.skips)
    skipsByUser.set(skip.userId, (skipsByUser.get(skip.userId) ?? 0) + 1);
  const gradeByUser = new Map<string, OutboxEntryView>();
  for (const entry of inputs.grades) {
    const known = gradeByUser.get(entry.userId);
    if (known === undefined || entry.enqueuedAt.getTime() > known.enqueuedAt.getTime())
      gradeByUser.set(entry.userId, entry);
  }

  const people = new Map<
    string,
    { name: string | undefined; enrolment: MemberStatus | 'unknown' }
  >();
  for (const member of inputs.roster) {
    if (member.role !== 'learner') continue;
    if (member.status === 'Deleted' && !setByUser.has(member.userId)) continue;
    people.set(member.userId, { name: member.name, enrolment: member.status });
  }
  for (const set of inputs.sets) {
    if (people.has(set.userId)) continue;
    // Someone who practised but is not a learner in the roster (not synced yet, or a role change).
    const member = inputs.roster.find((m) => m.userId === set.userId);
    people.set(set.userId, { name: member?.name, enrolment: member?.status ?? 'unknown' });
  }

  const students: StudentProgress[] = [];
  for (const [userId, person] of people) {
    const set = setByUser.get(userId);
    const profile = set === undefined ? undefined : profileById.get(set.learnerId);
    const attempts = attemptsByUser.get(userId) ?? [];
    const skills = inputs.skills.map((skill): SkillProgress => {
      const here = attempts.filter((a) => a.skillId === skill.id);
      const mastery =
        set === undefined || profile === undefined
          ? undefined
          : masteryOf(profile.engine, skill.id as SkillId);
      return {
        skillId: skill.id,
        mastery: mastery?.probability,
        mastered: mastery?.mastered ?? false,
        attempts: here.length,
        correct: here.filter((a) => a.correct).length,
      };
    });
    const lastAttempt = attempts.at(-1)?.at;
    const lastActivity =
      set === undefined
        ? lastAttempt
        : lastAttempt !== undefined && lastAttempt.getTime() > set.updatedAt.getTime()
          ? lastAttempt
          : set.updatedAt;
    students.push({
      userId,
      name: person.name,
      enrolment: person.enrolment,
      set,
      progress:
        set === undefined
          ? 'not-started'
          : isCompletion(set.completion)
            ? 'complete'
            : 'in-progress',
      answered: set?.answered ?? 0,
      correct: set?.correct ?? 0,
      skipped: skipsByUser.get(userId) ?? 0,
      skills,
      masteredCount: skills.filter((s) => s.mastered).length,
      lastActivity,
      grade: gradeByUser.get(userId),
      attempts,
    });
  }
  return students.sort(byName);
}

export interface StudentLabel {
  readonly name: string;
  readonly nameHidden: boolean;
  /** A short form of the platform user id, to tell apart students without names. */
  readonly shortId: string;
  /** Enrolment remark ("inactive in the LMS"), if any. */
  readonly note: string | undefined;
}

export function studentLabel(student: StudentProgress): StudentLabel {
  const note =
    student.enrolment === 'Inactive'
      ? dashboardMessages.inactive
      : student.enrolment === 'Deleted'
        ? dashboardMessages.left
        : student.enrolment === 'unknown'
          ? dashboardMessages.notInRoster
          : undefined;
  return {
    name: student.name ?? dashboardMessages.nameHidden,
    nameHidden: student.name === undefined,
    shortId: student.userId.length > 12 ? `${student.userId.slice(0, 8)}…` : student.userId,
    note,
  };
}

const progressLabel = (kind: StudentProgressKind): string =>
  kind === 'complete'
    ? dashboardMessages.complete
    : kind === 'in-progress'
      ? dashboardMessages.inProgress
      : dashboardMessages.notStarted;

// ---------------------------------------------------------------------------------------------
// Grade status

export type GradeTone = 'none' | 'good' | 'waiting' | 'bad' | 'muted';

export interface GradeStatusView {
  readonly label: string;
  readonly tone: GradeTone;
  /** One sentence about what happened and what happens next. */
  readonly detail: string | undefined;
  readonly score: string | undefined;
  /** The outbox entry a "retry" button would requeue (dead entries only). */
  readonly retryId: string | undefined;
}

export function gradeStatusOf(entry: OutboxEntryView | undefined): GradeStatusView {
  if (entry === undefined)
    return {
      label: dashboardMessages.gradeNone,
      tone: 'none',
      detail: undefined,
      score: undefined,
      retryId: undefined,
    };
  const score = `${round2(entry.scoreGiven)} / ${round2(entry.scoreMaximum)}`;
  const error = entry.lastError?.message ?? 'no message';
  switch (entry.status) {
    case 'sent':
      return {
        label: dashboardMessages.gradeSent,
        tone: 'good',
        detail:
          entry.sentAt === undefined
            ? undefined
            : dashboardMessages.gradeSentAt(formatUtc(entry.sentAt)),
        score,
        retryId: undefined,
      };
    case 'pending':
      return entry.attempts === 0
        ? {
            label: dashboardMessages.gradeWaiting,
            tone: 'waiting',
            detail: dashboardMessages.gradeQueuedAt(formatUtc(entry.enqueuedAt)),
            score,
            retryId: undefined,
          }
        : {
            label: dashboardMessages.gradeRetrying,
            tone: 'waiting',
            detail: dashboardMessages.gradeRetryAt(
              entry.attempts,
              formatUtc(entry.nextAttemptAt ?? entry.enqueuedAt),
              error,
            ),
            score,
            retryId: undefined,
          };
    case 'dead':
      return {
        label: dashboardMessages.gradeFailed,
        tone: 'bad',
        detail: dashboardMessages.gradeDead(entry.attempts, error),
        score,
        retryId: entry.id,
      };
    case 'superseded':
      return {
        label: dashboardMessages.gradeSuperseded,
        tone: 'muted',
        detail: undefined,
        score,
        retryId: undefined,
      };
  }
}

// ---------------------------------------------------------------------------------------------
// Overview

export interface RosterRowView extends StudentLabel {
  readonly progress: string;
  readonly progressKind: StudentProgressKind;
  readonly answered: number;
  /** "2 skipped", when the student left questions by switching skill. */
  readonly skipped: string | undefined;
  readonly correct: number;
  readonly percentCorrect: string;
  readonly mastered: string;
  readonly lastActivity: TimeView | undefined;
  readonly grade: GradeStatusView;
}

export interface OverviewView {
  readonly summary: {
    readonly students: number;
    readonly started: number;
    readonly completed: number;
    readonly notStarted: number;
    readonly gradeProblems: number;
  };
  readonly skillsTotal: number;
  readonly rosterStatus: string;
  readonly rosterError: string | undefined;
  readonly rows: readonly RosterRowView[];
}

export function rosterStatusText(state: RosterSyncState | undefined): {
  readonly status: string;
  readonly error: string | undefined;
} {
  const status =
    state?.lastSyncAt === undefined
      ? dashboardMessages.rosterNever
      : dashboardMessages.rosterSynced(formatUtc(state.lastSyncAt), state.memberCount);
  // An error matters only when it is newer than the last success.
  const lastError = state?.lastError;
  const failedLast =
    lastError !== undefined &&
    (state?.lastSyncAt === undefined ||
      (state.lastAttemptAt !== undefined && state.lastAttemptAt > state.lastSyncAt));
  return {
    status,
    error: failedLast ? dashboardMessages.rosterError(lastError) : undefined,
  };
}

export function buildOverview(inputs: DashboardInputs): OverviewView {
  const students = studentsOf(inputs);
  const roster = rosterStatusText(inputs.rosterState);
  const rows = students.map((s): RosterRowView => ({
    ...studentLabel(s),
    progress: progressLabel(s.progress),
    progressKind: s.progress,
    answered: s.answered,
    skipped: s.skipped === 0 ? undefined : dashboardMessages.skipped(s.skipped),
    correct: s.correct,
    percentCorrect: s.answered === 0 ? '—' : pct(s.correct / s.answered),
    mastered: s.set === undefined ? '—' : `${s.masteredCount} of ${inputs.skills.length}`,
    lastActivity: timeView(s.lastActivity),
    grade: gradeStatusOf(s.grade),
  }));
  return {
    summary: {
      students: students.length,
      started: students.filter((s) => s.progress !== 'not-started').length,
      completed: students.filter((s) => s.progress === 'complete').length,
      notStarted: students.filter((s) => s.progress === 'not-started').length,
      gradeProblems: students.filter((s) => s.grade?.status === 'dead').length,
    },
    skillsTotal: inputs.skills.length,
    rosterStatus: roster.status,
    rosterError: roster.error,
    rows,
  };
}

// ---------------------------------------------------------------------------------------------
// Heatmap: students × skills

export type HeatBand = 'heat-none' | 'heat-low' | 'heat-mid' | 'heat-high' | 'heat-mastered';

export interface HeatCellView {
  readonly band: HeatBand;
  /** Visible text: never colour alone. */
  readonly text: string;
  /** Extra words for screen readers. */
  readonly srText: string;
  readonly detail: string | undefined;
}

export interface HeatmapView {
  readonly skills: readonly DashboardSkill[];
  readonly rows: readonly (StudentLabel & { readonly cells: readonly HeatCellView[] })[];
  readonly totals: readonly { readonly mastered: number; readonly practising: number }[];
  readonly started: number;
  readonly notStarted: number;
  /** Who is shown and who is not, in words. */
  readonly summary: string;
  readonly legend: readonly { readonly band: HeatBand; readonly text: string }[];
}

export function heatBand(cell: Pick<SkillProgress, 'mastery' | 'mastered' | 'attempts'>): HeatBand {
  if (cell.mastered) return 'heat-mastered';
  if (cell.mastery === undefined || cell.attempts === 0) return 'heat-none';
  if (cell.mastery < 0.4) return 'heat-low';
  if (cell.mastery < 0.7) return 'heat-mid';
  return 'heat-high';
}

export function heatCell(cell: SkillProgress): HeatCellView {
  const band = heatBand(cell);
  const answers =
    cell.attempts === 0
      ? undefined
      : `${cell.correct}/${cell.attempts} ${cell.attempts === 1 ? 'answer' : 'answers'} right`;
  if (cell.mastery === undefined || (cell.attempts === 0 && !cell.mastered))
    return { band, text: '—', srText: 'not practised', detail: undefined };
  // Mastered by a placement check, with no answers of its own yet: no estimate to show.
  if (cell.mastered && cell.attempts === 0)
    return {
      band,
      text: '✓',
      srText: 'mastered (placement check)',
      detail: dashboardMessages.placed,
    };
  const mastery = masteryPct(cell.mastery);
  return cell.mastered
    ? { band, text: `✓ ${mastery}`, srText: 'mastered', detail: answers }
    : { band, text: mastery, srText: 'mastery, not yet mastered', detail: answers };
}

export function buildHeatmap(inputs: DashboardInputs): HeatmapView {
  const students = studentsOf(inputs);
  const started = students.filter((s) => s.set !== undefined);
  return {
    skills: inputs.skills,
    rows: started.map((s) => ({ ...studentLabel(s), cells: s.skills.map(heatCell) })),
    totals: inputs.skills.map((_, i) => ({
      mastered: started.filter((s) => s.skills[i]?.mastered === true).length,
      practising: started.filter((s) => (s.skills[i]?.attempts ?? 0) > 0).length,
    })),
    started: started.length,
    notStarted: students.length - started.length,
    summary: `${countOf(started.length, 'student', 'students')} started this assignment; ${countOf(students.length - started.length, 'student has', 'students have')} not started and ${students.length - started.length === 1 ? 'is' : 'are'} not shown.`,
    legend: [
      { band: 'heat-mastered', text: '✓ mastered' },
      { band: 'heat-high', text: '70% or more, not yet mastered' },
      { band: 'heat-mid', text: '40% to 69%' },
      { band: 'heat-low', text: 'below 40%' },
      { band: 'heat-none', text: '— not practised here yet' },
    ],
  };
}

// ---------------------------------------------------------------------------------------------
// Struggling students

export interface StuckSkillView {
  readonly skillId: string;
  readonly name: string;
  readonly mastery: string;
  readonly reasons: readonly string[];
}

export interface StrugglingStudentView extends StudentLabel {
  readonly userId: string;
  readonly skills: readonly StuckSkillView[];
  readonly lastActivity: TimeView | undefined;
}

/** Why a student looks stuck on one skill (empty: not stuck). Pure, for unit tests. */
export function stuckReasons(
  attempts: readonly Pick<AttemptRecord, 'correct' | 'hintsUsed' | 'reasonCode'>[],
  mastery: number,
  mastered: boolean,
): string[] {
  if (mastered || attempts.length === 0) return [];
  const triggers: string[] = [];
  if (attempts.length >= STRUGGLE_RULES.minAttempts && mastery < STRUGGLE_RULES.lowMastery)
    triggers.push(dashboardMessages.stuckLowMastery(attempts.length, masteryPct(mastery)));
  let misses = 0;
  for (let i = attempts.length - 1; i >= 0 && attempts[i]?.correct === false; i--) misses += 1;
  if (misses >= STRUGGLE_RULES.missStreak) triggers.push(dashboardMessages.stuckMisses(misses));
  if (triggers.length === 0) return [];
  const recent = attempts.slice(-STRUGGLE_RULES.hintWindow);
  const hinted = recent.filter((a) => a.hintsUsed > 0).length;
  if (
    recent.length === STRUGGLE_RULES.hintWindow &&
    hinted / recent.length >= STRUGGLE_RULES.hintShare
  )
    triggers.push(dashboardMessages.stuckHints(hinted, recent.length));
  const steppedBack = recent.filter((a) => a.reasonCode === 'STEP_BACK').length;
  if (steppedBack > 0) triggers.push(dashboardMessages.steppedBack(steppedBack));
  return triggers;
}

export function buildStruggling(inputs: DashboardInputs): readonly StrugglingStudentView[] {
  const names = new Map(inputs.skills.map((s) => [s.id, s.name]));
  const flagged: StrugglingStudentView[] = [];
  for (const student of studentsOf(inputs)) {
    if (student.set === undefined) continue;
    const skills: StuckSkillView[] = [];
    for (const skill of student.skills) {
      const attempts = student.attempts.filter((a) => a.skillId === skill.skillId);
      const reasons = stuckReasons(attempts, skill.mastery ?? 0, skill.mastered);
      if (reasons.length === 0) continue;
      skills.push({
        skillId: skill.skillId,
        name: names.get(skill.skillId) ?? skill.skillId,
        mastery: masteryPct(skill.mastery ?? 0),
        reasons,
      });
    }
    if (skills.length > 0)
      flagged.push({
        ...studentLabel(student),
        userId: student.userId,
        skills,
        lastActivity: timeView(student.lastActivity),
      });
  }
  // Most stuck skills first; the sort is stable, so names stay in order within a count.
  return flagged.sort((a, b) => b.skills.length - a.skills.length);
}

export interface StrugglingRowView extends StudentLabel {
  readonly skill: string;
  readonly mastery: string;
  /** The reasons as one sentence. */
  readonly why: string;
  readonly lastActivity: TimeView | undefined;
}

/** The struggling page: one table row per (student, skill), and the rules in words. */
export function strugglingPage(students: readonly StrugglingStudentView[]) {
  return {
    studentCount: students.length,
    caption: `${countOf(students.length, 'student looks', 'students look')} stuck; one row per student and skill`,
    rows: students.flatMap((student) =>
      student.skills.map((skill): StrugglingRowView => ({
        name: student.name,
        nameHidden: student.nameHidden,
        shortId: student.shortId,
        note: student.note,
        skill: skill.name,
        mastery: skill.mastery,
        why: `${skill.reasons.join('; ')}.`.replace(/^./, (c) => c.toUpperCase()),
        lastActivity: student.lastActivity,
      })),
    ),
    rules: {
      minAttempts: STRUGGLE_RULES.minAttempts,
      lowMastery: pct(STRUGGLE_RULES.lowMastery),
      missStreak: STRUGGLE_RULES.missStreak,
    },
  };
}

// ---------------------------------------------------------------------------------------------
// Item statistics

export interface ItemStatsRow {
  readonly templateId: string;
  readonly title: string;
  readonly skillName: string;
  readonly attempts: number;
  readonly correct: number;
  readonly percentCorrect: string;
  /** The engine's mean predicted chance of success on this item's answers. */
  readonly expected: string;
  readonly difficulty: string;
  readonly estimatedSuccess: string;
  readonly hintRate: string;
  /** Times the item was left unanswered (the student switched skill). */
  readonly skipped: number;
  readonly flags: readonly string[];
}

export interface ItemStatsView {
  readonly rows: readonly ItemStatsRow[];
  readonly flagged: number;
  /** Templates of the target skills nobody answered here yet. */
  readonly unused: readonly { readonly title: string; readonly skillName: string }[];
}

/** Flags for one item (empty below the minimum number of answers). */
export function itemFlags(stats: {
  readonly attempts: number;
  readonly correct: number;
  readonly predictedSum: number;
  readonly hinted: number;
}): string[] {
  if (stats.attempts < ITEM_FLAG_RULES.minAttempts) return [];
  const share = stats.correct / stats.attempts;
  const expected = stats.predictedSum / stats.attempts;
  const flags: string[] = [];
  if (share < ITEM_FLAG_RULES.veryHard) flags.push(dashboardMessages.flagVeryHard(pct(share)));
  if (share > ITEM_FLAG_RULES.veryEasy) flags.push(dashboardMessages.flagVeryEasy(pct(share)));
  if (expected - share >= ITEM_FLAG_RULES.predictionGap)
    flags.push(dashboardMessages.flagHarder(pct(share), pct(expected)));
  if (share - expected >= ITEM_FLAG_RULES.predictionGap)
    flags.push(dashboardMessages.flagEasier(pct(share), pct(expected)));
  const hints = stats.hinted / stats.attempts;
  if (hints >= ITEM_FLAG_RULES.hintShare) flags.push(dashboardMessages.flagHints(pct(hints)));
  return flags;
}

/**
 * The item's success rate for an average student of this class: its own rate shrunk towards its
 * skill's (the engine's `itemEasiness`), so three lucky answers do not make an item "easy".
 */
export function estimatedSuccess(
  item: { readonly attempts: number; readonly correct: number },
  skill: { readonly attempts: number; readonly correct: number },
  model: ModelParams = DEFAULT_MODEL,
): number {
  const easiness = itemEasiness(
    { n: item.attempts, correct: item.correct, residual: 0, information: 0 },
    { n: skill.attempts, correct: skill.correct },
    model,
  );
  return 1 / (1 + Math.exp(-easiness));
}

export function difficultyLabel(success: number): string {
  if (success < DIFFICULTY_BANDS.hard) return 'Hard';
  if (success < DIFFICULTY_BANDS.easy) return 'Medium';
  return 'Easy';
}

export function buildItemStats(inputs: DashboardInputs): ItemStatsView {
  const templates = new Map(inputs.templates.map((t) => [t.id, t]));
  const skillNames = new Map(inputs.skills.map((s) => [s.id, s.name]));
  const perItem = new Map<
    string,
    { skillId: string; attempts: number; correct: number; predictedSum: number; hinted: number }
  >();
  const perSkill = new Map<string, { attempts: number; correct: number }>();
  for (const a of inputs.attempts) {
    const item = perItem.get(a.templateId) ?? {
      skillId: a.skillId,
      attempts: 0,
      correct: 0,
      predictedSum: 0,
      hinted: 0,
    };
    item.attempts += 1;
    item.correct += a.correct ? 1 : 0;
    item.predictedSum += a.predicted;
    item.hinted += a.hintsUsed > 0 ? 1 : 0;
    perItem.set(a.templateId, item);
    const skill = perSkill.get(a.skillId) ?? { attempts: 0, correct: 0 };
    skill.attempts += 1;
    skill.correct += a.correct ? 1 : 0;
    perSkill.set(a.skillId, skill);
  }
  const skipsPerItem = new Map<string, number>();
  for (const skip of inputs.skips) {
    skipsPerItem.set(skip.templateId, (skipsPerItem.get(skip.templateId) ?? 0) + 1);
    // An item students only ever left unanswered is worth a row too.
    if (!perItem.has(skip.templateId))
      perItem.set(skip.templateId, {
        skillId: skip.skillId,
        attempts: 0,
        correct: 0,
        predictedSum: 0,
        hinted: 0,
      });
  }
  const rows = [...perItem.entries()].map(([templateId, item]): ItemStatsRow => {
    const success = estimatedSuccess(
      item,
      perSkill.get(item.skillId) ?? { attempts: 0, correct: 0 },
    );
    return {
      templateId,
      title: templates.get(templateId)?.title ?? templateId,
      skillName: skillNames.get(item.skillId) ?? item.skillId,
      attempts: item.attempts,
      correct: item.correct,
      percentCorrect: item.attempts === 0 ? '—' : pct(item.correct / item.attempts),
      expected: item.attempts === 0 ? '—' : pct(item.predictedSum / item.attempts),
      difficulty: difficultyLabel(success),
      estimatedSuccess: pct(success),
      hintRate: item.attempts === 0 ? '—' : pct(item.hinted / item.attempts),
      skipped: skipsPerItem.get(templateId) ?? 0,
      flags: itemFlags(item),
    };
  });
  rows.sort(
    (a, b) =>
      Number(b.flags.length > 0) - Number(a.flags.length > 0) ||
      b.attempts - a.attempts ||
      a.title.localeCompare(b.title),
  );
  const targets = new Set(inputs.skills.map((s) => s.id));
  return {
    rows,
    flagged: rows.filter((r) => r.flags.length > 0).length,
    unused: inputs.templates
      .filter((t) => targets.has(t.skillId) && !perItem.has(t.id))
      .map((t) => ({ title: t.title, skillName: skillNames.get(t.skillId) ?? t.skillId })),
  };
}

// ---------------------------------------------------------------------------------------------
// Grades page

export interface GradeRowView extends StudentLabel {
  readonly progress: string;
  readonly grade: GradeStatusView;
  readonly attempts: number;
  readonly queuedAt: TimeView | undefined;
}

export interface GradesView {
  readonly counts: {
    readonly delivered: number;
    readonly waiting: number;
    readonly failed: number;
    readonly none: number;
  };
  readonly rows: readonly GradeRowView[];
}

const GRADE_ORDER: Readonly<Record<GradeTone, number>> = {
  bad: 0,
  waiting: 1,
  good: 2,
  muted: 3,
  none: 4,
};

export function buildGrades(inputs: DashboardInputs): GradesView {
  const students = studentsOf(inputs);
  const rows = students
    .map((s): GradeRowView => ({
      ...studentLabel(s),
      progress: progressLabel(s.progress),
      grade: gradeStatusOf(s.grade),
      attempts: s.grade?.attempts ?? 0,
      queuedAt: timeView(s.grade?.enqueuedAt),
    }))
    // Problems first; the sort is stable, so names stay in order within a status.
    .sort((a, b) => GRADE_ORDER[a.grade.tone] - GRADE_ORDER[b.grade.tone]);
  const tones = rows.map((r) => r.grade.tone);
  return {
    counts: {
      delivered: tones.filter((t) => t === 'good').length,
      waiting: tones.filter((t) => t === 'waiting').length,
      failed: tones.filter((t) => t === 'bad').length,
      none: tones.filter((t) => t === 'none' || t === 'muted').length,
    },
    rows,
  };
}

// ---------------------------------------------------------------------------------------------
// CSV export

/**
 * One CSV field (RFC 4180), safe to open in a spreadsheet: text starting with = + - @ (or a tab
 * or carriage return) gets a leading apostrophe so it is never run as a formula (OWASP "CSV
 * injection"); fields with quotes, separators or line breaks are quoted, quotes doubled.
 * Numbers are written as they are (they are ours, never user text).
 */
export function csvField(value: string | number | undefined): string {
  if (value === undefined) return '';
  if (typeof value === 'number') return Number.isFinite(value) ? String(value) : '';
  const text = /^[=+\-@\t\r]/.test(value) ? `'${value}` : value;
  return /[",;\r\n]/.test(text) || text !== text.trim() ? `"${text.replaceAll('"', '""')}"` : text;
}

export function csvLine(values: readonly (string | number | undefined)[]): string {
  return values.map(csvField).join(',');
}

/** The roster's progress as CSV (UTF-8 with BOM so spreadsheets read names right; CRLF lines). */
export function buildCsv(inputs: DashboardInputs): string {
  const students = studentsOf(inputs);
  const header = [
    'Student',
    'User ID',
    'Enrolment',
    'Progress',
    'Answered',
    'Correct',
    'Percent correct',
    'Skills mastered',
    'Skills total',
    'Last activity (UTC)',
    'Grade status',
    'Score',
    'Out of',
    ...inputs.skills.map((s) => `Mastery %: ${s.name}`),
  ];
  const lines = [csvLine(header)];
  for (const s of students) {
    const grade = gradeStatusOf(s.grade);
    lines.push(
      csvLine([
        s.name ?? '',
        s.userId,
        s.enrolment === 'unknown' ? '' : s.enrolment,
        progressLabel(s.progress),
        s.answered,
        s.correct,
        s.answered === 0 ? undefined : Math.round((s.correct / s.answered) * 100),
        s.set === undefined ? undefined : s.masteredCount,
        inputs.skills.length,
        s.lastActivity?.toISOString(),
        grade.label,
        s.grade === undefined ? undefined : round2(s.grade.scoreGiven),
        s.grade === undefined ? undefined : round2(s.grade.scoreMaximum),
        ...s.skills.map((k) =>
          k.mastery === undefined || (k.attempts === 0 && !k.mastered)
            ? undefined
            : masteryPercent(k.mastery),
        ),
      ]),
    );
  }
  return `\uFEFF${lines.join('\r\n')}\r\n`;
}

/** A file name for the export: the assignment title reduced to safe characters. */
export function csvFileName(assignmentTitle: string, now: Date): string {
  const slug = assignmentTitle
    .normalize('NFKD')
    .replace(/[^\w\s-]/g, '')
    .trim()
    .replace(/[\s_-]+/g, '-')
    .toLowerCase()
    .slice(0, 60);
  return `pathwise-${slug === '' ? 'assignment' : slug}-${now.toISOString().slice(0, 10)}.csv`;
}
