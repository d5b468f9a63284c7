/**
 * Statistics of the simulation study: estimators over a subset of learners (given as an index
 * vector, so the same code computes the point estimate and every bootstrap replicate) and a
 * stratified, paired, deterministic bootstrap.
 */
import { createRng } from '../../../src/engine/index.js';

/** Mean of `xs[idx[k]]` over k. */
export function meanAt(xs: Float64Array, idx: Int32Array): number {
  let s = 0;
  for (let k = 0; k < idx.length; k++) s += xs[idx[k] ?? 0] ?? 0;
  return idx.length === 0 ? NaN : s / idx.length;
}

/** Ratio of sums Σ num / Σ den over the indices (0 when Σ den = 0: no declarations, none false). */
export function ratioAt(num: Float64Array, den: Float64Array, idx: Int32Array): number {
  let a = 0;
  let b = 0;
  for (let k = 0; k < idx.length; k++) {
    const i = idx[k] ?? 0;
    a += num[i] ?? 0;
    b += den[i] ?? 0;
  }
  return b === 0 ? 0 : a / b;
}

/** The identity index vector 0 … n - 1. */
export const identity = (n: number): Int32Array => Int32Array.from({ length: n }, (_, i) => i);

/**
 * One stratified resample: within each stratum (a study seed: consecutive blocks of the given
 * sizes), as many units drawn with replacement as the stratum has. Units are learners, and the
 * same index vector is applied to every policy, so differences stay paired by learner.
 */
export function resample(sizes: readonly number[], rng: () => number): Int32Array {
  const total = sizes.reduce((a, b) => a + b, 0);
  const out = new Int32Array(total);
  let start = 0;
  let k = 0;
  for (const n of sizes) {
    for (let j = 0; j < n; j++) out[k++] = start + Math.floor(rng() * n);
    start += n;
  }
  return out;
}

/** The q-quantile (0 … 1) of sorted values, linear interpolation. */
export function quantile(sorted: readonly number[], q: number): number {
  if (sorted.length === 0) return NaN;
  const pos = (sorted.length - 1) * q;
  const lo = Math.floor(pos);
  const hi = Math.ceil(pos);
  const a = sorted[lo] ?? NaN;
  const b = sorted[hi] ?? NaN;
  return a + (b - a) * (pos - lo);
}

/** Point estimate and 95 % percentile interval. */
export interface Interval {
  readonly mean: number;
  readonly lo: number;
  readonly hi: number;
}

/**
 * Bootstrap of a vector statistic: `stat(idx)` on the identity gives the point estimates, on
 * `replicates` stratified resamples the replicate values. Returns the replicate matrix so that
 * derived quantities (differences, ratios) can be formed per replicate.
 */
export function bootstrapMatrix(
  sizes: readonly number[],
  replicates: number,
  seed: number,
  stat: (idx: Int32Array) => Float64Array,
): { readonly point: Float64Array; readonly reps: readonly Float64Array[] } {
  const total = sizes.reduce((a, b) => a + b, 0);
  const point = stat(identity(total));
  const rng = createRng(seed);
  const reps: Float64Array[] = [];
  for (let b = 0; b < replicates; b++) reps.push(stat(resample(sizes, rng)));
  return { point, reps };
}

/** Interval of a derived quantity f(vector) from a bootstrap matrix (NaN replicates dropped). */
export function intervalOf(
  m: { readonly point: Float64Array; readonly reps: readonly Float64Array[] },
  f: (v: Float64Array) => number,
): Interval {
  const vals = m.reps
    .map(f)
    .filter((x) => Number.isFinite(x))
    .sort((a, b) => a - b);
  return { mean: f(m.point), lo: quantile(vals, 0.025), hi: quantile(vals, 0.975) };
}
