/**
 * Learner model: P(correct) as a logistic regression over a few online features (item and skill
 * easiness from running counters, PFA-style counts, recency, an Elo ability per skill and global
 * with a step that decays with evidence). Updating is O(1) and returns a new state.
 */
import type { ModelParams } from './params.js';
import type {
  ItemId,
  ItemStats,
  ItemView,
  LearnerState,
  SkillId,
  SkillState,
  SkillStats,
} from './types.js';
import {
  FEATURE_COUNT,
  FEATURES,
  GLOBAL_PATTERN_BASE,
  SKILL_PATTERN_BASE,
} from './model-features.js';

const EPS = 1e-4;
// Module-level copies of imported constants (read in hot loops).
const N_FEATURES = FEATURE_COUNT;
const SKILL_PATTERNS = SKILL_PATTERN_BASE;
const GLOBAL_PATTERNS = GLOBAL_PATTERN_BASE;

/** Logistic function. */
export const sigmoid = (x: number): number => 1 / (1 + Math.exp(-x));

/** Log-odds of a probability (clamped away from 0 and 1). */
export const logit = (p: number): number => {
  const q = p < EPS ? EPS : p > 1 - EPS ? 1 - EPS : p;
  return Math.log(q / (1 - q));
};

/** A fresh learner with no history. */
export function createLearnerState(): LearnerState {
  return {
    version: 1,
    steps: 0,
    correct: 0,
    ability: 0,
    recent: 0,
    pattern: 0,
    skills: [],
    recentItems: [],
    lastSkill: null,
  };
}

/** The entry of a skill never practised (with an empty skill id). */
export const EMPTY_SKILL: SkillState = Object.freeze({
  skillId: '' as SkillId,
  n: 0,
  correct: 0,
  recent: 0,
  slow: 0,
  last: 0,
  streak: 0,
  pattern: 0,
  ability: 0,
  lastStep: -1,
  lastAt: null,
  mastery: 0,
  mastered: false,
  review: null,
});

/** A learner's entry for a skill (the empty entry if never practised). */
export function skillStateOf(state: LearnerState, skillId: SkillId): SkillState {
  const skills = state.skills;
  for (let i = 0; i < skills.length; i++) {
    const s = skills[i];
    if (s !== undefined && s.skillId === skillId) return s;
  }
  return EMPTY_SKILL;
}

/** Returns a copy of `skills` with the entry of `entry.skillId` replaced (or appended). */
export function replaceSkill(skills: readonly SkillState[], entry: SkillState): SkillState[] {
  const next = skills.slice();
  for (let i = 0; i < next.length; i++) {
    if (next[i]?.skillId === entry.skillId) {
      next[i] = entry;
      return next;
    }
  }
  next.push(entry);
  return next;
}

/** Log-odds that an average learner answers the skill's items correctly (shrunk to the mean). */
export function skillEasiness(stats: SkillStats, model: ModelParams): number {
  const k = model.skillPriorStrength;
  return logit((stats.correct + k * model.globalMean) / (stats.n + k));
}

/**
 * Log-odds that an average learner answers the item correctly: its correct rate shrunk towards
 * its skill's, so an item never seen starts at its skill's mean.
 */
export function itemEasiness(stats: ItemStats, skillStats: SkillStats, model: ModelParams): number {
  const k = model.skillPriorStrength;
  const skillMean = (skillStats.correct + k * model.globalMean) / (skillStats.n + k);
  const ki = model.itemPriorStrength;
  return logit((stats.correct + ki * skillMean) / (stats.n + ki));
}

/** Ability-adjusted correction of an item's difficulty: one Newton step from its residual sums. */
export const itemOffset = (stats: ItemStats, model: ModelParams): number =>
  stats.residual / (stats.information + model.offsetPrior);

const weightVectors = new WeakMap<object, Float64Array>();

/** The weights as a vector in {@link FEATURES} order (memoised per weights object). */
export function weightVector(model: ModelParams): Float64Array {
  let v = weightVectors.get(model.weights);
  if (v === undefined) {
    v = Float64Array.from(FEATURES, (f) => model.weights[f]);
    weightVectors.set(model.weights, v);
  }
  return v;
}

/**
 * Writes the learner features of a response on `skillId` into `out` (item features left 0) and
 * returns it. Skill and global answer patterns are one-hot codes of the last 1-3 answers.
 */
