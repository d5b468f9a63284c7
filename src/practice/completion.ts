/**
 * When a practice set is finished, and what the gradebook is told: one pure decision that the
 * practice page, the class dashboard and the LMS score all read, so they cannot disagree.
 *
 * A set is complete when every target skill is mastered (and the instructor's minimum number of
 * answers is reached), or when the instructor's question limit is reached, whichever comes
 * first. A set that cannot go on for other reasons (prerequisites outside the assignment, no
 * questions left) is not complete: it is paused, and the gradebook keeps "in progress".
 */
// The goal met is said as the selection says it, whichever notices it first.
import { selectionMessages } from '../engine/index.js';

export const COMPLETION_CODES = ['GOAL_MET', 'ITEM_LIMIT'] as const;
export type CompletionCode = (typeof COMPLETION_CODES)[number];

/** Why a set stopped: complete (above), or paused by the selector. */
export interface SetEnd {
  readonly code: string;
  readonly why: string;
}

export const completionMessages = {
  itemLimit: (n: number, mastered: number, total: number) =>
    `You've answered the ${String(n)} questions of this set, which completes it (${String(mastered)} of ${String(total)} ${total === 1 ? 'skill' : 'skills'} mastered).`,
} as const;

export interface CompletionInput {
  /** Answers counted in the set so far (skipped questions are not answers). */
  readonly answered: number;
  readonly minItems: number;
  readonly maxItems: number | undefined;
  readonly targetSkills: number;
  readonly masteredSkills: number;
}

/** The completion reached after an answer, or undefined while the set goes on. */
export function completionAfterAnswer(input: CompletionInput): SetEnd | undefined {
  const { answered, minItems, maxItems, targetSkills, masteredSkills } = input;
  if (targetSkills > 0 && masteredSkills >= targetSkills && answered >= minItems)
    return { code: 'GOAL_MET', why: selectionMessages.goalMet(masteredSkills, targetSkills) };
  if (maxItems !== undefined && answered >= maxItems)
    return {
      code: 'ITEM_LIMIT',
      why: completionMessages.itemLimit(maxItems, masteredSkills, targetSkills),
    };
  return undefined;
}

/** Whether this end of a set is a completion (as opposed to a pause). */
export const isCompletion = (end: SetEnd | undefined): boolean =>
  end !== undefined && (COMPLETION_CODES as readonly string[]).includes(end.code);

/** What an AGS score says about the set (LTI AGS activityProgress / gradingProgress). */
export interface GradebookProgress {
  readonly activityProgress: 'InProgress' | 'Completed';
  /** Pathwise's score is final for what was done so far: the LMS may show it at once. */
  readonly gradingProgress: 'FullyGraded';
}

export function gradebookProgress(end: SetEnd | undefined): GradebookProgress {
  return {
    activityProgress: isCompletion(end) ? 'Completed' : 'InProgress',
    gradingProgress: 'FullyGraded',
  };
}
