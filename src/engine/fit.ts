/**
 * Batch fitting of the learner model from response logs: the features do not depend on the
 * weights, so the weights are an ordinary L2-regularised logistic regression, solved exactly by
 * Newton's method: dense features plus an optional per-skill block (intercept and
 * learning rates on the skill's correct/wrong counts), a few hundred unknowns in all.
 */
import { EngineValidationError } from './errors.js';
import {
  writeFeatures,
  createLearnerState,
  updateLearner,
  sigmoid,
  itemStatsIncrement,
  EMPTY_ITEM_STATS,
  typicalItemTerm,
} from './learner-model.js';
import { FEATURES, FEATURE_COUNT, FEATURE_INDEX, type FeatureName } from './model-features.js';
import type { ModelParams } from './params.js';
import type { ItemId, ItemStats, ItemView, LoggedResponse, SkillId, SkillStats } from './types.js';

/** One learner's responses in attempt order. */
export type TrainingSequence = readonly { readonly item: ItemView; readonly correct: boolean }[];

/** A design matrix (row-major) with its labels. */
export interface Design {
  readonly x: Float64Array;
  readonly y: Uint8Array;
  readonly rows: number;
  /** Skill index of each row (into `skills`). */
  readonly skill: Int32Array;
  readonly skills: readonly SkillId[];
}

/** Options of {@link fitWeights}. */
export interface FitOptions {
  /** L2 penalty on all weights but the bias (default 1). */
  readonly l2?: number;
  /** Features forced to weight 0 (ablation). */
  readonly disabled?: readonly FeatureName[];
  /** Newton iterations (default 25). */
  readonly maxIterations?: number;
  /** Fit per-skill intercepts and learning rates (default true). */
  readonly perSkill?: boolean;
  /** L2 penalty on the per-skill weights (default 5). */
  readonly skillL2?: number;
}

/** Replays every sequence through the online model and collects the features before each answer. */
export function buildDesign(sequences: Iterable<TrainingSequence>, model: ModelParams): Design {
  const chunks: Float64Array[] = [];
  const labels: number[] = [];
  const skillOf: number[] = [];
  const skillIndex = new Map<SkillId, number>();
  const row = new Float64Array(FEATURE_COUNT);
  let buf = new Float64Array(FEATURE_COUNT * 65536);
  let used = 0;
  for (const seq of sequences) {
    let state = createLearnerState();
    for (const r of seq) {
      writeFeatures(state, r.item, model, row);
      if (used === buf.length) {
        chunks.push(buf);
        buf = new Float64Array(FEATURE_COUNT * 65536);
        used = 0;
      }
      buf.set(row, used);
      used += FEATURE_COUNT;
      labels.push(r.correct ? 1 : 0);
      let g = skillIndex.get(r.item.skillId);
      if (g === undefined) {
        g = skillIndex.size;
        skillIndex.set(r.item.skillId, g);
      }
      skillOf.push(g);
      state = updateLearner(state, r.item, r.correct, model);
    }
  }
  const x = new Float64Array(labels.length * FEATURE_COUNT);
  let off = 0;
  for (const c of chunks) {
    x.set(c, off);
    off += c.length;
  }
  x.set(buf.subarray(0, used), off);
  return {
    x,
    y: Uint8Array.from(labels),
    rows: labels.length,
    skill: Int32Array.from(skillOf),
    skills: [...skillIndex.keys()],
  };
}

function solve(a: Float64Array, b: Float64Array, d: number): Float64Array {
  // Cholesky decomposition of the symmetric positive-definite a (d x d).
  const l = new Float64Array(d * d);
  for (let i = 0; i < d; i++) {
    for (let j = 0; j <= i; j++) {
      let sum = a[i * d + j] ?? 0;
      for (let k = 0; k < j; k++) sum -= (l[i * d + k] ?? 0) * (l[j * d + k] ?? 0);
      if (i === j) l[i * d + i] = Math.sqrt(Math.max(sum, 1e-12));
      else l[i * d + j] = sum / (l[j * d + j] ?? 1);
    }
  }
  const z = new Float64Array(d);
  for (let i = 0; i < d; i++) {
    let sum = b[i] ?? 0;
    for (let k = 0; k < i; k++) sum -= (l[i * d + k] ?? 0) * (z[k] ?? 0);
    z[i] = sum / (l[i * d + i] ?? 1);
  }
  const out = new Float64Array(d);
  for (let i = d - 1; i >= 0; i--) {
    let sum = z[i] ?? 0;
    for (let k = i + 1; k < d; k++) sum -= (l[k * d + i] ?? 0) * (out[k] ?? 0);
    out[i] = sum / (l[i * d + i] ?? 1);
  }
  return out;
}

