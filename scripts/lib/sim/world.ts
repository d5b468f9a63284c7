/**
 * The simulated learner world of the simulation study: a true prerequisite graph, an item bank
 * with true difficulties, synthetic learners with a latent known/unknown state per skill, and
 * simulated time. Seeded and deterministic; nothing here is shown to a policy except what
 * {@link EngineView} and {@link Bank.items} (`engine` fields) expose, which are deliberately noisy.
 *
 * Model (all parameters in {@link DEFAULT_WORLD}; times in days; σ = logistic function):
 *
 * - Learner traits: ability θ ~ N(0, abilitySd²); slip ~ U(slipMin, slipMax);
 *   guess ~ U(guessMin, guessMax); learning rate on skill s
 *   r_s = min(learnRateMax, learnRateMedian · exp(learnAbilityCoupling · θ + ε + ε_s)) with
 *   ε ~ N(0, learnRateSd²) per learner and ε_s ~ N(0, learnRateSkillSd²) per skill.
 * - Item j of skill s has a true difficulty d_j = b_s + U(-itemSpread, itemSpread), with
 *   b_s ~ U(-skillOffsetSpread, skillOffsetSpread). Relative difficulty for a learner:
 *   δ = d_j - θ.
 * - Responses: P(correct | known) = σ(logit(1 - slip) - δ),
 *   P(correct | unknown) = σ(logit(guess) - δ). At δ = 0 these are exactly 1 - slip and guess.
 * - Learning: on every attempt at an unknown skill, the skill becomes known with probability
 *   P(learn) = min(0.95, r_s · g(δ) · f_prereq · f_relearn), where
 *   g(δ) = learnFloor + (1 - learnFloor) · exp(-(δ - learnCentre)² / (2 · learnWidth²))
 *   is the item-difficulty effect (items far too easy or far too hard for the learner teach
 *   little: g → learnFloor; an item of moderate difficulty, δ ≈ learnCentre, teaches most:
 *   g = 1); f_prereq = 1 when every TRUE prerequisite of s is known now, else prereqFactor;
 *   f_relearn = relearnBoost when the skill was known before and forgotten (savings), else 1.
 * - Forgetting: a known skill has a stability S (days) and is lost with hazard 1/S, i.e.
 *   P(still known after Δt) = exp(-Δt / S). On learning S = newStabilityDays; skills known at
 *   the start have S = initialStabilityDays. A correct answer on a known skill at least
 *   minSpacingDays after its last consolidation (learning or previous spaced success)
 *   multiplies S by stabilityGrowth (capped at maxStabilityDays); massed practice within one
 *   sitting does not. Implemented exactly: each known episode draws a hazard budget E ~ Exp(1)
 *   and the skill is forgotten when the integrated hazard ∫ dt / S reaches E.
 * - Initial knowledge: a skill without prerequisites is known with probability
 *   σ(initialKnownBase + θ); a skill with prerequisites only if all its true prerequisites are
 *   known at the start, then with probability σ(initialKnownLater + θ).
 * - Time: each answer takes answerMinutes; sittings of sessionItems answers; between sittings a
 *   gap of 1 + ⌊Exp(mean meanExtraGapDays)⌋ whole days.
 *
 * What an engine is given (see {@link makeBank}, {@link NOISY_PREREQUISITES}): per item, counts
 * (n, correct) as if a calibration cohort of calibrationMin..calibrationMax learners drawn from
 * the same population (a share U(calibrationKnownMin, calibrationKnownMax) of them knowing the
 * skill) had answered it once, with binomial sampling noise, the residual/information sums a
 * cohort of fresh learners would have left (reference = the skill's smoothed mean), and no
 * statistics at all for a share `uncalibratedShare` of the items; and a prerequisite graph with
 * one true edge missing and one false edge added.
 */
