import { expect } from 'chai';
import { mathToPlainText } from '../../../src/content/math-render.js';

describe('mathToPlainText (accessible names of math labels)', function () {
  it('reads fractions, operators and text without TeX markup', function () {
    expect(mathToPlainText('$\\frac{3}{4}$ of $12$')).to.equal('3/4 of 12');
    expect(mathToPlainText('$2 \\times 3 \\div 6$')).to.equal('2 × 3 ÷ 6');
    expect(mathToPlainText('$x \\leq 5$')).to.equal('x ≤ 5');
    expect(mathToPlainText('$50\\%$')).to.equal('50%');
    expect(mathToPlainText('plain words')).to.equal('plain words');
  });
});
