/**
 * Baseline knowledge-tracing models computed by the eval CLI in the same run as the engine:
 * global mean, item mean, Elo, per-skill BKT and PFA. Each is fitted on training sequences and
 * returns test predictions made before each update.
 */
import type { LearnerSequence } from './kt-data.js';

const sig = (x: number): number => 1 / (1 + Math.exp(-x));

export type Predictions = Float64Array;

const countRows = (seqs: readonly LearnerSequence[]): number =>
  seqs.reduce((n, s) => n + s.attempts.length, 0);

export function globalMean(
  train: readonly LearnerSequence[],
  test: readonly LearnerSequence[],
): Predictions {
  let c = 0;
  let n = 0;
  for (const s of train)
    for (const a of s.attempts) {
      n++;
      if (a.correct) c++;
    }
  return new Float64Array(countRows(test)).fill(c / n);
}

export function itemMean(
  train: readonly LearnerSequence[],
  test: readonly LearnerSequence[],
  k = 5,
): Predictions {
  const items = new Map<string, [number, number]>();
  const skills = new Map<string, [number, number]>();
  let c = 0;
  let n = 0;
  for (const s of train)
    for (const a of s.attempts) {
      const y = a.correct ? 1 : 0;
      const it = items.get(a.itemId) ?? [0, 0];
      it[0]++;
      it[1] += y;
      items.set(a.itemId, it);
      const sk = skills.get(a.skillId) ?? [0, 0];
      sk[0]++;
      sk[1] += y;
      skills.set(a.skillId, sk);
      n++;
      c += y;
    }
  const g = c / n;
  const out = new Float64Array(countRows(test));
  let r = 0;
  for (const s of test)
    for (const a of s.attempts) {
      const sk = skills.get(a.skillId) ?? [0, 0];
      const sm = (sk[1] + k * g) / (sk[0] + k);
      const it = items.get(a.itemId) ?? [0, 0];
      out[r++] = (it[1] + k * sm) / (it[0] + k);
    }
  return out;
}

/** Single-pass Elo: learner ability and item difficulty, steps a / (1 + b n). */
export function elo(
  train: readonly LearnerSequence[],
  test: readonly LearnerSequence[],
  a = 0.8,
  b = 0.05,
): Predictions {
  const diff = new Map<string, [number, number]>();
  const run = (seqs: readonly LearnerSequence[], out: Float64Array | null): void => {
    let r = 0;
    for (const s of seqs) {
      let theta = 0;
      let nL = 0;
      for (const at of s.attempts) {
        const d = diff.get(at.itemId) ?? [0, 0];
        const p = sig(theta - d[0]);
        if (out !== null) out[r++] = p;
        const res = (at.correct ? 1 : 0) - p;
        theta += (a / (1 + b * nL)) * res;
        nL++;
        d[0] -= (a / (1 + b * d[1])) * res;
        d[1]++;
        diff.set(at.itemId, d);
      }
    }
  };
  run(train, null);
  const out = new Float64Array(countRows(test));
  run(test, out);
  return out;
}

interface Bkt {
  l0: number;
  t: number;
  g: number;
  s: number;
}

function bktSeqLogLik(p: Bkt, ys: readonly number[]): number {
  let k = p.l0;
  let ll = 0;
  for (const y of ys) {
    const pc = k * (1 - p.s) + (1 - k) * p.g;
    ll += y === 1 ? Math.log(pc) : Math.log(1 - pc);
    const post = y === 1 ? (k * (1 - p.s)) / pc : (k * p.s) / (1 - pc);
    k = post + (1 - post) * p.t;
  }
  return ll;
}

/** Per-skill BKT fitted by grid search on the training log-likelihood. */
export function bkt(
  train: readonly LearnerSequence[],
  test: readonly LearnerSequence[],
): Predictions {
  const perSkill = new Map<string, number[][]>();
  for (const s of train) {
    const m = new Map<string, number[]>();
    for (const a of s.attempts) {
      const l = m.get(a.skillId) ?? [];
      l.push(a.correct ? 1 : 0);
      m.set(a.skillId, l);
    }
    for (const [sk, ys] of m) {
      const arr = perSkill.get(sk) ?? [];
      arr.push(ys);
      perSkill.set(sk, arr);
    }
  }
  const grid: Bkt[] = [];
  for (const l0 of [0.1, 0.3, 0.5, 0.7, 0.9])
    for (const t of [0.01, 0.05, 0.1, 0.2, 0.35])
      for (const g of [0.1, 0.2, 0.3, 0.4])
        for (const s of [0.05, 0.1, 0.2, 0.3]) grid.push({ l0, t, g, s });
  const fitted = new Map<string, Bkt>();
  for (const [sk, seqs] of perSkill) {
    let best = grid[0] ?? { l0: 0.5, t: 0.1, g: 0.2, s: 0.1 };
    let bestLl = -Infinity;
    for (const p of grid) {
      let ll = 0;
      for (const ys of seqs) ll += bktSeqLogLik(p, ys);
      if (ll > bestLl) {
        bestLl = ll;
        best = p;
      }
    }
    fitted.set(sk, best);
  }
  const fallback: Bkt = { l0: 0.5, t: 0.1, g: 0.2, s: 0.1 };
  const out = new Float64Array(countRows(test));
  let r = 0;
  for (const s of test) {
    const know = new Map<string, number>();
    for (const a of s.attempts) {
      const p = fitted.get(a.skillId) ?? fallback;
      const k = know.get(a.skillId) ?? p.l0;
      const pc = k * (1 - p.s) + (1 - k) * p.g;
      out[r++] = pc;
      const post = a.correct ? (k * (1 - p.s)) / pc : (k * p.s) / (1 - pc);
      know.set(a.skillId, post + (1 - post) * p.t);
    }
  }
  return out;
}

