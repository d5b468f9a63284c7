import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { expect } from 'chai';
import { asItemId, asSkillId } from '../../../src/engine/index.js';
import { formatProblem, type ContentProblem } from '../../../src/content/content.errors.js';
import type { ContentBank } from '../../../src/content/content.model.js';
import { createRng } from '../../../src/engine/index.js';
import { readJsonBank } from '../../../src/content/import/json-import.js';
import { parseJsonWithLines } from '../../../src/content/import/json-locations.js';
import { prepareImport } from '../../../src/content/import/prepare-import.js';
import { readGift } from '../../../src/content/import/gift-import.js';

const EMPTY: ContentBank = { skills: [], templates: [] };

const fractionTemplate = (id: string, extra: Record<string, unknown> = {}) => ({
  id,
  skills: ['fractions-add-like'],
  type: 'fraction',
  prompt: 'Add $\\frac{{{a}}}{{{d}}} + \\frac{{{b}}}{{{d}}}$',
  variables: {
    a: { kind: 'integer', min: 1, max: 9 },
    b: { kind: 'integer', min: 1, max: 9 },
    d: { kind: 'integer', min: 2, max: 12 },
  },
  constraints: ['a + b < d'],
  answer: { value: 'fraction(a + b, d)' },
  hints: ['Add the numerators.', 'Keep {{d}}.'],
  solution: 'It is ${{a}} + {{b}}$ over {{d}}.',
  ...extra,
});

const bankText = (value: unknown): string => JSON.stringify(value, null, 2);

const validFile = {
  format: 'pathwise-bank/1',
  skills: [
    { id: 'fractions-equivalent', name: 'Equivalent fractions' },
    {
      id: 'fractions-add-like',
      name: 'Adding like fractions',
      prerequisites: ['fractions-equivalent'],
    },
  ],
  templates: [fractionTemplate('frac-add-1')],
};

function problemsOf(
  files: { name: string; value: unknown }[],
  existing: ContentBank = EMPTY,
): ContentProblem[] {
  const result = prepareImport(
    files.map((f) => readJsonBank(f.name, { text: bankText(f.value) })),
    existing,
    { replaceExisting: false },
  );
  return result.ok ? [] : result.error;
}

describe('parseJsonWithLines', () => {
  it('gives the line of every value and the position of a syntax error', () => {
    const parsed = parseJsonWithLines('{\n  "a": [\n    1,\n    {"b": true}\n  ]\n}');
    if (!parsed.ok) throw new Error(parsed.message);
    expect(parsed.lineOf(['a', 1, 'b'])).to.equal(4);
    expect(parsed.lineOf(['a', 0])).to.equal(3);
    expect(parsed.lineOf(['a', 1, 'missing']), 'falls back to the enclosing value').to.equal(4);
    expect(parseJsonWithLines('{\n  "a": 1,\n}')).to.deep.include({
      ok: false,
      line: 3,
      column: 1,
    });
    expect(parseJsonWithLines('{"a": 1 "b": 2}')).to.deep.include({
      ok: false,
      line: 1,
      column: 9,
    });
    // "\frac" in JSON is a form feed followed by "rac": refused with a hint to double the backslash.
    const badEscape = parseJsonWithLines('{"p": "$\\frac{1}{2}$"}');
    expect(badEscape.ok).to.equal(false);
    if (!badEscape.ok) expect(badEscape.message).to.include('for TeX write "\\\\frac');
    const times = parseJsonWithLines('{"p": "$3 \\times 4$ but \\tabs and\\nlines are text"}');
    expect(times.ok).to.equal(false);
    expect(parseJsonWithLines('{"p": "$3 \\\\times 4$ and\\nNew line"}').ok).to.equal(true);
  });

  it('refuses "\\t", "\\n" and "\\r" before a letter inside $…$ exactly where the rescanning parser did', () => {
    // The previous parser counted the unescaped `$` of everything decoded so far, at every escape.
    const refusedBefore = (raw: string): boolean => {
      const simple: Record<string, string> = { '\\': '\\', t: '\t', n: '\n', r: '\r' };
      let out = '';
      for (let i = 0; i < raw.length; i++) {
        const next = raw[i + 1] ?? '';
        if (raw[i] !== '\\') out += raw[i] ?? '';
        else if (next === 'u') {
          out += String.fromCharCode(parseInt(raw.slice(i + 2, i + 6), 16));
          i += 5;
        } else {
          const inMath = (out.match(/(?<!\\)\$/g) ?? []).length % 2 === 1;
          if (inMath && 'tnr'.includes(next) && /[A-Za-z]/.test(raw[i + 2] ?? '')) return true;
          out += simple[next] ?? '';
          i++;
        }
      }
      return false;
    };
    const pieces = ['$', '\\\\', '\\t', '\\n', '\\r', 'a', 'x', ' ', '\\u0024', '\\u005c'];
    const rng = createRng(11);
    for (let i = 0; i < 3_000; i++) {
      const raw = Array.from(
        { length: Math.floor(rng() * 16) },
        () => pieces[Math.floor(rng() * pieces.length)],
      ).join('');
      expect(!parseJsonWithLines(`{"p": "${raw}"}`).ok, raw).to.equal(refusedBefore(raw));
    }
  });

  it('reads every demo bank file to the same value as JSON.parse', () => {
    const dir = path.join(import.meta.dirname, '../../../src/content/demo-bank');
    for (const file of readdirSync(dir).filter((f) => f.endsWith('.json'))) {
      const text = readFileSync(path.join(dir, file), 'utf8');
      const parsed = parseJsonWithLines(text);
      expect(parsed.ok && parsed.value, file).to.deep.equal(JSON.parse(text));
    }
  });
});

