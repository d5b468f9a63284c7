/**
 * Engine parameters: defaults, and the one place where they are validated. Every public entry
 * point takes an {@link EngineConfig} produced by {@link createEngineConfig}, which throws an
 * {@link EngineValidationError} naming the parameter and its allowed range.
 */
import { EngineValidationError } from './errors.js';
import { FEATURES, type FeatureName } from './model-features.js';

/** Learner-model parameters: fitted weights plus the hyperparameters of the online features. */
export interface ModelParams {
  /** Logistic-regression weights, one per feature (fitted in batch, see `fitModel`). */
  readonly weights: Readonly<Record<FeatureName, number>>;
  /**
   * Per-skill weights (fitted): intercept, and learning rates on log(1 + correct) and
   * log(1 + wrong) answers on the skill. Skills absent here use 0, 0, 0.
   */
  readonly skillWeights: Readonly<Record<string, readonly [number, number, number]>>;
  /** Overall share of correct answers (prior for skills with no data), in (0, 1). */
  readonly globalMean: number;
  /** Pseudo-count pulling an item's correct rate towards its skill's, > 0. */
  readonly itemPriorStrength: number;
  /** Pseudo-count pulling a skill's correct rate towards `globalMean`, > 0. */
  readonly skillPriorStrength: number;
  /** Step of the fast moving average of a skill's answers, in (0, 1]. */
  readonly recentRate: number;
  /** Step of the slow moving average of a skill's answers, in (0, 1]. */
  readonly slowRate: number;
  /** Step of the moving average of all answers, in (0, 1]. */
  readonly globalRecentRate: number;
  /** Prior information pulling an item's residual offset to 0, > 0. */
  readonly offsetPrior: number;
  /** Initial Elo step, in (0, 5]. */
  readonly eloK: number;
  /** Elo step decay with evidence: K(n) = eloK / (1 + eloDecay * n), >= 0. */
  readonly eloDecay: number;
  /** Length of the recent-items window (no-repeat memory), integer in [0, 200]. */
  readonly recentItemsWindow: number;
}

/** When a skill counts as mastered. */
export type MasteryCriterion =
  | {
      readonly kind: 'probability';
      /** Mastery probability needed, in (0.5, 1). */
      readonly threshold: number;
    }
  | {
      readonly kind: 'streak';
      /** Correct answers in a row needed (ASSISTments uses 3), integer in [1, 20]. */
      readonly inARow: number;
    };

/** Mastery rule of an assignment. */
export interface MasteryParams {
  readonly criterion: MasteryCriterion;
  /** Minimum attempts on the skill before it can be mastered, integer in [1, 50]. */
  readonly minAttempts: number;
  /**
   * Test out: this many correct answers on the first attempts of a skill master it at once
   * (0 disables), integer in [0, 10].
   */
  readonly testOutFirstCorrect: number;
  /** A mastered skill is lost when its probability falls below this, in (0, 1). */
  readonly loseBelow: number;
}

/** Item-selection policy. */
export interface SelectionParams {
  /** Target success probability (desirable difficulty), in [0.5, 0.95]. */
  readonly targetSuccess: number;
  /** Success probability aimed at for review items, in [0.5, 0.99]. */
  readonly reviewTargetSuccess: number;
  /** An item is not shown again within this many responses, integer in [0, recentItemsWindow]. */
  readonly minRepeatGap: number;
  /** Probability of picking an uncalibrated item instead, in [0, 0.5]. */
  readonly exploreRate: number;
  /** Items with fewer responses than this are uncalibrated, integer in [0, 1000]. */
  readonly calibrationCount: number;
  /** Interleaving: penalty (in probability units) for staying on the last skill, in [0, 1]. */
  readonly interleave: number;
  /** Maximum due reviews per set before new material, integer in [0, 100]. */
  readonly maxReviewsFirst: number;
  /**
   * After those, one due review every this many answers (spaced retrieval all along a long
   * set), integer in [0, 1000]; 0: no reviews after the first ones.
   */
  readonly reviewSpacing: number;
  /**
   * A prerequisite lets its dependents start once it is mastered, or once its mastery reaches
   * this (probably known, still being confirmed), in [0.5, 1]; 1: only when mastered.
   */
  readonly prerequisiteReady: number;
  /**
   * Bonus (probability units) for a ready skill with fewer than 3 answers, in [0, 1]: without
   * it, a ready skill whose questions all look hard is never started while another skill has a
   * question near the target.
   */
  readonly newSkillBonus: number;
  /** After this many misses in a row on a skill, step back (0: never), integer in [0, 8]. */
  readonly stepBackAfter: number;
  /** Success aimed at when stepping back, in [0.5, 0.95]. */
  readonly stepBackTarget: number;
}

