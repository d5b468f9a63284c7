import { expect } from 'chai';
import {
  applyPlacement,
  asSkillId,
  createEngineConfig,
  createLearnerState,
  masteryOf,
  nextPlacementSkill,
  recordPlacementAnswer,
  startPlacement,
} from '../../../src/engine/index.js';

const [a, b, c, d, e] = ['a', 'b', 'c', 'd', 'e'].map(asSkillId) as [
  ReturnType<typeof asSkillId>,
  ReturnType<typeof asSkillId>,
  ReturnType<typeof asSkillId>,
  ReturnType<typeof asSkillId>,
  ReturnType<typeof asSkillId>,
];
// A chain a <- b <- c <- d <- e (each needs the one before).
const skills = [a, b, c, d, e];
const graph = { b: [a], c: [b], d: [c], e: [d] };

describe('placement check (engine)', () => {
  it('probes the middle of the graph first: its answer settles the most', () => {
    expect(nextPlacementSkill(startPlacement(12), skills, graph, createLearnerState())).to.equal(c);
  });

  it('three right settle a skill and its prerequisites as known; two wrong its dependents as not', () => {
    let p = startPlacement(12);
    for (let i = 0; i < 3; i++) p = recordPlacementAnswer(p, c, true, skills, graph);
    expect([...p.known].sort()).to.deep.equal([a, b, c]);
    expect(p.done).to.equal(false);
    expect(nextPlacementSkill(p, skills, graph, createLearnerState())).to.equal(d);
    p = recordPlacementAnswer(p, d, false, skills, graph);
    p = recordPlacementAnswer(p, d, false, skills, graph);
    expect([...p.unknown].sort()).to.deep.equal([d, e]);
    expect(p.done).to.equal(true);
    expect(p.asked).to.equal(5);
  });

  it('stops at its budget, and applying it masters the known skills with a review card and a reason', () => {
    let p = startPlacement(2);
    p = recordPlacementAnswer(p, c, true, skills, graph);
    p = recordPlacementAnswer(p, c, false, skills, graph);
    expect(p.done).to.equal(true);
    const applied = applyPlacement(createLearnerState(), [a, b], createEngineConfig(), new Date(0));
    expect(masteryOf(applied.state, a).mastered).to.equal(true);
    expect(applied.changes.map((x) => x.code)).to.deep.equal(['PLACED', 'PLACED']);
    expect(applied.changes[0]?.why).to.contain('placement check showed you already know');
  });
});
