/**
 * What an instructor is shown before an assignment is saved: the prerequisites Pathwise adds,
 * how many questions a typical student needs (the engine's own simulation), and a warning when
 * the question limit is below that. Pure: the pool and the clock come from the caller.
 */
import { createHash } from 'node:crypto';
import type { Skill } from '../content/content.model.js';
import {
  expectedPractice,
  seedFrom,
  type Assignment as EngineAssignment,
  type ExpectedPractice,
} from '../engine/index.js';
import {
  engineConfigFor,
  poolShape,
  type AssignmentSettings,
} from '../assignments/assignment-settings.js';

export interface AssignmentPlan {
  readonly addedPrerequisites: readonly Skill[];
  readonly skillCount: number;
  readonly expected: ExpectedPractice;
  /** The instructor's question limit, if any. */
  readonly limit: number | undefined;
  /** The question limit is below what 80 % of students need. */
  readonly limitTooLow: boolean;
  /** Whether the instructor must see this plan before saving (something to confirm). */
  readonly needsReview: boolean;
  /** Identifies the settings the plan was made for: a review holds only for the same ones. */
  readonly fingerprint: string;
}

export const planMessages = {
  heading: 'Check before adding',
  added: (names: string) =>
    `Pathwise adds these prerequisites so students can learn the skills in order: ${names}.`,
  expected: (skills: number, median: number, p80: number) =>
    `A typical student needs about ${String(median)} questions to master ${skills === 1 ? 'this skill' : `these ${String(skills)} skills`} (80 % of students: ${String(p80)} or fewer).`,
  limitTooLow: (limit: number, p80: number) =>
    `Your limit of ${String(limit)} questions is below that: many students would reach it before mastering every skill. Raise the limit to at least ${String(p80)}, choose fewer skills, or add the assignment anyway.`,
  someNeverFinish: (share: number) =>
    `In the engine's simulation ${String(Math.round((1 - share) * 100))} % of students did not master every skill within 400 questions: consider fewer skills.`,
  confirm: 'Add to course',
  note: "These figures come from Pathwise's own simulation of students like yours; real students vary.",
} as const;

/** A short digest of the settings that change the plan. */
export function settingsFingerprint(settings: AssignmentSettings): string {
  const relevant = {
    skills: [...settings.skillIds].sort(),
    mastery: settings.mastery,
    target: settings.targetSuccess,
    min: settings.minItems,
    max: settings.maxItems ?? null,
  };
  return createHash('sha256').update(JSON.stringify(relevant)).digest('hex').slice(0, 16);
}

export function planAssignment(input: {
  readonly settings: AssignmentSettings;
  readonly addedPrerequisites: readonly Skill[];
  readonly pool: EngineAssignment;
  readonly now: Date;
}): AssignmentPlan {
  const { settings } = input;
  const fingerprint = settingsFingerprint(settings);
  const expected = expectedPractice({
    assignment: input.pool,
    // The same configuration practice will use.
    config: engineConfigFor(settings, 0, poolShape(input.pool)),
    now: input.now,
    seed: seedFrom('assignment-plan', fingerprint),
  });
  const limitTooLow = settings.maxItems !== undefined && settings.maxItems < expected.p80;
  return {
    addedPrerequisites: input.addedPrerequisites,
    skillCount: input.pool.skills.length,
    expected,
    limit: settings.maxItems,
    limitTooLow,
    needsReview: input.addedPrerequisites.length > 0 || limitTooLow || expected.reachedShare < 0.8,
    fingerprint,
  };
}

/** The review panel's view model. */
export function planView(plan: AssignmentPlan) {
  return {
    heading: planMessages.heading,
    added:
      plan.addedPrerequisites.length === 0
        ? undefined
        : planMessages.added(plan.addedPrerequisites.map((s) => s.name).join(', ')),
    expected: planMessages.expected(plan.skillCount, plan.expected.median, plan.expected.p80),
    warning:
      plan.limitTooLow && plan.limit !== undefined
        ? planMessages.limitTooLow(plan.limit, plan.expected.p80)
        : undefined,
    neverFinish:
      plan.expected.reachedShare < 0.8
        ? planMessages.someNeverFinish(plan.expected.reachedShare)
        : undefined,
    note: planMessages.note,
    fingerprint: plan.fingerprint,
  };
}
