/**
 * The simulation study: the same learners (same traits, same random streams) under every
 * policy, per-learner outcomes, and their summary with paired bootstrap intervals and the goal.
 *
 * Metric definitions (per learner, then averaged over learners of all seeds):
 * - itemsToMastery: number of answers after which every skill is truly known at the same time,
 *   the first time this happens while the policy runs (0 if all are known at the start); the
 *   cap when it never happens before the policy stops (whatever the reason it stops).
 * - everMastered: 1 if that happened at all (itemsToMastery < cap or reached exactly at it).
 * - reachedMastery: 1 if every skill is truly known at the moment the policy stops (its last
 *   answer, forgetting up to then applied), else 0.
 * - falseMastery: over all declarations "skill mastered" made by a policy's own rule (the
 *   engine's status turning to mastered, by MASTERED or TESTED_OUT, including re-declarations
 *   after a loss; for fixed-streak, meeting the streak or test-out rule), the share made while
 *   the skill was truly NOT known at that moment, "that moment" being right after the answer
 *   that triggered the declaration (after its learning draw). Pooled: Σ false / Σ declarations
 *   over learners (a ratio estimator; its interval comes from the learner bootstrap).
 * - falseTestOut / falseByRule: the same share among test-out declarations only, and among
 *   the other declarations (probability or streak rule) only.
 * - postTest: expected accuracy over every item of the bank given the true state at the stop.
 * - delayedPostTest: the same, `delayDays` after the stop, with forgetting applied.
 * - itemsOnKnownSkills: answers given on a skill that was truly known before the answer.
 * - itemsPrereqUnmet: answers on an unknown skill while one of its TRUE prerequisites was
 *   unknown (learning at prereqFactor speed: the cost of the graph errors and of lucky
 *   declarations of prerequisites).
 * - sessionLength: answers given until the policy stopped (the practice set's length).
 * - sittings: number of sittings (of `sessionItems` answers) those answers took.
 * - stoppedAtCap: 1 if the policy never said done before the cap.
 * - reviews: spaced-review items given (Pathwise's REVIEW_DUE items).
 */
import { createRng, seedFrom, type EngineConfig } from '../../../src/engine/index.js';
import { CONTROLS, type Policy } from './policies.js';
import { bootstrapMatrix, intervalOf, meanAt, ratioAt, type Interval } from './stats.js';
import {
  answerTime,
  createLearner,
  LearnerWorld,
  makeBank,
  NOISY_PREREQUISITES,
  sittingStarts,
  type Bank,
  type LearnerTraits,
  type WorldParams,
} from './world.js';

/** Per-learner outcome of one policy. */
export interface Outcome {
  readonly itemsToMastery: number;
  readonly everMastered: number;
  readonly reached: number;
  readonly declarations: number;
  readonly falseDeclarations: number;
  readonly testOuts: number;
  readonly falseTestOuts: number;
  readonly ruleDeclarations: number;
  readonly falseRuleDeclarations: number;
  readonly postTest: number;
  readonly delayedPostTest: number;
  readonly itemsOnKnownSkills: number;
  readonly itemsPrereqUnmet: number;
  readonly itemsAnswered: number;
  readonly sittings: number;
  readonly stoppedAtCap: number;
  readonly reviews: number;
}

const T0 = Date.UTC(2026, 0, 5, 16);

