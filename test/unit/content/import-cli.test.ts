import { expect } from 'chai';
import { describeImport, parseImportArgs } from '../../../src/content/import/import-cli.js';
import { err, ok } from '../../../src/shared/result.js';

describe('content import command line', () => {
  it('parses files and options, refusing unknown options and no files', () => {
    expect(parseImportArgs(['--replace', 'a.json', 'b.gift', '--dry-run'])).to.deep.equal(
      ok({ files: ['a.json', 'b.gift'], replace: true, dryRun: true }),
    );
    expect(parseImportArgs(['--force', 'a.json'])).to.deep.equal(err('unknown option --force'));
    expect(parseImportArgs([])).to.deep.equal(err('name at least one file to import'));
  });

  it('lists every problem and says the bank was not changed', () => {
    const report = describeImport(
      err({
        type: 'invalid-content',
        problems: [
          {
            file: 'a.json',
            item: 'template "t" (#1)',
            line: 12,
            field: 'answer.value',
            message: 'it does not parse',
            help: 'fix it',
          },
          {
            file: 'b.gift',
            item: undefined,
            line: 3,
            field: undefined,
            message: 'bad',
            help: 'do this',
          },
        ],
      }),
      false,
    );
    expect(report).to.deep.equal({
      failed: true,
      lines: [
        'Import refused: 2 problems found. The bank was not changed.',
        '  - a.json:12: template "t" (#1), field "answer.value": it does not parse. Fix: fix it',
        '  - b.gift:3: bad. Fix: do this',
      ],
    });
    expect(describeImport(err({ type: 'bank-changed' }), false).lines[1]).to.equal(
      'What to do: run the same command again.',
    );
  });

  it('summarises a successful or dry run', () => {
    const summary = {
      revision: 'r1',
      added: { skills: 1, templates: 4 },
      replaced: { skills: 0, templates: 1 },
      unchanged: { skills: 2, templates: 3 },
      totals: { skills: 3, templates: 8 },
    };
    expect(describeImport(ok(summary), false)).to.deep.equal({
      failed: false,
      lines: [
        'Imported 1 new skill(s) and 4 new template(s), replaced 0 skill(s) and 1 template(s); 5 were already identical.',
        'The bank now holds 3 skill(s) and 8 template(s).',
      ],
    });
    expect(describeImport(ok(summary), true).lines[0]).to.match(
      /^Dry run, nothing written: would import/,
    );
  });
});
