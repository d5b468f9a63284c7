/** Prediction metrics: AUC (rank-based, ties averaged), RMSE, log loss, calibration bins. */

export interface Metrics {
  readonly auc: number;
  readonly rmse: number;
  readonly logLoss: number;
  readonly n: number;
}

export function auc(pred: Float64Array, y: Uint8Array): number {
  const n = pred.length;
  const idx = Array.from({ length: n }, (_, i) => i).sort(
    (a, b) => (pred[a] ?? 0) - (pred[b] ?? 0),
  );
  let pos = 0;
  for (let i = 0; i < n; i++) pos += y[i] ?? 0;
  const neg = n - pos;
  let rankSum = 0;
  let i = 0;
  while (i < n) {
    let j = i;
    const v = pred[idx[i] ?? 0];
    while (j + 1 < n && pred[idx[j + 1] ?? 0] === v) j++;
    const avgRank = (i + j) / 2 + 1;
    for (let k = i; k <= j; k++) if (y[idx[k] ?? 0] === 1) rankSum += avgRank;
    i = j + 1;
  }
  return (rankSum - (pos * (pos + 1)) / 2) / (pos * neg);
}

export function metrics(pred: Float64Array, y: Uint8Array): Metrics {
  let se = 0;
  let ll = 0;
  const n = pred.length;
  for (let i = 0; i < n; i++) {
    const p = Math.min(Math.max(pred[i] ?? 0, 1e-7), 1 - 1e-7);
    const t = y[i] ?? 0;
    se += (p - t) ** 2;
    ll -= t === 1 ? Math.log(p) : Math.log(1 - p);
  }
  return { auc: auc(pred, y), rmse: Math.sqrt(se / n), logLoss: ll / n, n };
}

export interface CalibrationBin {
  readonly lo: number;
  readonly hi: number;
  readonly count: number;
  readonly meanPredicted: number;
  readonly observed: number;
}

export function calibration(pred: Float64Array, y: Uint8Array, bins = 10): CalibrationBin[] {
  const cnt = new Float64Array(bins);
  const sp = new Float64Array(bins);
  const sy = new Float64Array(bins);
  for (let i = 0; i < pred.length; i++) {
    const p = pred[i] ?? 0;
    const b = Math.min(bins - 1, Math.floor(p * bins));
    cnt[b] = (cnt[b] ?? 0) + 1;
    sp[b] = (sp[b] ?? 0) + p;
    sy[b] = (sy[b] ?? 0) + (y[i] ?? 0);
  }
  return Array.from({ length: bins }, (_, b) => ({
    lo: b / bins,
    hi: (b + 1) / bins,
    count: cnt[b] ?? 0,
    meanPredicted: (cnt[b] ?? 0) > 0 ? (sp[b] ?? 0) / (cnt[b] ?? 1) : NaN,
    observed: (cnt[b] ?? 0) > 0 ? (sy[b] ?? 0) / (cnt[b] ?? 1) : NaN,
  }));
}

/** Expected calibration error (count-weighted mean |predicted - observed|). */
export function ece(bins: readonly CalibrationBin[]): number {
  let total = 0;
  let err = 0;
  for (const b of bins) {
    if (b.count === 0) continue;
    total += b.count;
    err += b.count * Math.abs(b.meanPredicted - b.observed);
  }
  return err / total;
}

/**
 * ECE that sampling noise alone would give if the predictions were exactly calibrated: per bin,
 * the observed rate of n Bernoulli(p_i) answers differs from the mean prediction by about
 * N(0, sqrt(sum p_i (1 - p_i)) / n), whose mean absolute value is that sd times sqrt(2 / pi).
 * An ECE near this floor cannot be told apart from perfect calibration on this many rows.
 */
export function eceNoiseFloor(pred: Float64Array, bins = 10): number {
  const cnt = new Float64Array(bins);
  const v = new Float64Array(bins);
  for (const p of pred) {
    const b = Math.min(bins - 1, Math.floor(p * bins));
    cnt[b] = (cnt[b] ?? 0) + 1;
    v[b] = (v[b] ?? 0) + p * (1 - p);
  }
  let total = 0;
  let err = 0;
  for (let b = 0; b < bins; b++) {
    const n = cnt[b] ?? 0;
    if (n === 0) continue;
    total += n;
    err += Math.sqrt(v[b] ?? 0) * Math.sqrt(2 / Math.PI);
  }
  return total === 0 ? NaN : err / total;
}

/** A calibration table with its ECE, row count and noise floor. */
export interface CalibrationReport {
  readonly bins: readonly CalibrationBin[];
  readonly ece: number;
  /** Rows with a value (NaN values are skipped). */
  readonly rows: number;
  readonly noiseEce: number;
}

/** Calibration of `pred` against `y` over the rows where `pred` is not NaN. */
export function calibrationReport(pred: Float64Array, y: Uint8Array, bins = 10): CalibrationReport {
  const keep: number[] = [];
  pred.forEach((p, i) => {
    if (!Number.isNaN(p)) keep.push(i);
  });
  const p = Float64Array.from(keep, (i) => pred[i] ?? 0);
  const table = calibration(
    p,
    Uint8Array.from(keep, (i) => y[i] ?? 0),
    bins,
  );
  return { bins: table, ece: ece(table), rows: keep.length, noiseEce: eceNoiseFloor(p, bins) };
}