/** Runs one learner under one policy from the learner's initial state. */
export function runLearner(
  policy: Policy,
  traits: LearnerTraits,
  bank: Bank,
  shipped: EngineConfig,
  cap: number,
  w: WorldParams,
): Outcome {
  const world = new LearnerWorld(traits, bank, w);
  const run = policy.create({
    bank,
    prerequisites: NOISY_PREREQUISITES,
    shipped,
    key: traits.seed,
    rng: createRng(seedFrom(traits.seed, 'policy', policy.name)),
  });
  const starts = sittingStarts(traits);
  let itemsToMastery = world.allKnown() ? 0 : -1;
  let declarations = 0;
  let falseDeclarations = 0;
  let testOuts = 0;
  let falseTestOuts = 0;
  let onKnown = 0;
  let prereqUnmet = 0;
  let answered = 0;
  let stoppedAtCap = 1;
  for (let i = 0; i < cap; i++) {
    const t = answerTime(i, starts, w);
    // The world's clock moves in attempt(): a policy that is done leaves it at its last answer.
    const itemIndex = run.next(new Date(T0 + t * 86_400_000));
    if (itemIndex === null) {
      stoppedAtCap = 0;
      break;
    }
    const skill = bank.items[itemIndex]?.skill ?? -1;
    if (world.known[skill] !== true && !world.prerequisitesKnown(skill)) prereqUnmet++;
    const out = world.attempt(itemIndex, t);
    if (out.knownBefore) onKnown++;
    answered++;
    for (const d of run.observe(itemIndex, out.correct, new Date(T0 + t * 86_400_000))) {
      const wrong = world.known[d.skill] !== true;
      declarations++;
      if (wrong) falseDeclarations++;
      if (d.testOut) {
        testOuts++;
        if (wrong) falseTestOuts++;
      }
    }
    if (itemsToMastery < 0 && world.allKnown()) itemsToMastery = i + 1;
  }
  return {
    itemsToMastery: itemsToMastery < 0 ? cap : itemsToMastery,
    everMastered: itemsToMastery < 0 ? 0 : 1,
    reached: world.allKnown() ? 1 : 0,
    declarations,
    falseDeclarations,
    testOuts,
    falseTestOuts,
    ruleDeclarations: declarations - testOuts,
    falseRuleDeclarations: falseDeclarations - falseTestOuts,
    postTest: world.expectedAccuracy(0),
    delayedPostTest: world.expectedAccuracy(w.delayDays),
    itemsOnKnownSkills: onKnown,
    itemsPrereqUnmet: prereqUnmet,
    itemsAnswered: answered,
    sittings: answered === 0 ? 0 : Math.floor((answered - 1) / w.sessionItems) + 1,
    stoppedAtCap: answered === cap ? stoppedAtCap : 0,
    reviews: run.reviews,
  };
}

export interface StudyOptions {
  readonly learners: number;
  readonly seeds: number;
  readonly seed: number;
  readonly cap: number;
  readonly world: WorldParams;
  /** The shipped config (the controls' probability rule). */
  readonly shipped: EngineConfig;
  /** Pathwise-family policies first (the first is the one the goal is about), then controls. */
  readonly policies: readonly Policy[];
  /** Bootstrap replicates (default 1000). */
  readonly replicates?: number;
}

/** Per-learner outcomes of every policy, learners of seed 0 first. */
export interface StudyRaw {
  readonly sizes: readonly number[];
  readonly outcomes: ReadonlyMap<string, readonly Outcome[]>;
}

/** The seed of study seed number k. */
export const studySeed = (seed: number, k: number): number => seedFrom(seed, 'study', k);

/** Runs every policy on the same learners. Pure apart from CPU time. */
export function runStudy(o: StudyOptions): StudyRaw {
  const outcomes = new Map<string, Outcome[]>(o.policies.map((p) => [p.name, []]));
  const sizes: number[] = [];
  const sittings = Math.ceil(o.cap / o.world.sessionItems) + 1;
  for (let k = 0; k < o.seeds; k++) {
    const s = studySeed(o.seed, k);
    const bank = makeBank(s, o.world);
    for (let i = 0; i < o.learners; i++) {
      const traits = createLearner(seedFrom(s, 'learner', i), sittings, o.world);
      for (const p of o.policies) {
        outcomes.get(p.name)?.push(runLearner(p, traits, bank, o.shipped, o.cap, o.world));
      }
    }
    sizes.push(o.learners);
  }
  return { sizes, outcomes };
}

