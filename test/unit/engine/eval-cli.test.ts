import { expect } from 'chai';
import { fileURLToPath } from 'node:url';
import path from 'node:path';
import { evaluate, formatReport } from '../../../scripts/eval.js';
import { loadDataset, parseKtLog } from '../../../scripts/lib/kt-data.js';
import { auc } from '../../../scripts/lib/metrics.js';

const fixtures = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../fixtures/kt');

describe('eval CLI on the tiny fixture dataset', () => {
  it('loads row-per-attempt TSV and the three-line sequence format alike', () => {
    const tsv = loadDataset(path.join(fixtures, 'tiny'));
    const three = loadDataset(path.join(fixtures, 'tiny-3line'));
    expect(tsv.train.length).to.equal(40);
    expect(three.train.length).to.equal(40);
    expect(tsv.test.reduce((n, s) => n + s.attempts.length, 0)).to.equal(229);
    expect(three.test.map((s) => s.attempts.map((a) => a.correct))).to.deep.equal(
      tsv.test.map((s) => s.attempts.map((a) => a.correct)),
    );
    expect(three.test[0]?.attempts[0]?.skillId).to.equal(tsv.test[0]?.attempts[0]?.skillId);
  });

  it('rejects a malformed three-line file with a clear message', () => {
    expect(() => parseKtLog('3\n1,2\n0,1,1\n')).to.throw('count 3 but 2 skills, 3 answers');
  });

  it('reports the engine and all baselines with fixed numbers', () => {
    const { train, test } = loadDataset(path.join(fixtures, 'tiny'));
    const rep = evaluate(train, test);
    expect(rep.trainRows).to.equal(808);
    expect(rep.testRows).to.equal(229);
    expect(rep.engine.auc).to.be.closeTo(0.66039, 1e-4);
    expect(rep.engine.rmse).to.be.closeTo(0.47292, 1e-4);
    expect(rep.engine.logLoss).to.be.closeTo(0.63719, 1e-4);
    const b = Object.fromEntries(rep.baselines.map((x) => [x.name, x.m]));
    expect(Object.keys(b)).to.deep.equal([
      'global mean',
      'item mean',
      'Elo (learner + item)',
      'BKT per skill',
      'PFA',
    ]);
    expect(b['global mean']?.auc).to.equal(0.5);
    expect(b['item mean']?.auc).to.be.closeTo(0.5591, 1e-4);
    expect(b['Elo (learner + item)']?.auc).to.be.closeTo(0.5729, 1e-4);
    expect(b['BKT per skill']?.auc).to.be.closeTo(0.6793, 1e-4);
    expect(b.PFA?.rmse).to.be.closeTo(0.4749, 1e-4);
    expect(rep.calibration).to.have.length(10);
    expect(rep.calibration.reduce((n, x) => n + x.count, 0)).to.equal(229);
    const text = formatReport(rep);
    expect(text).to.contain('| Pathwise engine ');
    expect(text).to.contain('expected calibration error');
  });

  it('computes AUC with ties averaged', () => {
    expect(auc(Float64Array.from([0.1, 0.4, 0.4, 0.9]), Uint8Array.from([0, 0, 1, 1]))).to.equal(
      0.875,
    );
  });
});
