/**
 * Practice policies compared by the simulation study. Each sees only what the app would see:
 * the bank's noisy calibration statistics, the noisy prerequisite graph and the learner's
 * answers; never the latent state. Each answers until its own stop rule says done (the study
 * runner also stops every policy at the cap).
 *
 * - `pathwise`: the shipped engine loop (selectNextItem + recordResponse, stop on `done`) with a
 *   configurable {@link EngineConfig} (the shipped default, or a variant for tuning).
 * - `fixed-streak`: skills in topological order of the noisy graph, items of the skill in bank
 *   order; moves on after 4 correct in a row on the skill, or when the first 2 are both correct
 *   (test-out). Same rule as the engine's `{ kind: 'streak', inARow: 4 }` criterion with
 *   `minAttempts: 1, testOutFirstCorrect: 2`.
 * - `fixed-probability`: same order; moves on when the engine's mastery status of the current
 *   skill (tracked with recordResponse and the shipped config) becomes "mastered": the shipped
 *   rule P >= threshold after minAttempts attempts, or the shipped test-out.
 * - `random`: uniformly random items of the whole pool (no repeat within the shipped
 *   minRepeatGap), until every skill is mastered by the shipped rule.
 * - `outer-fringe` (ALEKS-like): picks at random a skill not mastered whose noisy-graph
 *   prerequisites are all mastered, practises it with random items until mastered by the
 *   shipped rule, then picks the next; done when every skill is mastered.
 */
import {
  applyPlacement,
  createEngineConfig,
  createLearnerState,
  masteryOf,
  nextPlacementSkill,
  recordPlacementAnswer,
  startPlacement,
  typicalItemTerm,
  type PlacementState,
  recordResponse,
  seedFrom,
  selectNextItem,
  type Assignment,
  type EngineConfig,
  type EngineConfigInput,
  type LearnerState,
  type PoolItem,
  type Rng,
  type SkillId,
} from '../../../src/engine/index.js';
import {
  DEFAULT_ASSIGNMENT_SETTINGS,
  engineConfigFor,
  PLACEMENT_BUDGET,
} from '../../../src/assignments/assignment-settings.js';
import { DEFAULT_PREFERENCES, PACE_TARGET_SHIFT } from '../../../src/learners/learner.js';
import { SKILLS, topologicalOrder, type Bank } from './world.js';

/**
 * The shipped default: exactly what the practice service builds for an assignment with the
 * default settings, a learner with the default pace, and a pool with `itemsPerSkill` items
 * per skill (practice.service.ts → engineConfigFor(settings, PACE_TARGET_SHIFT[pace], pool)).
 */
export function shippedEngineConfig(itemsPerSkill: number): EngineConfig {
  return engineConfigFor(DEFAULT_ASSIGNMENT_SETTINGS, PACE_TARGET_SHIFT[DEFAULT_PREFERENCES.pace], {
    fewestTemplatesPerSkill: itemsPerSkill,
  });
}

const SECTIONS = ['model', 'mastery', 'selection', 'review', 'scoring'] as const;

/**
 * Applies a partial override (as JSON would give it) over a full config, section by section,
 * and validates the result with createEngineConfig. Unknown keys are refused (typos in a tuning
 * run would otherwise silently test the default).
 * @throws Error on unknown keys; EngineValidationError on invalid values.
 */
export function overrideConfig(base: EngineConfig, override: unknown): EngineConfig {
  if (typeof override !== 'object' || override === null || Array.isArray(override)) {
    throw new Error('policy config must be a JSON object');
  }
  const o = override as Record<string, unknown>;
  for (const key of Object.keys(o)) {
    if (!(SECTIONS as readonly string[]).includes(key)) {
      throw new Error(`unknown policy config section "${key}" (allowed: ${SECTIONS.join(', ')})`);
    }
    const section = o[key];
    if (key === 'scoring') continue;
    if (typeof section !== 'object' || section === null) {
      throw new Error(`policy config section "${key}" must be an object`);
    }
    const allowed = Object.keys(base[key as Exclude<(typeof SECTIONS)[number], 'scoring'>]);
    for (const k of Object.keys(section)) {
      if (!allowed.includes(k)) {
        throw new Error(`unknown parameter "${key}.${k}" (allowed: ${allowed.join(', ')})`);
      }
    }
  }
  const input = o as EngineConfigInput;
  return createEngineConfig({
    model: {
      ...base.model,
      ...input.model,
      weights: { ...base.model.weights, ...input.model?.weights },
    },
    mastery: { ...base.mastery, ...input.mastery },
    selection: { ...base.selection, ...input.selection },
    review: { ...base.review, ...input.review },
    scoring: input.scoring ?? base.scoring,
  });
}

