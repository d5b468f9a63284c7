/**
 * Evaluation CLI:
 *
 *     npm run eval -- --data <dir> [--json] [--check-set item-as-skill | --each-item-own-skill]
 *                     [--no-check-set] [--no-baselines] [--ablation] [--tune] [--weights]
 *
 * `<dir>` holds `train` and `test` files in either format of `scripts/lib/kt-data.ts` (row per
 * attempt with a header, as in ../shared/data/kt, or the DKT 3-line / AKT 4-line sequence
 * format as `train.csv`/`test.csv`/`train.txt`/`test.txt`); the format is detected per file.
 *
 * Fits the engine on train only (weights by Newton, item statistics as counts and residual
 * sums), streams each test learner through `recordResponse` as the app does (predict before
 * update), and reports for the engine and, in the same run, the baselines (global mean, item
 * mean, Elo, per-skill BKT, PFA): AUC / RMSE / log loss; the 10-bin calibration of P(correct)
 * (every row) and of the mastery value the app shows (the row's skill just before the response,
 * rows after the learner's first attempt at that skill; see `scripts/lib/engine-eval.ts`, where
 * `readMastery` is the one line to switch to a new engine reader). The same block follows for the
 * check sets of `scripts/lib/check-sets.ts`, built from the same rows with the same learner
 * split: item-as-skill (every row's skill relabelled to its item id) and skill-as-item (every
 * row's item relabelled to its skill id, the DKT 3-line view); then every mastery ECE against the
 * target (<= 0.03), with its row count and sampling-noise floor.
 *
 * - `--json`: exactly one JSON object on stdout (nothing else), see `JsonSummary`:
 *   `{"engine":{"auc","rmse","logloss"},"masteryEce","baselines":[{"name","auc",…}],…,
 *   "checkSet":{…item-as-skill…},"masteryEceCheckSet","skillAsItem":{…},…}`.
 * - `--check-set item-as-skill|skill-as-item` (`--each-item-own-skill` = item-as-skill):
 *   evaluate only that check set.
 * - `--no-check-set`: skip the check-set blocks.
 * - `--ablation`: the engine refitted with each component switched off.
 * - `--tune`: grid-searches hyperparameters on a by-learner validation split of train (20 % of
 *   learners); test is never used for tuning.
 * - `--weights`: prints the generic weights used as DEFAULT_WEIGHTS.
 */
import { performance } from 'node:perf_hooks';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { DEFAULT_MODEL, fitFromLog } from '../src/engine/index.js';
import { applyCheckSet, CHECK_SETS, isCheckSetName, type CheckSetName } from './lib/check-sets.js';
import { evaluate, formatReport, jsonSummary, tune } from './lib/eval-report.js';
import { loadDataset, rowsOf } from './lib/kt-data.js';

export { evaluate, formatReport, fitAndRun, tune } from './lib/eval-report.js';
export type { EvalOptions, EvalReport, DatasetReport } from './lib/eval-report.js';

/** Where the CLI writes: `out` is stdout (the report, or the one JSON object), `err` stderr. */
export interface CliIo {
  readonly out: (text: string) => void;
  readonly err: (text: string) => void;
}

export interface CliArgs {
  readonly data: string;
  readonly json: boolean;
  /** Evaluate this check set instead of the data set. */
  readonly only: CheckSetName | null;
  readonly checkSet: boolean;
  readonly baselines: boolean;
  readonly ablation: boolean;
  readonly tune: boolean;
  readonly weights: boolean;
}

const USAGE =
  'usage: npm run eval -- --data <folder with train and test files> [--json] ' +
  `[--check-set ${CHECK_SETS.join('|')} | --each-item-own-skill] [--no-check-set] ` +
  '[--no-baselines] [--ablation] [--tune] [--weights]';

/** Parses the command line; a string is the problem to print. */
export function parseArgs(argv: readonly string[]): CliArgs | string {
  let data = '';
  let json = false;
  let only: CheckSetName | null = null;
  let checkSet = true;
  let baselines = true;
  let ablation = false;
  let doTune = false;
  let weights = false;
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === '--data') data = argv[++i] ?? '';
    else if (a === '--json') json = true;
    else if (a === '--each-item-own-skill') only = 'item-as-skill';
    else if (a === '--check-set') {
      const name = argv[++i] ?? '';
      if (!isCheckSetName(name)) {
        return `unknown check set "${name}"; known: ${CHECK_SETS.join(', ')}`;
      }
      only = name;
    } else if (a === '--no-check-set') checkSet = false;
    else if (a === '--no-baselines') baselines = false;
    else if (a === '--ablation') ablation = true;
    else if (a === '--tune') doTune = true;
    else if (a === '--weights') weights = true;
    else return `unknown argument ${String(a)}`;
  }
  if (data === '') return 'missing --data';
  if (json && (doTune || weights)) return '--json reports an evaluation; drop --tune/--weights';
  return { data, json, only, checkSet, baselines, ablation, tune: doTune, weights };
}

/** Runs the CLI and returns the exit code (0 ok, 1 failure, 2 bad arguments). */
export function runCli(argv: readonly string[], io: CliIo): number {
  const args = parseArgs(argv);
  if (typeof args === 'string') {
    io.err(`error: ${args}\n${USAGE}\n`);
    return 2;
  }
  const print = (s: string): void => {
    io.out(`${s}\n`);
  };
  const t0 = performance.now();
  let data;
  try {
    data = loadDataset(args.data);
  } catch (error) {
    io.err(`error: ${error instanceof Error ? error.message : String(error)}\n`);
    return 1;
  }
  const seconds: Record<string, number> = { load: (performance.now() - t0) / 1000 };
  const { train, test } = args.only === null ? data : applyCheckSet(args.only, data);
  const name = args.only ?? (path.basename(path.resolve(args.data)) || 'data');
  if (!args.json) {
    print(
      `data ${args.data} (${data.formats.train === data.formats.test ? data.formats.train : `${data.formats.train} / ${data.formats.test}`} format)` +
        `${args.only === null ? '' : `, check set ${args.only}`}: train ${train.length} learners / ${rowsOf(train)} rows, test ${test.length} learners / ${rowsOf(test)} rows`,
    );
  }
  if (args.tune) {
    tune(train, print);
    return 0;
  }
  if (args.weights) {
    const generic = fitFromLog(
      train.map((s) => s.attempts),
      DEFAULT_MODEL,
      { perSkill: false },
    );
    print(JSON.stringify(generic.model.weights, null, 2));
    return 0;
  }
  const t1 = performance.now();
  const rep = evaluate(train, test, {
    ablation: args.ablation,
    baselines: args.baselines,
    checkSets: args.only === null && args.checkSet ? CHECK_SETS : [],
    name,
  });
  seconds.evaluation = (performance.now() - t1) / 1000;
  for (const cs of rep.checkSets) seconds[cs.name] = cs.seconds.total ?? 0;
  seconds.total = (performance.now() - t0) / 1000;
  if (args.json) {
    io.out(`${JSON.stringify(jsonSummary(rep, seconds))}\n`);
  } else {
    print('');
    print(formatReport(rep));
    print('');
    print(`total time ${seconds.total.toFixed(1)} s`);
  }
  return 0;
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  process.exitCode = runCli(process.argv.slice(2), {
    out: (s) => {
      process.stdout.write(s);
    },
    err: (s) => {
      process.stderr.write(s);
    },
  });
}
