import { expect } from 'chai';
import { seedFrom } from '../../../src/engine/index.js';
import {
  createLearner,
  createWorldParams,
  DEFAULT_WORLD,
  difficultyEffect,
  GRAPH_ERRORS,
  LearnerWorld,
  makeBank,
  NOISY_PREREQUISITES,
  pCorrect,
  SKILLS,
  topologicalOrder,
  TRUE_PREREQUISITES,
  type Bank,
  type LearnerTraits,
  type SimItem,
} from '../../../scripts/lib/sim/world.js';

const edges = (g: Readonly<Record<string, readonly string[]>>): Set<string> =>
  new Set(Object.entries(g).flatMap(([s, ps]) => ps.map((p) => `${s}<-${p}`)));

/** A bank with one item per given difficulty, all of skill 0. */
function bankOf(difficulties: readonly number[]): Bank {
  const items: SimItem[] = difficulties.map((difficulty, index) => ({
    index,
    skill: 0,
    difficulty,
    engine: makeBank(1).items[0]!.engine,
  }));
  return { items, bySkill: [items.map((i) => i.index)] };
}

/** A learner with the given initial knowledge and average traits. */
function learner(seed: number, known: boolean, overrides: Partial<LearnerTraits> = {}) {
  return {
    seed,
    ability: 0,
    slip: 0.1,
    guess: 0.2,
    learnRate: SKILLS.map(() => 0.3),
    initiallyKnown: SKILLS.map(() => known),
    gapsDays: [1, 1, 1],
    ...overrides,
  };
}