/** Named engine variants for tuning (overrides of the shipped config). */
export const VARIANTS: Readonly<Record<string, EngineConfigInput>> = {
  'target-0.6': { selection: { targetSuccess: 0.6 } },
  'target-0.8': { selection: { targetSuccess: 0.8 } },
  'threshold-0.8': { mastery: { criterion: { kind: 'probability', threshold: 0.8 } } },
  'threshold-0.95': { mastery: { criterion: { kind: 'probability', threshold: 0.95 } } },
  'min-attempts-6': { mastery: { minAttempts: 6 } },
  'no-test-out': { mastery: { testOutFirstCorrect: 0 } },
  'reviews-20': { selection: { maxReviewsFirst: 20 } },
  'threshold-0.8+reviews-20': {
    mastery: { criterion: { kind: 'probability', threshold: 0.8 } },
    selection: { maxReviewsFirst: 20 },
  },
};

/** What a policy may use for one learner. */
export interface PolicyContext {
  readonly bank: Bank;
  /** The (noisy) prerequisite graph. */
  readonly prerequisites: Readonly<Record<string, readonly SkillId[]>>;
  /** The shipped config (mastery rule and model of the probability-rule controls). */
  readonly shipped: EngineConfig;
  /** The learner's key (seeds of engine calls). */
  readonly key: number;
  /** The policy's own random stream for this learner. */
  readonly rng: Rng;
}

/** A skill declared mastered by a policy's rule, and whether by test-out. */
export interface Declaration {
  readonly skill: number;
  readonly testOut: boolean;
}

/** A policy running for one learner. */
export interface PolicyRun {
  /** The next item's bank index, or null when the policy's stop rule says done. */
  next(now: Date): number | null;
  /** Records the answer; returns the skills newly declared mastered by it. */
  observe(itemIndex: number, correct: boolean, now: Date): readonly Declaration[];
  /** Spaced-review items given so far. */
  readonly reviews: number;
}

/** A named policy. */
export interface Policy {
  readonly name: string;
  /** The engine config it selects with (pathwise family only). */
  readonly config?: EngineConfig;
  readonly create: (ctx: PolicyContext) => PolicyRun;
}

/**
 * The engine's view of one learner, as the app keeps it: the learner state from recordResponse
 * and the pool whose item statistics grow by each answer's increment (the app's `$inc`). Only
 * this learner's own answers are added: learners are simulated independently.
 */
export class EngineTracker {
  state: LearnerState = createLearnerState();
  readonly items: PoolItem[];
  private readonly skillN: number[];
  private readonly skillCorrect: number[];

  constructor(
    private readonly bank: Bank,
    readonly config: EngineConfig,
  ) {
    this.items = bank.items.map((it) => it.engine);
    this.skillN = SKILLS.map(() => 0);
    this.skillCorrect = SKILLS.map(() => 0);
    for (const it of bank.items) {
      this.skillN[it.skill] = (this.skillN[it.skill] ?? 0) + it.engine.stats.n;
      this.skillCorrect[it.skill] = (this.skillCorrect[it.skill] ?? 0) + it.engine.stats.correct;
    }
  }

  /** Records an answer; returns the skills whose status became "mastered". */
  record(itemIndex: number, correct: boolean, now: Date): Declaration[] {
    const pool = this.items[itemIndex];
    const item = this.bank.items[itemIndex];
    if (pool === undefined || item === undefined) throw new Error(`no item ${itemIndex}`);
    const s = item.skill;
    const skillStats = { n: this.skillN[s] ?? 0, correct: this.skillCorrect[s] ?? 0 };
    // Mastery on a typical item of the skill, as the practice service measures it.
    const ofSkill = this.items.filter((it) => it.skillId === pool.skillId).map((it) => it.stats);
    const r = recordResponse(
      this.state,
      {
        item: {
          ...pool,
          skillStats: {
            ...skillStats,
            typicalItemTerm: typicalItemTerm(ofSkill, skillStats, this.config.model),
          },
        },
        correct,
      },
      this.config,
      now,
    );
    this.state = r.state;
    const inc = r.itemIncrement;
    this.items[itemIndex] = {
      ...pool,
      stats: {
        n: pool.stats.n + inc.n,
        correct: pool.stats.correct + inc.correct,
        residual: pool.stats.residual + inc.residual,
        information: pool.stats.information + inc.information,
      },
    };
    this.skillN[s] = (this.skillN[s] ?? 0) + inc.n;
    this.skillCorrect[s] = (this.skillCorrect[s] ?? 0) + inc.correct;
    return r.changes
      .filter((c) => c.to === 'mastered')
      .map((c) => ({ skill: s, testOut: c.code === 'TESTED_OUT' }));
  }