import {
  asItemId,
  asSkillId,
  createRng,
  DEFAULT_MODEL,
  seedFrom,
  type ItemStats,
  type PoolItem,
  type Rng,
  type SkillId,
} from '../../../src/engine/index.js';

/** All parameters of the world. Probabilities in [0, 1], logits unbounded, times in days. */
export interface WorldParams {
  readonly itemsPerSkill: number;
  readonly itemSpread: number;
  readonly skillOffsetSpread: number;
  readonly abilitySd: number;
  readonly slipMin: number;
  readonly slipMax: number;
  readonly guessMin: number;
  readonly guessMax: number;
  readonly learnRateMedian: number;
  readonly learnRateSd: number;
  readonly learnRateSkillSd: number;
  readonly learnRateMax: number;
  readonly learnAbilityCoupling: number;
  readonly learnCentre: number;
  readonly learnWidth: number;
  readonly learnFloor: number;
  readonly prereqFactor: number;
  readonly relearnBoost: number;
  readonly initialKnownBase: number;
  readonly initialKnownLater: number;
  readonly initialStabilityDays: number;
  readonly newStabilityDays: number;
  readonly stabilityGrowth: number;
  readonly minSpacingDays: number;
  readonly maxStabilityDays: number;
  readonly answerMinutes: number;
  readonly sessionItems: number;
  readonly meanExtraGapDays: number;
  readonly delayDays: number;
  readonly calibrationMin: number;
  readonly calibrationMax: number;
  readonly calibrationKnownMin: number;
  readonly calibrationKnownMax: number;
  readonly uncalibratedShare: number;
}

/**
 * Default world. Chosen a priori to be plausible for school maths practice, not tuned on any
 * policy's results: a freshly learnt skill has a half-life of about 10 days (S = 14: about 60 %
 * retained after a week and 13 % after four weeks without review, in the range of massed
 * practice in Rohrer & Taylor's maths studies), each spaced success doubles it; a typical
 * learner with met prerequisites learns a skill in about 4 attempts at well-matched items
 * (g = 1) and in about 10 at items 1.6 logits off (g = 0.35); with a true prerequisite unknown,
 * about 7 times slower. One change was made after the first smoke run: S of a new skill went
 * from 7 to 14 days (with 7, nearly every learner under every policy ran to the cap, and the
 * retention figures above argue for the longer half-life). Try others with `--world`.
 */
export const DEFAULT_WORLD: WorldParams = {
  itemsPerSkill: 12,
  itemSpread: 1.6,
  skillOffsetSpread: 0.5,
  abilitySd: 0.6,
  slipMin: 0.05,
  slipMax: 0.15,
  guessMin: 0.1,
  guessMax: 0.3,
  learnRateMedian: 0.3,
  learnRateSd: 0.35,
  learnRateSkillSd: 0.25,
  learnRateMax: 0.8,
  learnAbilityCoupling: 0.3,
  learnCentre: 0,
  learnWidth: 1,
  learnFloor: 0.1,
  prereqFactor: 0.15,
  relearnBoost: 1.5,
  initialKnownBase: -0.6,
  initialKnownLater: -1.4,
  initialStabilityDays: 30,
  newStabilityDays: 14,
  stabilityGrowth: 2,
  minSpacingDays: 0.5,
  maxStabilityDays: 365,
  answerMinutes: 1,
  sessionItems: 20,
  meanExtraGapDays: 1,
  delayDays: 14,
  calibrationMin: 20,
  calibrationMax: 40,
  calibrationKnownMin: 0.3,
  calibrationKnownMax: 0.7,
  uncalibratedShare: 0.15,
};