describe('simulation world', () => {
  it('builds the same bank and the same learner for the same seed, and different ones otherwise', () => {
    expect(makeBank(7)).to.deep.equal(makeBank(7));
    expect(makeBank(7)).to.not.deep.equal(makeBank(8));
    expect(createLearner(3, 10, DEFAULT_WORLD)).to.deep.equal(createLearner(3, 10, DEFAULT_WORLD));
    expect(createLearner(3, 10, DEFAULT_WORLD)).to.not.deep.equal(
      createLearner(4, 10, DEFAULT_WORLD),
    );
  });

  it('gives the policies a graph with exactly one true edge missing and one false edge added', () => {
    const truth = edges(TRUE_PREREQUISITES);
    const noisy = edges(NOISY_PREREQUISITES);
    const missing = [...truth].filter((e) => !noisy.has(e));
    const added = [...noisy].filter((e) => !truth.has(e));
    expect(missing).to.deep.equal([GRAPH_ERRORS.missing.join('<-')]);
    expect(added).to.deep.equal([GRAPH_ERRORS.added.join('<-')]);
    expect(topologicalOrder(SKILLS, NOISY_PREREQUISITES)).to.have.length(SKILLS.length);
  });

  it('gives noisy calibration statistics, with some items not calibrated at all', () => {
    const bank = makeBank(11);
    const ns = bank.items.map((i) => i.engine.stats.n);
    expect(ns.filter((n) => n === 0).length).to.be.within(1, bank.items.length / 3);
    for (const n of ns.filter((x) => x > 0)) expect(n).to.be.within(20, 40);
    // Easier items tend to have higher correct rates, but not perfectly (sampling noise).
    const rated = bank.items.filter((i) => i.engine.stats.n > 0);
    const rate = (i: SimItem): number => i.engine.stats.correct / i.engine.stats.n;
    let concordant = 0;
    let pairs = 0;
    for (const a of rated)
      for (const b of rated) {
        if (a.skill !== b.skill || a.difficulty >= b.difficulty) continue;
        pairs++;
        if (rate(a) > rate(b)) concordant++;
      }
    expect(concordant / pairs).to.be.within(0.55, 0.98);
  });

  it('answers with 1 - slip and guess at relative difficulty 0, less often on harder items', () => {
    expect(pCorrect(true, 0.1, 0.2, 0)).to.be.closeTo(0.9, 1e-12);
    expect(pCorrect(false, 0.1, 0.2, 0)).to.be.closeTo(0.2, 1e-12);
    expect(pCorrect(true, 0.1, 0.2, 1)).to.be.below(pCorrect(true, 0.1, 0.2, 0));
    expect(pCorrect(false, 0.1, 0.2, -1)).to.be.above(pCorrect(false, 0.1, 0.2, 0));
  });

  it('teaches most with items of moderate difficulty and little with far too easy or hard ones', () => {
    const w = DEFAULT_WORLD;
    expect(difficultyEffect(w.learnCentre, w)).to.be.closeTo(1, 1e-12);
    expect(difficultyEffect(-3, w)).to.be.below(0.2);
    expect(difficultyEffect(3, w)).to.be.below(0.2);
    // Empirically: attempts until learnt, moderate items vs very easy items.
    const attemptsToLearn = (difficulty: number): number => {
      let total = 0;
      for (let i = 0; i < 200; i++) {
        const world = new LearnerWorld(learner(seedFrom('d', i), false), bankOf([difficulty]), w);
        let k = 0;
        while (world.known[0] !== true && k < 500) world.attempt(0, k++ / 1440);
        total += k;
      }
      return total / 200;
    };
    expect(attemptsToLearn(-2.5)).to.be.above(2 * attemptsToLearn(0));
  });

  it('learns much more slowly while a true prerequisite is unknown', () => {
    const bank = makeBank(2);
    const s3item = bank.items[bank.bySkill[3]![0]!]!;
    const ready = new LearnerWorld(learner(1, true), bank, DEFAULT_WORLD);
    const notReady = new LearnerWorld(
      learner(1, false, { initiallyKnown: SKILLS.map((_, s) => s === 0) }),
      bank,
      DEFAULT_WORLD,
    );
    ready.known[3] = false;
    expect(notReady.prerequisitesKnown(3)).to.equal(false);
    expect(notReady.learnProbability(s3item)).to.be.closeTo(
      ready.learnProbability(s3item) * DEFAULT_WORLD.prereqFactor,
      1e-12,
    );
  });

  it('forgets known skills over time at the rate set by their stability', () => {
    let known = 0;
    let total = 0;
    for (let i = 0; i < 300; i++) {
      const world = new LearnerWorld(learner(seedFrom('f', i), true), makeBank(1), DEFAULT_WORLD);
      world.advanceTo(DEFAULT_WORLD.initialStabilityDays);
      known += world.known.filter((k) => k).length;
      total += SKILLS.length;
    }
    expect(known / total).to.be.closeTo(Math.exp(-1), 0.04);
    const world = new LearnerWorld(learner(5, true), makeBank(1), DEFAULT_WORLD);
    expect(world.expectedAccuracy(60)).to.be.below(world.expectedAccuracy(0));
  });

  it('grows stability on a spaced correct answer but not on massed practice', () => {
    const w = createWorldParams({ slipMin: 1e-6, slipMax: 1e-6 });
    const world = new LearnerWorld(learner(9, true, { slip: 1e-6 }), bankOf([-3]), w);
    world.attempt(0, 0.001);
    expect(world.stability[0]).to.equal(w.initialStabilityDays);
    world.attempt(0, 0.002);
    expect(world.stability[0]).to.equal(w.initialStabilityDays);
    world.attempt(0, 1);
    expect(world.stability[0]).to.equal(w.initialStabilityDays * w.stabilityGrowth);
  });

  it('uses the same random numbers for the k-th attempt on a skill whatever came before', () => {
    const bank = makeBank(4);
    const traits = createLearner(12, 10, DEFAULT_WORLD);
    const a = new LearnerWorld(traits, bank, DEFAULT_WORLD);
    const b = new LearnerWorld(traits, bank, DEFAULT_WORLD);
    const item0 = bank.bySkill[0]![0]!;
    const item1 = bank.bySkill[1]![0]!;
    b.attempt(item1, 0);
    b.attempt(item1, 0.001);
    const ra = a.attempt(item0, 0.002);
    const rb = b.attempt(item0, 0.002);
    expect(ra).to.deep.equal(rb);
  });

  it('refuses unknown or non-numeric world parameters', () => {
    expect(() => createWorldParams({ nope: 1 } as never)).to.throw(/unknown world parameter/);
    expect(() => createWorldParams({ slipMin: Number.NaN })).to.throw(/slipMin/);
  });
});
