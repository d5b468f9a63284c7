import { skillStateOf } from '../../../src/engine/learner-model.js';
import {
  asItemId,
  asSkillId,
  type ItemStats,
  type ItemView,
  type LearnerState,
  type SkillState,
  type PoolItem,
} from '../../../src/engine/index.js';

export const STATS: ItemStats = { n: 20, correct: 12, residual: 1.5, information: 4 };

export const view = (itemId: string, skillId: string, stats: ItemStats = STATS): ItemView => ({
  itemId: asItemId(itemId),
  skillId: asSkillId(skillId),
  stats,
  skillStats: { n: 200, correct: 130 },
});

/** A pool of `perSkill` items in each skill, with easiness spread by index. */
export function makePool(skills: readonly string[], perSkill: number): PoolItem[] {
  const out: PoolItem[] = [];
  for (const s of skills) {
    for (let i = 0; i < perSkill; i++) {
      const n = 30;
      const correct = Math.round(n * (0.3 + (0.6 * i) / Math.max(1, perSkill - 1)));
      out.push({
        itemId: asItemId(`${s}-${i}`),
        skillId: asSkillId(s),
        stats: { n, correct, residual: 0, information: 6 },
      });
    }
  }
  return out;
}

/** Recursively freezes a value so any mutation by the engine throws in strict mode. */
export function deepFreeze<T>(value: T): T {
  if (value !== null && typeof value === 'object' && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const v of Object.values(value as Record<string, unknown>)) deepFreeze(v);
  }
  return value;
}

/** A learner's entry for a skill. */
export const skillOf = (state: LearnerState, skill: string): SkillState =>
  skillStateOf(state, asSkillId(skill));
