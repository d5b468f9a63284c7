import { expect } from 'chai';
import { answerMessages, checkAnswer } from '../../../src/content/answer-check.js';
import type {
  AnswerCheck,
  ItemInstance,
  LearnerResponse,
} from '../../../src/content/content.model.js';
import { instantiate } from '../../../src/content/generation.js';
import { inputMessages } from '../../../src/content/learner-input.js';
import { expressionTemplate, fractionTemplate, template } from './helpers.js';

function checked(instance: ItemInstance, response: LearnerResponse) {
  const result: AnswerCheck = checkAnswer(instance, response);
  if (result.status !== 'checked') throw new Error(`expected a mark, got: ${result.message}`);
  return result;
}

function invalidMessage(instance: ItemInstance, response: LearnerResponse): string {
  const result = checkAnswer(instance, response);
  if (result.status !== 'invalid')
    throw new Error(`expected invalid, got ${JSON.stringify(result)}`);
  return result.message;
}

describe('checkAnswer: fraction answers (exact equivalence)', () => {
  const threeQuarters = instantiate(fractionTemplate('fraction(3, 4)'), 1);

  for (const response of ['3/4', '0.75', '6/8', '  3 / 4 ', '.75', '75/100', '+3/4'])
    it(`accepts "${response}" as 3/4`, () => {
      const result = checked(threeQuarters, response);
      expect(result.correct, response).to.equal(true);
      expect(result.normalizedResponse).to.equal('3/4');
      expect(result.answerDisplay).to.equal('$\\frac{3}{4}$');
    });

  for (const response of ['4/3', '0.7', '-3/4', '3/5', '1'])
    it(`rejects "${response}"`, () => {
      expect(checked(threeQuarters, response).correct).to.equal(false);
    });

  it('reads mixed numbers as whole plus fraction, never as a product', () => {
    const oneAndAHalf = instantiate(fractionTemplate('fraction(3, 2)'), 1);
    expect(checked(oneAndAHalf, '1 1/2').correct).to.equal(true);
    expect(checked(oneAndAHalf, '3/2').correct).to.equal(true);
    expect(checked(oneAndAHalf, '1.5').correct).to.equal(true);
    const minus = instantiate(fractionTemplate('fraction(-7, 3)'), 1);
    expect(checked(minus, '-2 1/3').correct).to.equal(true);
    expect(checked(minus, '−7/3').correct, 'typographic minus').to.equal(true);
  });

  it('gives the common-error feedback for a known wrong answer', () => {
    const result = checked(threeQuarters, '6/16');
    expect(result.correct).to.equal(false);
    expect(result.feedback).to.equal('You added the denominators.');
  });

  it('says a close decimal is rounded rather than just wrong', () => {
    const third = instantiate(fractionTemplate('fraction(1, 3)'), 1);
    const result = checked(third, '0.333');
    expect(result.correct).to.equal(false);
    expect(result.feedback).to.equal(answerMessages.roundedDecimal);
  });

  it('with simplestForm, accepts only lowest terms and explains an unreduced fraction', () => {
    const simplest = instantiate(fractionTemplate('fraction(3, 4)', true), 1);
    expect(checked(simplest, '3/4').correct).to.equal(true);
    const unreduced = checked(simplest, '6/8');
    expect(unreduced.correct).to.equal(false);
    expect(unreduced.feedback).to.equal(answerMessages.notSimplest);
    const decimal = checked(simplest, '0.75');
    expect(decimal.correct).to.equal(false);
    expect(decimal.feedback).to.equal(answerMessages.notAFraction);
    const whole = instantiate(fractionTemplate('fraction(8, 4)', true), 1);
    expect(checked(whole, '2').correct).to.equal(true);
    expect(checked(whole, '4/2').correct).to.equal(false);
    const mixed = instantiate(fractionTemplate('fraction(3, 2)', true), 1);
    expect(checked(mixed, '1 1/2').correct).to.equal(true);
    expect(checked(mixed, '1 2/4').correct).to.equal(false);
  });

  it('refuses unreadable answers as invalid with what to fix, without marking', () => {
    expect(invalidMessage(threeQuarters, '')).to.equal(inputMessages.empty);
    expect(invalidMessage(threeQuarters, '   ')).to.equal(inputMessages.empty);
    expect(invalidMessage(threeQuarters, 'three quarters')).to.equal(inputMessages.notExactNumber);
    expect(invalidMessage(threeQuarters, '3/0')).to.equal(inputMessages.zeroDenominator);
    expect(invalidMessage(threeQuarters, '0,75')).to.equal(inputMessages.decimalComma);
    // An expression would let learners type the question back: only single numbers are read.
    expect(invalidMessage(threeQuarters, '1/2 + 1/4')).to.equal(inputMessages.notExactNumber);
  });
});

