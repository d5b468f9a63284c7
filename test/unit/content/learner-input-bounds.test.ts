import { expect } from 'chai';
import { performance } from 'node:perf_hooks';
import {
  boundLearnerResponse,
  inputMessages,
  LEARNER_INPUT_LIMITS,
} from '../../../src/content/learner-input.js';
import { parseLearnerExpression, EXPRESSION_LIMITS } from '../../../src/content/math.js';
import { literalText, MAX_TEX_LENGTH, renderMathText } from '../../../src/content/math-render.js';

describe('learner input bounds (checked before any parsing)', () => {
  it('refuses a run of more digits than any answer needs, with the number message', () => {
    const digits = '9'.repeat(LEARNER_INPUT_LIMITS.maxDigitsPerNumber + 1);
    expect(boundLearnerResponse(`${digits}/2`, true)).to.deep.equal({
      ok: false,
      message: inputMessages.numberTooLong,
    });
    expect(
      boundLearnerResponse('9'.repeat(LEARNER_INPUT_LIMITS.maxDigitsPerNumber), true),
    ).to.deep.equal({ ok: true });
  });

  it('refuses math answers over the length limit and texts over theirs', () => {
    const long = 'x+'.repeat(LEARNER_INPUT_LIMITS.maxMathLength);
    expect(boundLearnerResponse(long, true).ok).to.equal(false);
    expect(boundLearnerResponse('a'.repeat(LEARNER_INPUT_LIMITS.maxTextLength), false).ok).to.equal(
      true,
    );
    expect(
      boundLearnerResponse('a'.repeat(LEARNER_INPUT_LIMITS.maxTextLength + 1), false).ok,
    ).to.equal(false);
  });

  it('refuses too many ticked options', () => {
    const many = Array.from({ length: LEARNER_INPUT_LIMITS.maxChoices + 1 }, (_, i) => `C${i}`);
    expect(boundLearnerResponse(many, false).ok).to.equal(false);
    expect(boundLearnerResponse(['A', 'C'], false).ok).to.equal(true);
  });

  it('takes linear time on a 100 kB answer', () => {
    const started = performance.now();
    boundLearnerResponse('1'.repeat(100_000), true);
    boundLearnerResponse('a '.repeat(50_000), false);
    expect(performance.now() - started).to.be.below(20);
  });
});

describe('parseLearnerExpression bounds (mathjs recurses per level)', () => {
  it('refuses deep brackets and too many terms with a message, never throws', () => {
    const deep = `${'('.repeat(EXPRESSION_LIMITS.maxDepth + 1)}x${')'.repeat(EXPRESSION_LIMITS.maxDepth + 1)}`;
    const deepParsed = parseLearnerExpression(deep, ['x']);
    expect(deepParsed.ok).to.equal(false);
    const many = Array.from({ length: 90 }, () => 'x').join('+');
    const manyParsed = parseLearnerExpression(many, ['x']);
    expect(manyParsed).to.deep.include({ ok: false });
    const long = parseLearnerExpression('1+'.repeat(50_000) + '1', ['x']);
    expect(long.ok).to.equal(false);
  });

  it('still reads ordinary answers', () => {
    expect(parseLearnerExpression('2(x + 1) - 3x', ['x']).ok).to.equal(true);
    expect(parseLearnerExpression('sqrt(x^2) + abs(-x)', ['x']).ok).to.equal(true);
  });
});

describe('renderMathText never fails a page', () => {
  it('shows TeX nested deeper than KaTeX survives (its stack overflows) as escaped source', () => {
    // 5,000 levels overflow KaTeX's recursion (RangeError even with throwOnError: false).
    const nested = `${'{'.repeat(5000)}x${'}'.repeat(5000)}`;
    const html = renderMathText(`before $${nested}$ after`);
    expect(html).to.contain('before');
    expect(html).to.contain('after');
    expect(html).to.contain('{{{');
  });

  it('shows a fragment longer than MAX_TEX_LENGTH as text without calling KaTeX', () => {
    const html = renderMathText(`$${'x+'.repeat(MAX_TEX_LENGTH)}$`);
    expect(html).not.to.contain('katex');
    expect(html.startsWith('$x+x+')).to.equal(true);
  });

  it('literalText keeps a learner’s dollars as dollars: shown as typed, never as math', () => {
    const html = renderMathText(`Your unit "${literalText('$\\frac{1}{2}$ <b>')}" is wrong`);
    expect(html).to.equal('Your unit &quot;$\\frac{1}{2}$ &lt;b&gt;&quot; is wrong');
  });
});
