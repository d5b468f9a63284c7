/**
 * The learner-model evaluation as data: fit on train, stream test (predict before update),
 * metrics of the engine and the baselines, calibration of P(correct) and of the mastery value the
 * app shows, on the data set and on its item-as-skill check set. `scripts/eval.ts` prints it as
 * Markdown or as one JSON object.
 */
import { performance } from 'node:perf_hooks';
import {
  COMPONENTS,
  createEngineConfig,
  DEFAULT_MODEL,
  FEATURES,
  fitFromLog,
  type ComponentName,
  type EngineConfig,
  type FeatureName,
  type FittedEngine,
  type ModelParams,
} from '../../src/engine/index.js';
import * as base from './baselines.js';
import {
  applyCheckSet,
  CHECK_SETS,
  coverage,
  isEachItemOwnSkill,
  type CheckSetName,
  type Coverage,
} from './check-sets.js';
import { runEngine, type EngineRun } from './engine-eval.js';
import { rowsOf, splitByLearner, type LearnerSequence } from './kt-data.js';
import {
  calibrationReport,
  metrics,
  type CalibrationBin,
  type CalibrationReport,
  type Metrics,
} from './metrics.js';

/** The mastery calibration target of the issue (ECE, 10 bins), on the data and the check set. */
export const MASTERY_ECE_TARGET = 0.03;

/**
 * Above this many skills the per-skill weights (3 per skill, solved with the dense Newton system
 * of `fitWeights`) are not fitted: 17,709 item-skills would be a 53k x 53k Hessian. The engine
 * then uses its generic weights only, as it does for a skill absent from `skillWeights`.
 */
export const MAX_SKILLS_WITH_OWN_WEIGHTS = 400;

export interface EvalOptions {
  readonly ablation?: boolean;
  readonly baselines?: boolean;
  /** Also evaluate these check sets of the data (default: all of {@link CHECK_SETS}). */
  readonly checkSets?: readonly CheckSetName[];
  /** Name of the data set in the report (default 'data'). */
  readonly name?: string;
}

export interface NamedMetrics {
  readonly name: string;
  readonly m: Metrics;
}

/** Everything measured on one data set (or check set). */
export interface DatasetReport {
  readonly name: string;
  readonly trainRows: number;
  readonly testRows: number;
  readonly coverage: Coverage;
  /** Whether per-skill weights were fitted (see {@link MAX_SKILLS_WITH_OWN_WEIGHTS}). */
  readonly perSkillWeights: boolean;
  readonly engine: Metrics;
  readonly engineOnline: Metrics;
  readonly baselines: readonly NamedMetrics[];
  /** P(correct) before each response, every test row. */
  readonly pCorrect: CalibrationReport;
  /**
   * Mastery of the row's skill as the app shows it just before the response (the state after the
   * learner's previous responses), rows after the learner's first attempt at that skill.
   */
  readonly mastery: CalibrationReport;
  readonly ablation: readonly NamedMetrics[];
  readonly seconds: Readonly<Record<string, number>>;
}

/** A check set's report; `sameAsData` when the transform left the data unchanged (3-line data). */
export type CheckSetReport = Omit<DatasetReport, 'name'> & {
  readonly name: CheckSetName;
  readonly sameAsData: boolean;
};

/** The data set's report, plus its check sets'. */
export interface EvalReport extends DatasetReport {
  /** The check sets' reports, in the order asked. */
  readonly checkSets: readonly CheckSetReport[];
  /** Same as `pCorrect.bins` (kept for older readers). */
  readonly calibration: readonly CalibrationBin[];
  /** Same as `pCorrect.ece`. */
  readonly ece: number;
}

/** The engine configuration the app would run with a fitted model (default mastery rule). */
export const configFor = (model: ModelParams): EngineConfig => createEngineConfig({ model });

const skillCount = (seqs: readonly LearnerSequence[]): number => {
  const s = new Set<string>();
  for (const q of seqs) for (const a of q.attempts) s.add(a.skillId);
  return s.size;
};

/** Fits the engine on `train` and streams `test` through it (predict before update). */
export function fitAndRun(
  train: readonly LearnerSequence[],
  test: readonly LearnerSequence[],
  hyper: ModelParams,
  disabled: readonly FeatureName[] = [],
  perSkill = true,
): { fitted: FittedEngine; config: EngineConfig; m: Metrics; run: EngineRun } {
  const fitted = fitFromLog(
    train.map((s) => s.attempts),
    hyper,
    { disabled, perSkill },
  );
  const config = configFor(fitted.model);
  const run = runEngine(test, fitted, config);
  return { fitted, config, m: metrics(run.pred, run.y), run };
}