describe('checkAnswer: expression answers (equivalence at sample points)', () => {
  const expanded = instantiate(expressionTemplate('2x + 2'), 1);

  for (const response of [
    '2(x+1)',
    '2x+2',
    '2 * x + 2',
    'x + x + 2',
    '2 + 2x',
    '(x+1)*2',
    '4(x+1)/2',
  ])
    it(`accepts "${response}" as 2x + 2`, () => {
      expect(checked(expanded, response).correct, response).to.equal(true);
    });

  for (const response of ['2x + 3', 'x + 2', '2(x + 2)', 'x^2 + 2', '2'])
    it(`rejects "${response}"`, () => {
      expect(checked(expanded, response).correct, response).to.equal(false);
    });

  it('reads x(x+1) as a product, not a function call', () => {
    const quadratic = instantiate(expressionTemplate('x^2 + x'), 1);
    expect(checked(quadratic, 'x(x+1)').correct).to.equal(true);
    expect(checked(quadratic, 'x(x-1)').correct).to.equal(false);
  });

  it('gives the common-error feedback for a known wrong expression', () => {
    const result = checked(expanded, '1 + 2x');
    expect(result.correct).to.equal(false);
    expect(result.feedback).to.equal('Multiply the 1 by 2 as well.');
    expect(result.normalizedResponse).to.equal('1 + 2x');
  });

  it('with simplified, refuses brackets and uncollected terms with feedback', () => {
    const simplified = instantiate(expressionTemplate('2x + 2', true), 1);
    expect(checked(simplified, '2x + 2').correct).to.equal(true);
    expect(checked(simplified, '2 + 2x').correct).to.equal(true);
    for (const response of ['2(x + 1)', 'x + x + 2']) {
      const result = checked(simplified, response);
      expect(result.correct, response).to.equal(false);
      expect(result.feedback).to.equal(answerMessages.notSimplified);
    }
  });

  it('refuses unparsable input and unknown letters as invalid, naming the problem', () => {
    expect(invalidMessage(expanded, '')).to.equal(answerMessages.empty);
    expect(invalidMessage(expanded, '2x +')).to.match(/could not be read/);
    expect(invalidMessage(expanded, '2y + 2')).to.match(/"y" is not a variable of this question/);
    expect(invalidMessage(expanded, 'import(x)')).to.match(/not a function you can use/);
  });
});

describe('checkAnswer: numeric answers (tolerance and units)', () => {
  const numeric = (
    value: string,
    tolerance: { kind: 'absolute' | 'relative'; amount: number },
    units: { accepted: string[]; required: boolean } | null = null,
  ) =>
    instantiate(
      template({
        type: 'numeric',
        answer: {
          value,
          tolerance,
          units,
          commonErrors: [{ value: '1250', feedback: 'You forgot to divide by 100.' }],
        },
      }),
      1,
    );

  it('accepts values inside an absolute tolerance and rejects those outside', () => {
    const item = numeric('12.5', { kind: 'absolute', amount: 0.1 });
    expect(checked(item, '12.5').correct).to.equal(true);
    expect(checked(item, '12.59').correct).to.equal(true);
    expect(checked(item, '12.41').correct).to.equal(true);
    expect(checked(item, '12.62').correct).to.equal(false);
    expect(checked(item, '12.38').correct).to.equal(false);
  });

  it('scales a relative tolerance with the answer', () => {
    const item = numeric('2000', { kind: 'relative', amount: 0.01 });
    expect(checked(item, '2019').correct).to.equal(true);
    expect(checked(item, '1981').correct).to.equal(true);
    expect(checked(item, '2021').correct).to.equal(false);
  });

  it('is exact by default, up to float noise', () => {
    const item = numeric('0.1 + 0.2', { kind: 'absolute', amount: 0 });
    expect(checked(item, '0.3').correct).to.equal(true);
    expect(checked(item, '0.31').correct).to.equal(false);
  });

  it('accepts listed units in any case, marks a wrong unit with unit feedback', () => {
    const item = numeric(
      '12.5',
      { kind: 'absolute', amount: 0 },
      { accepted: ['cm', 'centimetres'], required: false },
    );
    expect(checked(item, '12.5').correct).to.equal(true);
    expect(checked(item, '12.5 cm').correct).to.equal(true);
    expect(checked(item, '12.5cm').correct).to.equal(true);
    expect(checked(item, '12.5 Centimetres').correct).to.equal(true);
    const wrongUnit = checked(item, '12.5 m');
    expect(wrongUnit.correct).to.equal(false);
    expect(wrongUnit.feedback).to.equal(answerMessages.wrongUnit('m', 'cm, centimetres'));
    expect(checked(item, '12.5 cm').answerDisplay).to.equal('12.5 cm');
  });

  it('refuses a bare number as invalid when the unit is required', () => {
    const item = numeric(
      '12.5',
      { kind: 'absolute', amount: 0 },
      { accepted: ['cm'], required: true },
    );
    expect(invalidMessage(item, '12.5')).to.equal(answerMessages.unitRequired('cm'));
    expect(checked(item, '12.5 cm').correct).to.equal(true);
  });

  it('reads currency before the number and shows it that way', () => {
    const item = numeric(
      '4.5',
      { kind: 'absolute', amount: 0.005 },
      { accepted: ['$', 'dollars'], required: false },
    );
    expect(checked(item, '$4.50').correct).to.equal(true);
    expect(checked(item, '4.5 dollars').correct).to.equal(true);
    expect(checked(item, '4.5').answerDisplay).to.equal('\\$4.5');
  });

  it('gives common-error feedback and refuses fractions and words as invalid', () => {
    const item = numeric('12.5', { kind: 'absolute', amount: 0 });
    expect(checked(item, '1250').feedback).to.equal('You forgot to divide by 100.');
    expect(checked(item, '13').feedback).to.equal(answerMessages.incorrect);
    expect(invalidMessage(item, '25/2')).to.equal(inputMessages.fractionInNumeric);
    expect(invalidMessage(item, 'twelve')).to.equal(inputMessages.notDecimal);
    expect(invalidMessage(item, '')).to.equal(inputMessages.empty);
    expect(checked(item, '1,250').normalizedResponse, 'thousands separator').to.equal('1250');
  });
});

