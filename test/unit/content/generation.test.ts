import { expect } from 'chai';
import { TemplateError } from '../../../src/content/content.errors.js';
import { instantiate, instantiateWithValues, MAX_DRAWS } from '../../../src/content/generation.js';
import { checkAnswer } from '../../../src/content/answer-check.js';
import { renderTemplate } from '../../../src/content/templating.js';
import { fraction } from '../../../src/content/math.js';
import { template } from './helpers.js';

const gcd = (a: number, b: number): number => (b === 0 ? a : gcd(b, a % b));

const fractionSum = template(
  {
    type: 'fraction',
    answer: {
      value: 'fraction(a, b) + fraction(c, d)',
      simplestForm: false,
      commonErrors: [{ value: 'fraction(a + c, b + d)', feedback: 'Use a common denominator.' }],
    },
  },
  {
    id: 'frac-sum',
    prompt: 'Add $\\frac{{{a}}}{{{b}}} + \\frac{{{c}}}{{{d}}}$',
    variables: {
      a: { kind: 'integer', min: 1, max: 9, exclude: [] },
      b: { kind: 'integer', min: 2, max: 12, exclude: [7] },
      c: { kind: 'integer', min: 1, max: 9, exclude: [] },
      d: { kind: 'integer', min: 2, max: 12, exclude: [] },
    },
    constraints: ['a < b', 'c < d', 'gcd(a, b) == 1', 'b != d'],
    derived: { s: 'fraction(a, b) + fraction(c, d)' },
    hints: ['Common denominator of {{b}} and {{d}}.'],
    solution: 'The sum is ${{s|tex}}$.',
  },
);

const choices = template(
  {
    type: 'choice-single',
    answer: {
      shuffle: true,
      choices: [
        { text: '{{s}}', correct: true, feedback: null },
        { text: '{{p}}', correct: false, feedback: 'You multiplied.' },
        { text: '{{d}}', correct: false, feedback: 'You subtracted.' },
        { text: '{{w}}', correct: false, feedback: null },
      ],
    },
  },
  {
    id: 'sum-choice',
    prompt: 'What is {{a}} + {{b}}?',
    variables: {
      a: { kind: 'integer', min: 1, max: 20, exclude: [] },
      b: { kind: 'integer', min: 1, max: 20, exclude: [] },
    },
    derived: { s: 'a + b', p: 'a * b', d: 'a - b', w: 'a + b + 10' },
  },
);

