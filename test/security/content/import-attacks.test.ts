// Regressions for the hardening of the content import: each input below crashed the importer,
// hung it, or let an author expression run for seconds. Now each is refused, quickly, with a
// problem that names the file, the line and the field, and says what to fix.
import { expect } from 'chai';
import {
  formatProblem,
  TemplateError,
  type ContentProblem,
} from '../../../src/content/content.errors.js';
import type { ItemTemplate } from '../../../src/content/content.model.js';
import { EXPRESSION_LIMITS, GENERATION_LIMITS } from '../../../src/content/expression-bounds.js';
import { instantiate } from '../../../src/content/generation.js';
import { readGift } from '../../../src/content/import/gift-import.js';
import { IMPORT_LIMITS } from '../../../src/content/import/import-limits.js';
import { readJsonBank } from '../../../src/content/import/json-import.js';
import { parseJsonWithLines } from '../../../src/content/import/json-locations.js';
import { prepareImport } from '../../../src/content/import/prepare-import.js';
import type { ParsedSource } from '../../../src/content/import/parsed-source.js';
import { checkTemplate } from '../../../src/content/template-check.js';

const EMPTY = { skills: [], templates: [] };
const GIFT_HEADER = '$CATEGORY: fractions-add-like\n\n';

/** The problems of importing `sources` into an empty bank, and how long it took. */
function refusal(...sources: ParsedSource[]): { problems: ContentProblem[]; ms: number } {
  const start = performance.now();
  const result = prepareImport(sources, EMPTY, { replaceExisting: false });
  const ms = performance.now() - start;
  if (result.ok) throw new Error('expected the import to be refused');
  return { problems: result.error, ms };
}

const timed = <T>(run: () => T): { value: T; ms: number } => {
  const start = performance.now();
  const value = run();
  return { value, ms: performance.now() - start };
};

/** A problem located at file:line, with the field and advice the author needs. */
function expectLocated(
  problem: ContentProblem | undefined,
  where: { file: string; line: number; field?: string; item?: string },
  fix: RegExp,
): void {
  if (problem === undefined) throw new Error('expected a problem');
  expect(problem).to.include({ file: where.file, line: where.line });
  if (where.field !== undefined) expect(problem.field).to.equal(where.field);
  if (where.item !== undefined) expect(problem.item).to.equal(where.item);
  expect(problem.help).to.match(fix);
  expect(formatProblem(problem)).to.match(
    new RegExp(`^${where.file.replace('.', '\\.')}:${where.line}: `),
  );
}

const bankText = (templates: readonly unknown[]): string =>
  JSON.stringify(
    { format: 'pathwise-bank/1', skills: [{ id: 'powers', name: 'Powers' }], templates },
    null,
    2,
  );

const lineOf = (text: string, needle: string): number =>
  text.split('\n').findIndex((l) => l.includes(needle)) + 1;

const fractionTemplate = (
  derived: Record<string, string>,
  extra: Record<string, unknown> = {},
) => ({
  id: 'power-up',
  skills: ['powers'],
  type: 'fraction',
  prompt: 'What is ${{x|tex}}$?',
  variables: { a: { kind: 'integer', min: 2, max: 9 } },
  derived,
  answer: { value: 'x' },
  ...extra,
});

describe('content import: GIFT [html] entities outside Unicode', () => {
  for (const entity of ['&#x110000;', '&#99999999999;', '&#xD800;', '&#0;']) {
    it(`refuses ${entity} (it threw RangeError: Invalid code point) and names question, line and field`, () => {
      const source = `${GIFT_HEADER}::Fine:: Is 1 < 2? {T}\n\n::Bad:: [html]<p>Is ${entity} a letter?</p> {T}\n`;
      const parsed = readGift('entities.gift', source);
      expect(
        parsed.templates.map((t) => t.template.title),
        'the other question is read',
      ).to.deep.equal(['Fine']);
      const [problem, ...others] = refusal(parsed).problems;
      expect(others).to.deep.equal([]);
      expectLocated(
        problem,
        { file: 'entities.gift', line: 5, field: 'question text', item: 'question 2 "Bad"' },
        /write the character itself/,
      );
      expect(problem?.message).to.include(`"${entity}" names no character`);
    });
  }

  it('refuses a bad entity in an answer and in feedback with the answer field', () => {
    const parsed = readGift(
      'answers.gift',
      `${GIFT_HEADER}::Pick:: [html]Pick one {=<b>&\\#x110000;</b> ~two#&\\#xDFFF;}\n`,
    );
    const fields = refusal(parsed).problems.map((p) => [
      p.line,
      p.field,
      p.message.replace(/ names no character.*$/, ''),
    ]);
    expect(fields).to.deep.equal([
      [3, 'answers[1]', 'the HTML entity "&#x110000;"'],
      [3, 'answers[2]', 'the HTML entity "&#xDFFF;"'],
    ]);
  });

  it('still decodes entities that are characters', () => {
    const parsed = readGift('ok.gift', `${GIFT_HEADER}[html]Is &#x10FFFF;&#233;&#x41; &lt; 6? {T}`);
    expect(parsed.problems).to.deep.equal([]);
    expect(parsed.templates[0]?.template.prompt).to.equal('Is \u{10FFFF}éA < 6?');
  });
});