  isMastered(s: number): boolean {
    const id = SKILLS[s];
    return id !== undefined && masteryOf(this.state, id).mastered;
  }

  allMastered(): boolean {
    return SKILLS.every((_, s) => this.isMastered(s));
  }
}

/** The shipped engine loop with `config`. */
/**
 * The Pathwise practice loop as the app runs it: a placement check first when the assignment
 * asks for one (`placementBudget` questions at most; the shipped default's is
 * DEFAULT_ASSIGNMENT_SETTINGS.placement), then selectNextItem + recordResponse until done.
 */
export function pathwisePolicy(
  name: string,
  config: EngineConfig,
  placementBudget = shippedPlacementBudget(),
): Policy {
  return {
    name,
    config,
    create: (ctx) => {
      const tracker = new EngineTracker(ctx.bank, config);
      const indexOf = new Map<string, number>(
        ctx.bank.items.map((it) => [it.engine.itemId, it.index]),
      );
      const assignment: Assignment = {
        skills: SKILLS,
        items: tracker.items,
        prerequisites: ctx.prerequisites,
        goal: { masteredShare: 1 },
      };
      let answered = 0;
      let reviews = 0;
      let placement: PlacementState = startPlacement(placementBudget);
      let probing: SkillId | undefined;
      return {
        next(now) {
          probing = placement.done
            ? undefined
            : nextPlacementSkill(placement, SKILLS, ctx.prerequisites, tracker.state);
          const sel = selectNextItem({
            learner: tracker.state,
            assignment,
            config,
            now,
            seed: seedFrom(ctx.key, 'select', tracker.state.steps),
            answeredInSet: answered,
            reviewsInSet: reviews,
            ...(probing === undefined ? {} : { placementSkill: probing }),
          });
          if (sel.kind === 'done') return null;
          if (sel.reason.code === 'REVIEW_DUE') reviews++;
          if (sel.reason.code !== 'PLACEMENT') probing = undefined;
          const index = indexOf.get(sel.itemId);
          if (index === undefined) throw new Error(`engine chose unknown item ${sel.itemId}`);
          return index;
        },
        observe(itemIndex, correct, now) {
          answered++;
          const declared = tracker.record(itemIndex, correct, now);
          if (probing === undefined) return declared;
          placement = recordPlacementAnswer(placement, probing, correct, SKILLS, ctx.prerequisites);
          if (!placement.done) return declared;
          // Placement over: the skills it found known are declared mastered ("placed").
          const placed = applyPlacement(tracker.state, placement.known, config, now);
          tracker.state = placed.state;
          return [
            ...declared,
            ...placed.changes.map((c) => ({ skill: SKILLS.indexOf(c.skillId), testOut: true })),
          ];
        },
        get reviews() {
          return reviews;
        },
      };
    },
  };
}

/** The placement budget of the shipped default assignment settings. */
export function shippedPlacementBudget(): number {
  return DEFAULT_ASSIGNMENT_SETTINGS.placement ? PLACEMENT_BUDGET : 0;
}

/** Streak rule of the fixed-streak control. */
export const STREAK_RULE = { inARow: 4, testOutFirstCorrect: 2 } as const;

const orderOf = (ctx: PolicyContext): number[] =>
  topologicalOrder(SKILLS, ctx.prerequisites).map((s) => SKILLS.indexOf(s));

