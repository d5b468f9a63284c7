import { expect } from 'chai';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { runCli } from '../../../scripts/eval.js';

const fixtures = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../fixtures/kt');

function run(args: readonly string[]): { code: number; out: string; err: string } {
  let out = '';
  let err = '';
  const code = runCli(args, {
    out: (s) => {
      out += s;
    },
    err: (s) => {
      err += s;
    },
  });
  return { code, out, err };
}

const isMetrics = (m: unknown): boolean => {
  if (typeof m !== 'object' || m === null) return false;
  const r = m as Record<string, unknown>;
  return ['auc', 'rmse', 'logloss'].every((k) => typeof r[k] === 'number');
};

describe('eval CLI --json (scripts/eval.ts)', () => {
  it('prints exactly one JSON object with the agreed fields and nothing else', () => {
    const { code, out, err } = run(['--data', path.join(fixtures, 'tiny'), '--json']);
    expect(code).to.equal(0);
    expect(err).to.equal('');
    expect(out.endsWith('}\n')).to.equal(true);
    expect(out.trim().split('\n')).to.have.length(1);
    const json = JSON.parse(out) as Record<string, unknown>;
    expect(Object.keys(json).slice(0, 3)).to.deep.equal(['engine', 'masteryEce', 'baselines']);
    expect(Object.keys(json.engine as object)).to.deep.equal(['auc', 'rmse', 'logloss']);
    expect(isMetrics(json.engine)).to.equal(true);
    expect(json.masteryEce).to.be.a('number');
    const baselines = json.baselines as { name: unknown; auc: unknown }[];
    expect(baselines.map((b) => b.name)).to.deep.equal([
      'global mean',
      'item mean',
      'Elo (learner + item)',
      'BKT per skill',
      'PFA',
    ]);
    for (const b of baselines) expect(b.auc).to.be.a('number');
    expect(json.pCorrectEce).to.be.a('number');
    expect(json.masteryEceTarget).to.equal(0.03);
    const checkSet = json.checkSet as Record<string, unknown>;
    expect(checkSet.name).to.equal('item-as-skill');
    expect(checkSet.sameAsData).to.equal(false);
    expect(isMetrics(checkSet.engine)).to.equal(true);
    expect(json.masteryEceCheckSet).to.equal(checkSet.masteryEce);
    expect(json.masteryEceCheckSet).to.be.a('number');
    expect((json.skillAsItem as Record<string, unknown>).name).to.equal('skill-as-item');
  });

  it('keeps the engine figures of the tiny fixture (the eval does not change the engine)', () => {
    const json = JSON.parse(run(['--data', path.join(fixtures, 'tiny'), '--json']).out) as {
      engine: { auc: number; rmse: number; logloss: number };
    };
    expect(json.engine.auc).to.be.closeTo(0.66039, 1e-4);
    expect(json.engine.rmse).to.be.closeTo(0.47292, 1e-4);
    expect(json.engine.logloss).to.be.closeTo(0.63719, 1e-4);
  });

  it('on 3-line data reports the check sets as the data itself (each id is already its own skill)', () => {
    const { code, out } = run(['--data', path.join(fixtures, 'dkt-3line'), '--json']);
    expect(code).to.equal(0);
    const json = JSON.parse(out) as {
      masteryEce: number;
      masteryRows: number;
      checkSet: { sameAsData: boolean; masteryEce: number };
    };
    expect(json.masteryRows).to.equal(3);
    expect(json.checkSet.sameAsData).to.equal(true);
    expect(json.checkSet.masteryEce).to.equal(json.masteryEce);
  });

  it('--each-item-own-skill evaluates the check set alone, under its name', () => {
    const { out } = run(['--data', path.join(fixtures, 'tiny'), '--each-item-own-skill', '--json']);
    const json = JSON.parse(out) as { name: string; checkSet: unknown; skillAsItem: unknown };
    expect(json.name).to.equal('item-as-skill');
    expect(json.checkSet).to.equal(null);
    expect(json.skillAsItem).to.equal(null);
  });

  it('the Markdown report shows both calibrations and the targets of every set', () => {
    const { out } = run(['--data', path.join(fixtures, 'tiny')]);
    expect(out).to.contain('| P(correct): rows |');
    expect(out).to.contain('## Check set item-as-skill');
    expect(out).to.contain('## Check set skill-as-item');
    expect(out).to.match(/\| tiny +\| +\d\.\d{4} \| +\d\.\d{4} \|/);
    expect(out).to.match(/\| item-as-skill +\|/);
  });

  it('refuses bad arguments on stderr with exit code 2 and an empty stdout', () => {
    const bogus = run(['--data', path.join(fixtures, 'tiny'), '--check-set', 'bogus', '--json']);
    expect(bogus.code).to.equal(2);
    expect(bogus.out).to.equal('');
    expect(bogus.err).to.contain('unknown check set "bogus"; known: item-as-skill, skill-as-item');
    expect(run(['--json']).err).to.contain('missing --data');
  });

  it('reports an unreadable data folder on stderr with exit code 1', () => {
    const r = run(['--data', path.join(fixtures, 'nope'), '--json']);
    expect(r.code).to.equal(1);
    expect(r.out).to.equal('');
    expect(r.err).to.contain('no train.tsv/.csv/.txt');
  });
});
