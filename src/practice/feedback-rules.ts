/**
 * What a learner is told about mastery, as pure rules with one source of truth each:
 * - percentages are shown rounded down (masteryPercent), so a number at or above the mastery
 *   threshold is shown only when the probability really is at or above it;
 * - explainMasteryChange names the real cause of a change (first estimate, a hard question
 *   answered right, a miss on an easy question, an answer after a hint) and never credits a
 *   rise to a wrong answer or a fall to a right one (the engine never moves mastery against the
 *   answer, and the texts are chosen by the answer, not only by the direction);
 * - masteryStatus says where a skill stands in words that agree with the rule.
 */
import type { MasteryCriterion } from '../engine/index.js';

/** A mastery probability as a whole percent, rounded down (84.9 % is 84 %, never 85 %). */
export const masteryPercent = (p: number): number =>
  Math.min(100, Math.max(0, Math.floor(p * 100 + 1e-9)));

const pct = (p: number): string => `${String(masteryPercent(p))}%`;
const chance = (p: number): string => `${String(Math.round(p * 100))}%`;

export type MasteryCause =
  | 'first-estimate'
  | 'right'
  | 'hard-item-right'
  | 'missed'
  | 'easy-item-missed'
  | 'steady'
  | 'hint-practice';

export const feedbackMessages = {
  firstEstimate: (skill: string, p: number, correct: boolean) =>
    `First estimate for ${skill}: ${pct(p)}, from your first answer (${correct ? 'right' : 'not right yet'}) and how students usually do on this skill.`,
  firstHinted: (skill: string) =>
    `${skill} is not started yet: an answer after a hint counts as practice, so your first estimate comes with your first answer without one.`,
  rose: (skill: string, before: number, after: number) =>
    `Mastery of ${skill} rose from ${pct(before)} to ${pct(after)} because you answered correctly`,
  roseHard: (p: number) => `, on a hard question (you had about a ${chance(p)} chance)`,
  fell: (skill: string, before: number, after: number) =>
    `Mastery of ${skill} fell from ${pct(before)} to ${pct(after)} because this answer was wrong`,
  fellEasy: (p: number) =>
    `; it was an easy one for you (about a ${chance(p)} chance), so a miss says more than on a hard one`,
  fellHints: ' (even with a hint)',
  steadyRight: (skill: string, p: number, predicted: number) =>
    predicted > 0.7
      ? `Mastery of ${skill} stays at ${pct(p)}: a right answer on an easy question (about a ${chance(predicted)} chance) adds little.`
      : `Mastery of ${skill} stays at ${pct(p)}: this right answer confirms the estimate.`,
  steadyWrong: (skill: string, p: number, predicted: number) =>
    predicted < 0.5
      ? `Mastery of ${skill} stays at ${pct(p)}: a miss on a hard question (about a ${chance(predicted)} chance) changes little.`
      : `Mastery of ${skill} stays at ${pct(p)}: one miss changes little at this point.`,
  hinted: (skill: string, p: number) =>
    `Mastery of ${skill} stays at ${pct(p)}: you answered after a hint, which counts as practice. Answer one without hints to show mastery.`,
} as const;

export interface MasteryChangeInput {
  readonly skillName: string;
  /** Mastery before the answer; undefined when the skill had no counted answer yet. */
  readonly before: number | undefined;
  readonly after: number;
  readonly correct: boolean;
  /** The predicted chance of a right answer on this question. */
  readonly predicted: number;
  readonly hintsUsed: number;
  /** False when the answer did not count as evidence (right after a hint). */
  readonly counted: boolean;
  /** The engine's sentence when the mastery status changed (mastered, lost). */
  readonly statusWhy: string | undefined;
}