type Field = keyof Outcome;

/** Reported metrics: per-learner means, or a pooled ratio. */
export const METRICS: readonly {
  readonly key: string;
  readonly num: Field;
  readonly den?: Field;
  readonly label: string;
}[] = [
  { key: 'itemsToMastery', num: 'itemsToMastery', label: 'items to true mastery (cap if never)' },
  {
    key: 'everMastered',
    num: 'everMastered',
    label: 'all skills truly known at some point',
  },
  { key: 'reachedMastery', num: 'reached', label: 'all skills truly known at stop' },
  {
    key: 'falseMastery',
    num: 'falseDeclarations',
    den: 'declarations',
    label: 'false mastery (share of declarations)',
  },
  {
    key: 'falseTestOut',
    num: 'falseTestOuts',
    den: 'testOuts',
    label: 'false share of test-outs',
  },
  {
    key: 'falseByRule',
    num: 'falseRuleDeclarations',
    den: 'ruleDeclarations',
    label: 'false share of other declarations',
  },
  { key: 'postTest', num: 'postTest', label: 'post-test at stop' },
  { key: 'delayedPostTest', num: 'delayedPostTest', label: 'delayed post-test' },
  { key: 'itemsOnKnownSkills', num: 'itemsOnKnownSkills', label: 'items on known skills' },
  {
    key: 'itemsPrereqUnmet',
    num: 'itemsPrereqUnmet',
    label: 'items on unknown skills with a true prerequisite unknown',
  },
  { key: 'sessionLength', num: 'itemsAnswered', label: 'items answered (set length)' },
  { key: 'sittings', num: 'sittings', label: 'sittings' },
  { key: 'stoppedAtCap', num: 'stoppedAtCap', label: 'stopped at the cap' },
  { key: 'reviews', num: 'reviews', label: 'spaced-review items' },
];

/** Goal for a Pathwise-family policy (issue "The learning loop", item 8). */
export const GOAL = {
  /** At least this relative reduction of items to true mastery vs the best control. */
  itemsReduction: 0.25,
  /** Post-tests non-inferior to every control: lower 95 % bound of the difference >= -margin. */
  postTestMargin: 0.01,
  /** At most this false-mastery share. */
  falseMastery: 0.05,
} as const;

export interface PolicySummary {
  readonly name: string;
  readonly metrics: Readonly<Record<string, Interval>>;
}

export interface Comparison {
  readonly policy: string;
  readonly against: string;
  /** Paired differences policy - against, per metric. */
  readonly differences: Readonly<Record<string, Interval>>;
  /** mean itemsToMastery(policy) / mean itemsToMastery(against) - 1. */
  readonly relativeItems: Interval;
}

export interface GoalCheck {
  readonly policy: string;
  readonly bestControl: string;
  readonly relativeItems: Interval;
  readonly itemsHolds: boolean;
  readonly postTestHolds: boolean;
  readonly delayedPostTestHolds: boolean;
  /** Controls against which the post-test / delayed post-test fails non-inferiority. */
  readonly postTestWorseThan: readonly string[];
  readonly delayedPostTestWorseThan: readonly string[];
  readonly falseMastery: number;
  readonly falseMasteryHolds: boolean;
  readonly holds: boolean;
}

export interface StudySummary {
  readonly policies: readonly PolicySummary[];
  readonly comparisons: readonly Comparison[];
  readonly goals: readonly GoalCheck[];
  readonly bestControl: string;
}

/**
 * Summarises a study: per policy and metric the estimate and a 95 % stratified bootstrap
 * interval; for every Pathwise-family policy (non-control) vs every control, and every variant
 * vs the first policy, paired differences; and the goal check.
 */
