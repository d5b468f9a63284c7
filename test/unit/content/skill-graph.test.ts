import { expect } from 'chai';
import { asSkillId } from '../../../src/engine/index.js';
import type { Skill } from '../../../src/content/content.model.js';
import { checkSkillGraph, prerequisiteMap } from '../../../src/content/skill-graph.js';

const skill = (id: string, prerequisites: string[] = []): Skill => ({
  id: asSkillId(id),
  name: id,
  description: '',
  prerequisites: prerequisites.map(asSkillId),
});

describe('checkSkillGraph', () => {
  it('accepts a DAG and maps prerequisites for the engine', () => {
    const skills = [skill('a'), skill('b', ['a']), skill('c', ['a', 'b'])];
    expect(checkSkillGraph(skills)).to.deep.equal([]);
    expect(prerequisiteMap(skills)).to.deep.equal({ a: [], b: ['a'], c: ['a', 'b'] });
  });

  it('names unknown prerequisites with their position', () => {
    expect(checkSkillGraph([skill('a'), skill('b', ['a', 'ghost'])])).to.deep.equal([
      { type: 'unknown-prerequisite', skillId: 'b', prerequisite: 'ghost', index: 1 },
    ]);
  });

  it('names a skill that requires itself', () => {
    expect(checkSkillGraph([skill('a', ['a'])])).to.deep.equal([
      { type: 'self-prerequisite', skillId: 'a', index: 0 },
    ]);
  });

  it('reports a cycle as the path of skills that closes it', () => {
    const problems = checkSkillGraph([
      skill('a', ['c']),
      skill('b', ['a']),
      skill('c', ['b']),
      skill('d'),
    ]);
    expect(problems).to.deep.equal([{ type: 'cycle', skillIds: ['a', 'c', 'b', 'a'] }]);
  });
});
