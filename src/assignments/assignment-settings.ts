/**
 * What an instructor chooses for an assignment (Deep Linking form) and how it becomes the
 * engine's configuration. Pure: validated once here, so the practice service can trust it.
 */
import {
  createEngineConfig,
  DEFAULT_SELECTION,
  type EngineConfig,
  type MasteryCriterion,
  type SkillId,
} from '../engine/index.js';

export const SCORE_POLICIES = ['mastery-partial', 'mastery', 'correctness'] as const;
export type ScorePolicy = (typeof SCORE_POLICIES)[number];

export interface AssignmentSettings {
  /** Target skills; empty means every skill of the bank. */
  readonly skillIds: readonly SkillId[];
  readonly mastery: MasteryCriterion;
  /** Success rate the questions aim at, in [0.5, 0.95]. */
  readonly targetSuccess: number;
  /** The set is not complete before this many answers. */
  readonly minItems: number;
  /** The set ends after this many answers (undefined: when the goal is met). */
  readonly maxItems: number | undefined;
  /** Mix in spaced reviews of mastered skills. */
  readonly spacedReview: boolean;
  /**
   * Start with a short placement check (at most PLACEMENT_BUDGET questions) that finds the
   * skills a learner already knows. Absent on assignments saved before placement existed: off.
   */
  readonly placement?: boolean;
  readonly scorePolicy: ScorePolicy;
}

export const DEFAULT_ASSIGNMENT_SETTINGS: AssignmentSettings = {
  skillIds: [],
  mastery: { kind: 'probability', threshold: 0.85 },
  targetSuccess: 0.55,
  minItems: 5,
  maxItems: undefined,
  spacedReview: true,
  // Optional: in the simulation study it found known skills but did not save questions
  // (202.9 vs 198.9 items to true mastery), so instructors turn it on where they want it.
  placement: false,
  scorePolicy: 'mastery-partial',
};

/** Questions a placement check asks at most. */
export const PLACEMENT_BUDGET = 12;

export const SCORE_POLICY_LABELS: Readonly<Record<ScorePolicy, string>> = {
  'mastery-partial': 'Mastery, with partial credit for skills in progress',
  mastery: 'Mastery only (share of skills mastered)',
  correctness: 'Share of correct answers',
};

const clamp = (x: number, lo: number, hi: number): number => Math.min(hi, Math.max(lo, x));

/**
 * The pool size engineConfigFor needs: the fewest items any practised skill has (the no-repeat
 * gap must leave that skill something to serve).
 */
export function poolShape(pool: {
  readonly skills: readonly SkillId[];
  readonly items: readonly { readonly skillId: SkillId }[];
}): { readonly fewestTemplatesPerSkill: number } {
  const perSkill = pool.skills.map((s) => pool.items.filter((i) => i.skillId === s).length);
  return { fewestTemplatesPerSkill: Math.min(...perSkill.filter((n) => n > 0), 1_000) };
}

/**
 * The engine configuration of an assignment for one learner: the learner's pace nudges the
 * target success rate within the engine's allowed range.
 */
export function engineConfigFor(
  settings: AssignmentSettings,
  targetShift = 0,
  pool?: { readonly fewestTemplatesPerSkill: number },
): EngineConfig {
  return createEngineConfig({
    mastery: { criterion: settings.mastery },
    selection: {
      targetSuccess: clamp(settings.targetSuccess + targetShift, 0.5, 0.95),
      // Templates are parametric, so one can come back with new numbers: the no-repeat gap
      // only has to cycle through a skill's templates, not forbid them for ten answers.
      ...(pool === undefined
        ? {}
        : {
            minRepeatGap: clamp(
              pool.fewestTemplatesPerSkill - 1,
              0,
              DEFAULT_SELECTION.minRepeatGap,
            ),
          }),
      ...(settings.spacedReview ? {} : { maxReviewsFirst: 0 }),
    },
    scoring:
      settings.scorePolicy === 'correctness'
        ? { kind: 'correctness' }
        : { kind: 'mastery', partialCredit: settings.scorePolicy === 'mastery-partial' },
  });
}