describe('checkAnswer: multiple choice', () => {
  const choices = [
    { text: 'two', correct: true, feedback: null },
    { text: 'four', correct: true, feedback: null },
    { text: 'three', correct: false, feedback: '3 is odd.' },
    { text: 'five', correct: false, feedback: null },
  ];
  const multi = instantiate(
    template({ type: 'choice-multi', answer: { choices, shuffle: false } }),
    1,
  );
  const single = instantiate(
    template({
      type: 'choice-single',
      answer: { choices: choices.map((c, i) => ({ ...c, correct: i === 0 })), shuffle: false },
    }),
    1,
  );

  it('multi-select is right only for exactly the correct set, in any order', () => {
    expect(checked(multi, ['A', 'B']).correct).to.equal(true);
    expect(checked(multi, ['B', 'A']).correct).to.equal(true);
    expect(checked(multi, 'a, b').correct, 'comma-separated, any case').to.equal(true);
    expect(checked(multi, ['A']).correct, 'one missing').to.equal(false);
    expect(checked(multi, ['A', 'B', 'D']).correct, 'one extra').to.equal(false);
    expect(checked(multi, ['A', 'B']).normalizedResponse).to.equal('A, B');
  });

  it('multi-select explains a wrong pick with its feedback, else a missed option', () => {
    expect(checked(multi, ['A', 'C']).feedback).to.equal('3 is odd.');
    expect(checked(multi, ['A']).feedback).to.equal('You have not selected every correct option.');
  });

  it('refuses empty and unknown selections as invalid', () => {
    expect(invalidMessage(multi, [])).to.equal(answerMessages.chooseAtLeastOne);
    expect(invalidMessage(multi, ['A', 'Z'])).to.equal(answerMessages.unknownChoice('Z'));
    expect(invalidMessage(single, '')).to.equal(answerMessages.chooseOne);
    expect(invalidMessage(single, ['A', 'B'])).to.equal(answerMessages.oneChoiceOnly);
    expect(invalidMessage(single, 'E')).to.equal(answerMessages.unknownChoice('E'));
  });

  it('single choice marks the right id and returns the picked option feedback', () => {
    expect(checked(single, 'A').correct).to.equal(true);
    expect(checked(single, 'A').answerDisplay).to.equal('two');
    const wrong = checked(single, 'C');
    expect(wrong.correct).to.equal(false);
    expect(wrong.feedback).to.equal('3 is odd.');
    expect(checked(single, 'D').feedback).to.equal(answerMessages.incorrect);
  });
});

describe('checkAnswer: short text', () => {
  const item = (caseSensitive: boolean) =>
    instantiate(
      template(
        {
          type: 'short-text',
          answer: {
            accepted: ['New York', 'NYC'],
            caseSensitive,
            commonErrors: [
              { value: 'Washington', feedback: 'That is the capital, not the largest city.' },
            ],
          },
        },
        { feedback: { correct: 'Well done.', incorrect: null } },
      ),
      1,
    );

  it('accepts every listed variant after normalising case, spaces and a final full stop', () => {
    for (const response of ['New York', 'new york', '  NEW   york ', 'nyc', 'New York.'])
      expect(checked(item(false), response).correct, response).to.equal(true);
    expect(checked(item(false), 'new york').feedback).to.equal('Well done.');
  });

  it('rejects other answers, with feedback for a common wrong one', () => {
    expect(checked(item(false), 'Boston').correct).to.equal(false);
    expect(checked(item(false), 'washington').feedback).to.equal(
      'That is the capital, not the largest city.',
    );
  });

  it('respects case when the template asks for it', () => {
    expect(checked(item(true), 'New York').correct).to.equal(true);
    expect(checked(item(true), 'new york').correct).to.equal(false);
  });

  it('refuses an empty answer as invalid', () => {
    expect(invalidMessage(item(false), '  ')).to.equal(answerMessages.empty);
  });
});
