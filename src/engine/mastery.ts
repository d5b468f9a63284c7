/**
 * Mastery per skill: the calibrated probability of answering a typical item of the skill
 * correctly, with every term of the model ({@link skillProbability}), a configurable criterion (probability threshold or N in
 * a row, plus minimum evidence), test-out on the first attempts, loss of mastery, and the
 * spaced-review card of mastered skills. Every status change carries a readable reason.
 */
import {
  itemStatsIncrement,
  predictCorrect,
  replaceSkill,
  skillProbability,
  skillStateOf,
  updateLearner,
} from './learner-model.js';
import type { EngineConfig, MasteryParams } from './params.js';
import { scheduleReview } from './review.js';
import type {
  ItemStats,
  LearnerState,
  MasteryChange,
  ResponseEvent,
  SkillId,
  SkillState,
} from './types.js';

const pct = (p: number): string => `${Math.round(p * 100)}%`;

/** Learner-facing texts of this module. */
export const masteryMessages = {
  mastered: (skill: string, p: number, c: MasteryParams['criterion']) =>
    c.kind === 'streak'
      ? `You answered ${c.inARow} ${skill} questions in a row correctly: skill mastered.`
      : `You've mastered ${skill}: we now estimate a ${pct(p)} chance you get a typical question right.`,
  testedOut: (skill: string, k: number) =>
    `You got your first ${k} ${skill} questions right, so you tested out of this skill.`,
  lost: (skill: string, p: number) =>
    `A few recent ${skill} answers were wrong, so your estimate dropped to ${pct(p)}: let's practise it again.`,
} as const;

/** The outcome of recording a response. */
export interface RecordResult {
  /** The learner's new state. */
  readonly state: LearnerState;
  /** P(correct) predicted for this response before it was known (for logs and dashboards). */
  readonly predicted: number;
  /** The skill's mastery just before the response (as last shown); undefined if never practised. */
  readonly masteryBefore: number | undefined;
  /** The model's first estimate for a skill never practised (what "not started" means). */
  readonly prior: number;
  /** The skill's mastery after the response (also stored in the new state). */
  readonly masteryAfter: number;
  /** Mastery status changes caused by the response (usually none). */
  readonly changes: readonly MasteryChange[];
  /** What to `$inc` on the item's statistics (`n`, `correct` also on the skill's). */
  readonly itemIncrement: ItemStats;
}

/** Is the mastery criterion met by this skill entry (with its updated probability)? */
function criterionMet(s: SkillState, p: number, rule: MasteryParams): boolean {
  if (s.n < rule.minAttempts) return false;
  return rule.criterion.kind === 'probability'
    ? p >= rule.criterion.threshold
    : s.streak >= rule.criterion.inARow;
}

/**
 * Records one response: updates the learner model, the skill's mastery probability and status,
 * and its review card, and returns the new state with readable changes. Pure: `now` is an input
 * and `state` is not modified.
 *
 * Invariants: probabilities stay in [0, 1]; a correct answer never lowers the skill's mastery and
 * a wrong one never raises it.
 */
export function recordResponse(
  state: LearnerState,
  response: ResponseEvent,
  config: EngineConfig,
  now: Date,
  skillName: string = response.item.skillId,
): RecordResult {
  const { item, correct } = response;
  const model = config.model;
  const rule = config.mastery;
  const predicted = predictCorrect(state, item, model);
  const itemIncrement = itemStatsIncrement(state, item, correct, model);
  const updated = updateLearner(state, item, correct, model, now.getTime());
  const before = skillStateOf(state, item.skillId);
  const after = skillStateOf(updated, item.skillId);
  // What the learner was shown: the value stored with their last answer on this skill.
  const masteryBefore = before.n === 0 ? undefined : before.mastery;
  const estimate = skillProbability(updated, item.skillId, item.skillStats, model);
  // The model's estimate, except that an answer never moves mastery against itself: a right
  // answer does not lower it, a wrong one does not raise it. The fitted model does expect a dip
  // after a run of right answers (mean reversion in its answer patterns), but a learner told
  // "right, and your mastery fell" is told something false about their answer; the clamp costs
  // about 0.007 of calibration error on ASSIST09 (npm run eval reports it).
  const mastery =
    masteryBefore === undefined
      ? estimate
      : correct
        ? Math.max(masteryBefore, estimate)
        : Math.min(masteryBefore, estimate);

  let mastered = before.mastered;
  let review = before.review;
  const changes: MasteryChange[] = [];
  const change = (to: boolean, code: MasteryChange['code'], why: string): MasteryChange => ({
    skillId: item.skillId,
    from: before.mastered ? 'mastered' : 'not-mastered',
    to: to ? 'mastered' : 'not-mastered',
    probability: mastery,
    code,
    why,
  });

  if (!before.mastered) {
    const k = rule.testOutFirstCorrect;
    if (k > 0 && after.n === k && after.correct === k) {
      mastered = true;
      changes.push(change(true, 'TESTED_OUT', masteryMessages.testedOut(skillName, k)));
    } else if (criterionMet(after, mastery, rule)) {
      mastered = true;
      changes.push(
        change(true, 'MASTERED', masteryMessages.mastered(skillName, mastery, rule.criterion)),
      );
    }
    if (mastered) review = scheduleReview(null, true, now, config.review);
  } else if (mastery < rule.loseBelow) {
    mastered = false;
    review = null;
    changes.push(change(false, 'MASTERY_LOST', masteryMessages.lost(skillName, mastery)));
  } else if (review !== null && review.due <= now.getTime()) {
    review = scheduleReview(review, correct, now, config.review);
  }

  const skill: SkillState = { ...after, mastery, mastered, review };
  return {
    state: { ...updated, skills: replaceSkill(updated.skills, skill) },
    predicted,
    masteryBefore,
    prior: skillProbability(state, item.skillId, item.skillStats, model),
    masteryAfter: mastery,
    changes,
    itemIncrement,
  };
}

/** A skill's mastery as shown to a learner or teacher. */
export interface SkillMastery {
  readonly skillId: SkillId;
  /** False for a skill never practised: show "not started", not a number. */
  readonly started: boolean;
  /** The stored mastery (0 when not started: read `started` first). */
  readonly probability: number;
  readonly mastered: boolean;
  readonly attempts: number;
  readonly reviewDue: number | null;
}

/** Reads the mastery of a skill from a learner state (not started, 0 and not mastered if never practised). */
export function masteryOf(state: LearnerState, skillId: SkillId): SkillMastery {
  const s = skillStateOf(state, skillId);
  return {
    skillId,
    started: s.n > 0,
    probability: s.mastery,
    mastered: s.mastered,
    attempts: s.n,
    reviewDue: s.review === null ? null : s.review.due,
  };
}
