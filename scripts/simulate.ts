/**
 * Simulation study: `npm run simulate [-- --learners 400 --seed 1]`.
 *
 * Synthetic learners with a known ground truth: per skill a latent known/unknown state, a
 * personal learning rate per skill (lower while the skill's prerequisites are unknown), and
 * items whose success probability depends on the latent state and the item's difficulty. The
 * same learners (same random streams) practise under three policies:
 *   (a) Pathwise: `selectNextItem` + `recordResponse`, stopping at `done`;
 *   (b) fixed order: skills in prerequisite order, a fixed number of items per skill;
 *   (c) random items from the whole pool, as many as the fixed order.
 * Reported with 95 % confidence intervals: items until every skill is truly known (learners who
 * never get there count as the cap), share reaching true mastery, items on skills already truly
 * known (over-practice), session length, and post-test accuracy (expected accuracy on every item
 * given the true final state). Pathwise vs fixed order: paired mean difference and Cohen's d
 * with bootstrap 95 % intervals.
 */
import { pathToFileURL } from 'node:url';
import {
  asItemId,
  asSkillId,
  createEngineConfig,
  createLearnerState,
  createRng,
  recordResponse,
  seedFrom,
  selectNextItem,
  type Assignment,
  type EngineConfig,
  type PoolItem,
  type Rng,
  type SkillId,
} from '../src/engine/index.js';

const SKILLS = ['s0', 's1', 's2', 's3', 's4', 's5'].map(asSkillId);
const PREREQS: Record<string, SkillId[]> = {
  s2: [asSkillId('s0'), asSkillId('s1')],
  s3: [asSkillId('s2')],
  s4: [asSkillId('s2')],
  s5: [asSkillId('s3')],
};
const ITEMS_PER_SKILL = 40;
const FIXED_PER_SKILL = 10;
const CAP = 150;
const sig = (x: number): number => 1 / (1 + Math.exp(-x));

interface SimItem {
  readonly pool: PoolItem;
  readonly difficulty: number;
}

/** P(correct) of a simulated response given the true state and the item's difficulty. */
const pCorrect = (known: boolean, difficulty: number): number =>
  known ? sig(2.2 - difficulty) : sig(-0.8 - difficulty);

function makeBank(rng: Rng): SimItem[] {
  const bank: SimItem[] = [];
  for (const s of SKILLS) {
    for (let i = 0; i < ITEMS_PER_SKILL; i++) {
      const difficulty = (rng() - 0.5) * 2;
      // Calibration as if 40 learners (half of them knowing the skill) had answered it.
      const p = 0.5 * pCorrect(true, difficulty) + 0.5 * pCorrect(false, difficulty);
      bank.push({
        difficulty,
        pool: {
          itemId: asItemId(`${s}-${i}`),
          skillId: s,
          stats: { n: 40, correct: Math.round(40 * p), residual: 0, information: 0 },
        },
      });
    }
  }
  return bank;
}

interface Learner {
  readonly known: Map<string, boolean>;
  readonly rate: Map<string, number>;
}

function makeLearner(rng: Rng): Learner {
  const known = new Map<string, boolean>();
  const rate = new Map<string, number>();
  const ability = rng();
  for (const s of SKILLS) {
    const base = (PREREQS[s] ?? []).length === 0;
    const prereqsKnown = (PREREQS[s] ?? []).every((p) => known.get(p) === true);
    known.set(s, prereqsKnown && rng() < (base ? 0.3 : 0.15) + 0.2 * ability);
    rate.set(s, 0.06 + 0.24 * (0.5 * ability + 0.5 * rng()));
  }
  return { known, rate };
}

interface Outcome {
  readonly itemsToMastery: number;
  readonly reached: boolean;
  readonly length: number;
  readonly overPractice: number;
  readonly postTest: number;
}