/** Spaced-review (ts-fsrs) parameters. */
export interface ReviewParams {
  /** FSRS requested retention, in [0.7, 0.99]. */
  readonly requestRetention: number;
  /** Longest review interval in days, integer in [1, 36500]. */
  readonly maximumIntervalDays: number;
}

/** Gradebook scoring policy. */
export type ScoringPolicy =
  { readonly kind: 'mastery'; readonly partialCredit: boolean } | { readonly kind: 'correctness' };

/** The complete, validated engine configuration. */
export interface EngineConfig {
  readonly model: ModelParams;
  readonly mastery: MasteryParams;
  readonly selection: SelectionParams;
  readonly review: ReviewParams;
  readonly scoring: ScoringPolicy;
}

/** A partial configuration: anything missing takes its default. */
export interface EngineConfigInput {
  readonly model?: Partial<Omit<ModelParams, 'weights'>> & {
    readonly weights?: Partial<Record<FeatureName, number>>;
  };
  readonly mastery?: Partial<MasteryParams>;
  readonly selection?: Partial<SelectionParams>;
  readonly review?: Partial<ReviewParams>;
  readonly scoring?: ScoringPolicy;
}

/**
 * Generic weights fitted on ASSISTments 2009 train.tsv (all training students, without per-skill
 * terms, which are data-set specific) by `npm run eval -- --data … --weights`, with the
 * hyperparameters of {@link DEFAULT_MODEL} chosen on a by-student validation split of train.
 */
export const DEFAULT_WEIGHTS: Readonly<Record<FeatureName, number>> = {
  bias: -0.0561,
  itemEasiness: 0.2808,
  itemOffset: 0.7438,
  skillEasiness: 0.7015,
  skillCorrect: 0.0632,
  skillWrong: 0.0035,
  totalCorrect: 0.2132,
  totalWrong: -0.2181,
  skillRecent: 0.51,
  skillSlow: -0.3622,
  skillLast: -0.1031,
  skillAbility: 0.5839,
  globalAbility: 0.6121,
  globalRecent: 0.1691,
  newSkill: -0.5221,
  skillGap: -0.0504,
  itemRepeat: 0.2421,
  skillStreak: 0.0709,
  skillPattern1: -0.0815,
  skillPattern2: 0.0062,
  skillPattern3: 0.0034,
  skillPattern4: 0.2241,
  skillPattern5: -0.0074,
  skillPattern6: -0.2052,
  skillPattern7: 0.0616,
  skillPattern8: 0.2715,
  skillPattern9: 0.1144,
  skillPattern10: 0.0694,
  skillPattern11: 0.1694,
  skillPattern12: 0.1209,
  skillPattern13: 0.0527,
  skillPattern14: -0.2774,
  globalPattern0: -0.463,
  globalPattern1: -0.0153,
  globalPattern2: -0.1297,
  globalPattern3: 0.0784,
  globalPattern4: -0.2093,
  globalPattern5: 0.0056,
  globalPattern6: -0.1809,
  globalPattern7: -0.0922,
};

/** Default learner-model parameters. */
export const DEFAULT_MODEL: ModelParams = {
  weights: DEFAULT_WEIGHTS,
  skillWeights: {},
  globalMean: 0.66,
  itemPriorStrength: 3,
  skillPriorStrength: 20,
  recentRate: 0.4,
  slowRate: 0.1,
  globalRecentRate: 0.1,
  offsetPrior: 2,
  eloK: 0.4,
  eloDecay: 0.02,
  recentItemsWindow: 20,
};

/**
 * Default mastery rule: P >= 0.85 after at least 3 attempts; test out with 3 first correct; a
 * mastered skill is lost below 0.6 (a single miss on a hard question does not undo it).
 */