/** Fixed order, bank order, move on after 4 in a row or the first 2 right. */
export const fixedStreakPolicy: Policy = {
  name: 'fixed-streak',
  create: (ctx) => {
    const order = orderOf(ctx);
    let pos = 0;
    let attempts = 0;
    let correctCount = 0;
    let run = 0;
    return {
      next() {
        const s = order[pos];
        if (s === undefined) return null;
        const list = ctx.bank.bySkill[s] ?? [];
        return list[attempts % list.length] ?? null;
      },
      observe(_itemIndex, correct) {
        const s = order[pos] ?? -1;
        attempts++;
        if (correct) {
          correctCount++;
          run++;
        } else run = 0;
        const testedOut =
          attempts === STREAK_RULE.testOutFirstCorrect &&
          correctCount === STREAK_RULE.testOutFirstCorrect;
        if (testedOut || run >= STREAK_RULE.inARow) {
          pos++;
          attempts = 0;
          correctCount = 0;
          run = 0;
          return [{ skill: s, testOut: testedOut }];
        }
        return [];
      },
      reviews: 0,
    };
  },
};

/** Fixed order, bank order, move on when the shipped rule declares the skill mastered. */
export const fixedProbabilityPolicy: Policy = {
  name: 'fixed-probability',
  create: (ctx) => {
    const order = orderOf(ctx);
    const tracker = new EngineTracker(ctx.bank, ctx.shipped);
    let pos = 0;
    let attempts = 0;
    return {
      next() {
        const s = order[pos];
        if (s === undefined) return null;
        const list = ctx.bank.bySkill[s] ?? [];
        return list[attempts % list.length] ?? null;
      },
      observe(itemIndex, correct, now) {
        attempts++;
        const declared = tracker.record(itemIndex, correct, now);
        if (tracker.isMastered(order[pos] ?? -1)) {
          pos++;
          attempts = 0;
        }
        return declared;
      },
      reviews: 0,
    };
  },
};

/** A random item of `candidates` not among the last `gap` answered, if there is one. */
function randomFresh(
  candidates: readonly number[],
  recent: readonly number[],
  gap: number,
  rng: Rng,
): number | null {
  const avoid = new Set(recent.slice(-gap));
  const fresh = candidates.filter((i) => !avoid.has(i));
  const from = fresh.length > 0 ? fresh : candidates;
  return from[Math.floor(rng() * from.length)] ?? null;
}

/** Random items from the whole pool until every skill is mastered by the shipped rule. */
export const randomPolicy: Policy = {
  name: 'random',
  create: (ctx) => {
    const tracker = new EngineTracker(ctx.bank, ctx.shipped);
    const all = ctx.bank.items.map((it) => it.index);
    const recent: number[] = [];
    return {
      next() {
        if (tracker.allMastered()) return null;
        return randomFresh(all, recent, ctx.shipped.selection.minRepeatGap, ctx.rng);
      },
      observe(itemIndex, correct, now) {
        recent.push(itemIndex);
        return tracker.record(itemIndex, correct, now);
      },
      reviews: 0,
    };
  },
};

/** ALEKS-like outer fringe with random items, shipped mastery rule. */
export const outerFringePolicy: Policy = {
  name: 'outer-fringe',
  create: (ctx) => {
    const tracker = new EngineTracker(ctx.bank, ctx.shipped);
    const recent: number[] = [];
    let current = -1;
    const ready = (): number[] =>
      SKILLS.map((_, s) => s).filter(
        (s) =>
          !tracker.isMastered(s) &&
          (ctx.prerequisites[SKILLS[s] ?? ''] ?? []).every((p) =>
            tracker.isMastered(SKILLS.indexOf(p)),
          ),
      );
    return {
      next() {
        if (tracker.allMastered()) return null;
        if (current < 0 || tracker.isMastered(current)) {
          const fringe = ready();
          // A DAG always has a ready skill; fall back to any unmastered one all the same.
          const from =
            fringe.length > 0
              ? fringe
              : SKILLS.map((_, s) => s).filter((s) => !tracker.isMastered(s));
          current = from[Math.floor(ctx.rng() * from.length)] ?? -1;
        }
        return randomFresh(
          ctx.bank.bySkill[current] ?? [],
          recent,
          ctx.shipped.selection.minRepeatGap,
          ctx.rng,
        );
      },
      observe(itemIndex, correct, now) {
        recent.push(itemIndex);
        return tracker.record(itemIndex, correct, now);
      },
      reviews: 0,
    };
  },
};

/** The four controls, in report order. */
export const CONTROLS: readonly Policy[] = [
  fixedStreakPolicy,
  fixedProbabilityPolicy,
  randomPolicy,
  outerFringePolicy,
];
