/**
 * Learner use cases beyond practice: goals, preferences, and the privacy rights (export of
 * everything stored about a learner, complete erasure).
 */
import { randomUUID } from 'node:crypto';
import type { SkillId } from '../engine/index.js';
import type { Clock } from '../shared/clock.js';
import { err, ok, type Result } from '../shared/result.js';
import { PACES, type LearnerKey, type LearnerPreferences, type LearnerProfile } from './learner.js';
import type { LearnerRepository } from './learner.repository.js';

/** One store holding data about learners, for export and erasure (practice sets, attempts…). */
export interface LearnerDataSource {
  /** A name for the export's section and the erasure report. */
  readonly name: string;
  export(subject: LearnerSubject): Promise<unknown>;
  /** Deletes everything about the learner; returns how many records went. */
  erase(subject: LearnerSubject): Promise<number>;
}

/** Who to export or erase: the profile id and the platform identity. */
export interface LearnerSubject {
  readonly learnerId: string | undefined;
  readonly platformId: string;
  readonly key: LearnerKey;
}

export type LearnerError =
  | { readonly type: 'invalid-goal'; readonly problems: readonly string[] }
  | { readonly type: 'goal-not-found'; readonly goalId: string }
  | { readonly type: 'invalid-preferences'; readonly problems: readonly string[] }
  | { readonly type: 'learner-not-found' }
  | { readonly type: 'busy' };

export interface LearnerExport {
  readonly exportedAt: string;
  readonly about: string;
  readonly profile: LearnerProfile | null;
  readonly [section: string]: unknown;
}

export interface ErasureReport {
  readonly learnerId: string | undefined;
  readonly removed: Readonly<Record<string, number>>;
}

export interface LearnerService {
  addGoal(
    platformId: string,
    key: LearnerKey,
    input: { readonly skillIds: readonly string[]; readonly targetDate: string },
    allowedSkills: readonly SkillId[],
  ): Promise<Result<LearnerProfile, LearnerError>>;
  removeGoal(key: LearnerKey, goalId: string): Promise<Result<LearnerProfile, LearnerError>>;
  setPreferences(
    platformId: string,
    key: LearnerKey,
    input: Readonly<Record<string, unknown>>,
  ): Promise<Result<LearnerProfile, LearnerError>>;
  exportData(platformId: string, key: LearnerKey): Promise<LearnerExport>;
  erase(platformId: string, key: LearnerKey): Promise<ErasureReport>;
}

export const learnerMessages = {
  noSkills: 'Choose at least one skill for your goal.',
  unknownSkill: (id: string) => `"${id}" is not a skill of this assignment.`,
  badDate: 'Give the goal a date, like 2026-12-15.',
  pastDate: 'Pick a date from today on.',
  tooManyGoals: 'You can have up to 10 goals; remove one first.',
  badPace: `Pace must be one of: ${PACES.join(', ')}.`,
  exportAbout:
    'Everything Pathwise stores about you: your learner profile (mastery per skill, its history, goals, preferences), your practice sets and every answer. Names and e-mail addresses come from your LMS and are not stored with your profile.',
} as const;

const MAX_GOALS = 10;
const CONFLICT_RETRIES = 5;