export const DEFAULT_MASTERY: MasteryParams = {
  criterion: { kind: 'probability', threshold: 0.85 },
  minAttempts: 3,
  testOutFirstCorrect: 3,
  loseBelow: 0.6,
};

/**
 * Default selection policy, chosen with the simulation study (`npm run simulate`, README
 * "How the default policy was chosen"): questions near a 55 % predicted chance (hard enough to
 * teach and to tell known from unknown; 70 % served easy questions on which lucky streaks passed
 * for mastery), dependents start once a prerequisite is probably known (65 %), new skills get
 * started, and mastered skills come back for spaced retrieval all along a long set.
 */
export const DEFAULT_SELECTION: SelectionParams = {
  targetSuccess: 0.55,
  reviewTargetSuccess: 0.85,
  minRepeatGap: 10,
  exploreRate: 0.05,
  calibrationCount: 5,
  interleave: 0.1,
  maxReviewsFirst: 10,
  reviewSpacing: 4,
  prerequisiteReady: 0.65,
  newSkillBonus: 0.3,
  stepBackAfter: 3,
  stepBackTarget: 0.8,
};

/** Default review parameters. */
export const DEFAULT_REVIEW: ReviewParams = { requestRetention: 0.99, maximumIntervalDays: 365 };

/** Default scoring: share of target skills mastered, with partial credit. */
export const DEFAULT_SCORING: ScoringPolicy = { kind: 'mastery', partialCredit: true };

type Check = (path: string, value: number) => void;

const range =
  (lo: number, hi: number, opts: { loOpen?: boolean; hiOpen?: boolean; int?: boolean } = {}) =>
  (path: string, value: number): void => {
    const okType = typeof value === 'number' && Number.isFinite(value);
    const okLo = opts.loOpen === true ? value > lo : value >= lo;
    const okHi = opts.hiOpen === true ? value < hi : value <= hi;
    const okInt = opts.int !== true || Number.isInteger(value);
    if (!okType || !okLo || !okHi || !okInt) {
      const l = opts.loOpen === true ? '(' : '[';
      const h = opts.hiOpen === true ? ')' : ']';
      const kind = opts.int === true ? 'an integer' : 'a number';
      throw new EngineValidationError(
        path,
        `must be ${kind} in ${l}${lo}, ${hi}${h}, got ${String(value)}`,
      );
    }
  };

const finite: Check = (path, value) => {
  if (typeof value !== 'number' || !Number.isFinite(value)) {
    throw new EngineValidationError(path, `must be a finite number, got ${String(value)}`);
  }
};

const MODEL_CHECKS: Record<Exclude<keyof ModelParams, 'weights' | 'skillWeights'>, Check> = {
  globalMean: range(0, 1, { loOpen: true, hiOpen: true }),
  itemPriorStrength: range(0, 1e6, { loOpen: true }),
  skillPriorStrength: range(0, 1e6, { loOpen: true }),
  recentRate: range(0, 1, { loOpen: true }),
  slowRate: range(0, 1, { loOpen: true }),
  globalRecentRate: range(0, 1, { loOpen: true }),
  offsetPrior: range(0, 1e6, { loOpen: true }),
  eloK: range(0, 5, { loOpen: true }),
  eloDecay: range(0, 100),
  recentItemsWindow: range(0, 200, { int: true }),
};

const SELECTION_CHECKS: Record<keyof SelectionParams, Check> = {
  targetSuccess: range(0.5, 0.95),
  reviewTargetSuccess: range(0.5, 0.99),
  minRepeatGap: range(0, 200, { int: true }),
  exploreRate: range(0, 0.5),
  calibrationCount: range(0, 1000, { int: true }),
  interleave: range(0, 1),
  maxReviewsFirst: range(0, 100, { int: true }),
  reviewSpacing: range(0, 1000, { int: true }),
  prerequisiteReady: range(0.5, 1),
  newSkillBonus: range(0, 1),
  stepBackAfter: range(0, 8, { int: true }),
  stepBackTarget: range(0.5, 0.95),
};