/** Runs one learner under one policy. The learner's randomness is its own stream. */
function run(
  learnerSeed: number,
  bank: readonly SimItem[],
  choose: (step: number, rng: Rng) => SimItem | null,
  onAnswer: (item: SimItem, correct: boolean) => void,
): Outcome {
  const lrng = createRng(learnerSeed);
  const learner = makeLearner(lrng);
  const responseRng = createRng(learnerSeed ^ 0x9e3779b9);
  const policyRng = createRng(learnerSeed ^ 0x7f4a7c15);
  const allKnown = (): boolean => SKILLS.every((s) => learner.known.get(s) === true);
  let itemsToMastery = allKnown() ? 0 : -1;
  let over = 0;
  let step = 0;
  for (; step < CAP; step++) {
    const item = choose(step, policyRng);
    if (item === null) break;
    const s = item.pool.skillId;
    const known = learner.known.get(s) === true;
    if (known) over++;
    const correct = responseRng() < pCorrect(known, item.difficulty);
    onAnswer(item, correct);
    if (!known) {
      const ready = (PREREQS[s] ?? []).every((p) => learner.known.get(p) === true);
      if (responseRng() < (learner.rate.get(s) ?? 0) * (ready ? 1 : 0.25))
        learner.known.set(s, true);
    }
    if (itemsToMastery < 0 && allKnown()) itemsToMastery = step + 1;
  }
  let post = 0;
  for (const it of bank)
    post += pCorrect(learner.known.get(it.pool.skillId) === true, it.difficulty);
  return {
    itemsToMastery: itemsToMastery < 0 ? CAP : itemsToMastery,
    reached: itemsToMastery >= 0,
    length: step,
    overPractice: over,
    postTest: post / bank.length,
  };
}

function pathwise(seed: number, bank: readonly SimItem[], config: EngineConfig): Outcome {
  const assignment: Assignment = {
    skills: SKILLS,
    items: bank.map((b) => b.pool),
    prerequisites: PREREQS,
  };
  const byId = new Map(bank.map((b) => [b.pool.itemId as string, b]));
  const skillStats = new Map<string, { n: number; correct: number }>();
  for (const b of bank) {
    const s = skillStats.get(b.pool.skillId) ?? { n: 0, correct: 0 };
    skillStats.set(b.pool.skillId, {
      n: s.n + b.pool.stats.n,
      correct: s.correct + b.pool.stats.correct,
    });
  }
  let learner = createLearnerState();
  const t0 = Date.UTC(2026, 0, 5, 9);
  return run(
    seed,
    bank,
    (step) => {
      const sel = selectNextItem({
        learner,
        assignment,
        config,
        now: new Date(t0 + step * 60_000),
        seed: seedFrom(seed, step),
      });
      return sel.kind === 'item' ? (byId.get(sel.itemId) ?? null) : null;
    },
    (item, correct) => {
      const r = recordResponse(
        learner,
        {
          item: {
            ...item.pool,
            skillStats: skillStats.get(item.pool.skillId) ?? { n: 0, correct: 0 },
          },
          correct,
        },
        config,
        new Date(t0 + learner.steps * 60_000),
      );
      learner = r.state;
    },
  );
}

function fixedOrder(seed: number, bank: readonly SimItem[]): Outcome {
  const order: SimItem[] = [];
  for (const s of SKILLS) {
    order.push(...bank.filter((b) => b.pool.skillId === s).slice(0, FIXED_PER_SKILL));
  }
  return run(
    seed,
    bank,
    (step) => order[step] ?? null,
    () => undefined,
  );
}

function randomItems(seed: number, bank: readonly SimItem[]): Outcome {
  const length = FIXED_PER_SKILL * SKILLS.length;
  return run(
    seed,
    bank,
    (step, rng) => (step < length ? (bank[Math.floor(rng() * bank.length)] ?? null) : null),
    () => undefined,
  );
}

const mean = (xs: readonly number[]): number => xs.reduce((a, b) => a + b, 0) / xs.length;
const sd = (xs: readonly number[]): number => {
  const m = mean(xs);
  return Math.sqrt(xs.reduce((a, b) => a + (b - m) ** 2, 0) / (xs.length - 1));
};
const ci = (xs: readonly number[]): [number, number, number] => {
  const m = mean(xs);
  const h = (1.96 * sd(xs)) / Math.sqrt(xs.length);
  return [m, m - h, m + h];
};

/** Bootstrap 95 % interval of a statistic of paired differences (deterministic). */
function bootstrap(
  xs: readonly number[],
  stat: (s: readonly number[]) => number,
  seed: number,
): [number, number] {
  const rng = createRng(seed);
  const vals: number[] = [];
  for (let b = 0; b < 2000; b++) {
    const s = xs.map(() => xs[Math.floor(rng() * xs.length)] ?? 0);
    vals.push(stat(s));
  }
  vals.sort((a, b) => a - b);
  return [vals[50] ?? NaN, vals[1949] ?? NaN];
}