describe('JSON bank import', () => {
  it('reads a valid file into skills and templates with defaults filled in', () => {
    const parsed = readJsonBank('bank.json', { text: bankText(validFile) });
    expect(parsed.problems).to.deep.equal([]);
    expect(parsed.skills.map((s) => s.skill)).to.deep.equal([
      {
        id: 'fractions-equivalent',
        name: 'Equivalent fractions',
        description: '',
        prerequisites: [],
      },
      {
        id: 'fractions-add-like',
        name: 'Adding like fractions',
        description: '',
        prerequisites: ['fractions-equivalent'],
      },
    ]);
    const template = parsed.templates[0]?.template;
    expect(template).to.include({
      id: 'frac-add-1',
      title: 'frac-add-1',
      type: 'fraction',
      difficulty: null,
    });
    expect(template?.type === 'fraction' && template.answer).to.deep.equal({
      value: 'fraction(a + b, d)',
      simplestForm: false,
      commonErrors: [],
    });
    const templateLine = bankText(validFile)
      .split('\n')
      .findIndex((l) => l.includes('"id": "frac-add-1"'));
    expect(parsed.templates[0]?.ref).to.include({
      file: 'bank.json',
      item: 'template "frac-add-1" (#1)',
      line: templateLine,
    });
    const prepared = prepareImport([parsed], EMPTY, { replaceExisting: false });
    expect(prepared.ok).to.equal(true);
  });

  it('reports malformed JSON with the file, line and column', () => {
    const parsed = readJsonBank('broken.json', {
      text: '{\n  "format": "pathwise-bank/1",\n  "skills": [\n    { "id": "a" "name": "A" }\n  ]\n}',
    });
    expect(parsed.problems).to.have.length(1);
    const [problem] = parsed.problems;
    expect(problem).to.include({ file: 'broken.json', line: 4, item: undefined });
    expect(problem?.message).to.match(
      /invalid JSON at column 17: expected "," or "}" but found """/,
    );
    expect(formatProblem(problem!)).to.match(/^broken\.json:4: invalid JSON/);
  });

  it('reports every schema problem with its item, field and own line', () => {
    const file = {
      format: 'pathwise-bank/1',
      skills: [{ id: 'Fractions Add', name: 'x' }],
      templates: [
        fractionTemplate('ok-one'),
        { ...fractionTemplate('two'), type: 'fractional' },
        { ...fractionTemplate('three'), answer: { value: 'a', simplestFrom: true } },
        { ...fractionTemplate('four'), variables: { a: { kind: 'integer', min: 'one', max: 3 } } },
      ],
    };
    const text = bankText(file);
    const lines = text.split('\n');
    const lineOf = (needle: string): number => lines.findIndex((l) => l.includes(needle)) + 1;
    const parsed = readJsonBank('bad.json', { text });
    const summary = parsed.problems.map((p) => [p.item, p.field, p.line]);
    expect(summary).to.deep.equal([
      ['skill "Fractions Add" (#1)', 'id', lineOf('"Fractions Add"')],
      ['template "two" (#2)', 'type', lineOf('"fractional"')],
      ['template "three" (#3)', 'answer', lineOf('"simplestFrom"') - 2],
      ['template "four" (#4)', 'variables.a.min', lineOf('"one"')],
    ]);
    expect(parsed.problems[0]?.message).to.include('slug');
    expect(parsed.problems[1]?.message).to.include(
      'choice-single, choice-multi, numeric, fraction',
    );
    expect(parsed.problems[2]?.help).to.include('"simplestFrom"');
    expect(parsed.problems[3]?.help).to.include('give a number');
  });

  it('collects content problems across files: placeholders, expressions, constraints, skills, duplicates', () => {
    const second = {
      format: 'pathwise-bank/1',
      templates: [
        fractionTemplate('frac-add-1'),
        fractionTemplate('bad-placeholder', { hints: ['Look at {{e}}.'] }),
        fractionTemplate('bad-expression', { answer: { value: 'fraction(a + , d)' } }),
        fractionTemplate('never', { constraints: ['a > 100'] }),
        fractionTemplate('unknown-skill', { skills: ['ratios'] }),
        fractionTemplate('bad-tex', { prompt: 'Add $\\fracc{{{a}}}{{{d}}}$' }),
        fractionTemplate('not-rational', { answer: { value: 'sqrt(2) * a' } }),
      ],
    };
    const problems = problemsOf([
      { name: 'first.json', value: validFile },
      { name: 'second.json', value: second },
    ]);
    const summary = problems.map((p) => [p.file, p.item, p.field]);
    expect(summary).to.deep.equal([
      ['second.json', 'template "frac-add-1" (#1)', 'id'],
      ['second.json', 'template "bad-placeholder" (#2)', 'hints[0]'],
      ['second.json', 'template "bad-expression" (#3)', 'answer.value'],
      ['second.json', 'template "never" (#4)', 'constraints'],
      ['second.json', 'template "unknown-skill" (#5)', 'skills[0]'],
      ['second.json', 'template "bad-tex" (#6)', 'prompt'],
      ['second.json', 'template "not-rational" (#7)', 'answer.value'],
    ]);
    expect(problems[0]?.message).to.include(
      'also used by template "frac-add-1" (#1) at first.json:',
    );
    expect(problems[1]?.message).to.include('{{e}}');
    expect(problems[3]?.message).to.include('constraint "a > 100"');
    for (const p of problems) expect(p.line, `${p.item} ${p.field}`).to.be.a('number');
  });

  it('checks prerequisites against the bank and the import, and names cycles', () => {
    const existing: ContentBank = {
      skills: [
        {
          id: asSkillId('integers'),
          name: 'Integers',
          description: '',
          prerequisites: [asSkillId('fractions-add-like')],
        },
      ],
      templates: [],
    };
    const problems = problemsOf(
      [
        {
          name: 'skills.json',
          value: {
            format: 'pathwise-bank/1',
            skills: [
              { id: 'fractions-add-like', name: 'Add', prerequisites: ['integers'] },
              { id: 'ratios', name: 'Ratios', prerequisites: ['percentages'] },
            ],
          },
        },
      ],
      existing,
    );
    expect(problems.map((p) => [p.item, p.field, p.message])).to.deep.equal([
      [
        'skill "ratios" (#2)',
        'prerequisites[0]',
        'the prerequisite "percentages" is not a skill in this import or in the bank',
      ],
      [
        'skill "fractions-add-like" (#1)',
        'prerequisites',
        'the prerequisites form a cycle: integers → fractions-add-like → integers',
      ],
    ]);
  });

  it('refuses a changed entry whose id is in the bank unless replacing, and skips identical ones', () => {
    const first = prepareImport([readJsonBank('bank.json', { text: bankText(validFile) })], EMPTY, {
      replaceExisting: false,
    });
    if (!first.ok) throw new Error('expected a valid import');
    const bank = first.value.bank;
    const again = prepareImport([readJsonBank('bank.json', { text: bankText(validFile) })], bank, {
      replaceExisting: false,
    });
    expect(again.ok && again.value.unchanged).to.deep.equal({ skills: 2, templates: 1 });
    const changed = {
      ...validFile,
      templates: [fractionTemplate('frac-add-1', { hints: ['Another hint.', 'And one more.'] })],
    };
    const refused = prepareImport([readJsonBank('bank.json', { text: bankText(changed) })], bank, {
      replaceExisting: false,
    });
    expect(refused.ok).to.equal(false);
    if (!refused.ok) expect(refused.error[0]?.help).to.include('--replace');
    const replaced = prepareImport([readJsonBank('bank.json', { text: bankText(changed) })], bank, {
      replaceExisting: true,
    });
    expect(replaced.ok && replaced.value.replaced).to.deep.equal({ skills: 0, templates: 1 });
    expect(
      replaced.ok &&
        replaced.value.bank.templates.find((t) => t.id === asItemId('frac-add-1'))?.hints,
    ).to.deep.equal(['Another hint.', 'And one more.']);
  });

  it('lets a GIFT category name an existing skill without redefining it', () => {
    const first = prepareImport([readJsonBank('bank.json', { text: bankText(validFile) })], EMPTY, {
      replaceExisting: false,
    });
    if (!first.ok) throw new Error('expected a valid import');
    const gift = readGift(
      'extra.gift',
      '$CATEGORY: fractions-add-like\n\n::More:: Is 1/2 + 1/2 = 1? {T}',
    );
    const result = prepareImport([gift], first.value.bank, { replaceExisting: false });
    expect(result.ok).to.equal(true);
    if (!result.ok) return;
    expect(result.value.added).to.deep.equal({ skills: 0, templates: 1 });
    expect(
      result.value.bank.skills.find((s) => s.id === asSkillId('fractions-add-like'))?.name,
    ).to.equal('Adding like fractions');
  });
});
