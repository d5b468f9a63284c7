import { expect } from 'chai';
import { execFileSync } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { EngineValidationError } from '../../../src/engine/index.js';
import {
  DEFAULT_ASSIGNMENT_SETTINGS,
  engineConfigFor,
} from '../../../src/assignments/assignment-settings.js';
import { buildReport, DEFAULT_OPTIONS, parseArgs } from '../../../scripts/simulate.js';
import {
  CONTROLS,
  overrideConfig,
  pathwisePolicy,
  shippedEngineConfig,
  type Policy,
} from '../../../scripts/lib/sim/policies.js';
import { resample, quantile } from '../../../scripts/lib/sim/stats.js';
import { runLearner, runStudy } from '../../../scripts/lib/sim/study.js';
import { createLearner, DEFAULT_WORLD, makeBank, SKILLS } from '../../../scripts/lib/sim/world.js';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');
const TINY = { ...DEFAULT_OPTIONS, learners: 6, seeds: 2, cap: 60, bootstrap: 50 };

describe('simulation study', () => {
  it('runs the shipped default: what the app builds for the default assignment settings', () => {
    const shipped = shippedEngineConfig(12);
    expect(shipped).to.deep.equal(
      engineConfigFor(DEFAULT_ASSIGNMENT_SETTINGS, 0, { fewestTemplatesPerSkill: 12 }),
    );
    expect(shipped.mastery.criterion).to.deep.equal({ kind: 'probability', threshold: 0.85 });
    expect(shipped.selection.targetSuccess).to.equal(0.55);
  });

  it('applies a config override and refuses unknown keys or invalid values', () => {
    const base = shippedEngineConfig(12);
    const c = overrideConfig(base, { selection: { targetSuccess: 0.6 } });
    expect(c.selection.targetSuccess).to.equal(0.6);
    expect(c.mastery).to.deep.equal(base.mastery);
    expect(() => overrideConfig(base, { selection: { targetSucess: 0.6 } })).to.throw(
      /selection\.targetSucess/,
    );
    expect(() => overrideConfig(base, { selection: { targetSuccess: 2 } })).to.throw(
      EngineValidationError,
    );
    expect(parseArgs(['--policy-config', 'no-test-out']).policyConfig).to.deep.equal({
      mastery: { testOutFirstCorrect: 0 },
    });
    expect(() => parseArgs(['--frobnicate'])).to.throw(/unknown argument/);
  });

  it('gives the same numbers for the same seed and different ones for another seed', () => {
    const a = buildReport(TINY).report;
    const b = buildReport(TINY).report;
    expect(a).to.deep.equal(b);
    expect(buildReport({ ...TINY, seed: 2 }).report).to.not.deep.equal(a);
  });

  it('runs every policy on the same learners: a copy of a policy gets identical outcomes', () => {
    const shipped = shippedEngineConfig(12);
    const policies: Policy[] = [
      pathwisePolicy('a', shipped),
      pathwisePolicy('b', shipped),
      ...CONTROLS,
    ];
    const raw = runStudy({
      learners: 5,
      seeds: 1,
      seed: 3,
      cap: 80,
      world: DEFAULT_WORLD,
      shipped,
      policies,
    });
    expect(raw.outcomes.get('a')).to.deep.equal(raw.outcomes.get('b'));
    for (const p of policies) expect(raw.outcomes.get(p.name)).to.have.length(5);
  });

  it('counts a declaration made while the skill is not known as false mastery, and stops at the cap', () => {
    const bank = makeBank(1);
    const traits = {
      ...createLearner(1, 10, DEFAULT_WORLD),
      learnRate: SKILLS.map(() => 0),
      initiallyKnown: SKILLS.map(() => false),
    };
    const declareOnce: Policy = {
      name: 'declare-once',
      create: () => {
        let given = 0;
        return {
          next: () => (given++ === 0 ? 0 : null),
          observe: () => [{ skill: 0, testOut: false }],
          reviews: 0,
        };
      },
    };
    const shipped = shippedEngineConfig(12);
    const o = runLearner(declareOnce, traits, bank, shipped, 50, DEFAULT_WORLD);
    expect(o).to.include({
      declarations: 1,
      falseDeclarations: 1,
      itemsAnswered: 1,
      itemsToMastery: 50,
      reached: 0,
      stoppedAtCap: 0,
    });
    const never: Policy = {
      name: 'never-done',
      create: () => ({ next: () => 0, observe: () => [], reviews: 0 }),
    };
    const capped = runLearner(never, traits, bank, shipped, 50, DEFAULT_WORLD);
    expect(capped).to.include({ itemsAnswered: 50, stoppedAtCap: 1, itemsToMastery: 50 });
    expect(capped.sittings).to.equal(Math.ceil(50 / DEFAULT_WORLD.sessionItems));
  });

  it('smoke run: sensible ranges for every policy and a goal check for the shipped one', () => {
    const { report, summary } = buildReport(TINY);
    const policies = report.policies as Record<string, number>[];
    expect(policies.map((p) => p.name)).to.deep.equal([
      'pathwise',
      'fixed-streak',
      'fixed-probability',
      'random',
      'outer-fringe',
    ]);
    for (const p of policies) {
      for (const k of ['reachedMastery', 'postTest', 'delayedPostTest', 'stoppedAtCap']) {
        expect(p[k], k).to.be.within(0, 1);
      }
      expect(p.itemsToMastery).to.be.within(0, TINY.cap);
      expect(p.sessionLength).to.be.within(1, TINY.cap);
      expect(p.itemsOnKnownSkills).to.be.at.most(p.sessionLength!);
      expect(p.delayedPostTest).to.be.at.most(p.postTest! + 1e-9);
    }
    expect(summary.goals.map((g) => g.policy)).to.deep.equal(['pathwise']);
    expect(summary.comparisons.map((c) => c.against)).to.deep.equal(CONTROLS.map((c) => c.name));
  });

  it('resamples learners within each seed and reads quantiles', () => {
    const idx = resample([3, 2], () => 0.99);
    expect([...idx]).to.deep.equal([2, 2, 2, 4, 4]);
    expect(quantile([1, 2, 3, 4, 5], 0.5)).to.equal(3);
    expect(quantile([0, 10], 0.25)).to.equal(2.5);
  });

  it('prints exactly one JSON object of the documented shape with --json', function () {
    this.timeout(30_000);
    const out = execFileSync(
      process.execPath,
      [
        '--import',
        'tsx',
        'scripts/simulate.ts',
        '--json',
        '--learners',
        '3',
        '--seeds',
        '1',
        '--cap',
        '40',
        '--bootstrap',
        '20',
      ],
      { cwd: ROOT, encoding: 'utf8' },
    );
    const json = JSON.parse(out) as Record<string, unknown>;
    expect(Object.keys(json).slice(0, 3)).to.deep.equal(['shipped', 'seeds', 'policies']);
    expect(json.shipped).to.equal('pathwise');
    expect(json.seeds).to.equal(1);
    const policies = json.policies as Record<string, unknown>[];
    expect(policies.map((p) => p.name)).to.include.members(['pathwise', 'random']);
    for (const p of policies) {
      expect(p.name).to.be.a('string');
      for (const k of [
        'itemsToMastery',
        'reachedMastery',
        'falseMastery',
        'postTest',
        'delayedPostTest',
      ]) {
        expect(p[k], k).to.be.a('number');
      }
      for (const k of ['reachedMastery', 'postTest', 'delayedPostTest']) {
        expect(p[k], k).to.be.within(0, 1);
      }
    }
  });
});
