/**
 * A learner's profile: one per platform user (issuer + client id + `sub`), shared by all of that
 * learner's courses on the platform. It keeps the engine's state (mastery per skill), the history
 * of mastery changes with their reasons, goals and preferences. Names and emails are not stored
 * here (the roster has them): the profile holds only what adaptive practice needs.
 */
import type { LearnerState, SkillId } from '../engine/index.js';
import { createLearnerState } from '../engine/index.js';

/** Who the learner is on their platform. */
export interface LearnerKey {
  readonly issuer: string;
  readonly clientId: string;
  /** The platform's user id (`sub`). */
  readonly userId: string;
}

/** One readable change of a skill's mastery, kept for the learner's history. */
export interface MasteryEvent {
  readonly at: Date;
  readonly skillId: SkillId;
  /** Mastery probability before and after the answer, in [0, 1]. */
  readonly before: number;
  readonly after: number;
  readonly mastered: boolean;
  /** Why it changed, in words a learner understands. */
  readonly why: string;
}

/** A learner's own goal: master these skills by a date. */
export interface LearnerGoal {
  readonly id: string;
  readonly skillIds: readonly SkillId[];
  readonly targetDate: Date;
  readonly createdAt: Date;
}

export const PACES = ['gentle', 'steady', 'challenge'] as const;
export type Pace = (typeof PACES)[number];

export interface LearnerPreferences {
  /** Reveal the first hint with every question. */
  readonly showHintsAutomatically: boolean;
  /** How hard questions should feel: shifts the target success rate a little. */
  readonly pace: Pace;
  /** Ask "how sure are you?" with each answer. */
  readonly askConfidence: boolean;
}

export const DEFAULT_PREFERENCES: LearnerPreferences = {
  showHintsAutomatically: false,
  pace: 'steady',
  askConfidence: true,
};

/** Success-rate shift per pace, added to the assignment's target (clamped by the engine's range). */
export const PACE_TARGET_SHIFT: Readonly<Record<Pace, number>> = {
  gentle: 0.05,
  steady: 0,
  challenge: -0.07,
};

export interface LearnerProfile {
  readonly id: string;
  readonly platformId: string;
  readonly key: LearnerKey;
  readonly engine: LearnerState;
  /** Newest last, bounded by {@link MASTERY_HISTORY_LIMIT}. */
  readonly masteryHistory: readonly MasteryEvent[];
  readonly goals: readonly LearnerGoal[];
  readonly preferences: LearnerPreferences;
  readonly createdAt: Date;
  readonly updatedAt: Date;
  /** Optimistic concurrency: every write must name the version it read. */
  readonly version: number;
}

/** Enough for months of practice while keeping the profile document small. */
export const MASTERY_HISTORY_LIMIT = 500;

export function newLearnerProfile(
  id: string,
  platformId: string,
  key: LearnerKey,
  now: Date,
): LearnerProfile {
  return {
    id,
    platformId,
    key,
    engine: createLearnerState(),
    masteryHistory: [],
    goals: [],
    preferences: DEFAULT_PREFERENCES,
    createdAt: now,
    updatedAt: now,
    version: 0,
  };
}

/** Appends mastery events, dropping the oldest beyond the limit. */
export function withMasteryEvents(
  history: readonly MasteryEvent[],
  events: readonly MasteryEvent[],
): readonly MasteryEvent[] {
  const all = [...history, ...events];
  return all.length > MASTERY_HISTORY_LIMIT ? all.slice(all.length - MASTERY_HISTORY_LIMIT) : all;
}

/** Strengths and weaknesses: mastered skills first, then skills that went badly. */
export interface SkillSummary {
  readonly skillId: SkillId;
  readonly mastery: number;
  readonly mastered: boolean;
  readonly attempts: number;
  readonly correct: number;
}

export function strengthsAndWeaknesses(profile: LearnerProfile): {
  readonly strengths: readonly SkillSummary[];
  readonly weaknesses: readonly SkillSummary[];
} {
  const skills: SkillSummary[] = profile.engine.skills.map((s) => ({
    skillId: s.skillId,
    mastery: s.mastery,
    mastered: s.mastered,
    attempts: s.n,
    correct: s.correct,
  }));
  // A skill mastered by a placement check has no answers of its own yet: not listed with a number.
  const strengths = skills
    .filter((s) => (s.mastered && s.attempts > 0) || (s.attempts >= 3 && s.mastery >= 0.8))
    .sort((a, b) => b.mastery - a.mastery);
  // Weak: practised enough to tell, and still far from mastery.
  const weaknesses = skills
    .filter((s) => !s.mastered && s.attempts >= 3 && s.mastery < 0.6)
    .sort((a, b) => a.mastery - b.mastery);
  return { strengths, weaknesses };
}
