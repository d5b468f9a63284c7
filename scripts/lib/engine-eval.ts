/**
 * Glue between the KT logs and the engine: streams test learners through the engine's public
 * API exactly as the practice service does (`recordResponse` per answer, the returned state
 * kept), recording for each response
 *
 * - P(correct) predicted before the answer is known (`RecordResult.predicted`);
 * - the mastery of the response's skill as the app would show it just before the response
 *   ({@link readMastery} on the state the app holds at that moment), on rows where the learner
 *   has already answered that skill at least once (NaN on a first attempt: the app shows no
 *   mastery for a skill never practised, and the first answer is P(correct)'s job).
 *
 * Item and skill statistics are frozen from train (the README protocol) unless `onlineItems`,
 * where each response's `itemIncrement` is applied as the app's `$inc` would.
 */
import {
  applyStatsIncrement,
  createLearnerState,
  masteryOf,
  recordResponse,
  EMPTY_ITEM_STATS,
  type EngineConfig,
  type FittedStats,
  type ItemView,
  type LearnerState,
  type SkillId,
  type SkillStats,
} from '../../src/engine/index.js';
import type { LearnerSequence } from './kt-data.js';

/** What a mastery reader is told: never the upcoming item, only its skill. */
export interface MasteryQuery {
  readonly skillId: SkillId;
  /** The skill's aggregate statistics (what the app has for the skill). */
  readonly skillStats: SkillStats;
  readonly config: EngineConfig;
  readonly now: Date;
}

/** Reads the mastery probability of a skill that the app would show now. */
export type MasteryReader = (state: LearnerState, query: MasteryQuery) => number;

/**
 * THE mastery reader of the eval. Today the engine stores mastery in the learner state on each
 * `recordResponse` and the app shows `masteryOf(state, skill).probability`. When the engine
 * exports a reader computing mastery at a given time with the skill's context (e.g.
 * `masteryProbability`), switch this one line to it, e.g.
 * `(state, q) => masteryProbability(state, q.skillId, q.skillStats, q.config.model, q.now)`.
 */
export const readMastery: MasteryReader = (state, q) => masteryOf(state, q.skillId).probability;

export interface EngineRun {
  /** P(correct) before each response, every row. */
  readonly pred: Float64Array;
  /** Outcome of each row. */
  readonly y: Uint8Array;
  /**
   * Mastery of the row's skill as shown just before the response; NaN on a learner's first
   * attempt at the skill.
   */
  readonly mastery: Float64Array;
}

export interface RunOptions {
  /** Apply each response's item increment to the item and skill statistics (default false). */
  readonly onlineItems?: boolean;
  /** The mastery reader (default {@link readMastery}). */
  readonly readMastery?: MasteryReader;
}

/** Start of the synthetic clock for logs without times (2024-01-01T00:00:00Z). */
export const EVAL_EPOCH_MS = Date.UTC(2024, 0, 1);
/** Synthetic time between two responses of a learner when the log has no times. */
export const EVAL_STEP_MS = 60_000;

/** Streams test learners, predicting before each update. */
export function runEngine(
  seqs: readonly LearnerSequence[],
  stats: FittedStats,
  config: EngineConfig,
  options: RunOptions = {},
): EngineRun {
  const onlineItems = options.onlineItems ?? false;
  const reader = options.readMastery ?? readMastery;
  const items = new Map(stats.items);
  const skills = new Map(stats.skills);
  const total = seqs.reduce((n, s) => n + s.attempts.length, 0);
  const pred = new Float64Array(total);
  const mastery = new Float64Array(total);
  const y = new Uint8Array(total);
  let r = 0;
  for (const s of seqs) {
    let state = createLearnerState();
    const practised = new Set<SkillId>();
    let k = 0;
    for (const a of s.attempts) {
      const now = new Date(a.at ?? EVAL_EPOCH_MS + k * EVAL_STEP_MS);
      k++;
      const item: ItemView = {
        itemId: a.itemId,
        skillId: a.skillId,
        stats: items.get(a.itemId) ?? EMPTY_ITEM_STATS,
        skillStats: skills.get(a.skillId) ?? { n: 0, correct: 0 },
      };
      mastery[r] = practised.has(a.skillId)
        ? reader(state, { skillId: a.skillId, skillStats: item.skillStats, config, now })
        : Number.NaN;
      const result = recordResponse(state, { item, correct: a.correct }, config, now);
      pred[r] = result.predicted;
      y[r] = a.correct ? 1 : 0;
      r++;
      if (onlineItems) {
        const inc = result.itemIncrement;
        items.set(a.itemId, applyStatsIncrement(item.stats, inc));
        skills.set(a.skillId, {
          ...item.skillStats,
          n: item.skillStats.n + inc.n,
          correct: item.skillStats.correct + inc.correct,
        });
      }
      state = result.state;
      practised.add(a.skillId);
    }
  }
  return { pred, y, mastery };
}
