/**
 * The prerequisite graph of skills must name only known skills and have no cycles (a cycle would
 * leave every skill on it forever "not ready" for the engine).
 */
import type { Skill, SkillId } from './content.model.js';

export type SkillGraphProblem =
  | {
      readonly type: 'unknown-prerequisite';
      readonly skillId: SkillId;
      readonly prerequisite: SkillId;
      readonly index: number;
    }
  | { readonly type: 'self-prerequisite'; readonly skillId: SkillId; readonly index: number }
  | { readonly type: 'cycle'; readonly skillIds: readonly SkillId[] };

/** Every problem of the graph; cycles are reported once each, as the path that closes them. */
export function checkSkillGraph(skills: readonly Skill[]): SkillGraphProblem[] {
  const problems: SkillGraphProblem[] = [];
  const byId = new Map(skills.map((s) => [s.id, s]));
  for (const skill of skills) {
    skill.prerequisites.forEach((prerequisite, index) => {
      if (prerequisite === skill.id)
        problems.push({ type: 'self-prerequisite', skillId: skill.id, index });
      else if (!byId.has(prerequisite))
        problems.push({ type: 'unknown-prerequisite', skillId: skill.id, prerequisite, index });
    });
  }
  // Depth-first search with colours; a grey node reached again closes a cycle.
  const colour = new Map<SkillId, 'grey' | 'black'>();
  const stack: SkillId[] = [];
  const visit = (id: SkillId): void => {
    colour.set(id, 'grey');
    stack.push(id);
    for (const next of byId.get(id)?.prerequisites ?? []) {
      if (next === id || !byId.has(next)) continue;
      const c = colour.get(next);
      if (c === 'grey')
        problems.push({ type: 'cycle', skillIds: [...stack.slice(stack.indexOf(next)), next] });
      else if (c === undefined) visit(next);
    }
    stack.pop();
    colour.set(id, 'black');
  };
  for (const skill of skills) if (!colour.has(skill.id)) visit(skill.id);
  return problems;
}

/** skill id → its direct prerequisites, in the shape the engine's Assignment takes. */
export function prerequisiteMap(skills: readonly Skill[]): Record<string, readonly SkillId[]> {
  return Object.fromEntries(skills.map((s) => [s.id, s.prerequisites]));
}
