/**
 * Glue between the KT logs and the pure engine: item statistics from a training log, leave-one-
 * out item views for fitting (so a row's own answer never leaks into its item's difficulty), and
 * the predict-before-update stream over test learners.
 */
import {
  applyStatsIncrement,
  createLearnerState,
  itemStatsIncrement,
  EMPTY_ITEM_STATS,
  predictCorrect,
  skillProbability,
  updateLearner,
} from '../../src/engine/learner-model.js';
import type { FittedStats } from '../../src/engine/fit.js';
import type { ModelParams } from '../../src/engine/params.js';
import type { ItemView } from '../../src/engine/types.js';
import type { LearnerSequence } from './kt-data.js';

export interface EngineRun {
  readonly pred: Float64Array;
  readonly mastery: Float64Array;
  readonly y: Uint8Array;
  /**
   * The mastery value the engine stores (never lowered by a correct answer), before each row on a
   * skill already practised; NaN on a learner's first attempt at a skill.
   */
  readonly storedMastery: Float64Array;
}

/** Streams test learners, predicting before each update (item statistics frozen from train). */
export function runEngine(
  seqs: readonly LearnerSequence[],
  stats: FittedStats,
  model: ModelParams,
  onlineItems = false,
): EngineRun {
  const items = new Map(stats.items);
  const skills = new Map(stats.skills);
  const total = seqs.reduce((n, s) => n + s.attempts.length, 0);
  const pred = new Float64Array(total);
  const mastery = new Float64Array(total);
  const y = new Uint8Array(total);
  const storedMastery = new Float64Array(total);
  let r = 0;
  for (const s of seqs) {
    let state = createLearnerState();
    const stored = new Map<string, number>();
    for (const a of s.attempts) {
      const item: ItemView = {
        itemId: a.itemId,
        skillId: a.skillId,
        stats: items.get(a.itemId) ?? EMPTY_ITEM_STATS,
        skillStats: skills.get(a.skillId) ?? { n: 0, correct: 0 },
      };
      pred[r] = predictCorrect(state, item, model);
      mastery[r] = skillProbability(state, a.skillId, item.skillStats, model);
      y[r] = a.correct ? 1 : 0;
      storedMastery[r] = stored.get(a.skillId) ?? Number.NaN;
      r++;
      if (onlineItems) {
        const inc = itemStatsIncrement(state, item, a.correct, model);
        items.set(a.itemId, applyStatsIncrement(item.stats, inc));
        skills.set(a.skillId, {
          n: item.skillStats.n + inc.n,
          correct: item.skillStats.correct + inc.correct,
        });
      }
      state = updateLearner(state, item, a.correct, model);
      const estimate = skillProbability(state, a.skillId, item.skillStats, model);
      const prev = stored.get(a.skillId) ?? 0;
      stored.set(a.skillId, a.correct ? Math.max(prev, estimate) : estimate);
    }
  }
  return { pred, mastery, y, storedMastery };
}
