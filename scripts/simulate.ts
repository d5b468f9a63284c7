/**
 * Simulation study of the shipped default practice policy: `npm run simulate [-- options]`.
 *
 * Synthetic learners with a latent known/unknown state per skill, learning that depends on the
 * learner, on the true prerequisites and on item difficulty, slip and guess, forgetting over
 * simulated days and spaced consolidation (scripts/lib/sim/world.ts). The policies get only
 * noisy calibration statistics and a prerequisite graph with one missing and one false edge,
 * never the latent state. Pathwise runs with exactly the config the app builds for the default
 * assignment settings, against four controls on the same learners with common random numbers
 * (scripts/lib/sim/policies.ts). Metrics and the goal: scripts/lib/sim/study.ts.
 *
 * Options:
 *   --learners N        learners per seed (default 300)
 *   --seeds N           study seeds (default 3)
 *   --seed N            base seed (default 1)
 *   --cap N             most answers per learner and policy (default 300)
 *   --policy-config X   override of the Pathwise config: a variant name, a JSON object
 *                       (e.g. '{"selection":{"targetSuccess":0.6}}') or @file.json
 *   --variants A,B|all  also run these named variants as extra Pathwise rows
 *   --world JSON        override of world parameters (e.g. '{"newStabilityDays":14}')
 *   --bootstrap N       bootstrap replicates (default 1000)
 *   --json              print exactly one JSON object
 */
import { readFileSync } from 'node:fs';
import { pathToFileURL } from 'node:url';
import type { EngineConfig } from '../src/engine/index.js';
import {
  CONTROLS,
  overrideConfig,
  pathwisePolicy,
  shippedEngineConfig,
  VARIANTS,
  type Policy,
} from './lib/sim/policies.js';
import { GOAL, METRICS, runStudy, summarise, type StudySummary } from './lib/sim/study.js';
import type { Interval } from './lib/sim/stats.js';
import { createWorldParams, GRAPH_ERRORS, type WorldParams } from './lib/sim/world.js';

export const SHIPPED = 'pathwise';

export interface SimulateOptions {
  readonly learners: number;
  readonly seeds: number;
  readonly seed: number;
  readonly cap: number;
  readonly json: boolean;
  /** Override of the Pathwise config (already parsed JSON), or undefined for the shipped one. */
  readonly policyConfig: unknown;
  readonly variants: readonly string[];
  readonly world: Partial<WorldParams>;
  readonly bootstrap: number;
}

export const DEFAULT_OPTIONS: SimulateOptions = {
  learners: 300,
  seeds: 3,
  seed: 1,
  cap: 300,
  json: false,
  policyConfig: undefined,
  variants: [],
  world: {},
  bootstrap: 1000,
};

const parseJson = (text: string, what: string): unknown => {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    throw new Error(`${what} is not valid JSON: ${text}`);
  }
};

/** A variant name, inline JSON or @file.json. */
function parsePolicyConfig(value: string): unknown {
  if (value in VARIANTS) return VARIANTS[value];
  if (value.startsWith('@')) return parseJson(readFileSync(value.slice(1), 'utf8'), value);
  return parseJson(value, '--policy-config');
}

const positiveInt = (flag: string, value: string | undefined): number => {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1) throw new Error(`${flag} needs an integer >= 1`);
  return n;
};

/** Parses the command line. @throws Error with a message naming the bad option. */
export function parseArgs(argv: readonly string[]): SimulateOptions {
  let o: SimulateOptions = DEFAULT_OPTIONS;
  for (let i = 0; i < argv.length; i++) {
    const flag = argv[i] ?? '';
    const value = (): string => {
      const v = argv[++i];
      if (v === undefined) throw new Error(`${flag} needs a value`);
      return v;
    };
    if (flag === '--json') o = { ...o, json: true };
    else if (flag === '--learners') o = { ...o, learners: positiveInt(flag, value()) };
    else if (flag === '--seeds') o = { ...o, seeds: positiveInt(flag, value()) };
    else if (flag === '--seed') {
      const n = Number(value());
      if (!Number.isInteger(n)) throw new Error('--seed needs an integer');
      o = { ...o, seed: n };
    } else if (flag === '--cap') o = { ...o, cap: positiveInt(flag, value()) };
    else if (flag === '--bootstrap') o = { ...o, bootstrap: positiveInt(flag, value()) };
    else if (flag === '--policy-config') o = { ...o, policyConfig: parsePolicyConfig(value()) };
    else if (flag === '--variants') {
      const v = value();
      const names = v === 'all' ? Object.keys(VARIANTS) : v.split(',').filter((s) => s !== '');
      for (const n of names) {
        if (!(n in VARIANTS)) {
          throw new Error(`unknown variant ${n} (known: ${Object.keys(VARIANTS).join(', ')})`);
        }
      }
      o = { ...o, variants: names };
    } else if (flag === '--world') {
      o = { ...o, world: parseJson(value(), '--world') as Partial<WorldParams> };
    } else throw new Error(`unknown argument ${flag}`);
  }
  return o;
}

