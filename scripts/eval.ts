/**
 * Evaluation CLI: `npm run eval -- --data ../shared/data/kt/assistments09 [--ablation] [--tune]`.
 *
 * Fits the engine on train only (weights by Newton, item statistics as counts and residual
 * sums), streams each test learner predicting before updating, and prints AUC / RMSE / log loss
 * for the engine and, in the same run, the baselines (global mean, item mean, Elo, per-skill
 * BKT, PFA), a 10-bin calibration table of the mastery probability, and with `--ablation` the
 * engine refitted with each component switched off. `--tune` grid-searches hyperparameters on a
 * by-learner validation split of train (20 % of learners); test is never used for tuning.
 * `--weights` prints the generic weights used as DEFAULT_WEIGHTS.
 */
import { performance } from 'node:perf_hooks';
import { pathToFileURL } from 'node:url';
import { fitFromLog, type FittedEngine } from '../src/engine/fit.js';
import { DEFAULT_MODEL, type ModelParams } from '../src/engine/params.js';
import {
  COMPONENTS,
  FEATURES,
  type ComponentName,
  type FeatureName,
} from '../src/engine/model-features.js';
import { loadDataset, splitByLearner, type LearnerSequence } from './lib/kt-data.js';
import { calibration, ece, metrics, type CalibrationBin, type Metrics } from './lib/metrics.js';
import * as base from './lib/baselines.js';
import { runEngine } from './lib/engine-eval.js';

export interface EvalOptions {
  readonly ablation?: boolean;
  readonly baselines?: boolean;
}

export interface EvalReport {
  readonly trainRows: number;
  readonly testRows: number;
  readonly engine: Metrics;
  readonly engineOnline: Metrics;
  readonly baselines: readonly { readonly name: string; readonly m: Metrics }[];
  readonly calibration: readonly CalibrationBin[];
  readonly ece: number;
  /** Calibration of the stored mastery value (rows after a first attempt on the skill). */
  readonly storedCalibration: readonly CalibrationBin[];
  readonly storedEce: number;
  readonly ablation: readonly { readonly name: string; readonly m: Metrics }[];
  readonly seconds: Readonly<Record<string, number>>;
}

/** Fits the engine on `train` and predicts `test` (predict before update). */
export function fitAndRun(
  train: readonly LearnerSequence[],
  test: readonly LearnerSequence[],
  hyper: ModelParams,
  disabled: readonly FeatureName[] = [],
  perSkill = true,
): {
  fitted: FittedEngine;
  m: Metrics;
  mastery: Float64Array;
  storedMastery: Float64Array;
  y: Uint8Array;
} {
  const fitted = fitFromLog(
    train.map((s) => s.attempts),
    hyper,
    { disabled, perSkill },
  );
  const run = runEngine(test, fitted, fitted.model);
  return {
    fitted,
    m: metrics(run.pred, run.y),
    mastery: run.mastery,
    storedMastery: run.storedMastery,
    y: run.y,
  };
}

const rowsOf = (seqs: readonly LearnerSequence[]): number =>
  seqs.reduce((n, s) => n + s.attempts.length, 0);

