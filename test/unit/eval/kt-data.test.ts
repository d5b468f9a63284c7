import { expect } from 'chai';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  datasetFile,
  loadDataset,
  parseRowFormat,
  parseSequenceFormat,
  readKtLog,
} from '../../../scripts/lib/kt-data.js';

const fixtures = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../fixtures/kt');

const shape = (seqs: ReturnType<typeof parseRowFormat>): string[][] =>
  seqs.map((s) => s.attempts.map((a) => `${a.itemId}/${a.skillId}/${a.correct ? 1 : 0}`));

describe('KT loaders (scripts/lib/kt-data.ts)', () => {
  describe('row per attempt', () => {
    it('reads the shared TSV layout, grouping rows by learner in file order', () => {
      const text =
        'user_id\titem_id\ttimestamp\tcorrect\tskill_id\n7\t12\t0\t1\t3\n7\t13\t0\t0\t3\n';
      const seqs = parseRowFormat(text);
      expect(seqs.map((s) => s.userId)).to.deep.equal(['7']);
      expect(shape(seqs)).to.deep.equal([['12/3/1', '13/3/0']]);
      expect(seqs[0]?.attempts[0]).to.not.have.property('at');
    });

    it('accepts common column aliases and keeps a real timestamp (seconds) as epoch ms', () => {
      const text = 'student_id,problem_id,skill_id,correct,timestamp\r\na,p1,s1,1,1700000000\r\n';
      const [seq] = parseRowFormat(text);
      expect(seq?.attempts[0]).to.deep.equal({
        itemId: 'p1',
        skillId: 's1',
        correct: true,
        at: 1_700_000_000_000,
      });
    });

    it('names the missing column and refuses an answer that is not 0 or 1', () => {
      expect(() => parseRowFormat('user_id,item_id,correct\n1,2,1\n')).to.throw(
        'missing column "skill_id"',
      );
      expect(() => parseRowFormat('user_id,item_id,correct,skill_id\n1,2,0.5,3\n')).to.throw(
        'line 2: correct must be 0 or 1, got "0.5"',
      );
    });
  });

  describe('DKT 3-line format', () => {
    it('reads count / ids / answers per learner, each id as both item and skill', () => {
      const log = readKtLog('3\n5,5,9\n0,1,1\n1\n9\n0\n');
      expect(log.format).to.equal('three-line');
      expect(log.sequences.map((s) => s.userId)).to.deep.equal(['0', '1']);
      expect(shape(log.sequences)).to.deep.equal([['5/5/0', '5/5/1', '9/9/1'], ['9/9/0']]);
    });

    it('tolerates trailing commas, CRLF, blank lines, tabs and extra fields on the count line', () => {
      const log = readKtLog('2,learner-a,\r\n4,\t7,\r\n1,0,\r\n\r\n1\r\n4\r\n1\r\n');
      expect(log.format).to.equal('three-line');
      expect(shape(log.sequences)).to.deep.equal([['4/4/1', '7/7/0'], ['4/4/1']]);
    });

    it('reports a count that disagrees with the ids or the answers', () => {
      expect(() => readKtLog('3\n1,2\n0,1,1\n')).to.throw(
        'learner 0: count 3 but 2 skills, 3 answers',
      );
      expect(() => parseSequenceFormat('2\n1,2\n0,2\n')).to.throw(
        'learner 0 (line 3): answers must be 0 or 1, got "2"',
      );
      expect(() => parseSequenceFormat('2\n1,2\n')).to.throw('multiple of 3 lines, got 2');
    });

    it('loads the fixture folder train.csv / test.csv (DKT style) and says which format it found', () => {
      const data = loadDataset(path.join(fixtures, 'dkt-3line'));
      expect(data.formats).to.deep.equal({ train: 'three-line', test: 'three-line' });
      expect(data.train.map((s) => s.attempts.length)).to.deep.equal([5, 3, 6, 4]);
      expect(shape(data.test)).to.deep.equal([
        ['1/1/1', '1/1/0', '2/2/1', '2/2/1'],
        ['2/2/0', '1/1/1', '2/2/1'],
      ]);
    });

    it('reads the older tiny-3line fixture exactly like its row-format twin', () => {
      const three = loadDataset(path.join(fixtures, 'tiny-3line'));
      const rows = loadDataset(path.join(fixtures, 'tiny'));
      expect(three.test.map((s) => s.attempts.map((a) => a.correct))).to.deep.equal(
        rows.test.map((s) => s.attempts.map((a) => a.correct)),
      );
    });
  });

  describe('AKT 4-line format and file discovery', () => {
    it('reads count / problem ids / skill ids / answers, finding *train.csv and *test.csv', () => {
      const dir = path.join(fixtures, 'tiny-4line');
      expect(path.basename(datasetFile(dir, 'train'))).to.equal('pid_train.csv');
      const data = loadDataset(dir);
      expect(data.formats).to.deep.equal({ train: 'four-line', test: 'four-line' });
      expect(shape(data.test)).to.deep.equal([
        ['101/1/1', '201/2/0', '203/2/1'],
        ['202/2/0', '202/2/1'],
      ]);
    });

    it('says what is missing when a folder has no train file', () => {
      expect(() => datasetFile(fixtures, 'train')).to.throw('no train.tsv/.csv/.txt');
    });
  });
});
