import { existsSync } from 'node:fs';
import path from 'node:path';
import { expect } from 'chai';
import {
  findMathErrors,
  KATEX_DIST_DIR,
  renderMathText,
  splitMath,
} from '../../../src/content/math-render.js';

describe('renderMathText', () => {
  it('escapes HTML outside math: a <script> in a prompt stays text', () => {
    const html = renderMathText('Solve <script>alert("x")</script> & "quote" \'s');
    expect(html).to.equal(
      'Solve &lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; &quot;quote&quot; &#39;s',
    );
    expect(html).not.to.include('<script');
  });

  it('escapes HTML inside math too (KaTeX renders it as text, never as markup)', () => {
    const html = renderMathText(
      '$\\text{<script>alert(1)</script>}$ and $<img src=x onerror=alert(1)>$',
    );
    expect(html).not.to.include('<script');
    expect(html).not.to.include('<img');
  });

  it('renders inline and display math with KaTeX, HTML plus MathML for screen readers', () => {
    const html = renderMathText('Half is $\\frac{1}{2}$.\n$$x^2$$');
    expect(html.startsWith('Half is <span class="katex">')).to.equal(true);
    expect(html).to.include('<math xmlns="http://www.w3.org/1998/Math/MathML">');
    expect(html).to.include('<span class="katex-html" aria-hidden="true">');
    expect(html).to.include('<span class="katex-display">');
    expect(html).to.include('<br>');
  });

  it('keeps escaped and unmatched dollars as literal text', () => {
    expect(renderMathText('It costs \\$5 and \\$6.')).to.equal('It costs $5 and $6.');
    expect(renderMathText('A lone $ sign')).to.equal('A lone $ sign');
    expect(splitMath('a $x$ b')).to.deep.equal([
      { kind: 'text', text: 'a ' },
      { kind: 'math', tex: 'x', display: false },
      { kind: 'text', text: ' b' },
    ]);
  });

  it('does not throw on bad TeX; findMathErrors reports it', () => {
    const html = renderMathText('$\\frac{1}{$');
    expect(html).to.include('katex-error');
    expect(findMathErrors('$\\frac{1}{2}$')).to.deep.equal([]);
    const errors = findMathErrors('ok $\\fracc{1}{2}$');
    expect(errors).to.have.length(1);
    expect(errors[0]).to.include('\\fracc');
  });

  it('points at a KaTeX dist folder with the stylesheet and fonts to serve at /vendor/katex/', () => {
    expect(existsSync(path.join(KATEX_DIST_DIR, 'katex.min.css'))).to.equal(true);
    expect(existsSync(path.join(KATEX_DIST_DIR, 'fonts', 'KaTeX_Main-Regular.woff2'))).to.equal(
      true,
    );
  });
});