describe('content import: JSON nesting', () => {
  for (const depth of [6_200, 100_000]) {
    it(`refuses ${depth.toLocaleString('en-US')} nested lists (it overflowed the stack) at the line and field where the limit is passed`, () => {
      const text = `{\n  "format": "pathwise-bank/1",\n  "templates": [\n    ${'['.repeat(depth)}${']'.repeat(depth)}\n  ]\n}`;
      const { value: parsed, ms } = timed(() => readJsonBank('deep.json', { text }));
      expect(ms).to.be.below(1_000);
      const [problem, ...others] = parsed.problems;
      expect(others).to.deep.equal([]);
      expectLocated(
        problem,
        { file: 'deep.json', line: 4, item: 'template #1' },
        /remove the extra brackets/,
      );
      expect(problem?.message).to.include(
        `nested more than ${IMPORT_LIMITS.maxJsonDepth} levels deep`,
      );
      expect(problem?.field).to.match(/^\[0\]\[0\]/);
    });
  }

  it('refuses a "__proto__" key as an unknown field instead of replacing the object prototype', () => {
    const text = bankText([{ ...fractionTemplate({ x: 'fraction(a, 2)' }) }]).replace(
      '"id": "power-up",',
      '"id": "power-up",\n      "__proto__": { "title": "injected" },',
    );
    const parsed = readJsonBank('proto.json', { text });
    expect(parsed.templates).to.deep.equal([]);
    expect(parsed.problems.map((p) => [p.field, p.message])).to.deep.equal([
      [undefined, 'Unrecognized key: "__proto__"'],
    ]);
    expect(parsed.problems[0]?.item).to.equal('template "power-up" (#1)');
  });
});

describe('content import: JSON strings', () => {
  const escapes = '\\\\'.repeat(200_000);

  it('reads 200,000 backslash escapes inside $…$ in linear time (it took 22.6 s)', () => {
    const text = `{"prompt": "$${escapes}$"}`;
    const { value: parsed, ms } = timed(() =>
      parseJsonWithLines(text, { maxDepth: 64, maxStringChars: 1_000_000 }),
    );
    expect(ms).to.be.below(500);
    expect(parsed.ok && (parsed.value as { prompt: string }).prompt.length).to.equal(200_002);
  });

  it('refuses the same string at import for its size, quickly, with template, field and line', () => {
    const text = bankText([fractionTemplate({ x: 'fraction(a, 2)' }, { prompt: `$${escapes}$` })]);
    const { value: parsed, ms } = timed(() => readJsonBank('long.json', { text }));
    expect(ms).to.be.below(500);
    const [problem, ...others] = parsed.problems;
    expect(others).to.deep.equal([]);
    expectLocated(
      problem,
      { file: 'long.json', line: lineOf(text, '"prompt"'), field: 'prompt', item: 'template #1' },
      /shorten the text/,
    );
    expect(problem?.message).to.include(
      `longer than the limit of ${IMPORT_LIMITS.maxStringChars.toLocaleString('en-US')}`,
    );
  });

  it('refuses a file over the size limit before reading it, naming the line where the limit is passed', () => {
    const line = `  "${'x'.repeat(98)}",\n`;
    const text = `[\n${line.repeat(Math.ceil(IMPORT_LIMITS.maxFileChars / line.length) + 10)}]`;
    const { value: parsed, ms } = timed(() => readJsonBank('huge.json', { text }));
    expect(ms).to.be.below(500);
    expectLocated(
      parsed.problems[0],
      { file: 'huge.json', line: Math.ceil(IMPORT_LIMITS.maxFileChars / line.length) + 1 },
      /split it into several files/,
    );
    const gift = readGift('huge.gift', text);
    expect(gift.problems[0]?.message).to.match(
      /^the file has 2,00\d,\d{3} characters, more than the limit of 2,000,000/,
    );
  });

  it('refuses more templates than the per-file limit, before validating any of them', () => {
    const many = Array.from({ length: IMPORT_LIMITS.maxTemplatesPerFile + 1 }, () => ({}));
    const text = bankText(many);
    const parsed = readJsonBank('many.json', { text });
    expect(parsed.problems).to.have.length(1);
    expectLocated(
      parsed.problems[0],
      { file: 'many.json', line: lineOf(text, '"templates"'), field: 'templates' },
      /split the templates over several files/,
    );
  });
});