/** Fitted weights: dense ones by feature, and per-skill triples. */
export interface FittedWeights {
  readonly weights: Record<FeatureName, number>;
  readonly skillWeights: Record<string, readonly [number, number, number]>;
}

const SKILL_CORRECT = FEATURE_INDEX.skillCorrect;
const SKILL_WRONG = FEATURE_INDEX.skillWrong;

/** Fits the logistic-regression weights on a design by Newton's method. */
export function fitWeights(design: Design, options: FitOptions = {}): FittedWeights {
  const l2 = options.l2 ?? 1;
  const skillL2 = options.skillL2 ?? 5;
  if (!(l2 >= 0)) throw new EngineValidationError('fit.l2', `must be >= 0, got ${l2}`);
  if (!(skillL2 > 0)) throw new EngineValidationError('fit.skillL2', `must be > 0, got ${skillL2}`);
  const active = FEATURES.map((f, i) => ({ f, i })).filter(
    ({ f }) => !(options.disabled ?? []).includes(f),
  );
  const d = active.length;
  const perSkill = options.perSkill ?? true;
  const nSkills = perSkill ? design.skills.length : 0;
  const dim = d + 3 * nSkills;
  const m = perSkill ? d + 3 : d;
  const cols = active.map(({ i }) => i);
  const w = new Float64Array(dim);
  const { x, y, rows } = design;
  const xr = new Float64Array(m);
  const idx = new Int32Array(m);
  for (let j = 0; j < d; j++) idx[j] = j;
  for (let iter = 0; iter < (options.maxIterations ?? 25); iter++) {
    const grad = new Float64Array(dim);
    const hess = new Float64Array(dim * dim);
    for (let r = 0; r < rows; r++) {
      const base = r * FEATURE_COUNT;
      for (let j = 0; j < d; j++) xr[j] = x[base + (cols[j] ?? 0)] ?? 0;
      if (perSkill) {
        const g = d + 3 * (design.skill[r] ?? 0);
        idx[d] = g;
        idx[d + 1] = g + 1;
        idx[d + 2] = g + 2;
        xr[d] = 1;
        xr[d + 1] = x[base + SKILL_CORRECT] ?? 0;
        xr[d + 2] = x[base + SKILL_WRONG] ?? 0;
      }
      let z = 0;
      for (let j = 0; j < m; j++) z += (w[idx[j] ?? 0] ?? 0) * (xr[j] ?? 0);
      const p = sigmoid(z);
      const e = p - (y[r] ?? 0);
      const h = Math.max(p * (1 - p), 1e-9);
      for (let j = 0; j < m; j++) {
        const xj = xr[j] ?? 0;
        const ij = idx[j] ?? 0;
        grad[ij] = (grad[ij] ?? 0) + e * xj;
        const hx = h * xj;
        const rowOff = ij * dim;
        for (let k = 0; k <= j; k++) {
          const ik = idx[k] ?? 0;
          hess[rowOff + ik] = (hess[rowOff + ik] ?? 0) + hx * (xr[k] ?? 0);
        }
      }
    }
    for (let j = 0; j < dim; j++) {
      for (let k = 0; k < j; k++) hess[k * dim + j] = hess[j * dim + k] ?? 0;
      const pen = j >= d ? skillL2 : active[j]?.f === 'bias' ? 1e-9 : l2;
      grad[j] = (grad[j] ?? 0) + pen * (w[j] ?? 0);
      hess[j * dim + j] = (hess[j * dim + j] ?? 0) + pen;
    }
    const step = solve(hess, grad, dim);
    let maxStep = 0;
    for (let j = 0; j < dim; j++) {
      w[j] = (w[j] ?? 0) - (step[j] ?? 0);
      maxStep = Math.max(maxStep, Math.abs(step[j] ?? 0));
    }
    if (maxStep < 1e-6) break;
  }
  const weights = Object.fromEntries(FEATURES.map((f) => [f, 0])) as Record<FeatureName, number>;
  active.forEach(({ f }, j) => {
    weights[f] = w[j] ?? 0;
  });
  const skillWeights: Record<string, readonly [number, number, number]> = {};
  for (let g = 0; g < nSkills; g++) {
    const o = d + 3 * g;
    skillWeights[design.skills[g] ?? ''] = [w[o] ?? 0, w[o + 1] ?? 0, w[o + 2] ?? 0];
  }
  return { weights, skillWeights };
}