/** Merges a partial override over the defaults and checks every value is a finite number. */
export function createWorldParams(override: Partial<WorldParams> = {}): WorldParams {
  const merged: WorldParams = { ...DEFAULT_WORLD, ...override };
  for (const [key, value] of Object.entries(merged)) {
    if (!(key in DEFAULT_WORLD)) throw new Error(`unknown world parameter ${key}`);
    if (typeof value !== 'number' || !Number.isFinite(value)) {
      throw new Error(`world parameter ${key} must be a finite number, got ${String(value)}`);
    }
  }
  if (!Number.isInteger(merged.itemsPerSkill) || merged.itemsPerSkill < 1) {
    throw new Error('world parameter itemsPerSkill must be an integer >= 1');
  }
  if (!Number.isInteger(merged.sessionItems) || merged.sessionItems < 1) {
    throw new Error('world parameter sessionItems must be an integer >= 1');
  }
  return merged;
}

/** The skills, in index order (s0 … s8). */
export const SKILLS: readonly SkillId[] = Array.from({ length: 9 }, (_, i) => asSkillId(`s${i}`));

/** The true prerequisite graph: skill → skills that must be known first. */
export const TRUE_PREREQUISITES: Readonly<Record<string, readonly SkillId[]>> = {
  s2: ['s0'].map(asSkillId),
  s3: ['s0', 's1'].map(asSkillId),
  s4: ['s2'].map(asSkillId),
  s5: ['s3'].map(asSkillId),
  s6: ['s4', 's5'].map(asSkillId),
  s7: ['s3'].map(asSkillId),
  s8: ['s6', 's7'].map(asSkillId),
};

/** The errors in the graph the policies are given: [skill, prerequisite] pairs. */
export const GRAPH_ERRORS = {
  /** A true edge the policies do not know about (s5 really needs s3). */
  missing: [asSkillId('s5'), asSkillId('s3')] as const,
  /** A false edge the policies believe in (s7 does not really need s4). */
  added: [asSkillId('s7'), asSkillId('s4')] as const,
};

/** The prerequisite graph given to every policy: the true one with {@link GRAPH_ERRORS}. */
export const NOISY_PREREQUISITES: Readonly<Record<string, readonly SkillId[]>> = (() => {
  const out: Record<string, SkillId[]> = {};
  for (const [s, ps] of Object.entries(TRUE_PREREQUISITES)) out[s] = [...ps];
  const [ms, mp] = GRAPH_ERRORS.missing;
  out[ms] = (out[ms] ?? []).filter((p) => p !== mp);
  if (out[ms].length === 0) Reflect.deleteProperty(out, ms);
  const [as, ap] = GRAPH_ERRORS.added;
  out[as] = [...(out[as] ?? []), ap];
  return out;
})();

/** Skills in topological order of a graph (ties in index order). */
export function topologicalOrder(
  skills: readonly SkillId[],
  prerequisites: Readonly<Record<string, readonly SkillId[]>>,
): SkillId[] {
  const order: SkillId[] = [];
  const placed = new Set<string>();
  while (order.length < skills.length) {
    const next = skills.find(
      (s) => !placed.has(s) && (prerequisites[s] ?? []).every((p) => placed.has(p)),
    );
    if (next === undefined) throw new Error('prerequisite graph has a cycle');
    order.push(next);
    placed.add(next);
  }
  return order;
}

export const sigmoid = (x: number): number => 1 / (1 + Math.exp(-x));
export const logit = (p: number): number => Math.log(p / (1 - p));

/** A standard normal draw (Box-Muller) from a uniform stream. */
export function normal(rng: Rng): number {
  const u = 1 - rng();
  const v = rng();
  return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v);
}

/** P(correct) given the latent state, the learner's slip/guess and the relative difficulty δ. */
export function pCorrect(known: boolean, slip: number, guess: number, delta: number): number {
  return known ? sigmoid(logit(1 - slip) - delta) : sigmoid(logit(guess) - delta);
}

/** The item-difficulty effect on learning, g(δ) in [learnFloor, 1], maximal at learnCentre. */
export function difficultyEffect(delta: number, w: WorldParams): number {
  const z = (delta - w.learnCentre) / w.learnWidth;
  return w.learnFloor + (1 - w.learnFloor) * Math.exp(-0.5 * z * z);
}