export interface SimulationReport {
  readonly learners: number;
  readonly policies: Readonly<Record<string, readonly Outcome[]>>;
}

/** Runs the study (pure apart from CPU): same learners under every policy. */
export function simulate(learners: number, seed: number, config: EngineConfig): SimulationReport {
  const bank = makeBank(createRng(seed));
  const policies: Record<string, Outcome[]> = { pathwise: [], fixed: [], random: [] };
  for (let i = 0; i < learners; i++) {
    const ls = seedFrom(seed, 'learner', i);
    policies.pathwise?.push(pathwise(ls, bank, config));
    policies.fixed?.push(fixedOrder(ls, bank));
    policies.random?.push(randomItems(ls, bank));
  }
  return { learners, policies };
}

function main(argv: readonly string[]): void {
  let learners = 400;
  let seed = 1;
  let threshold = 0.85;
  let streak = 4; // chosen on tuning seed 99 among P>=0.75, 0.8, 0.85 and 3 or 4 in a row
  for (let i = 0; i < argv.length; i++) {
    if (argv[i] === '--learners') learners = Number(argv[++i]);
    else if (argv[i] === '--seed') seed = Number(argv[++i]);
    else if (argv[i] === '--threshold') threshold = Number(argv[++i]);
    else if (argv[i] === '--streak') streak = Number(argv[++i]);
    else throw new Error(`unknown argument ${String(argv[i])}`);
  }
  const print = (s: string): void => {
    process.stdout.write(`${s}\n`);
  };
  const config = createEngineConfig({
    selection: { exploreRate: 0 },
    mastery: {
      criterion:
        streak > 0 ? { kind: 'streak', inARow: streak } : { kind: 'probability', threshold },
      loseBelow: Math.min(0.7, threshold - 0.05),
    },
  });
  print(
    `Pathwise mastery rule: ${streak > 0 ? `${streak} in a row` : `P >= ${threshold}`} (min 3 attempts; test out after 3 first correct).`,
  );
  const rep = simulate(learners, seed, config);
  const f = (x: [number, number, number], d = 1): string =>
    `${x[0].toFixed(d)} [${x[1].toFixed(d)}, ${x[2].toFixed(d)}]`;
  print(
    `Simulation: ${learners} synthetic learners (seed ${seed}), ${SKILLS.length} skills with prerequisites, ${ITEMS_PER_SKILL} items per skill.`,
  );
  print(
    `Fixed order: ${FIXED_PER_SKILL} items per skill in prerequisite order; random: same length; cap ${CAP} items.`,
  );
  print('Means with 95 % confidence intervals.');
  print('');
  print(
    '| policy | items to true mastery (cap if never) | reached true mastery | session length | over-practice (items on known skills) | post-test accuracy |',
  );
  print('|---|---|---|---|---|---|');
  for (const [name, outs] of Object.entries(rep.policies)) {
    print(
      `| ${name} | ${f(ci(outs.map((o) => o.itemsToMastery)))} | ${f(ci(outs.map((o) => (o.reached ? 100 : 0))))} % | ${f(ci(outs.map((o) => o.length)))} | ${f(ci(outs.map((o) => o.overPractice)))} | ${f(ci(outs.map((o) => o.postTest)), 3)} |`,
    );
  }
  const pw = rep.policies.pathwise ?? [];
  const fx = rep.policies.fixed ?? [];
  const diff = (k: keyof Outcome): number[] =>
    pw.map((o, i) => Number(o[k]) - Number(fx[i]?.[k] ?? 0));
  print('');
  print('Pathwise minus fixed order (paired by learner):');
  for (const [label, k, d] of [
    ['items to true mastery', 'itemsToMastery', 1],
    ['session length', 'length', 1],
    ['over-practice', 'overPractice', 1],
    ['post-test accuracy', 'postTest', 3],
  ] as const) {
    const xs = diff(k);
    const dz = (s: readonly number[]): number => mean(s) / sd(s);
    const [lo, hi] = bootstrap(xs, dz, 17);
    print(
      `- ${label}: mean difference ${f(ci(xs), d)}; effect size d_z = ${dz(xs).toFixed(2)} [${lo.toFixed(2)}, ${hi.toFixed(2)}] (bootstrap 95 %)`,
    );
  }
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  main(process.argv.slice(2));
}
