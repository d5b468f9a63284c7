/**
 * Gradebook scoring of an assignment, from mastery (share of target skills mastered, optionally
 * with partial credit) or from correctness, with an explanation for the student.
 */
import { skillStateOf } from './learner-model.js';
import type { EngineConfig } from './params.js';
import type { LearnerState, SkillId } from './types.js';

/** Answers counted in the assignment (for correctness scoring). */
export interface SetProgress {
  readonly answered: number;
  readonly correct: number;
}

/** A score ready for the gradebook. */
export interface AssignmentScore {
  readonly scoreGiven: number;
  readonly scoreMaximum: number;
  /** Text for the student. */
  readonly why: string;
  /** Contribution of each target skill (mastery scoring), in [0, 1]. */
  readonly perSkill: Readonly<Record<string, number>>;
}

const round = (x: number): number => Math.round(x * 1000) / 1000;

/**
 * Scores an assignment with `config.scoring`:
 * - `mastery`: 1 point per mastered target skill; with `partialCredit`, an unmastered skill earns
 *   half its progress towards the mastery threshold (so at most 0.5);
 * - `correctness`: share of correct answers in the set.
 */
export function scoreAssignment(
  learner: LearnerState,
  skills: readonly SkillId[],
  config: EngineConfig,
  progress: SetProgress = { answered: 0, correct: 0 },
): AssignmentScore {
  const policy = config.scoring;
  const targets = [...new Set(skills)];
  if (policy.kind === 'correctness') {
    const given = progress.answered === 0 ? 0 : progress.correct / progress.answered;
    return {
      scoreGiven: round(given * 100),
      scoreMaximum: 100,
      why: `Your score is the share of questions you answered correctly: ${progress.correct} of ${progress.answered}.`,
      perSkill: {},
    };
  }
  const threshold =
    config.mastery.criterion.kind === 'probability' ? config.mastery.criterion.threshold : 0.85;
  const perSkill: Record<string, number> = {};
  let total = 0;
  let masteredCount = 0;
  for (const s of targets) {
    const st = skillStateOf(learner, s);
    const credit = st.mastered
      ? 1
      : policy.partialCredit
        ? 0.5 * Math.min(1, st.mastery / threshold)
        : 0;
    if (st.mastered) masteredCount++;
    perSkill[s] = round(credit);
    total += credit;
  }
  const share = targets.length === 0 ? 0 : total / targets.length;
  const why = policy.partialCredit
    ? `You mastered ${masteredCount} of ${targets.length} skills; skills still in progress count for up to half a skill each, by how close you are to mastery.`
    : `Your score is the share of skills you mastered: ${masteredCount} of ${targets.length}.`;
  return { scoreGiven: round(share * 100), scoreMaximum: 100, why, perSkill };
}