const BASELINES: readonly [
  string,
  (train: readonly LearnerSequence[], test: readonly LearnerSequence[]) => Float64Array,
][] = [
  ['global mean', base.globalMean],
  ['item mean', (tr, te) => base.itemMean(tr, te)],
  ['Elo (learner + item)', (tr, te) => base.elo(tr, te)],
  ['BKT per skill', base.bkt],
  ['PFA', base.pfa],
];

function ablations(
  train: readonly LearnerSequence[],
  test: readonly LearnerSequence[],
  perSkill: boolean,
  full: Metrics,
): NamedMetrics[] {
  const out: NamedMetrics[] = [];
  for (const comp of Object.keys(COMPONENTS) as ComponentName[]) {
    out.push({
      name: `without ${comp}`,
      m: fitAndRun(train, test, DEFAULT_MODEL, COMPONENTS[comp], perSkill).m,
    });
  }
  if (perSkill) {
    out.push({
      name: 'without per-skill weights',
      m: fitAndRun(train, test, DEFAULT_MODEL, [], false).m,
    });
  }
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
    out.push({
      name: `build-up: ${name}`,
      m: fitAndRun(train, test, DEFAULT_MODEL, disabled, false).m,
    });
  }
  if (perSkill) out.push({ name: 'build-up: + per-skill weights (= full)', m: full });
  return out;
}

/** Evaluates one data set (no check set). */
export function evaluateDataset(
  train: readonly LearnerSequence[],
  test: readonly LearnerSequence[],
  options: Omit<EvalOptions, 'checkSets'> = {},
): DatasetReport {
  const seconds: Record<string, number> = {};
  let t = performance.now();
  const perSkill = skillCount(train) <= MAX_SKILLS_WITH_OWN_WEIGHTS;
  const engine = fitAndRun(train, test, DEFAULT_MODEL, [], perSkill);
  seconds.engine = (performance.now() - t) / 1000;
  const online = runEngine(test, engine.fitted, engine.config, { onlineItems: true });
  const y = engine.run.y;
  const baselines: NamedMetrics[] = [];
  if (options.baselines ?? true) {
    for (const [name, fn] of BASELINES) {
      t = performance.now();
      baselines.push({ name, m: metrics(fn(train, test), y) });
      seconds[name] = (performance.now() - t) / 1000;
    }
  }
  return {
    name: options.name ?? 'data',
    trainRows: rowsOf(train),
    testRows: rowsOf(test),
    coverage: coverage(train, test),
    perSkillWeights: perSkill,
    engine: engine.m,
    engineOnline: metrics(online.pred, online.y),
    baselines,
    pCorrect: calibrationReport(engine.run.pred, y),
    mastery: calibrationReport(engine.run.mastery, y),
    ablation: options.ablation === true ? ablations(train, test, perSkill, engine.m) : [],
    seconds,
  };
}

/** The whole evaluation: the data set, then (by default) each of its check sets. */
export function evaluate(
  train: readonly LearnerSequence[],
  test: readonly LearnerSequence[],
  options: EvalOptions = {},
): EvalReport {
  const main = evaluateDataset(train, test, options);
  const identity = isEachItemOwnSkill(train) && isEachItemOwnSkill(test);
  const checkSets = (options.checkSets ?? CHECK_SETS).map((name): CheckSetReport => {
    if (identity) return { ...main, name, ablation: [], sameAsData: true };
    const t = performance.now();
    const cs = applyCheckSet(name, { train, test });
    const rep = evaluateDataset(cs.train, cs.test, {
      ...(options.baselines === undefined ? {} : { baselines: options.baselines }),
      name,
    });
    return {
      ...rep,
      name,
      seconds: { ...rep.seconds, total: (performance.now() - t) / 1000 },
      sameAsData: false,
    };
  });
  return { ...main, checkSets, calibration: main.pCorrect.bins, ece: main.pCorrect.ece };
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
    const run = runEngine(valid, fitted, configFor(fitted.model));
    const m = metrics(run.pred, run.y);
    print(`${JSON.stringify(g)} valid AUC ${m.auc.toFixed(4)} RMSE ${m.rmse.toFixed(4)}`);
  }
}

// ---------------------------------------------------------------------------------------------
// JSON summary (`--json`)