const round = (x: number, d = 4): number => Number(x.toFixed(d));
const iv = (x: Interval | undefined): [number, number] => [
  round(x?.lo ?? NaN),
  round(x?.hi ?? NaN),
];

/** Runs the study and builds the report object printed with --json (without run time). */
export function buildReport(o: SimulateOptions): {
  report: Record<string, unknown>;
  summary: StudySummary;
  shipped: EngineConfig;
  pathwise: EngineConfig;
} {
  const world = createWorldParams(o.world);
  const shipped = shippedEngineConfig(world.itemsPerSkill);
  const pathwise = o.policyConfig === undefined ? shipped : overrideConfig(shipped, o.policyConfig);
  const policies: Policy[] = [
    pathwisePolicy(SHIPPED, pathwise),
    ...o.variants.map((v) =>
      pathwisePolicy(`${SHIPPED}:${v}`, overrideConfig(pathwise, VARIANTS[v])),
    ),
    ...CONTROLS,
  ];
  const raw = runStudy({
    learners: o.learners,
    seeds: o.seeds,
    seed: o.seed,
    cap: o.cap,
    world,
    shipped,
    policies,
  });
  const summary = summarise(raw, policies, o.bootstrap);
  const report = {
    shipped: SHIPPED,
    seeds: o.seeds,
    policies: summary.policies.map((p) => {
      const m = (k: string): number => round(p.metrics[k]?.mean ?? NaN);
      const variant = p.name.startsWith(`${SHIPPED}:`) ? p.name.slice(SHIPPED.length + 1) : null;
      return {
        name: p.name,
        itemsToMastery: m('itemsToMastery'),
        reachedMastery: m('reachedMastery'),
        falseMastery: m('falseMastery'),
        falseTestOut: m('falseTestOut'),
        falseByRule: m('falseByRule'),
        postTest: m('postTest'),
        delayedPostTest: m('delayedPostTest'),
        itemsOnKnownSkills: m('itemsOnKnownSkills'),
        itemsPrereqUnmet: m('itemsPrereqUnmet'),
        everMastered: m('everMastered'),
        sessionLength: m('sessionLength'),
        sittings: m('sittings'),
        stoppedAtCap: m('stoppedAtCap'),
        reviews: m('reviews'),
        intervals: Object.fromEntries(METRICS.map((x) => [x.key, iv(p.metrics[x.key])])),
        ...(variant === null ? {} : { variant, override: VARIANTS[variant] }),
      };
    }),
    learnersPerSeed: o.learners,
    seed: o.seed,
    cap: o.cap,
    bootstrap: o.bootstrap,
    policyConfigOverride: o.policyConfig ?? null,
    bestControl: summary.bestControl,
    goal: {
      criteria: GOAL,
      checks: summary.goals.map((g) => ({
        ...g,
        relativeItems: { mean: round(g.relativeItems.mean), ci: iv(g.relativeItems) },
        falseMastery: round(g.falseMastery),
      })),
    },
    comparisons: summary.comparisons.map((c) => ({
      policy: c.policy,
      against: c.against,
      relativeItems: { mean: round(c.relativeItems.mean), ci: iv(c.relativeItems) },
      differences: Object.fromEntries(
        Object.entries(c.differences).map(([k, d]) => [k, { mean: round(d.mean), ci: iv(d) }]),
      ),
    })),
    engine: {
      mastery: pathwise.mastery,
      selection: pathwise.selection,
      review: pathwise.review,
    },
    world,
    graphErrors: GRAPH_ERRORS,
  };
  return { report, summary, shipped, pathwise };
}

const DIGITS: Readonly<Record<string, number>> = {
  itemsToMastery: 1,
  itemsOnKnownSkills: 1,
  itemsPrereqUnmet: 1,
  sessionLength: 1,
  sittings: 2,
  reviews: 2,
};
const PERCENT = new Set([
  'falseTestOut',
  'falseByRule',
  'everMastered',
  'reachedMastery',
  'falseMastery',
  'postTest',
  'delayedPostTest',
  'stoppedAtCap',
]);

function fmt(key: string, x: Interval | undefined, signed = false): string {
  if (x === undefined) return '-';
  const pct = PERCENT.has(key);
  const d = pct ? 1 : (DIGITS[key] ?? 2);
  const s = (v: number): string => {
    const t = (pct ? v * 100 : v).toFixed(d);
    return signed && v >= 0 ? `+${t}` : t;
  };
  const unit = pct ? (signed ? ' pt' : ' %') : '';
  return `${s(x.mean)}${unit} [${s(x.lo)}, ${s(x.hi)}]`;
}