/** PFA: per skill, logit = beta + gamma * successes + rho * failures (Newton per skill). */
export function pfa(
  train: readonly LearnerSequence[],
  test: readonly LearnerSequence[],
): Predictions {
  const rows = new Map<string, number[]>(); // flattened [succ, fail, y]
  for (const s of train) {
    const cnt = new Map<string, [number, number]>();
    for (const a of s.attempts) {
      const c = cnt.get(a.skillId) ?? [0, 0];
      const l = rows.get(a.skillId) ?? [];
      l.push(c[0], c[1], a.correct ? 1 : 0);
      rows.set(a.skillId, l);
      if (a.correct) c[0]++;
      else c[1]++;
      cnt.set(a.skillId, c);
    }
  }
  const params = new Map<string, [number, number, number]>();
  for (const [sk, l] of rows) {
    const w = [0, 0, 0];
    for (let it = 0; it < 30; it++) {
      const g = [0, 0, 0];
      const h = [0.01, 0, 0, 0, 0.01, 0, 0, 0, 0.01];
      for (let i = 0; i < l.length; i += 3) {
        const x = [1, l[i] ?? 0, l[i + 1] ?? 0];
        const p = sig((w[0] ?? 0) + (w[1] ?? 0) * (x[1] ?? 0) + (w[2] ?? 0) * (x[2] ?? 0));
        const e = p - (l[i + 2] ?? 0);
        const v = Math.max(p * (1 - p), 1e-9);
        for (let j = 0; j < 3; j++) {
          g[j] = (g[j] ?? 0) + e * (x[j] ?? 0);
          for (let k = 0; k < 3; k++)
            h[j * 3 + k] = (h[j * 3 + k] ?? 0) + v * (x[j] ?? 0) * (x[k] ?? 0);
        }
      }
      for (let j = 0; j < 3; j++) g[j] = (g[j] ?? 0) + 0.01 * (w[j] ?? 0);
      // 3x3 solve by Cramer's rule
      const [a, b, c, d, e, f, gg, hh, ii] = h as [
        number,
        number,
        number,
        number,
        number,
        number,
        number,
        number,
        number,
      ];
      const det = a * (e * ii - f * hh) - b * (d * ii - f * gg) + c * (d * hh - e * gg);
      const inv = [
        (e * ii - f * hh) / det,
        (c * hh - b * ii) / det,
        (b * f - c * e) / det,
        (f * gg - d * ii) / det,
        (a * ii - c * gg) / det,
        (c * d - a * f) / det,
        (d * hh - e * gg) / det,
        (b * gg - a * hh) / det,
        (a * e - b * d) / det,
      ];
      let maxStep = 0;
      for (let j = 0; j < 3; j++) {
        let st = 0;
        for (let k = 0; k < 3; k++) st += (inv[j * 3 + k] ?? 0) * (g[k] ?? 0);
        w[j] = (w[j] ?? 0) - st;
        maxStep = Math.max(maxStep, Math.abs(st));
      }
      if (maxStep < 1e-8) break;
    }
    params.set(sk, [w[0] ?? 0, w[1] ?? 0, w[2] ?? 0]);
  }
  const out = new Float64Array(countRows(test));
  let r = 0;
  for (const s of test) {
    const cnt = new Map<string, [number, number]>();
    for (const a of s.attempts) {
      const c = cnt.get(a.skillId) ?? [0, 0];
      const w = params.get(a.skillId) ?? [0.66, 0, 0];
      out[r++] = sig(w[0] + w[1] * c[0] + w[2] * c[1]);
      if (a.correct) c[0]++;
      else c[1]++;
      cnt.set(a.skillId, c);
    }
  }
  return out;
}