export function writeLearnerFeatures(
  state: LearnerState,
  skillId: SkillId,
  skillStats: SkillStats,
  model: ModelParams,
  out: Float64Array,
  entry: SkillState = skillStateOf(state, skillId),
): Float64Array {
  out.fill(0);
  const s = entry;
  out[0] = 1;
  out[3] = skillEasiness(skillStats, model);
  out[4] = Math.log1p(s.correct);
  out[5] = Math.log1p(s.n - s.correct);
  out[6] = Math.log1p(state.correct);
  out[7] = Math.log1p(state.steps - state.correct);
  out[8] = s.recent;
  out[9] = s.slow;
  out[10] = s.last;
  out[11] = s.ability;
  out[12] = state.ability;
  out[13] = state.recent;
  out[14] = s.n === 0 ? 1 : 0;
  out[15] = s.n === 0 ? 0 : Math.log(state.steps - s.lastStep);
  out[17] = Math.log1p(s.streak);
  if (s.n > 0) {
    const k = s.n < 3 ? s.n : 3;
    out[SKILL_PATTERNS + (1 << k) - 1 + (s.pattern & ((1 << k) - 1))] = 1;
  }
  if (state.steps >= 3) out[GLOBAL_PATTERNS + (state.pattern & 7)] = 1;
  return out;
}

/**
 * Writes the full feature vector of a response to `item` into `out` and returns it (used by
 * batch fitting; predictions compute the same dot product).
 */
export function writeFeatures(
  state: LearnerState,
  item: ItemView,
  model: ModelParams,
  out: Float64Array = new Float64Array(FEATURE_COUNT),
): Float64Array {
  writeLearnerFeatures(state, item.skillId, item.skillStats, model, out);
  out[1] = itemEasiness(item.stats, item.skillStats, model);
  out[2] = itemOffset(item.stats, model);
  out[16] = state.recentItems.includes(item.itemId) ? 1 : 0;
  return out;
}

const scratch = new Float64Array(FEATURE_COUNT);

/**
 * Logit contribution of everything except the item's own terms (easiness, offset, repetition),
 * so the selector can score thousands of items of one skill with a multiply-add each.
 */
export function learnerLogit(
  state: LearnerState,
  skillId: SkillId,
  skillStats: SkillStats,
  model: ModelParams,
  entry: SkillState = skillStateOf(state, skillId),
): number {
  const w = weightVector(model);
  const x = writeLearnerFeatures(state, skillId, skillStats, model, scratch, entry);
  let z = 0;
  for (let i = 0; i < N_FEATURES; i++) z += (w[i] ?? 0) * (x[i] ?? 0);
  const sw = model.skillWeights[skillId];
  if (sw !== undefined) z += sw[0] + sw[1] * (x[4] ?? 0) + sw[2] * (x[5] ?? 0);
  return z;
}

/** Predicted probability that the learner answers `item` correctly now. */
export function predictCorrect(state: LearnerState, item: ItemView, model: ModelParams): number {
  const w = model.weights;
  const z =
    learnerLogit(state, item.skillId, item.skillStats, model) +
    w.itemEasiness * itemEasiness(item.stats, item.skillStats, model) +
    w.itemOffset * itemOffset(item.stats, model) +
    (w.itemRepeat !== 0 && state.recentItems.includes(item.itemId) ? w.itemRepeat : 0);
  return sigmoid(z);
}

/**
 * The item part of the prediction for a typical item of a skill: the mean, over the skill's
 * items weighted by how often each was answered (a learner meets the common items most), of the
 * easiness and offset terms {@link predictCorrect} adds for an item (repetition aside). Items
 * never answered count once, at their skill's mean. Pass it as `SkillStats.typicalItemTerm`;
 * without items, the skill's own easiness.
 */
export function typicalItemTerm(
  items: readonly ItemStats[],
  skillStats: SkillStats,
  model: ModelParams,
): number {
  const w = model.weights;
  if (items.length === 0) return w.itemEasiness * skillEasiness(skillStats, model);
  let sum = 0;
  let weights = 0;
  for (const item of items) {
    const weight = Math.max(1, item.n);
    sum +=
      weight *
      (w.itemEasiness * itemEasiness(item, skillStats, model) +
        w.itemOffset * itemOffset(item, model));
    weights += weight;
  }
  return sum / weights;
}

/**
 * Mastery: the probability of answering a typical item of the skill correctly now, with every
 * term of the prediction (the learner's features, and the mean item terms of the skill's items,
 * see {@link typicalItemTerm}). It is the same quantity as {@link predictCorrect} for an item of
 * average difficulty, so it is calibrated wherever predictions are (`npm run eval` reports both).
 */