/** The whole evaluation as data (the CLI prints it; the tests assert it). */
export function evaluate(
  train: readonly LearnerSequence[],
  test: readonly LearnerSequence[],
  options: EvalOptions = {},
): EvalReport {
  const seconds: Record<string, number> = {};
  let t = performance.now();
  const engine = fitAndRun(train, test, DEFAULT_MODEL);
  seconds.engine = (performance.now() - t) / 1000;
  const online = runEngine(test, engine.fitted, engine.fitted.model, true);
  const nTest = rowsOf(test);
  const y = new Uint8Array(nTest);
  let r = 0;
  for (const s of test) for (const a of s.attempts) y[r++] = a.correct ? 1 : 0;
  const baselines: { name: string; m: Metrics }[] = [];
  if (options.baselines ?? true) {
    const fns: [string, () => Float64Array][] = [
      ['global mean', () => base.globalMean(train, test)],
      ['item mean', () => base.itemMean(train, test)],
      ['Elo (learner + item)', () => base.elo(train, test)],
      ['BKT per skill', () => base.bkt(train, test)],
      ['PFA', () => base.pfa(train, test)],
    ];
    for (const [name, fn] of fns) {
      t = performance.now();
      baselines.push({ name, m: metrics(fn(), y) });
      seconds[name] = (performance.now() - t) / 1000;
    }
  }
  const bins = calibration(engine.mastery, engine.y);
  const keep: number[] = [];
  engine.storedMastery.forEach((v, i) => {
    if (!Number.isNaN(v)) keep.push(i);
  });
  const storedBins = calibration(
    Float64Array.from(keep, (i) => engine.storedMastery[i] ?? 0),
    Uint8Array.from(keep, (i) => engine.y[i] ?? 0),
  );
  const ablation: { name: string; m: Metrics }[] = [];
  if (options.ablation === true) {
    for (const comp of Object.keys(COMPONENTS) as ComponentName[]) {
      ablation.push({
        name: `without ${comp}`,
        m: fitAndRun(train, test, DEFAULT_MODEL, COMPONENTS[comp]).m,
      });
    }
    ablation.push({
      name: 'without per-skill weights',
      m: fitAndRun(train, test, DEFAULT_MODEL, [], false).m,
    });
    // Build-up: components added one at a time (generic weights, then per-skill terms).
    const steps: [string, readonly FeatureName[]][] = [
      ['item + skill easiness', ['itemEasiness', 'itemOffset', 'skillEasiness']],
      ['+ Elo abilities (global, per skill)', COMPONENTS.elo],
      ['+ PFA counts on the skill', COMPONENTS.pfa],
      ['+ global counts', COMPONENTS.globalCounts],
      [
        '+ recency (averages, last, gap, streak)',
        [...COMPONENTS.recency, ...COMPONENTS.globalRecent],
      ],
      ['+ answer patterns', COMPONENTS.patterns],
    ];
    const kept: FeatureName[] = [];
    for (const [name, feats] of steps) {
      kept.push(...feats);
      const disabled = FEATURES.filter((f) => f !== 'bias' && !kept.includes(f));
      ablation.push({
        name: `build-up: ${name}`,
        m: fitAndRun(train, test, DEFAULT_MODEL, disabled, false).m,
      });
    }
    ablation.push({ name: 'build-up: + per-skill weights (= full)', m: engine.m });
  }
  return {
    trainRows: rowsOf(train),
    testRows: nTest,
    engine: engine.m,
    engineOnline: metrics(online.pred, online.y),
    baselines,
    calibration: bins,
    ece: ece(bins),
    storedCalibration: storedBins,
    storedEce: ece(storedBins),
    ablation,
    seconds,
  };
}

/** Grid search of hyperparameters on a by-learner validation split of train. */
export function tune(train: readonly LearnerSequence[], print: (s: string) => void): void {
  const [fitPart, valid] = splitByLearner(train, 0.2);
  print(`tuning on ${fitPart.length} learners, validating on ${valid.length} (split of train)`);
  const grid: { hyper: Partial<ModelParams>; skillL2: number }[] = [];
  for (const skillL2 of [1, 5, 20])
    for (const offsetPrior of [2, 5])
      for (const eloDecay of [0.02, 0.1]) grid.push({ hyper: { offsetPrior, eloDecay }, skillL2 });
  for (const g of grid) {
    const fitted = fitFromLog(
      fitPart.map((s) => s.attempts),
      { ...DEFAULT_MODEL, ...g.hyper },
      { skillL2: g.skillL2 },
    );
    const run = runEngine(valid, fitted, fitted.model);
    const m = metrics(run.pred, run.y);
    print(`${JSON.stringify(g)} valid AUC ${m.auc.toFixed(4)} RMSE ${m.rmse.toFixed(4)}`);
  }
}

const f4 = (x: number): string => x.toFixed(4);
const line = (name: string, m: Metrics, extra = ''): string =>
  `| ${name.padEnd(38)} | ${f4(m.auc)} | ${f4(m.rmse)} | ${f4(m.logLoss)} |${extra}`;

