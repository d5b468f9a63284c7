/**
 * A practice set: one learner working on one assignment, from the first question to completion,
 * resumable on any device. Pure types and decisions; the service does the I/O.
 */
import type { ItemInstance } from '../content/content.model.js';
import type { PlacementState, SkillId } from '../engine/index.js';

/** Which screen the learner is on. */
export type PracticePhase = 'question' | 'feedback' | 'complete';

/** The question on screen, with everything needed to check it later (key stays server-side). */
export interface CurrentItem {
  /** Position of the question in the set, 1-based; answers name it to refuse stale forms. */
  readonly step: number;
  readonly instance: ItemInstance;
  readonly reason: { readonly code: string; readonly why: string; readonly predicted: number };
  /** A worked example shown before the question (the learner was struggling on the skill). */
  readonly example?: { readonly prompt: string; readonly solution: string };
  readonly shownAt: Date;
  readonly hintsShown: number;
  /** The learner asks for a hint with every question, but this one comes without (see autoHint). */
  readonly autoHintWithheld?: boolean;
}

/** A readable explanation of one skill's mastery change after an answer. */
export interface MasteryExplanation {
  readonly skillId: SkillId;
  readonly skillName: string;
  /** Undefined when this answer gave the skill its first estimate (it was not started). */
  readonly before: number | undefined;
  readonly after: number;
  readonly mastered: boolean;
  readonly why: string;
  /** A note after the explanation (e.g. a test-out that ended). */
  readonly note?: string;
}

/** What the learner sees after answering. */
export interface AnswerResult {
  readonly step: number;
  readonly templateId: string;
  readonly skillId: SkillId;
  readonly prompt: string;
  readonly correct: boolean;
  readonly response: string;
  readonly feedback: string;
  readonly answerDisplay: string;
  readonly solution: string;
  readonly hintsUsed: number;
  readonly masteryChanges: readonly MasteryExplanation[];
  readonly at: Date;
}

/** The last score queued for the gradebook, as told to the learner. */
export interface SentScore {
  readonly scoreGiven: number;
  readonly scoreMaximum: number;
  readonly activityProgress: 'InProgress' | 'Completed';
  readonly why: string;
  readonly queuedAt: Date;
  readonly entryId: string;
}

export interface PracticeSet {
  /** `${learnerId}:${assignmentId}`: one set per learner and assignment. */
  readonly id: string;
  readonly learnerId: string;
  readonly assignmentId: string;
  readonly platformId: string;
  readonly contextId: string;
  readonly resourceLinkId: string;
  /** The platform user id (`sub`) scores are sent for. */
  readonly userId: string;
  readonly phase: PracticePhase;
  readonly answered: number;
  readonly correct: number;
  readonly reviews: number;
  /** Questions left unanswered by switching skill (absent on sets stored before skips). */
  readonly skipped?: number;
  /** The latest skipped items, kept away from the selection for a while. */
  readonly skippedItems?: readonly string[];
  /** The placement check of this set, when the assignment asks for one. */
  readonly placement?: PlacementState;
  /** A test-out the learner asked for: right answers so far on that skill. */
  readonly testOut?: { readonly skillId: SkillId; readonly right: number } | undefined;
  /** Last step handed out. */
  readonly step: number;
  readonly current: CurrentItem | undefined;
  readonly lastResult: AnswerResult | undefined;
  readonly chosenSkillId: SkillId | undefined;
  readonly completion: { readonly code: string; readonly why: string } | undefined;
  readonly lastScore: SentScore | undefined;
  readonly startedAt: Date;
  readonly updatedAt: Date;
  /** Optimistic concurrency, as for learner profiles. */
  readonly version: number;
}

/** One stored answer (the item statistics and dashboards read these). */
export interface AttemptRecord {
  /** `${setId}:${step}`: a step is answered once, even if the form is posted twice. */
  readonly id: string;
  readonly setId: string;
  readonly learnerId: string;
  readonly assignmentId: string;
  readonly platformId: string;
  readonly contextId: string;
  readonly userId: string;
  readonly step: number;
  readonly templateId: string;
  readonly skillId: SkillId;
  readonly seed: number;
  readonly response: string;
  readonly correct: boolean;
  /** Left unanswered (the learner switched skill): not an answer, never marked or graded. */
  readonly skipped?: boolean;
  readonly hintsUsed: number;
  /** 1 (guessing) to 3 (sure), when the learner said. */
  readonly confidence: number | undefined;
  /** Chance of success the engine predicted before the answer. */
  readonly predicted: number;
  /** Why the question was chosen (selection code, e.g. STEP_BACK after repeated misses). */
  readonly reasonCode?: string;
  readonly masteryBefore: number;
  readonly masteryAfter: number;
  readonly durationMs: number;
  readonly at: Date;
}

export const practiceSetId = (learnerId: string, assignmentId: string): string =>
  `${learnerId}:${assignmentId}`;

/**
 * Whether a question starts with its first hint shown, for a learner who asked for a hint with
 * every question. An answer after a hint counts as practice, not as evidence of mastery, so a
 * hint on every question would freeze mastery: after a correct answer with a hint, the next
 * question of that skill comes without one (the learner can still ask), so at least every other
 * question can show what the learner can do alone.
 */
export function autoHint(input: {
  readonly preference: boolean;
  readonly hintsAvailable: number;
  readonly skillId: SkillId;
  /** The learner's previous answer in this set, if any. */
  readonly previous: Pick<AnswerResult, 'skillId' | 'correct' | 'hintsUsed'> | undefined;
}): { readonly hintsShown: number; readonly withheld: boolean } {
  if (!input.preference || input.hintsAvailable === 0) return { hintsShown: 0, withheld: false };
  const previous = input.previous;
  const lastWasHelpedRight =
    previous !== undefined &&
    previous.skillId === input.skillId &&
    previous.correct &&
    previous.hintsUsed > 0;
  return lastWasHelpedRight
    ? { hintsShown: 0, withheld: true }
    : { hintsShown: 1, withheld: false };
}

/** Whether a new score must be queued: only when something the gradebook shows changed. */
export function scoreChanged(
  last: SentScore | undefined,
  next: { readonly scoreGiven: number; readonly activityProgress: string },
): boolean {
  return (
    last === undefined ||
    Math.abs(last.scoreGiven - next.scoreGiven) > 1e-9 ||
    last.activityProgress !== next.activityProgress
  );
}