export function skillProbability(
  state: LearnerState,
  skillId: SkillId,
  skillStats: SkillStats,
  model: ModelParams,
): number {
  const itemPart =
    skillStats.typicalItemTerm ?? model.weights.itemEasiness * skillEasiness(skillStats, model);
  return sigmoid(learnerLogit(state, skillId, skillStats, model) + itemPart);
}

const pushWindow = (items: readonly ItemId[], id: ItemId, size: number): readonly ItemId[] => {
  if (size === 0) return items.length === 0 ? items : [];
  const next = items.length >= size ? items.slice(items.length - size + 1) : items.slice();
  next.push(id);
  return next;
};

/**
 * Updates the learner model after a response and returns the new state (mastery fields of the
 * skill are carried over untouched; see `recordResponse` for the full update).
 */
export function updateLearner(
  state: LearnerState,
  item: ItemView,
  correct: boolean,
  model: ModelParams,
  nowMs: number | null = null,
): LearnerState {
  const y = correct ? 1 : 0;
  const sign = correct ? 1 : -1;
  const s = skillStateOf(state, item.skillId);
  const residual = y - eloExpectation(state, item, model);
  const kGlobal = model.eloK / (1 + model.eloDecay * state.steps);
  const kSkill = model.eloK / (1 + model.eloDecay * s.n);
  const nextSkill: SkillState = {
    ...s,
    skillId: item.skillId,
    n: s.n + 1,
    correct: s.correct + y,
    recent: s.recent + model.recentRate * (sign - s.recent),
    slow: s.slow + model.slowRate * (sign - s.slow),
    last: sign,
    streak: correct ? s.streak + 1 : 0,
    pattern: ((s.pattern << 1) | y) & 0xff,
    ability: s.ability + kSkill * residual,
    lastStep: state.steps,
    lastAt: nowMs ?? s.lastAt,
  };
  return {
    version: 1,
    steps: state.steps + 1,
    correct: state.correct + y,
    ability: state.ability + kGlobal * residual,
    recent: state.recent + model.globalRecentRate * (sign - state.recent),
    pattern: ((state.pattern << 1) | y) & 0xff,
    skills: replaceSkill(state.skills, nextSkill),
    recentItems: pushWindow(state.recentItems, item.itemId, model.recentItemsWindow),
    lastSkill: item.skillId,
  };
}

/** Expected answer by the Elo part of the model (the reference for item residuals). */
export function eloExpectation(state: LearnerState, item: ItemView, model: ModelParams): number {
  const s = skillStateOf(state, item.skillId);
  return sigmoid(state.ability + s.ability + itemEasiness(item.stats, item.skillStats, model));
}

/**
 * Expected answer from the learner's Elo abilities on an average item of the skill: the
 * reference against which item residuals are summed (so an item's offset is its ability-adjusted
 * deviation from its skill, and never depends on other answers to the same item).
 */
export function residualReference(state: LearnerState, item: ItemView, model: ModelParams): number {
  const s = skillStateOf(state, item.skillId);
  return sigmoid(state.ability + s.ability + skillEasiness(item.skillStats, model));
}

/**
 * The increment the app applies to an item's stored statistics after a response, computed from
 * the learner state *before* the response, e.g.
 * `updateOne({ _id: itemId }, { $inc: { n: 1, correct: 1, residual: 0.31, information: 0.21 } })`
 * (and `{ n, correct }` on the skill's aggregate). Increments commute, so concurrent requests
 * are safe; the item's difficulty follows from the sums (see {@link itemEasiness},
 * {@link itemOffset}).
 */
export function itemStatsIncrement(
  state: LearnerState,
  item: ItemView,
  correct: boolean,
  model: ModelParams,
): ItemStats {
  const p = residualReference(state, item, model);
  const y = correct ? 1 : 0;
  return { n: 1, correct: y, residual: y - p, information: p * (1 - p) };
}

/** Applies an increment to stats (what `$inc` does), returning new stats. */
export function applyStatsIncrement(stats: ItemStats, inc: ItemStats): ItemStats {
  return {
    n: stats.n + inc.n,
    correct: stats.correct + inc.correct,
    residual: stats.residual + inc.residual,
    information: stats.information + inc.information,
  };
}

/** Statistics of an item never answered. */
export const EMPTY_ITEM_STATS: ItemStats = Object.freeze({
  n: 0,
  correct: 0,
  residual: 0,
  information: 0,
});