/** Builds the design from `sequences` with `model`'s hyperparameters and returns the fitted model. */
export function fitModel(
  sequences: Iterable<TrainingSequence>,
  model: ModelParams,
  options: FitOptions = {},
): ModelParams {
  return { ...model, ...fitWeights(buildDesign(sequences, model), options) };
}

/** Item and skill statistics fitted from a log. */
export interface FittedStats {
  readonly items: ReadonlyMap<ItemId, ItemStats>;
  readonly skills: ReadonlyMap<SkillId, SkillStats>;
}

/** Result of {@link fitFromLog}. */
export interface FittedEngine extends FittedStats {
  readonly model: ModelParams;
}

interface Mutable {
  n: number;
  correct: number;
  residual: number;
  information: number;
}

/**
 * Batch fit from a response log (one array per learner, in attempt order): item and skill
 * counters, item residual sums (by replaying every learner through the online model), then the
 * weights on leave-one-out features, so that no row's own answer leaks into its item's
 * difficulty while fitting. Returns the model and the statistics to store.
 */
export function fitFromLog(
  log: readonly (readonly LoggedResponse[])[],
  hyper: ModelParams,
  options: FitOptions = {},
): FittedEngine {
  const items = new Map<ItemId, Mutable>();
  const skills = new Map<SkillId, { n: number; correct: number }>();
  for (const seq of log) {
    for (const r of seq) {
      const y = r.correct ? 1 : 0;
      let it = items.get(r.itemId);
      if (it === undefined) {
        it = { n: 0, correct: 0, residual: 0, information: 0 };
        items.set(r.itemId, it);
      }
      it.n += 1;
      it.correct += y;
      let sk = skills.get(r.skillId);
      if (sk === undefined) {
        sk = { n: 0, correct: 0 };
        skills.set(r.skillId, sk);
      }
      sk.n += 1;
      sk.correct += y;
    }
  }
  const countView = (r: LoggedResponse): ItemView => {
    const y = r.correct ? 1 : 0;
    const it = items.get(r.itemId) ?? EMPTY_ITEM_STATS;
    const sk = skills.get(r.skillId) ?? { n: 0, correct: 0 };
    return {
      itemId: r.itemId,
      skillId: r.skillId,
      stats: { n: it.n - 1, correct: it.correct - y, residual: 0, information: 0 },
      skillStats: { n: sk.n - 1, correct: sk.correct - y },
    };
  };
  // Replay: residual and information of every row, against the Elo expectation.
  const rowInc: ItemStats[][] = [];
  for (const seq of log) {
    let state = createLearnerState();
    const incs: ItemStats[] = [];
    for (const r of seq) {
      const view = countView(r);
      const inc = itemStatsIncrement(state, view, r.correct, hyper);
      incs.push(inc);
      const it = items.get(r.itemId);
      if (it !== undefined) {
        it.residual += inc.residual;
        it.information += inc.information;
      }
      state = updateLearner(state, view, r.correct, hyper);
    }
    rowInc.push(incs);
  }
  const sequences: TrainingSequence[] = log.map((seq, i) =>
    seq.map((r, k) => {
      const view = countView(r);
      const it = items.get(r.itemId) ?? EMPTY_ITEM_STATS;
      const inc = rowInc[i]?.[k] ?? EMPTY_ITEM_STATS;
      return {
        item: {
          ...view,
          stats: {
            ...view.stats,
            residual: it.residual - inc.residual,
            information: it.information - inc.information,
          },
        },
        correct: r.correct,
      };
    }),
  );
  const model = fitModel(sequences, hyper, options);
  // Each skill's typical item under the fitted weights: what its mastery is measured on.
  const itemsOfSkill = new Map<SkillId, Set<ItemStats>>();
  for (const seq of log)
    for (const r of seq) {
      const set = itemsOfSkill.get(r.skillId) ?? new Set<ItemStats>();
      const it = items.get(r.itemId);
      if (it !== undefined) set.add(it);
      itemsOfSkill.set(r.skillId, set);
    }
  const skillsWithTypical = new Map<SkillId, SkillStats>();
  for (const [skillId, sk] of skills)
    skillsWithTypical.set(skillId, {
      ...sk,
      typicalItemTerm: typicalItemTerm([...(itemsOfSkill.get(skillId) ?? [])], sk, model),
    });
  return { model, items, skills: skillsWithTypical };
}
