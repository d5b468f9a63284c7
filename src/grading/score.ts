/**
 * AGS scores as the wire wants them (AGS 2.0 §3.4: camelCase, string enums) built by a pure
 * function: a fresh object per call (ltijs's submitScore rewrites the object it is handed).
 */
export type ActivityProgress = 'Initialized' | 'Started' | 'InProgress' | 'Submitted' | 'Completed';
export type GradingProgress = 'FullyGraded' | 'Pending' | 'PendingManual' | 'Failed' | 'NotReady';

export interface ScoreInput {
  readonly userId: string;
  readonly scoreGiven: number;
  readonly scoreMaximum: number;
  readonly activityProgress: ActivityProgress;
  readonly gradingProgress: GradingProgress;
  readonly comment?: string;
}

export interface AgsScore {
  readonly userId: string;
  readonly scoreGiven: number;
  readonly scoreMaximum: number;
  readonly activityProgress: ActivityProgress;
  readonly gradingProgress: GradingProgress;
  readonly timestamp: string;
  readonly comment?: string;
}

export class InvalidScoreError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'InvalidScoreError';
  }
}

/**
 * Validates and builds the score body. Every field Canvas and Moodle require is always present;
 * scoreGiven is never sent without a positive scoreMaximum (Canvas 422).
 */
export function buildScore(input: ScoreInput, timestamp: Date): AgsScore {
  if (input.userId.trim() === '') throw new InvalidScoreError('userId is blank');
  if (!Number.isFinite(input.scoreMaximum) || input.scoreMaximum <= 0) {
    throw new InvalidScoreError(
      `scoreMaximum must be a positive number, got ${input.scoreMaximum}`,
    );
  }
  if (!Number.isFinite(input.scoreGiven) || input.scoreGiven < 0) {
    throw new InvalidScoreError(`scoreGiven must be zero or more, got ${input.scoreGiven}`);
  }
  if (Number.isNaN(timestamp.getTime()))
    throw new InvalidScoreError('timestamp is not a valid date');
  return {
    userId: input.userId,
    scoreGiven: input.scoreGiven,
    scoreMaximum: input.scoreMaximum,
    activityProgress: input.activityProgress,
    gradingProgress: input.gradingProgress,
    // ISO 8601 with milliseconds and a zone designator (AGS §3.4.9).
    timestamp: timestamp.toISOString(),
    ...(input.comment === undefined ? {} : { comment: input.comment }),
  };
}

/**
 * The timestamp for the next score of one (line item, user): now, but always at least one
 * second after the previous one sent. Strictly increasing satisfies Canvas (older → 400); a new
 * whole second satisfies Moodle, which compares whole seconds (same second → 409).
 */
export function nextScoreTimestamp(previous: Date | undefined, now: Date): Date {
  if (previous === undefined) return now;
  const earliest = previous.getTime() + 1000;
  return new Date(Math.max(now.getTime(), earliest));
}