describe('instantiate', () => {
  it('is deterministic: the same seed gives the same instance', () => {
    for (const seed of [0, 1, 42, 2 ** 31, 4294967295]) {
      expect(instantiate(fractionSum, seed)).to.deep.equal(instantiate(fractionSum, seed));
      expect(instantiate(choices, seed)).to.deep.equal(instantiate(choices, seed));
    }
  });

  it('varies with the seed', () => {
    const prompts = new Set(
      Array.from({ length: 30 }, (_, seed) => instantiate(fractionSum, seed).question.prompt),
    );
    expect(prompts.size).to.be.greaterThan(20);
    const positions = new Set(
      Array.from({ length: 30 }, (_, seed) => {
        const { key } = instantiate(choices, seed);
        return key.type === 'choice-single' ? key.correct : '';
      }),
    );
    expect(positions.size, 'the correct option moves between positions').to.be.greaterThan(2);
  });

  it('honours ranges, exclusions and every constraint', () => {
    for (let seed = 0; seed < 200; seed++) {
      const { values } = instantiateWithValues(fractionSum, seed);
      const [a, b, c, d] = ['a', 'b', 'c', 'd'].map((k) => Number(values[k]));
      expect(a).to.be.within(1, 9);
      expect(b).to.be.within(2, 12);
      expect(b).to.not.equal(7);
      expect(a! < b! && c! < d! && b !== d).to.equal(true);
      expect(gcd(a!, b!)).to.equal(1);
    }
  });

  it('computes derived values exactly and renders placeholders with filters', () => {
    const { instance, values } = instantiateWithValues(fractionSum, 7);
    const [a, b, c, d] = ['a', 'b', 'c', 'd'].map((k) => BigInt(Number(values[k])));
    const expected = fraction(a! * d! + c! * b!, b! * d!);
    expect(instance.key.type).to.equal('fraction');
    if (instance.key.type !== 'fraction') return;
    expect(instance.key.value).to.equal(`${expected.n}/${expected.d}`.replace(/\/1$/, ''));
    expect(instance.question.prompt).to.equal(`Add $\\frac{${a}}{${b}} + \\frac{${c}}{${d}}$`);
    expect(instance.solution).to.match(/^The sum is \$(\\frac\{\d+\}\{\d+\}|\d+)\$\.$/);
    expect(instance.hints).to.deep.equal([`Common denominator of ${b} and ${d}.`]);
    expect(checkAnswer(instance, instance.key.value)).to.include({
      status: 'checked',
      correct: true,
    });
  });

  it('keeps the key out of the question sent to the browser', () => {
    const instance = instantiate(choices, 3);
    expect(Object.keys(instance.question).sort()).to.deep.equal(
      ['choices', 'hintCount', 'prompt', 'templateId', 'type', 'units', 'variables'].sort(),
    );
    for (const choice of instance.question.choices)
      expect(Object.keys(choice).sort()).to.deep.equal(['id', 'text']);
    expect(instance.question.choices.map((c) => c.id)).to.deep.equal(['A', 'B', 'C', 'D']);
    expect(instance.key.type).to.equal('choice-single');
  });

  it('never shows two options with the same text (redraws instead)', () => {
    for (let seed = 0; seed < 300; seed++) {
      const texts = instantiate(choices, seed).question.choices.map((c) => c.text);
      expect(new Set(texts).size, `seed ${seed}: ${texts.join(', ')}`).to.equal(4);
    }
  });

  it('throws TemplateError naming the constraint when it can never hold', () => {
    const impossible = template(
      {
        type: 'numeric',
        answer: {
          value: 'a',
          tolerance: { kind: 'absolute', amount: 0 },
          units: null,
          commonErrors: [],
        },
      },
      {
        id: 'impossible',
        variables: { a: { kind: 'integer', min: 1, max: 5, exclude: [] } },
        constraints: ['a > 10'],
      },
    );
    let templateError: TemplateError | undefined;
    try {
      instantiate(impossible, 1);
    } catch (e) {
      if (!(e instanceof TemplateError)) throw e;
      templateError = e;
    }
    if (templateError === undefined) throw new Error('expected a TemplateError');
    expect(templateError.code).to.equal('TEMPLATE_UNSATISFIABLE');
    expect(templateError.templateId).to.equal('impossible');
    expect(templateError.message).to.include('constraint "a > 10"');
    expect(templateError.message).to.include(`${MAX_DRAWS} draws`);
    expect(templateError.help).to.match(/widen the variable ranges/);
  });

  it('throws TemplateError for a template with invalid expressions', () => {
    const broken = template(
      {
        type: 'numeric',
        answer: {
          value: 'a +',
          tolerance: { kind: 'absolute', amount: 0 },
          units: null,
          commonErrors: [],
        },
      },
      { id: 'broken', variables: { a: { kind: 'integer', min: 1, max: 5, exclude: [] } } },
    );
    expect(() => instantiate(broken, 1)).to.throw(TemplateError, /answer\.value/);
  });

  it('draws decimals on the step grid without float noise', () => {
    const decimal = template(
      {
        type: 'numeric',
        answer: {
          value: 'p',
          tolerance: { kind: 'absolute', amount: 0 },
          units: null,
          commonErrors: [],
        },
      },
      {
        id: 'decimal',
        prompt: '{{p}}',
        variables: { p: { kind: 'decimal', min: 0.1, max: 1.2, step: 0.1 } },
      },
    );
    const seen = new Set<string>();
    for (let seed = 0; seed < 200; seed++) seen.add(instantiate(decimal, seed).question.prompt);
    for (const text of seen) expect(text).to.match(/^(0\.[1-9]|1(\.[0-2])?)$/);
    expect(seen.size).to.equal(12);
  });
});

describe('renderTemplate filters', () => {
  it('writes values plainly, in TeX, signed and as coefficients', () => {
    const values = { a: 3, n: -3, one: 1, minusOne: -1, f: fraction(-3n, 4n), h: 0.1 + 0.2 };
    expect(renderTemplate('{{a}} {{n}} {{h}}', values)).to.equal('3 -3 0.3');
    expect(renderTemplate('{{f}} {{f|tex}}', values)).to.equal('-3/4 -\\frac{3}{4}');
    expect(renderTemplate('2x {{a|signed}}, 2x {{n|signed}}, {{f|tex-signed}}', values)).to.equal(
      '2x + 3, 2x - 3, - \\frac{3}{4}',
    );
    expect(renderTemplate('{{one|coef}}x {{minusOne|coef}}y {{a|coef}}z', values)).to.equal(
      'x -y 3z',
    );
    expect(renderTemplate('\\frac{{{a}}}{{{one}}}', values)).to.equal('\\frac{3}{1}');
  });
});
