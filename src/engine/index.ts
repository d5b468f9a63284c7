/**
 * Pathwise adaptive engine: public API.
 *
 * Pure TypeScript in the style of ts-fsrs: no I/O, `now` and a seed are inputs, inputs are never
 * mutated, and every parameter is validated once by {@link createEngineConfig}.
 *
 * Typical request cycle in the app:
 * 1. `const config = createEngineConfig(assignmentSettings)` (throws `EngineValidationError`).
 * 2. `selectNextItem({ learner, assignment, config, now, seed: seedFrom(learnerId, learner.steps) })`
 *    → `{ kind: 'item', itemId, skillId, reason }` or `{ kind: 'done', reason }`.
 * 3. On an answer: `recordResponse(learner, { item, correct }, config, now)` → the new learner
 *    state to store, readable mastery `changes`, and `itemIncrement` to `$inc` on the item's
 *    statistics (`{ n, correct }` also on the skill's aggregate).
 * 4. `scoreAssignment(learner, skills, config, progress)` → the gradebook score with its reason.
 *
 * Model (see `learner-model.ts`): P(correct) = sigmoid(w · x + skill terms) where x holds the
 * item's easiness (smoothed correct rate) and ability-adjusted offset (residual sums), the
 * skill's easiness, PFA-style counts on the skill and overall, recency (moving averages, last
 * answers as short patterns, streak, gap since the skill was last practised), and Elo abilities
 * (global and per skill, with a step decaying with evidence). Weights are fitted in batch with
 * {@link fitFromLog}; the learner part updates online in O(1).
 */

/** Branded ids, state and statistics types (all plain, JSON-serialisable objects). */
export type {
  SkillId,
  ItemId,
  ItemStats,
  SkillStats,
  PoolItem,
  ItemView,
  ReviewCard,
  SkillState,
  LearnerState,
  ResponseEvent,
  MasteryChange,
  LoggedResponse,
} from './types.js';
/** Brand a string as a skill id / item id. */
export { asSkillId, asItemId } from './types.js';

/** Thrown (only) for invalid parameters; names the parameter and its allowed range. */
export { EngineValidationError } from './errors.js';

/** Parameter types, defaults and the single validation entry point. */
export type {
  ModelParams,
  MasteryCriterion,
  MasteryParams,
  SelectionParams,
  ReviewParams,
  ScoringPolicy,
  EngineConfig,
  EngineConfigInput,
} from './params.js';
/** Defaults and {@link createEngineConfig}, which validates every parameter. */
export {
  createEngineConfig,
  DEFAULT_MODEL,
  DEFAULT_WEIGHTS,
  DEFAULT_MASTERY,
  DEFAULT_SELECTION,
  DEFAULT_REVIEW,
  DEFAULT_SCORING,
} from './params.js';

/** Feature names and switchable model components (for ablations and explanations). */
export { FEATURES, COMPONENTS } from './model-features.js';
export type { FeatureName, ComponentName } from './model-features.js';

/** Learner model: creation, prediction, online update and item-statistics increments. */
export {
  createLearnerState,
  predictCorrect,
  skillProbability,
  typicalItemTerm,
  updateLearner,
  itemStatsIncrement,
  applyStatsIncrement,
  itemEasiness,
  itemOffset,
  EMPTY_ITEM_STATS,
} from './learner-model.js';

/** Mastery: record a response (model + mastery + review card), read a skill's mastery. */
export { recordResponse, masteryOf, masteryMessages } from './mastery.js';
export type { RecordResult, SkillMastery } from './mastery.js';

/** Spaced review with ts-fsrs. */
export { scheduleReview, isReviewDue, retrievability } from './review.js';

/** Next-item selection. */
export { selectNextItem, selectionMessages } from './item-selection.js';
export type {
  Assignment,
  AssignmentGoal,
  SelectionRequest,
  Selection,
  ItemReason,
  DoneReason,
} from './item-selection.js';

/** Gradebook scoring. */
export { scoreAssignment } from './scoring.js';
export type { AssignmentScore, SetProgress } from './scoring.js';

/** Batch fitting from logs. */
export { fitFromLog, fitModel, fitWeights, buildDesign } from './fit.js';
export type {
  FitOptions,
  FittedEngine,
  FittedStats,
  FittedWeights,
  TrainingSequence,
  Design,
} from './fit.js';

/** Seeded randomness. */
export { createRng, seedFrom } from './rng.js';
export type { Rng } from './rng.js';

/** How many questions an assignment takes, from the engine's own simulation. */
export { expectedPractice, type ExpectedPractice } from './expected-practice.js';

/** Placement check: an adaptive walk of the prerequisite graph at the start of an assignment. */
export {
  startPlacement,
  nextPlacementSkill,
  recordPlacementAnswer,
  applyPlacement,
  markMastered,
  placementMessages,
  type PlacementState,
} from './placement.js';