/** One item: its true difficulty and what an engine is told about it. */
export interface SimItem {
  readonly index: number;
  readonly skill: number;
  readonly difficulty: number;
  /** The engine's view: id, skill and the noisy calibration statistics. */
  readonly engine: PoolItem;
}

/** The item bank of one study seed. Items are grouped by skill, in bank order. */
export interface Bank {
  readonly items: readonly SimItem[];
  /** Indices into `items` per skill, in bank order. */
  readonly bySkill: readonly (readonly number[])[];
}

const EMPTY_STATS: ItemStats = { n: 0, correct: 0, residual: 0, information: 0 };

/** Builds the bank: true difficulties and noisy calibration statistics (deterministic). */
export function makeBank(seed: number, w: WorldParams = DEFAULT_WORLD): Bank {
  const rng = createRng(seedFrom(seed, 'bank'));
  const items: SimItem[] = [];
  const bySkill: number[][] = [];
  for (let s = 0; s < SKILLS.length; s++) {
    const skillId = SKILLS[s] ?? asSkillId(`s${s}`);
    const offset = (rng() * 2 - 1) * w.skillOffsetSpread;
    const knownShare =
      w.calibrationKnownMin + rng() * (w.calibrationKnownMax - w.calibrationKnownMin);
    const raw: { difficulty: number; n: number; correct: number }[] = [];
    for (let j = 0; j < w.itemsPerSkill; j++) {
      const difficulty = offset + (rng() * 2 - 1) * w.itemSpread;
      let n = 0;
      let correct = 0;
      if (rng() >= w.uncalibratedShare) {
        const span = w.calibrationMax - w.calibrationMin + 1;
        n = w.calibrationMin + Math.floor(rng() * span);
        for (let k = 0; k < n; k++) {
          const theta = w.abilitySd * normal(rng);
          const slip = w.slipMin + rng() * (w.slipMax - w.slipMin);
          const guess = w.guessMin + rng() * (w.guessMax - w.guessMin);
          const known = rng() < knownShare;
          if (rng() < pCorrect(known, slip, guess, difficulty - theta)) correct++;
        }
      }
      raw.push({ difficulty, n, correct });
    }
    // Residuals a cohort of fresh learners leaves: reference = the skill's smoothed mean rate.
    const sn = raw.reduce((a, r) => a + r.n, 0);
    const sc = raw.reduce((a, r) => a + r.correct, 0);
    const k = DEFAULT_MODEL.skillPriorStrength;
    const pRef = (sc + k * DEFAULT_MODEL.globalMean) / (sn + k);
    const indices: number[] = [];
    raw.forEach((r, j) => {
      const index = items.length;
      indices.push(index);
      items.push({
        index,
        skill: s,
        difficulty: r.difficulty,
        engine: {
          itemId: asItemId(`${skillId}-${j}`),
          skillId,
          stats:
            r.n === 0
              ? EMPTY_STATS
              : {
                  n: r.n,
                  correct: r.correct,
                  residual: r.correct - r.n * pRef,
                  information: r.n * pRef * (1 - pRef),
                },
        },
      });
    });
    bySkill.push(indices);
  }
  return { items, bySkill };
}

/** A learner's fixed traits and initial state (the same for every policy). */
export interface LearnerTraits {
  readonly seed: number;
  readonly ability: number;
  readonly slip: number;
  readonly guess: number;
  readonly learnRate: readonly number[];
  readonly initiallyKnown: readonly boolean[];
  /** Gap in whole days before sitting k + 1, for every sitting k. */
  readonly gapsDays: readonly number[];
}