function printTable(o: SimulateOptions, summary: StudySummary, pathwise: EngineConfig): void {
  const lines: string[] = [];
  const c = pathwise.mastery.criterion;
  lines.push(
    `Simulation study: ${o.learners} learners x ${o.seeds} seeds (base seed ${o.seed}), cap ${o.cap} answers, 9 skills, noisy graph (missing ${GRAPH_ERRORS.missing.join('<-')}, false ${GRAPH_ERRORS.added.join('<-')}), noisy item calibration.`,
  );
  lines.push(
    `${SHIPPED}: ${o.policyConfig === undefined ? 'shipped default' : `OVERRIDE ${JSON.stringify(o.policyConfig)}`} (mastery ${c.kind === 'probability' ? `P >= ${c.threshold}` : `${c.inARow} in a row`}, min ${pathwise.mastery.minAttempts} attempts, test-out ${pathwise.mastery.testOutFirstCorrect}, target success ${pathwise.selection.targetSuccess}, max reviews ${pathwise.selection.maxReviewsFirst}).`,
  );
  lines.push('Means with 95 % stratified bootstrap intervals (learners resampled within seeds).');
  lines.push('');
  lines.push(`| policy | ${METRICS.map((m) => m.label).join(' | ')} |`);
  lines.push(`|---|${METRICS.map(() => '---').join('|')}|`);
  for (const p of summary.policies) {
    lines.push(`| ${p.name} | ${METRICS.map((m) => fmt(m.key, p.metrics[m.key])).join(' | ')} |`);
  }
  const shown = [
    'itemsToMastery',
    'reachedMastery',
    'falseMastery',
    'postTest',
    'delayedPostTest',
    'itemsOnKnownSkills',
    'sessionLength',
  ];
  lines.push('');
  lines.push(
    'Paired differences (policy minus comparator, same learners; pt = percentage points):',
  );
  lines.push(`| policy | vs | relative items to mastery | ${shown.join(' | ')} |`);
  lines.push(`|---|---|---|${shown.map(() => '---').join('|')}|`);
  for (const cmp of summary.comparisons) {
    const r = cmp.relativeItems;
    lines.push(
      `| ${cmp.policy} | ${cmp.against} | ${(r.mean * 100).toFixed(1)} % [${(r.lo * 100).toFixed(1)}, ${(r.hi * 100).toFixed(1)}] | ${shown.map((k) => fmt(k, cmp.differences[k], true)).join(' | ')} |`,
    );
  }
  lines.push('');
  const yes = (b: boolean): string => (b ? 'HOLDS' : 'FAILS');
  const worse = (names: readonly string[]): string =>
    names.length === 0 ? '' : ` (worse than ${names.join(', ')})`;
  for (const g of summary.goals) {
    const r = g.relativeItems;
    lines.push(
      `goal (${g.policy}): ${yes(g.holds)}; items to true mastery ${(r.mean * 100).toFixed(1)} % [${(r.lo * 100).toFixed(1)}, ${(r.hi * 100).toFixed(1)}] vs best control ${g.bestControl} (needs <= -${GOAL.itemsReduction * 100} %): ${yes(g.itemsHolds)}; post-test not worse than any control by more than ${GOAL.postTestMargin * 100} point (lower 95 % bound): ${yes(g.postTestHolds)}${worse(g.postTestWorseThan)}; delayed post-test likewise: ${yes(g.delayedPostTestHolds)}${worse(g.delayedPostTestWorseThan)}; false mastery ${(g.falseMastery * 100).toFixed(1)} % (needs <= ${GOAL.falseMastery * 100} %): ${yes(g.falseMasteryHolds)}`,
    );
  }
  process.stdout.write(`${lines.join('\n')}\n`);
}

function main(argv: readonly string[]): void {
  let o: SimulateOptions;
  try {
    o = parseArgs(argv);
  } catch (error) {
    process.stderr.write(`error: ${error instanceof Error ? error.message : String(error)}\n`);
    process.exitCode = 2;
    return;
  }
  const started = performance.now();
  let built: ReturnType<typeof buildReport>;
  try {
    built = buildReport(o);
  } catch (error) {
    process.stderr.write(`error: ${error instanceof Error ? error.message : String(error)}\n`);
    process.exitCode = 1;
    return;
  }
  const seconds = round((performance.now() - started) / 1000, 1);
  if (o.json) {
    process.stdout.write(`${JSON.stringify({ ...built.report, runtimeSeconds: seconds })}\n`);
  } else {
    printTable(o, built.summary, built.pathwise);
    process.stdout.write(`run time ${seconds} s\n`);
  }
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  main(process.argv.slice(2));
}