export function summarise(
  raw: StudyRaw,
  policies: readonly Policy[],
  replicates = 1000,
): StudySummary {
  const names = policies.map((p) => p.name);
  const controlNames = new Set(CONTROLS.map((c) => c.name));
  const cols = names.map((n) => {
    const outs = raw.outcomes.get(n) ?? [];
    const c = new Map<Field, Float64Array>();
    for (const m of METRICS) {
      for (const f of [m.num, ...(m.den === undefined ? [] : [m.den])]) {
        if (!c.has(f))
          c.set(
            f,
            Float64Array.from(outs, (o) => o[f]),
          );
      }
    }
    return c;
  });
  const M = METRICS.length;
  const at = (p: number, m: number): number => p * M + m;
  const matrix = bootstrapMatrix(raw.sizes, replicates, 2026, (idx) => {
    const v = new Float64Array(names.length * M);
    cols.forEach((c, p) => {
      METRICS.forEach((m, j) => {
        const num = c.get(m.num) ?? new Float64Array();
        v[at(p, j)] =
          m.den === undefined ? meanAt(num, idx) : ratioAt(num, c.get(m.den) ?? num, idx);
      });
    });
    return v;
  });
  const summaries: PolicySummary[] = names.map((name, p) => ({
    name,
    metrics: Object.fromEntries(
      METRICS.map((m, j) => [m.key, intervalOf(matrix, (v) => v[at(p, j)] ?? NaN)]),
    ),
  }));
  const itemsJ = METRICS.findIndex((m) => m.key === 'itemsToMastery');
  const controls = names.map((n, p) => ({ n, p })).filter(({ n }) => controlNames.has(n));
  const best = controls.reduce<{ n: string; p: number } | undefined>(
    (b, c) =>
      b === undefined ||
      (matrix.point[at(c.p, itemsJ)] ?? Infinity) < (matrix.point[at(b.p, itemsJ)] ?? Infinity)
        ? c
        : b,
    undefined,
  );
  const compare = (p: number, q: number): Comparison => ({
    policy: names[p] ?? '',
    against: names[q] ?? '',
    differences: Object.fromEntries(
      METRICS.map((m, j) => [
        m.key,
        intervalOf(matrix, (v) => (v[at(p, j)] ?? NaN) - (v[at(q, j)] ?? NaN)),
      ]),
    ),
    relativeItems: intervalOf(
      matrix,
      (v) => (v[at(p, itemsJ)] ?? NaN) / (v[at(q, itemsJ)] ?? NaN) - 1,
    ),
  });
  const comparisons: Comparison[] = [];
  const goals: GoalCheck[] = [];
  names.forEach((name, p) => {
    if (controlNames.has(name)) return;
    const vsControls = controls.map((c) => compare(p, c.p));
    comparisons.push(...vsControls);
    if (p > 0) comparisons.push(compare(p, 0));
    if (best === undefined) return;
    const rel = compare(p, best.p).relativeItems;
    const worseThan = (key: string): string[] =>
      vsControls
        .filter((c) => (c.differences[key]?.lo ?? -Infinity) < -GOAL.postTestMargin)
        .map((c) => c.against);
    const postWorse = worseThan('postTest');
    const delayedWorse = worseThan('delayedPostTest');
    const fm =
      matrix.point[
        at(
          p,
          METRICS.findIndex((m) => m.key === 'falseMastery'),
        )
      ] ?? NaN;
    const g = {
      policy: name,
      bestControl: best.n,
      relativeItems: rel,
      itemsHolds: rel.mean <= -GOAL.itemsReduction,
      postTestHolds: postWorse.length === 0,
      delayedPostTestHolds: delayedWorse.length === 0,
      postTestWorseThan: postWorse,
      delayedPostTestWorseThan: delayedWorse,
      falseMastery: fm,
      falseMasteryHolds: fm <= GOAL.falseMastery,
    };
    goals.push({
      ...g,
      holds: g.itemsHolds && g.postTestHolds && g.delayedPostTestHolds && g.falseMasteryHolds,
    });
  });
  return { policies: summaries, comparisons, goals, bestControl: best?.n ?? '' };
}