export interface JsonMetrics {
  readonly auc: number;
  readonly rmse: number;
  readonly logloss: number;
}

export interface JsonBlock {
  readonly name: string;
  readonly engine: JsonMetrics;
  /** Mastery ECE (10 bins); null only when no test row follows a first attempt on its skill. */
  readonly masteryEce: number | null;
  readonly pCorrectEce: number;
  readonly masteryRows: number;
  readonly masteryEceNoise: number | null;
  readonly testRows: number;
  readonly perSkillWeights: boolean;
  readonly baselines: readonly ({ readonly name: string } & JsonMetrics)[];
}

/** The `--json` output: the required fields first, then the check sets. */
export interface JsonSummary extends JsonBlock {
  readonly trainRows: number;
  readonly masteryEceTarget: number;
  /** The item-as-skill check set (null when not run). */
  readonly checkSet: JsonCheckSet | null;
  readonly masteryEceCheckSet: number | null;
  readonly pCorrectEceCheckSet: number | null;
  /** The skill-as-item check set (null when not run). */
  readonly skillAsItem: JsonCheckSet | null;
  readonly seconds: Readonly<Record<string, number>>;
}

export type JsonCheckSet = JsonBlock & { readonly sameAsData: boolean };

const jm = (m: Metrics): JsonMetrics => ({ auc: m.auc, rmse: m.rmse, logloss: m.logLoss });
const finiteOrNull = (x: number): number | null => (Number.isFinite(x) ? x : null);

function jsonBlock(rep: DatasetReport | CheckSetReport): JsonBlock {
  return {
    name: rep.name,
    engine: jm(rep.engine),
    masteryEce: finiteOrNull(rep.mastery.ece),
    pCorrectEce: rep.pCorrect.ece,
    masteryRows: rep.mastery.rows,
    masteryEceNoise: finiteOrNull(rep.mastery.noiseEce),
    testRows: rep.testRows,
    perSkillWeights: rep.perSkillWeights,
    baselines: rep.baselines.map((b) => ({ name: b.name, ...jm(b.m) })),
  };
}

/** The report as the `--json` object. */
export function jsonSummary(
  rep: EvalReport,
  seconds: Readonly<Record<string, number>>,
): JsonSummary {
  const { engine, masteryEce, baselines, ...rest } = jsonBlock(rep);
  const block = (name: CheckSetName): JsonCheckSet | null => {
    const cs = rep.checkSets.find((c) => c.name === name);
    return cs === undefined ? null : { ...jsonBlock(cs), sameAsData: cs.sameAsData };
  };
  const itemAsSkill = block('item-as-skill');
  return {
    engine,
    masteryEce,
    baselines,
    ...rest,
    trainRows: rep.trainRows,
    masteryEceTarget: MASTERY_ECE_TARGET,
    checkSet: itemAsSkill,
    masteryEceCheckSet: itemAsSkill?.masteryEce ?? null,
    pCorrectEceCheckSet: itemAsSkill?.pCorrectEce ?? null,
    skillAsItem: block('skill-as-item'),
    seconds,
  };
}

// ---------------------------------------------------------------------------------------------
// Markdown report

const f4 = (x: number): string => x.toFixed(4);
const line = (name: string, m: Metrics, extra = ''): string =>
  `| ${name.padEnd(41)} | ${f4(m.auc)} | ${f4(m.rmse)} | ${f4(m.logLoss)} |${extra}`;
const fmt = (x: number): string => (Number.isNaN(x) ? '-' : x.toFixed(3));
const verdict = (x: number): string =>
  Number.isNaN(x) ? 'no rows' : x <= MASTERY_ECE_TARGET ? 'met' : 'MISSED';