/** One sentence on a mastery change, with its cause; the engine's status sentence appended. */
export function explainMasteryChange(input: MasteryChangeInput): {
  readonly cause: MasteryCause;
  readonly text: string;
} {
  const { skillName, before, after, correct, predicted } = input;
  const explained = ((): { cause: MasteryCause; text: string } => {
    if (!input.counted)
      return {
        cause: 'hint-practice',
        text:
          before === undefined
            ? feedbackMessages.firstHinted(skillName)
            : feedbackMessages.hinted(skillName, before),
      };
    if (before === undefined)
      return {
        cause: 'first-estimate',
        text: feedbackMessages.firstEstimate(skillName, after, correct),
      };
    // Steady when the shown percent does not change, whatever the raw difference.
    if (
      masteryPercent(after) === masteryPercent(before) ||
      (correct ? after < before : after > before)
    )
      return {
        cause: 'steady',
        text: correct
          ? feedbackMessages.steadyRight(skillName, after, predicted)
          : feedbackMessages.steadyWrong(skillName, after, predicted),
      };
    if (correct)
      return predicted < 0.5
        ? {
            cause: 'hard-item-right',
            text: `${feedbackMessages.rose(skillName, before, after)}${feedbackMessages.roseHard(predicted)}.`,
          }
        : { cause: 'right', text: `${feedbackMessages.rose(skillName, before, after)}.` };
    const hints = input.hintsUsed > 0 ? feedbackMessages.fellHints : '';
    return predicted > 0.7
      ? {
          cause: 'easy-item-missed',
          text: `${feedbackMessages.fell(skillName, before, after)}${hints}${feedbackMessages.fellEasy(predicted)}.`,
        }
      : { cause: 'missed', text: `${feedbackMessages.fell(skillName, before, after)}${hints}.` };
  })();
  return input.statusWhy === undefined
    ? explained
    : { cause: explained.cause, text: `${explained.text} ${input.statusWhy}` };
}

/** Where a skill stands, in words that agree with the assignment's mastery rule. */
export type MasteryStatusKind = 'not-started' | 'learning' | 'confirming' | 'mastered';

export interface MasteryStatusInput {
  readonly attempts: number;
  readonly probability: number;
  readonly mastered: boolean;
  readonly rule: {
    readonly criterion: MasteryCriterion;
    readonly minAttempts: number;
    readonly loseBelow: number;
  };
}

export const statusMessages = {
  notStarted: 'Not started',
  placed: 'Mastered (placement check)',
  learning: (p: number) => `Learning: ${pct(p)}`,
  confirmNext: (p: number) =>
    `${pct(p)}: your next answer on this skill confirms mastery (the rule changed since your last one)`,
  confirming: (p: number, more: number) =>
    `${pct(p)}: answer ${String(more)} more ${more === 1 ? 'question' : 'questions'} to confirm mastery`,
  mastered: (p: number) => `Mastered (${pct(p)})`,
  masteredKept: (p: number, keep: number) =>
    `Mastered: now ${pct(p)}, kept while above ${pct(keep)}; a review will show whether you still have it`,
  ruleProbability: (threshold: number, min: number) =>
    `A skill is mastered at ${pct(threshold)} or more after at least ${String(min)} answers.`,
  ruleStreak: (n: number) => `A skill is mastered after ${String(n)} right answers in a row.`,
} as const;

export function masteryStatus(input: MasteryStatusInput): {
  readonly kind: MasteryStatusKind;
  /** The percent to show (undefined for a skill not started). */
  readonly percent: number | undefined;
  readonly label: string;
} {
  const { attempts, probability, mastered, rule } = input;
  if (attempts === 0)
    return mastered
      ? // Known from a placement check on a skill that builds on it: no estimate of its own yet.
        { kind: 'mastered', percent: undefined, label: statusMessages.placed }
      : { kind: 'not-started', percent: undefined, label: statusMessages.notStarted };
  const percent = masteryPercent(probability);
  if (mastered) {
    const threshold =
      rule.criterion.kind === 'probability' ? rule.criterion.threshold : rule.loseBelow;
    return {
      kind: 'mastered',
      percent,
      label:
        probability >= threshold
          ? statusMessages.mastered(probability)
          : statusMessages.masteredKept(probability, rule.loseBelow),
    };
  }
  if (rule.criterion.kind === 'probability' && probability >= rule.criterion.threshold)
    return {
      kind: 'confirming',
      percent,
      // Fewer answers than the rule asks, or a rule lowered by the instructor since the last one.
      label:
        attempts < rule.minAttempts
          ? statusMessages.confirming(probability, rule.minAttempts - attempts)
          : statusMessages.confirmNext(probability),
    };
  return { kind: 'learning', percent, label: statusMessages.learning(probability) };
}

/** The mastery rule in one sentence. */
export function ruleSentence(rule: MasteryStatusInput['rule']): string {
  return rule.criterion.kind === 'probability'
    ? statusMessages.ruleProbability(rule.criterion.threshold, rule.minAttempts)
    : statusMessages.ruleStreak(rule.criterion.inARow);
}
