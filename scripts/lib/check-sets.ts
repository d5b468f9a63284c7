/**
 * Check sets: transforms of a data set that stress one property of the engine, built from the
 * data set's own rows so the learner split (train / test) is kept exactly.
 *
 * `item-as-skill` relabels every row's skill to its item id, so each item is its own skill (as in
 * public logs that only know problem ids, or 3-line files of problem ids). Most "skills" then
 * have a handful of training answers and some test items none: the engine must fall back to its
 * priors there, and a per-skill mastery value has to stay calibrated with one item per skill.
 * Its mastery rows (a test response after the learner's first attempt at the skill) are repeats
 * of the same item, which are rare (915 test rows in ASSIST09), so its ECE has a sampling noise
 * floor near 0.03.
 *
 * `skill-as-item` relabels every row's item to its skill id: what public logs in the DKT 3-line
 * format look like (skill ids only, each "item" is its skill). Each item is again its own skill,
 * but nearly every row follows an earlier attempt at the skill, so its mastery ECE is measured on
 * most test rows.
 */
import { asItemId, asSkillId } from '../../src/engine/index.js';
import type { LearnerSequence } from './kt-data.js';

/** Names accepted by `--check-set`. */
export const CHECK_SETS = ['item-as-skill', 'skill-as-item'] as const;
export type CheckSetName = (typeof CHECK_SETS)[number];

export const isCheckSetName = (name: string): name is CheckSetName =>
  (CHECK_SETS as readonly string[]).includes(name);

/** Every attempt's skill becomes its item id (new sequences; the input is not modified). */
export function eachItemOwnSkill(seqs: readonly LearnerSequence[]): LearnerSequence[] {
  return seqs.map((s) => ({
    userId: s.userId,
    attempts: s.attempts.map((a) => ({ ...a, skillId: asSkillId(a.itemId) })),
  }));
}

/** Every attempt's item becomes its skill id (new sequences; the input is not modified). */
export function eachSkillOneItem(seqs: readonly LearnerSequence[]): LearnerSequence[] {
  return seqs.map((s) => ({
    userId: s.userId,
    attempts: s.attempts.map((a) => ({ ...a, itemId: asItemId(a.skillId) })),
  }));
}

/**
 * True when every attempt's skill already equals its item id: both transforms are then the
 * identity (3-line data).
 */
export const isEachItemOwnSkill = (seqs: readonly LearnerSequence[]): boolean =>
  seqs.every((s) => s.attempts.every((a) => (a.skillId as string) === a.itemId));

/** Applies a named check set to both parts of a data set. */
export function applyCheckSet(
  name: CheckSetName,
  data: { readonly train: readonly LearnerSequence[]; readonly test: readonly LearnerSequence[] },
): { train: LearnerSequence[]; test: LearnerSequence[] } {
  switch (name) {
    case 'item-as-skill':
      return { train: eachItemOwnSkill(data.train), test: eachItemOwnSkill(data.test) };
    case 'skill-as-item':
      return { train: eachSkillOneItem(data.train), test: eachSkillOneItem(data.test) };
  }
}

/** How much training evidence the test rows' items and skills have (for the report). */
export interface Coverage {
  readonly testRows: number;
  readonly trainSkills: number;
  readonly testRowsUnseenItem: number;
  readonly testRowsUnseenSkill: number;
  /** Test rows whose item has 1-4 training answers. */
  readonly testRowsFewItemAnswers: number;
}

export function coverage(
  train: readonly LearnerSequence[],
  test: readonly LearnerSequence[],
): Coverage {
  const items = new Map<string, number>();
  const skills = new Set<string>();
  for (const s of train)
    for (const a of s.attempts) {
      items.set(a.itemId, (items.get(a.itemId) ?? 0) + 1);
      skills.add(a.skillId);
    }
  let rows = 0;
  let unseenItem = 0;
  let unseenSkill = 0;
  let few = 0;
  for (const s of test)
    for (const a of s.attempts) {
      rows++;
      const n = items.get(a.itemId) ?? 0;
      if (n === 0) unseenItem++;
      else if (n < 5) few++;
      if (!skills.has(a.skillId)) unseenSkill++;
    }
  return {
    testRows: rows,
    trainSkills: skills.size,
    testRowsUnseenItem: unseenItem,
    testRowsUnseenSkill: unseenSkill,
    testRowsFewItemAnswers: few,
  };
}