function validateModel(input: EngineConfigInput['model']): ModelParams {
  const merged = { ...DEFAULT_MODEL, ...input, weights: { ...DEFAULT_WEIGHTS, ...input?.weights } };
  for (const [key, check] of Object.entries(MODEL_CHECKS)) {
    check(`model.${key}`, merged[key as keyof typeof MODEL_CHECKS]);
  }
  for (const name of Object.keys(merged.weights)) {
    if (!(FEATURES as readonly string[]).includes(name)) {
      throw new EngineValidationError(
        `model.weights.${name}`,
        `unknown feature; allowed: ${FEATURES.join(', ')}`,
      );
    }
  }
  for (const name of FEATURES) finite(`model.weights.${name}`, merged.weights[name]);
  // Inputs may come from JSON, so the shapes are checked at run time too.
  for (const [skill, triple] of Object.entries(merged.skillWeights as Record<string, unknown>)) {
    if (!Array.isArray(triple) || triple.length !== 3) {
      throw new EngineValidationError(
        `model.skillWeights.${skill}`,
        'must be [intercept, correct, wrong]',
      );
    }
    triple.forEach((v: unknown, i) => {
      finite(`model.skillWeights.${skill}[${i}]`, v as number);
    });
  }
  return merged;
}

function validateMastery(input: Partial<MasteryParams> | undefined): MasteryParams {
  const merged: MasteryParams = { ...DEFAULT_MASTERY, ...input };
  const c = merged.criterion;
  const kind: string = c.kind;
  if (c.kind === 'probability') {
    range(0.5, 1, { loOpen: true, hiOpen: true })('mastery.criterion.threshold', c.threshold);
    range(0, c.threshold, { loOpen: true, hiOpen: true })('mastery.loseBelow', merged.loseBelow);
  } else if (kind === 'streak') {
    range(1, 20, { int: true })('mastery.criterion.inARow', c.inARow);
    range(0, 1, { loOpen: true, hiOpen: true })('mastery.loseBelow', merged.loseBelow);
  } else {
    throw new EngineValidationError(
      'mastery.criterion.kind',
      `must be 'probability' or 'streak', got ${JSON.stringify((c as { kind: unknown }).kind)}`,
    );
  }
  range(1, 50, { int: true })('mastery.minAttempts', merged.minAttempts);
  range(0, 10, { int: true })('mastery.testOutFirstCorrect', merged.testOutFirstCorrect);
  return merged;
}

function validateSelection(
  input: Partial<SelectionParams> | undefined,
  model: ModelParams,
): SelectionParams {
  const merged: SelectionParams = { ...DEFAULT_SELECTION, ...input };
  for (const [key, check] of Object.entries(SELECTION_CHECKS)) {
    check(`selection.${key}`, merged[key as keyof SelectionParams]);
  }
  if (merged.minRepeatGap > model.recentItemsWindow) {
    throw new EngineValidationError(
      'selection.minRepeatGap',
      `must be an integer in [0, model.recentItemsWindow = ${model.recentItemsWindow}], got ${merged.minRepeatGap}`,
    );
  }
  return merged;
}

function validateReview(input: Partial<ReviewParams> | undefined): ReviewParams {
  const merged: ReviewParams = { ...DEFAULT_REVIEW, ...input };
  range(0.7, 0.99)('review.requestRetention', merged.requestRetention);
  range(1, 36500, { int: true })('review.maximumIntervalDays', merged.maximumIntervalDays);
  return merged;
}

function validateScoring(input: ScoringPolicy | undefined): ScoringPolicy {
  const policy = input ?? DEFAULT_SCORING;
  const kind: string = policy.kind;
  if (kind !== 'mastery' && kind !== 'correctness') {
    throw new EngineValidationError(
      'scoring.kind',
      `must be 'mastery' or 'correctness', got ${JSON.stringify((policy as { kind: unknown }).kind)}`,
    );
  }
  return policy;
}

/**
 * Merges `input` over the defaults and validates every parameter. The result is frozen and is
 * what all engine functions take.
 * @throws EngineValidationError naming the first invalid parameter and its allowed range.
 */
export function createEngineConfig(input: EngineConfigInput = {}): EngineConfig {
  const model = validateModel(input.model);
  return Object.freeze({
    model: Object.freeze(model),
    mastery: Object.freeze(validateMastery(input.mastery)),
    selection: Object.freeze(validateSelection(input.selection, model)),
    review: Object.freeze(validateReview(input.review)),
    scoring: Object.freeze(validateScoring(input.scoring)),
  });
}