/** Renders a report as Markdown tables. */
export function formatReport(rep: EvalReport): string {
  const out: string[] = [];
  out.push('## Next-response prediction on test (predict before update; fitted on train only)', '');
  out.push(`| ${'model'.padEnd(38)} | AUC    | RMSE   | logloss |`);
  out.push(`|${'-'.repeat(40)}|--------|--------|---------|`);
  out.push(
    line('Pathwise engine', rep.engine, ` ${(rep.seconds.engine ?? 0).toFixed(1)} s fit+test`),
  );
  out.push(line('Pathwise engine, item stats learnt online', rep.engineOnline));
  for (const b of rep.baselines) {
    out.push(line(b.name, b.m, ` ${(rep.seconds[b.name] ?? 0).toFixed(1)} s`));
  }
  out.push('', '## Calibration of the mastery probability against the next answer on that skill');
  out.push('## (test rows, 10 bins). "model P": P(correct) on an average item of the skill,');
  out.push('## all rows. "stored": the mastery value the engine keeps (a correct answer never');
  out.push('## lowers it), rows after a first attempt on the skill.', '');
  out.push(
    '| bin     | model P: rows | predicted | observed | stored: rows | predicted | observed |',
  );
  out.push(
    '|---------|---------------|-----------|----------|--------------|-----------|----------|',
  );
  const fmt = (x: number): string => (Number.isNaN(x) ? '-' : x.toFixed(3));
  rep.calibration.forEach((b, i) => {
    const s = rep.storedCalibration[i];
    out.push(
      `| ${b.lo.toFixed(1)}-${b.hi.toFixed(1)} | ${String(b.count).padStart(13)} | ${fmt(b.meanPredicted).padStart(9)} | ${fmt(b.observed).padStart(8)} | ${String(s?.count ?? 0).padStart(12)} | ${fmt(s?.meanPredicted ?? NaN).padStart(9)} | ${fmt(s?.observed ?? NaN).padStart(8)} |`,
    );
  });
  out.push(
    `expected calibration error: model P ${rep.ece.toFixed(4)}, stored mastery ${rep.storedEce.toFixed(4)}`,
  );
  if (rep.ablation.length > 0) {
    out.push('', '## Ablation (engine refitted on train with a component switched off; test)', '');
    out.push(`| ${'variant'.padEnd(38)} | AUC    | RMSE   | logloss | ΔAUC`);
    out.push(`|${'-'.repeat(40)}|--------|--------|---------|------`);
    out.push(line('full engine', rep.engine));
    for (const a of rep.ablation) {
      out.push(
        line(
          a.name,
          a.m,
          ` ${(a.m.auc - rep.engine.auc >= 0 ? '+' : '') + (a.m.auc - rep.engine.auc).toFixed(4)}`,
        ),
      );
    }
  }
  return out.join('\n');
}

function main(argv: readonly string[]): void {
  const print = (s: string): void => {
    process.stdout.write(`${s}\n`);
  };
  let data = '';
  let ablation = false;
  let doTune = false;
  let weights = false;
  let baselines = true;
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === '--data') data = argv[++i] ?? '';
    else if (a === '--ablation') ablation = true;
    else if (a === '--tune') doTune = true;
    else if (a === '--weights') weights = true;
    else if (a === '--no-baselines') baselines = false;
    else throw new Error(`unknown argument ${String(a)}`);
  }
  if (data === '')
    throw new Error('usage: npm run eval -- --data <folder with train and test files>');
  const t0 = performance.now();
  const { train, test } = loadDataset(data);
  print(
    `data ${data}: train ${train.length} learners / ${rowsOf(train)} rows, test ${test.length} learners / ${rowsOf(test)} rows`,
  );
  if (doTune) {
    tune(train, print);
    return;
  }
  if (weights) {
    const generic = fitFromLog(
      train.map((s) => s.attempts),
      DEFAULT_MODEL,
      { perSkill: false },
    );
    print(JSON.stringify(generic.model.weights, null, 2));
    return;
  }
  print('');
  print(formatReport(evaluate(train, test, { ablation, baselines })));
  print('');
  print(`total time ${((performance.now() - t0) / 1000).toFixed(1)} s`);
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  main(process.argv.slice(2));
}
