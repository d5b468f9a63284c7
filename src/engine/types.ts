/**
 * Kernel types of the adaptive engine. Every value here is a plain, JSON-serialisable object so
 * the app can store it in MongoDB as is; the engine never mutates one, it returns new objects.
 */
declare const engineBrand: unique symbol;
/** A nominal string type (same pattern as src/shared/types.ts, kept local to the engine). */
type Brand<T, B extends string> = T & { readonly [engineBrand]: B };

/** A skill (knowledge component) id, e.g. ASSISTments' skill id. */
export type SkillId = Brand<string, 'SkillId'>;
/** A practice item (problem) id. */
export type ItemId = Brand<string, 'ItemId'>;

/** Brands a string as a {@link SkillId}. */
export const asSkillId = (id: string): SkillId => id as SkillId;
/** Brands a string as an {@link ItemId}. */
export const asItemId = (id: string): ItemId => id as ItemId;

/**
 * Running statistics of one item, kept apart from learners. Both fields only ever grow by
 * increments, so concurrent requests can apply them with MongoDB `$inc` (see
 * {@link itemStatsIncrement}).
 */
export interface ItemStats {
  /** Number of responses seen. */
  readonly n: number;
  /** Number of correct responses among them. */
  readonly correct: number;
  /**
   * Sum over responses of (answer - expected answer of that learner by the Elo part of the
   * model): positive when learners do better on this item than their ability predicts.
   */
  readonly residual: number;
  /** Sum over responses of p(1 - p) for the same expectation (Fisher information). */
  readonly information: number;
}

/** Counters aggregated over all items of a skill (the prior for a new item). */
export interface SkillStats {
  readonly n: number;
  readonly correct: number;
  /**
   * The item part of the prediction (easiness and offset terms) for a typical item of the skill:
   * the mean over the skill's items, from {@link typicalItemTerm}. Mastery is the predicted
   * chance on such an item; when absent it is estimated from the skill's easiness alone.
   */
  readonly typicalItemTerm?: number;
}

/** One item of a pool offered to the selector. */
export interface PoolItem {
  readonly itemId: ItemId;
  readonly skillId: SkillId;
  readonly stats: ItemStats;
}

/** What the engine needs to know about an item to predict a response to it. */
export interface ItemView {
  readonly itemId: ItemId;
  readonly skillId: SkillId;
  readonly stats: ItemStats;
  /** Aggregated stats of the item's skill (prior for items with little data). */
  readonly skillStats: SkillStats;
}

/** A serialisable FSRS card (dates as epoch milliseconds). */
export interface ReviewCard {
  readonly due: number;
  readonly stability: number;
  readonly difficulty: number;
  readonly scheduledDays: number;
  readonly learningSteps: number;
  readonly reps: number;
  readonly lapses: number;
  /** ts-fsrs `State` (0 new, 1 learning, 2 review, 3 relearning). */
  readonly state: number;
  readonly lastReview: number | null;
}

/** Per-skill part of a learner's state. */
export interface SkillState {
  /** The skill this entry is about. */
  readonly skillId: SkillId;
  /** Attempts on the skill. */
  readonly n: number;
  /** Correct attempts on the skill. */
  readonly correct: number;
  /** Fast exponentially weighted mean of recent answers coded -1/+1. */
  readonly recent: number;
  /** Slow exponentially weighted mean of answers coded -1/+1. */
  readonly slow: number;
  /** Last answer on the skill: +1 correct, -1 wrong, 0 none. */
  readonly last: number;
  /** Correct answers in a row on the skill. */
  readonly streak: number;
  /** Last 8 answers on the skill as bits (bit 0 = last answer, 1 = correct). */
  readonly pattern: number;
  /** Elo ability on the skill (logit offset, updated with a decaying step). */
  readonly ability: number;
  /** Learner's global step count when the skill was last practised (-1: never). */
  readonly lastStep: number;
  /** Epoch ms of the last attempt (null: never). */
  readonly lastAt: number | null;
  /** Calibrated mastery probability after the last update. */
  readonly mastery: number;
  /** Whether the mastery criterion is currently met. */
  readonly mastered: boolean;
  /** Spaced-review card, present while (or since) the skill has been mastered. */
  readonly review: ReviewCard | null;
}

/** A learner's whole state: bounded in size (per-skill entries and a short item window). */
export interface LearnerState {
  readonly version: 1;
  /** Total responses. */
  readonly steps: number;
  /** Total correct responses. */
  readonly correct: number;
  /** Global Elo ability. */
  readonly ability: number;
  /** Global exponentially weighted mean of answers coded -1/+1. */
  readonly recent: number;
  /** Last 8 answers overall as bits (bit 0 = last answer, 1 = correct). */
  readonly pattern: number;
  /**
   * One entry per practised skill, in order of first practice. An array rather than a map keyed
   * by skill id: replacing one entry copies an array of pointers (about 1 µs for 200 skills)
   * where copying a 200-key object costs about 50 µs in V8.
   */
  readonly skills: readonly SkillState[];
  /** Most recent item ids, newest last (bounded by `recentItemsWindow`). */
  readonly recentItems: readonly ItemId[];
  /** Skill of the last response (null before any). */
  readonly lastSkill: SkillId | null;
}

/** One response to record. */
export interface ResponseEvent {
  readonly item: ItemView;
  readonly correct: boolean;
}

/** A readable change of a skill's mastery status. */
export interface MasteryChange {
  readonly skillId: SkillId;
  readonly from: 'mastered' | 'not-mastered';
  readonly to: 'mastered' | 'not-mastered';
  readonly probability: number;
  readonly code: 'MASTERED' | 'TESTED_OUT' | 'MASTERY_LOST' | 'PLACED';
  /** Text a learner can read. */
  readonly why: string;
}

/** One logged response, as read from a log for batch fitting. */
export interface LoggedResponse {
  readonly itemId: ItemId;
  readonly skillId: SkillId;
  readonly correct: boolean;
}