export function createLearnerService(deps: {
  readonly learners: LearnerRepository;
  readonly sources: readonly LearnerDataSource[];
  readonly clock: Clock;
}): LearnerService {
  const { learners, clock } = deps;

  /** Applies `change` to the stored profile, retrying when another request wrote meanwhile. */
  async function update(
    find: () => Promise<LearnerProfile | undefined>,
    change: (profile: LearnerProfile) => Result<LearnerProfile, LearnerError>,
  ): Promise<Result<LearnerProfile, LearnerError>> {
    for (let attempt = 0; attempt < CONFLICT_RETRIES; attempt++) {
      const profile = await find();
      if (profile === undefined) return err({ type: 'learner-not-found' });
      const changed = change(profile);
      if (!changed.ok) return changed;
      const next = { ...changed.value, updatedAt: clock.now(), version: profile.version + 1 };
      if ((await learners.save(next)) === 'saved') return ok(next);
    }
    return err({ type: 'busy' });
  }

  const subjectOf = async (platformId: string, key: LearnerKey): Promise<LearnerSubject> => ({
    learnerId: (await learners.findByKey(key))?.id,
    platformId,
    key,
  });

  return {
    addGoal(platformId, key, input, allowedSkills) {
      const problems: string[] = [];
      const skillIds = [...new Set(input.skillIds)];
      if (skillIds.length === 0) problems.push(learnerMessages.noSkills);
      for (const id of skillIds)
        if (!allowedSkills.includes(id as SkillId)) problems.push(learnerMessages.unknownSkill(id));
      const date = /^\d{4}-\d{2}-\d{2}$/.test(input.targetDate)
        ? new Date(`${input.targetDate}T23:59:59Z`)
        : undefined;
      const today = clock.now().toISOString().slice(0, 10);
      if (date === undefined || Number.isNaN(date.getTime()))
        problems.push(learnerMessages.badDate);
      else if (input.targetDate < today) problems.push(learnerMessages.pastDate);
      if (problems.length > 0 || date === undefined)
        return Promise.resolve(err({ type: 'invalid-goal', problems }));
      return update(
        () => learners.findOrCreate(platformId, key, clock.now()),
        (profile) => {
          if (profile.goals.length >= MAX_GOALS)
            return err({ type: 'invalid-goal', problems: [learnerMessages.tooManyGoals] });
          const goal = {
            id: randomUUID(),
            skillIds: skillIds as SkillId[],
            targetDate: date,
            createdAt: clock.now(),
          };
          return ok({ ...profile, goals: [...profile.goals, goal] });
        },
      );
    },

    removeGoal(key, goalId) {
      return update(
        () => learners.findByKey(key),
        (profile) =>
          profile.goals.some((g) => g.id === goalId)
            ? ok({ ...profile, goals: profile.goals.filter((g) => g.id !== goalId) })
            : err({ type: 'goal-not-found', goalId }),
      );
    },

    setPreferences(platformId, key, input) {
      const pace = input['pace'];
      if (typeof pace !== 'string' || !(PACES as readonly string[]).includes(pace))
        return Promise.resolve(
          err({ type: 'invalid-preferences', problems: [learnerMessages.badPace] }),
        );
      const preferences: LearnerPreferences = {
        pace: pace as LearnerPreferences['pace'],
        // Unchecked checkboxes are simply absent from a form post.
        showHintsAutomatically: input['showHints'] === 'true',
        askConfidence: input['askConfidence'] === 'true',
      };
      return update(
        () => learners.findOrCreate(platformId, key, clock.now()),
        (profile) => ok({ ...profile, preferences }),
      );
    },

    async exportData(platformId, key) {
      const subject = await subjectOf(platformId, key);
      const profile =
        subject.learnerId === undefined ? undefined : await learners.findById(subject.learnerId);
      const sections: Record<string, unknown> = {};
      for (const source of deps.sources) sections[source.name] = await source.export(subject);
      return {
        exportedAt: clock.now().toISOString(),
        about: learnerMessages.exportAbout,
        identity: { platformId, issuer: key.issuer, clientId: key.clientId, userId: key.userId },
        profile: profile ?? null,
        ...sections,
      };
    },

    async erase(platformId, key) {
      const subject = await subjectOf(platformId, key);
      const removed: Record<string, number> = {};
      // Dependent data first, the profile last: a failure part-way can simply be run again.
      for (const source of deps.sources) removed[source.name] = await source.erase(subject);
      removed['profile'] =
        subject.learnerId === undefined ? 0 : (await learners.delete(subject.learnerId)) ? 1 : 0;
      return { learnerId: subject.learnerId, removed };
    },
  };
}