/** Draws a learner (deterministic for the seed). `sittings` bounds the gaps drawn. */
export function createLearner(seed: number, sittings: number, w: WorldParams): LearnerTraits {
  const rng = createRng(seedFrom(seed, 'traits'));
  const ability = w.abilitySd * normal(rng);
  const slip = w.slipMin + rng() * (w.slipMax - w.slipMin);
  const guess = w.guessMin + rng() * (w.guessMax - w.guessMin);
  const personal = w.learnRateSd * normal(rng);
  const learnRate: number[] = [];
  const initiallyKnown: boolean[] = [];
  for (let s = 0; s < SKILLS.length; s++) {
    const eps = w.learnRateSkillSd * normal(rng);
    learnRate.push(
      Math.min(
        w.learnRateMax,
        w.learnRateMedian * Math.exp(w.learnAbilityCoupling * ability + personal + eps),
      ),
    );
    const prereqs = TRUE_PREREQUISITES[SKILLS[s] ?? ''] ?? [];
    const u = rng();
    const ready = prereqs.every((p) => initiallyKnown[SKILLS.indexOf(p)] === true);
    const base = prereqs.length === 0 ? w.initialKnownBase : w.initialKnownLater;
    initiallyKnown.push(ready && u < sigmoid(base + ability));
  }
  const gapRng = createRng(seedFrom(seed, 'gaps'));
  const gapsDays = Array.from(
    { length: sittings },
    () => 1 + Math.floor(-Math.log(1 - gapRng()) * w.meanExtraGapDays),
  );
  return { seed, ability, slip, guess, learnRate, initiallyKnown, gapsDays };
}

/** Start times (days) of sittings 0 … gapsDays.length. */
export function sittingStarts(traits: LearnerTraits): number[] {
  const starts = [0];
  for (const g of traits.gapsDays) starts.push((starts[starts.length - 1] ?? 0) + g);
  return starts;
}

/** The simulated time (days) of the answer with 0-based index `i`. */
export function answerTime(i: number, starts: readonly number[], w: WorldParams): number {
  const k = Math.floor(i / w.sessionItems);
  const j = i - k * w.sessionItems;
  const start = starts[k] ?? (starts[starts.length - 1] ?? 0) + (k - starts.length + 1);
  return start + (j * w.answerMinutes) / 1440;
}

/** The next number of skill `s`'s stream. */
function draw(streams: readonly Rng[], s: number): number {
  const rng = streams[s];
  if (rng === undefined) throw new Error(`no random stream for skill ${s}`);
  return rng();
}

/** What one attempt did to the learner. */
export interface AttemptOutcome {
  readonly correct: boolean;
  readonly knownBefore: boolean;
  readonly knownAfter: boolean;
}

/**
 * The latent state of one learner under one policy. Every random draw comes from a stream per
 * (learner, skill, purpose), consumed once per attempt on that skill whether it is needed or
 * not, so the k-th attempt on a skill uses the same numbers under every policy (common random
 * numbers).
 */
export class LearnerWorld {
  readonly known: boolean[];
  readonly stability: number[];
  private readonly lastConsolidation: number[];
  private readonly budget: number[];
  private readonly everForgotten: boolean[];
  private readonly responseRng: Rng[];
  private readonly learnRng: Rng[];
  private readonly forgetRng: Rng[];
  private now = 0;
  /** Number of forgetting events so far. */
  forgettings = 0;

  constructor(
    readonly traits: LearnerTraits,
    readonly bank: Bank,
    readonly params: WorldParams,
  ) {
    const n = SKILLS.length;
    this.known = [...traits.initiallyKnown];
    this.responseRng = Array.from({ length: n }, (_, s) =>
      createRng(seedFrom(traits.seed, 'r', s)),
    );
    this.learnRng = Array.from({ length: n }, (_, s) => createRng(seedFrom(traits.seed, 'l', s)));
    this.forgetRng = Array.from({ length: n }, (_, s) => createRng(seedFrom(traits.seed, 'f', s)));
    this.stability = this.known.map((k) => (k ? params.initialStabilityDays : 0));
    this.lastConsolidation = this.known.map(() => 0);
    this.budget = this.known.map((k, s) => (k ? this.drawBudget(s) : 0));
    this.everForgotten = this.known.map(() => false);
  }

