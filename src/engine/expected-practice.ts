/**
 * How many questions an assignment takes, from the engine's own simulation: simulated learners
 * practise the assignment with the same selection and mastery rule as real students, until the
 * goal is met or a cap. Their answers follow a plain learning curve per skill — starting at the
 * skill's observed success rate, rising towards 90 % with practice at a rate drawn per learner,
 * each question made easier or harder by its own observed difficulty — because answers drawn
 * from the engine's predictions alone would never show learning (the selection keeps them near
 * the target). Used to warn an instructor before a question limit makes an assignment
 * impossible to finish: an estimate, not a measurement (the simulation study measures the
 * policy). Pure and deterministic for a seed.
 */
import { recordResponse } from './mastery.js';
import {
  createLearnerState,
  itemEasiness,
  logit,
  sigmoid,
  skillEasiness,
} from './learner-model.js';
import { selectNextItem, type Assignment } from './item-selection.js';
import type { EngineConfig } from './params.js';
import { createRng, seedFrom } from './rng.js';
import type { SkillStats } from './types.js';

export interface ExpectedPractice {
  /** Questions a typical simulated learner answers before the goal is met (median). */
  readonly median: number;
  /** Questions that 80 % of simulated learners need at most. */
  readonly p80: number;
  /** Share of simulated learners who met the goal within the cap. */
  readonly reachedShare: number;
  readonly learners: number;
  readonly cap: number;
}

const DAY_MS = 86_400_000;

export function expectedPractice(input: {
  readonly assignment: Assignment;
  readonly config: EngineConfig;
  readonly now: Date;
  readonly seed: number;
  /** Simulated learners (default 24). */
  readonly learners?: number;
  /** Questions at most per learner (default 400). */
  readonly cap?: number;
}): ExpectedPractice {
  const learners = input.learners ?? 24;
  const cap = input.cap ?? 400;
  const { assignment, config } = input;
  // No question limit in the simulation: it asks how many are needed, not whether they fit.
  const goal = { masteredShare: assignment.goal?.masteredShare ?? 1 };
  const sim: Assignment = { ...assignment, goal };
  const skillStats = new Map<string, SkillStats>();
  for (const item of assignment.items) {
    const s = skillStats.get(item.skillId) ?? { n: 0, correct: 0 };
    skillStats.set(item.skillId, {
      n: s.n + item.stats.n,
      correct: s.correct + item.stats.correct,
    });
  }
  const byId = new Map(assignment.items.map((i) => [i.itemId as string, i]));
  const needed: number[] = [];
  let reached = 0;
  const model = config.model;
  for (let k = 0; k < learners; k++) {
    const rng = createRng(seedFrom(input.seed, 'expected-practice', k));
    // Per learner: how fast practice raises the chance of a right answer (per attempt).
    const rate = 0.08 + 0.17 * rng();
    const practised = new Map<string, number>();
    let state = createLearnerState();
    let answered = 0;
    let reviews = 0;
    let done = false;
    for (; answered < cap;) {
      // One sitting of 20 answers a day, as students come back to an assignment.
      const now = new Date(
        input.now.getTime() + Math.floor(answered / 20) * DAY_MS + answered * 60_000,
      );
      const selection = selectNextItem({
        learner: state,
        assignment: sim,
        config,
        now,
        seed: seedFrom(input.seed, k, answered),
        answeredInSet: answered,
        reviewsInSet: reviews,
      });
      if (selection.kind === 'done') {
        done = selection.reason.code === 'GOAL_MET';
        break;
      }
      const item = byId.get(selection.itemId);
      if (item === undefined) break;
      const stats = skillStats.get(item.skillId) ?? { n: 0, correct: 0 };
      const view = { ...item, skillStats: stats };
      const c = practised.get(item.skillId) ?? 0;
      practised.set(item.skillId, c + 1);
      const base = sigmoid(skillEasiness(stats, model));
      const skillChance = 0.9 - (0.9 - Math.min(base, 0.9)) * Math.exp(-rate * c);
      const chance = sigmoid(
        logit(skillChance) + itemEasiness(item.stats, stats, model) - skillEasiness(stats, model),
      );
      const correct = rng() < chance;
      state = recordResponse(state, { item: view, correct }, config, now).state;
      answered++;
      if (selection.reason.code === 'REVIEW_DUE') reviews++;
    }
    if (done) reached++;
    needed.push(done ? answered : cap);
  }
  needed.sort((a, b) => a - b);
  const at = (q: number): number =>
    needed[Math.min(needed.length - 1, Math.floor(q * needed.length))] ?? cap;
  return { median: at(0.5), p80: at(0.8), reachedShare: reached / learners, learners, cap };
}
