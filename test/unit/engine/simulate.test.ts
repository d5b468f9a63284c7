import { expect } from 'chai';
import { simulate } from '../../../scripts/simulate.js';
import { createEngineConfig } from '../../../src/engine/index.js';

describe('simulation study (small run)', () => {
  const config = createEngineConfig({
    selection: { exploreRate: 0 },
    mastery: { criterion: { kind: 'streak', inARow: 4 } },
  });

  it('is deterministic for a seed and runs every policy on the same learners', () => {
    const a = simulate(20, 5, config);
    const b = simulate(20, 5, config);
    expect(a).to.deep.equal(b);
    expect(Object.keys(a.policies)).to.deep.equal(['pathwise', 'fixed', 'random']);
    for (const outs of Object.values(a.policies)) {
      expect(outs).to.have.length(20);
      for (const o of outs) {
        expect(o.postTest).to.be.within(0, 1);
        expect(o.overPractice).to.be.at.most(o.length);
      }
    }
    expect(a.policies.fixed?.every((o) => o.length === 60)).to.equal(true);
  });
});
