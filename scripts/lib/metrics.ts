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
