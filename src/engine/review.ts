/**
 * Spaced review of mastered skills with ts-fsrs. Cards are stored as plain numbers
 * ({@link ReviewCard}); the FSRS scheduler is only used inside these functions.
 */
import {
  createEmptyCard,
  fsrs,
  generatorParameters,
  Rating,
  State,
  type Card,
  type FSRS,
} from 'ts-fsrs';

const STATES: readonly State[] = [State.New, State.Learning, State.Review, State.Relearning];
import type { ReviewParams } from './params.js';
import type { ReviewCard } from './types.js';

const schedulers = new Map<string, FSRS>();

/** One scheduler per parameter set (a memo: the scheduler itself is stateless). */
function schedulerFor(params: ReviewParams): FSRS {
  const key = `${params.requestRetention}|${params.maximumIntervalDays}`;
  let f = schedulers.get(key);
  if (f === undefined) {
    f = fsrs(
      generatorParameters({
        request_retention: params.requestRetention,
        maximum_interval: params.maximumIntervalDays,
        enable_fuzz: false,
        enable_short_term: false,
      }),
    );
    schedulers.set(key, f);
  }
  return f;
}

function toCard(c: ReviewCard): Card {
  const card: Card = {
    ...createEmptyCard(new Date(c.due)),
    stability: c.stability,
    difficulty: c.difficulty,
    scheduled_days: c.scheduledDays,
    learning_steps: c.learningSteps,
    reps: c.reps,
    lapses: c.lapses,
    state: STATES[c.state] ?? State.New,
  };
  if (c.lastReview !== null) card.last_review = new Date(c.lastReview);
  return card;
}

function fromCard(c: Card): ReviewCard {
  return {
    due: c.due.getTime(),
    stability: c.stability,
    difficulty: c.difficulty,
    scheduledDays: c.scheduled_days,
    learningSteps: c.learning_steps,
    reps: c.reps,
    lapses: c.lapses,
    state: c.state,
    lastReview: c.last_review === undefined ? null : c.last_review.getTime(),
  };
}

/**
 * Records a review outcome on a card (a new card when `card` is null: the moment of mastery
 * counts as its first successful review). Returns the new card.
 */
export function scheduleReview(
  card: ReviewCard | null,
  correct: boolean,
  now: Date,
  params: ReviewParams,
): ReviewCard {
  const f = schedulerFor(params);
  const base = card === null ? createEmptyCard(now) : toCard(card);
  const rating = correct ? Rating.Good : Rating.Again;
  return fromCard(f.next(base, now, rating).card);
}

/** Whether a review of the card is due at `now`. */
export const isReviewDue = (card: ReviewCard | null, now: Date): boolean =>
  card !== null && card.due <= now.getTime();

/** FSRS probability of recall at `now` (1 for a card never reviewed). */
export function retrievability(card: ReviewCard, now: Date, params: ReviewParams): number {
  if (card.lastReview === null) return 1;
  return schedulerFor(params).get_retrievability(toCard(card), now, false);
}