describe('content import: author expressions', () => {
  it('refuses derived "fraction(7)^3000000" at import in milliseconds (the dry run took 27.9 s)', () => {
    const text = bankText([fractionTemplate({ x: 'fraction(7)^3000000' })]);
    const { problems, ms } = refusal(readJsonBank('power.json', { text }));
    expect(ms).to.be.below(1_000);
    expect(problems).to.have.length(1);
    expectLocated(
      problems[0],
      {
        file: 'power.json',
        line: lineOf(text, '"x": "fraction(7)^3000000"'),
        field: 'derived.x',
        item: 'template "power-up" (#1)',
      },
      /write the exponent as a number from -64 to 64/,
    );
    expect(problems[0]?.message).to.include(
      `the exponent 3000000 in "fraction(7) ^ 3e+6" is beyond ±${EXPRESSION_LIMITS.maxExponent}`,
    );
  });

  it('refuses pow() and ^ with an exponent that is not a number written in the expression', () => {
    const text = bankText([
      fractionTemplate({ n: 'a + 1', x: 'pow(fraction(a), n)' }),
      fractionTemplate({ x: 'fraction(a)^(a*a)' }, { id: 'power-two' }),
    ]);
    const { problems } = refusal(readJsonBank('vary.json', { text }));
    expect(problems.map((p) => [p.item, p.field])).to.deep.equal([
      ['template "power-up" (#1)', 'derived.x'],
      ['template "power-two" (#2)', 'derived.x'],
    ]);
    for (const p of problems)
      expect(p.message).to.include('is not a number written in the expression');
  });

  it('refuses powers of powers across derived values by their estimated digits', () => {
    const text = bankText([fractionTemplate({ b: 'fraction(a)^64', x: 'b^64' })]);
    const { problems } = refusal(readJsonBank('chain.json', { text }));
    expect(problems.map((p) => p.field)).to.deep.equal(['derived.x']);
    expect(problems[0]?.message).to.match(
      /can produce numbers of about \d+ digits .*more than the limit of 200/,
    );
    expect(problems[0]?.help).to.include('use smaller exponents');
    expect(problems[0]?.line).to.equal(lineOf(text, '"x": "b^64"'));
  });

  it('refuses expressions too long or too deeply bracketed for mathjs, before parsing them', () => {
    const text = bankText([
      fractionTemplate({ x: `${'a + '.repeat(150)}a` }),
      fractionTemplate({ x: `${'('.repeat(4_000)}a${')'.repeat(4_000)}` }, { id: 'deep' }),
    ]);
    const { problems } = refusal(readJsonBank('shape.json', { text }));
    expect(problems.map((p) => [p.field, p.message.replace(/^"[^"]*": /, '')])).to.deep.equal([
      ['derived.x', `it has 601 characters, more than the limit of ${EXPRESSION_LIMITS.maxChars}`],
      ['derived.x', `it has 8001 characters, more than the limit of ${EXPRESSION_LIMITS.maxChars}`],
    ]);
    const brackets = bankText([fractionTemplate({ x: `${'('.repeat(40)}a${')'.repeat(40)}` })]);
    const [deep] = refusal(readJsonBank('brackets.json', { text: brackets })).problems;
    expect(deep?.message).to.include('nests brackets more than 32 levels deep');
  });

  it('still imports small powers such as fraction(a, 2)^3 and a^2', () => {
    const text = bankText([fractionTemplate({ x: 'fraction(a, 2)^3 + a^2' })]);
    const result = prepareImport([readJsonBank('fine.json', { text })], EMPTY, {
      replaceExisting: false,
    });
    expect(result.ok, JSON.stringify(!result.ok && result.error)).to.equal(true);
  });
});

describe('instance generation: values and texts that blow up are refused, not computed', () => {
  const base = (extra: Partial<ItemTemplate>): ItemTemplate => {
    const parsed = readJsonBank('t.json', {
      text: bankText([fractionTemplate({ x: 'fraction(a, 2)' })]),
    });
    const template = parsed.templates[0]?.template;
    if (template === undefined) throw new Error('the base template must parse');
    return { ...template, ...extra } as ItemTemplate;
  };

  it(`refuses a derived value of more than ${GENERATION_LIMITS.maxValueDigits} digits when it is drawn`, () => {
    // 50 × 2 = 100 digits estimated: under the import bound, over the generation bound.
    const template = base({
      variables: { a: { kind: 'integer', min: 10, max: 99, exclude: [] } },
      derived: { x: 'fraction(a)^50' },
    });
    const { value: error, ms } = timed(() => {
      try {
        instantiate(template, 1);
      } catch (e) {
        return e;
      }
      return undefined;
    });
    expect(ms).to.be.below(1_000);
    if (!(error instanceof TemplateError)) throw new Error('expected a TemplateError');
    expect(error.field).to.equal('derived.x');
    expect(error.message).to.include(
      `a value with more than ${GENERATION_LIMITS.maxValueDigits} digits`,
    );
    expect(error.help).to.include('lower the exponents');
    const [problem] = checkTemplate(template);
    expect(problem?.field).to.equal('derived.x');
  });

  it(`refuses a prompt that renders to more than ${GENERATION_LIMITS.maxRenderedChars.toLocaleString('en-US')} characters`, () => {
    const template = base({
      variables: { a: { kind: 'integer', min: 5, max: 9, exclude: [] } },
      derived: { x: 'fraction(a)^30 / 7' },
      prompt: '{{x}} '.repeat(1_600),
    });
    const problems = checkTemplate(template);
    expect(problems.map((p) => p.field)).to.deep.equal(['prompt']);
    expect(problems[0]?.message).to.include('renders to more than 20000 characters');
    expect(problems[0]?.help).to.include('repeat placeholders less');
  });

  it('refuses a template whose sampling passes its time budget, naming a field and a fix', () => {
    let clock = 0;
    const now = () => (clock += 700);
    const problems = checkTemplate(base({}), 20, { timeMs: 2_000, now });
    expect(problems).to.have.length(1);
    expect(problems[0]).to.include({ field: 'derived' });
    expect(problems[0]?.message).to.equal('sampling 20 instances takes longer than 2000 ms');
    expect(problems[0]?.help).to.include('simplify the expressions');
  });

  it('refuses, as a whole, an import whose sampling passes the import budget', () => {
    const text = bankText([
      fractionTemplate({ x: 'fraction(a, 2)' }),
      fractionTemplate({ x: 'fraction(a, 3)' }, { id: 'power-two' }),
    ]);
    let clock = 0;
    const result = prepareImport([readJsonBank('slow.json', { text })], EMPTY, {
      replaceExisting: false,
      checkTime: { templateMs: 1_000_000, importMs: 5 },
      now: () => (clock += 1),
    });
    if (result.ok) throw new Error('expected a refusal');
    expect(result.error.map((p) => [p.item, p.line, p.help])).to.deep.equal([
      [
        'template "power-two" (#2)',
        lineOf(text, '"id": "power-two"') - 1,
        'import the files in smaller groups',
      ],
    ]);
  });
});

describe('GIFT reader: patterns that were quadratic', () => {
  // Each took 1.3 to 8.7 s before (at 60,000 to 90,000 characters, under the question limit).
  const cases: readonly (readonly [string, string])[] = [
    ['30,000 unclosed \\( math delimiters', `Q ${'\\( '.repeat(30_000)}{T}`],
    ['30,000 unclosed \\[ math delimiters', `Q ${'\\[ '.repeat(30_000)}{T}`],
    ['45,000 unclosed < in [html]', `[html]Q ${'< '.repeat(45_000)}{T}`],
    ['60,000 line separators (U+2028)', `Q${'\u2028'.repeat(60_000)} {T}`],
    ['a numeric answer of 90,000 dots', `Q {#${'.'.repeat(90_000)}x}`],
  ];
  for (const [what, question] of cases) {
    it(`reads a question with ${what} in linear time, reporting problems with their lines`, () => {
      const { value: parsed, ms } = timed(() => readGift('long.gift', GIFT_HEADER + question));
      expect(ms).to.be.below(250);
      for (const p of parsed.problems) expect(p.line, p.message).to.be.a('number');
    });
  }

  it('refuses a question over the size limit with its line', () => {
    const parsed = readGift(
      'big.gift',
      `${GIFT_HEADER}Q {T}\n\nQ ${'x'.repeat(IMPORT_LIMITS.maxQuestionChars)} {T}`,
    );
    expect(parsed.templates).to.have.length(1);
    expectLocated(
      parsed.problems[0],
      { file: 'big.gift', line: 5, field: 'question text', item: 'question 2' },
      /shorten it/,
    );
  });
});