  private drawBudget(s: number): number {
    return -Math.log(1 - draw(this.forgetRng, s));
  }

  /** Current simulated time (days). */
  get time(): number {
    return this.now;
  }

  /** Advances time, forgetting skills whose hazard budget runs out. Time never goes back. */
  advanceTo(t: number): void {
    const dt = t - this.now;
    if (dt <= 0) return;
    for (let s = 0; s < this.known.length; s++) {
      if (this.known[s] !== true) continue;
      const b = (this.budget[s] ?? 0) - dt / (this.stability[s] ?? 1);
      this.budget[s] = b;
      if (b <= 0) {
        this.known[s] = false;
        this.everForgotten[s] = true;
        this.forgettings++;
      }
    }
    this.now = t;
  }

  /** True prerequisites of skill `s` all known now? */
  prerequisitesKnown(s: number): boolean {
    const prereqs = TRUE_PREREQUISITES[SKILLS[s] ?? ''] ?? [];
    return prereqs.every((p) => this.known[SKILLS.indexOf(p)] === true);
  }

  /** P(learn) of one attempt at an unknown skill on `item` now. */
  learnProbability(item: SimItem): number {
    const w = this.params;
    const s = item.skill;
    const g = difficultyEffect(item.difficulty - this.traits.ability, w);
    const pre = this.prerequisitesKnown(s) ? 1 : w.prereqFactor;
    const re = this.everForgotten[s] === true ? w.relearnBoost : 1;
    return Math.min(0.95, (this.traits.learnRate[s] ?? 0) * g * pre * re);
  }

  /** One answer at time `t` (days): response, then learning or consolidation. */
  attempt(itemIndex: number, t: number): AttemptOutcome {
    this.advanceTo(t);
    const w = this.params;
    const item = this.bank.items[itemIndex];
    if (item === undefined) throw new Error(`no item ${itemIndex}`);
    const s = item.skill;
    const knownBefore = this.known[s] === true;
    const p = pCorrect(
      knownBefore,
      this.traits.slip,
      this.traits.guess,
      item.difficulty - this.traits.ability,
    );
    const uResponse = draw(this.responseRng, s);
    const uLearn = draw(this.learnRng, s);
    const correct = uResponse < p;
    if (knownBefore) {
      if (correct && t - (this.lastConsolidation[s] ?? 0) >= w.minSpacingDays) {
        this.stability[s] = Math.min(
          w.maxStabilityDays,
          (this.stability[s] ?? w.newStabilityDays) * w.stabilityGrowth,
        );
        this.lastConsolidation[s] = t;
      }
    } else if (uLearn < this.learnProbability(item)) {
      this.known[s] = true;
      this.stability[s] = w.newStabilityDays;
      this.lastConsolidation[s] = t;
      this.budget[s] = this.drawBudget(s);
    }
    return { correct, knownBefore, knownAfter: this.known[s] === true };
  }

  /** Every skill truly known now? */
  allKnown(): boolean {
    return this.known.every((k) => k);
  }

  /**
   * Expected accuracy over every item of the bank `delayDays` after now, given the true state
   * now and forgetting in between (P(known later) = known now · exp(-delay / S), exact by
   * memorylessness of the hazard budget). Does not change the state.
   */
  expectedAccuracy(delayDays = 0): number {
    let sum = 0;
    for (const item of this.bank.items) {
      const s = item.skill;
      const pk =
        this.known[s] === true ? Math.exp(-delayDays / (this.stability[s] ?? Infinity)) : 0;
      const delta = item.difficulty - this.traits.ability;
      sum +=
        pk * pCorrect(true, this.traits.slip, this.traits.guess, delta) +
        (1 - pk) * pCorrect(false, this.traits.slip, this.traits.guess, delta);
    }
    return sum / this.bank.items.length;
  }
}