function formatBlock(rep: DatasetReport, title: string): string[] {
  const out: string[] = [];
  const c = rep.coverage;
  out.push(`## ${title}`, '');
  out.push(
    `train ${rep.trainRows} rows, ${c.trainSkills} skills; test ${rep.testRows} rows, of which ` +
      `${c.testRowsUnseenItem} on an item unseen in train, ${c.testRowsFewItemAnswers} on an item ` +
      `with 1-4 train answers, ${c.testRowsUnseenSkill} on a skill unseen in train; per-skill ` +
      `weights ${rep.perSkillWeights ? 'fitted' : `not fitted (more than ${MAX_SKILLS_WITH_OWN_WEIGHTS} skills)`}.`,
    '',
  );
  out.push('Next-response prediction on test (predict before update; fitted on train only)', '');
  out.push(`| ${'model'.padEnd(41)} | AUC    | RMSE   | logloss |`);
  out.push(`|${'-'.repeat(43)}|--------|--------|---------|`);
  out.push(
    line('Pathwise engine', rep.engine, ` ${(rep.seconds.engine ?? 0).toFixed(1)} s fit+test`),
  );
  out.push(line('Pathwise engine, item stats learnt online', rep.engineOnline));
  for (const b of rep.baselines) {
    out.push(line(b.name, b.m, ` ${(rep.seconds[b.name] ?? 0).toFixed(1)} s`));
  }
  out.push('', 'Calibration on test (10 bins). "P(correct)": the engine\'s prediction before each');
  out.push('response, every row. "mastery": the mastery of the row\'s skill as the app shows it');
  out.push("just before the response (state after the learner's previous answers), rows after");
  out.push("the learner's first attempt at that skill.", '');
  out.push(
    '| bin     | P(correct): rows | predicted | observed | mastery: rows | predicted | observed |',
  );
  out.push(
    '|---------|------------------|-----------|----------|---------------|-----------|----------|',
  );
  rep.pCorrect.bins.forEach((b, i) => {
    const s = rep.mastery.bins[i];
    out.push(
      `| ${b.lo.toFixed(1)}-${b.hi.toFixed(1)} | ${String(b.count).padStart(16)} | ${fmt(b.meanPredicted).padStart(9)} | ${fmt(b.observed).padStart(8)} | ${String(s?.count ?? 0).padStart(13)} | ${fmt(s?.meanPredicted ?? NaN).padStart(9)} | ${fmt(s?.observed ?? NaN).padStart(8)} |`,
    );
  });
  out.push(
    `expected calibration error (10 bins): P(correct) ${f4(rep.pCorrect.ece)} ` +
      `(${rep.pCorrect.rows} rows, noise floor ${fmt(rep.pCorrect.noiseEce)}); ` +
      `mastery ${f4(rep.mastery.ece)} (${rep.mastery.rows} rows, noise floor ${fmt(rep.mastery.noiseEce)}); ` +
      `mastery target <= ${MASTERY_ECE_TARGET}: ${verdict(rep.mastery.ece)}`,
  );
  if (rep.ablation.length > 0) {
    out.push('', 'Ablation (engine refitted on train with a component switched off; test)', '');
    out.push(`| ${'variant'.padEnd(41)} | AUC    | RMSE   | logloss | ΔAUC`);
    out.push(`|${'-'.repeat(43)}|--------|--------|---------|------`);
    out.push(line('full engine', rep.engine));
    for (const a of rep.ablation) {
      const d = a.m.auc - rep.engine.auc;
      out.push(line(a.name, a.m, ` ${(d >= 0 ? '+' : '') + d.toFixed(4)}`));
    }
  }
  return out;
}

const CHECK_SET_TITLES: Readonly<Record<CheckSetName, string>> = {
  'item-as-skill': "each row's skill relabelled to its item id",
  'skill-as-item': "each row's item relabelled to its skill id, the DKT 3-line view",
};

/** Renders a report as Markdown: the data set, the check sets, then the ECE targets side by side. */
export function formatReport(rep: EvalReport): string {
  const out = formatBlock(rep, `Data set ${rep.name}`);
  for (const cs of rep.checkSets) {
    out.push('');
    const title = CHECK_SET_TITLES[cs.name];
    if (cs.sameAsData) {
      out.push(
        `## Check set ${cs.name} (${title}): every item is already its own skill here, so the check set is the data set itself (figures above).`,
      );
    } else {
      out.push(
        ...formatBlock(cs, `Check set ${cs.name} (${title}; same learners in train and test)`),
      );
    }
  }
  out.push('', `## Mastery calibration targets (ECE, 10 bins, <= ${MASTERY_ECE_TARGET})`, '');
  out.push(
    '| set                  | P(correct) ECE | mastery ECE | mastery rows | noise floor | target |',
  );
  out.push(
    '|----------------------|----------------|-------------|--------------|-------------|--------|',
  );
  for (const r of [rep, ...rep.checkSets]) {
    out.push(
      `| ${r.name.padEnd(20)} | ${f4(r.pCorrect.ece).padStart(14)} | ${f4(r.mastery.ece).padStart(11)} | ${String(r.mastery.rows).padStart(12)} | ${fmt(r.mastery.noiseEce).padStart(11)} | ${verdict(r.mastery.ece).padEnd(6)} |`,
    );
  }
  return out.join('\n');
}
