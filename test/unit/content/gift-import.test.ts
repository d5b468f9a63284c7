import { expect } from 'chai';
import type { ItemTemplate } from '../../../src/content/content.model.js';
import { createRng } from '../../../src/engine/index.js';
import {
  htmlToText,
  readGift,
  skillFromCategory,
  splitMathRegions,
} from '../../../src/content/import/gift-import.js';

const HEADER = '// Pathwise GIFT test file\n$CATEGORY: $course$/top/Fractions/Adding like\n\n';

function only(source: string): ItemTemplate {
  const parsed = readGift('quiz.gift', HEADER + source);
  expect(parsed.problems, JSON.stringify(parsed.problems)).to.deep.equal([]);
  expect(parsed.templates).to.have.length(1);
  return parsed.templates[0]!.template;
}

describe('readGift', () => {
  it('maps $CATEGORY to a skill and ::title:: to the template id and title', () => {
    const parsed = readGift('unit 3/quiz.gift', `${HEADER}::Q 1:: What is 1 + 1? {=2 ~3}`);
    expect(parsed.impliedSkills).to.deep.equal([
      {
        id: 'fractions-adding-like',
        name: 'Adding like',
        description: 'Fractions / Adding like',
        prerequisites: [],
      },
    ]);
    const [entry] = parsed.templates;
    expect(entry?.template).to.include({ id: 'quiz-q-1', title: 'Q 1', prompt: 'What is 1 + 1?' });
    expect(entry?.template.skills).to.deep.equal(['fractions-adding-like']);
    expect(entry?.ref).to.include({ file: 'unit 3/quiz.gift', item: 'question 1 "Q 1"', line: 4 });
    expect(skillFromCategory('fractions-add-like')?.id).to.equal('fractions-add-like');
  });

  it('ignores // comment lines and separates questions by blank lines', () => {
    const parsed = readGift(
      'quiz.gift',
      `${HEADER}// first\n::A:: One? {=1 ~2}\n\n\n// second\n::B:: Two?\n{=2 ~3}`,
    );
    expect(parsed.problems).to.deep.equal([]);
    expect(parsed.templates.map((t) => t.template.id)).to.deep.equal(['quiz-a', 'quiz-b']);
    expect(parsed.templates[1]?.ref.line).to.equal(9);
  });

  it('reads multiple choice with per-answer feedback', () => {
    const t = only(
      "::Tomb:: Who is in Grant's tomb? {~Grant#No, his wife is too. ~Jefferson =no one#Right!}",
    );
    expect(t.type).to.equal('choice-single');
    if (t.type !== 'choice-single') return;
    expect(t.answer).to.deep.equal({
      shuffle: true,
      choices: [
        { text: 'Grant', correct: false, feedback: 'No, his wife is too.' },
        { text: 'Jefferson', correct: false, feedback: null },
        { text: 'no one', correct: true, feedback: 'Right!' },
      ],
    });
  });

  it('reads multiple answers with percentage weights as multi-select', () => {
    const t = only('Which are even? {~%50%2 ~%50%4 ~%-100%3#3 is odd. ~%0%5}');
    expect(t.type).to.equal('choice-multi');
    if (t.type !== 'choice-multi') return;
    expect(t.answer.choices.map((c) => [c.text, c.correct, c.feedback])).to.deep.equal([
      ['2', true, null],
      ['4', true, null],
      ['3', false, '3 is odd.'],
      ['5', false, null],
    ]);
  });

  it('reads true/false with wrong and right feedback, options kept in order', () => {
    const t = only(
      '::TF:: 2 is prime. {TRUE#Look again: 2 has two factors.#Yes, the only even prime.}',
    );
    expect(t.type).to.equal('choice-single');
    if (t.type !== 'choice-single') return;
    expect(t.answer).to.deep.equal({
      shuffle: false,
      choices: [
        { text: 'True', correct: true, feedback: 'Yes, the only even prime.' },
        { text: 'False', correct: false, feedback: 'Look again: 2 has two factors.' },
      ],
    });
    const f = only('The sun is cold. {F}');
    if (f.type !== 'choice-single') throw new Error('expected choice-single');
    expect(f.answer.choices.map((c) => c.correct)).to.deep.equal([false, true]);
  });

  it('reads short answers with accepted variants, and 0% answers as common errors', () => {
    const t = only('Two plus {=two =2 =%0%three#Off by one.} equals four.');
    expect(t.prompt).to.equal('Two plus _____ equals four.');
    expect(t.type).to.equal('short-text');
    if (t.type !== 'short-text') return;
    expect(t.answer).to.deep.equal({
      accepted: ['two', '2'],
      caseSensitive: false,
      commonErrors: [{ value: 'three', feedback: 'Off by one.' }],
    });
  });

  it('reads numeric answers with a tolerance, a range, and wrong-answer feedback', () => {
    const tolerance = only('Pi to one decimal? {#3.1:0.05}');
    expect(tolerance.type === 'numeric' && tolerance.answer).to.deep.equal({
      value: '3.1',
      tolerance: { kind: 'absolute', amount: 0.05 },
      units: null,
      commonErrors: [],
    });
    const range = only('A number from 1 to 5? {#1..5}');
    expect(range.type === 'numeric' && range.answer.value).to.equal('3');
    expect(range.type === 'numeric' && range.answer.tolerance).to.deep.equal({
      kind: 'absolute',
      amount: 2,
    });
    const many = only('Half of 7? {#=3.5:0#Exactly. =%0%3:0#Do not round. ~#Divide by 2.}');
    if (many.type !== 'numeric') throw new Error('expected numeric');
    expect(many.answer.commonErrors).to.deep.equal([{ value: '3', feedback: 'Do not round.' }]);
    expect(many.feedback).to.deep.equal({ correct: 'Exactly.', incorrect: 'Divide by 2.' });
  });

  it('takes #### general feedback as the worked solution', () => {
    const t = only('Half of 8? {#4####Divide 8 by 2: 8 ÷ 2 = 4.}');
    expect(t.solution).to.equal('Divide 8 by 2: 8 ÷ 2 = 4.');
  });

  it('unescapes \\{ \\} \\= \\~ \\# \\: and \\n, keeping TeX commands inside math', () => {
    const t = only(
      '::Esc\\:1:: Is a\\=b \\{really\\} \\~ \\#1?\\nNew line, $$\\frac\\{1\\}\\{2\\}$$ and \\(x \\neq 1\\) cost $3. {T}',
    );
    expect(t.title).to.equal('Esc:1');
    expect(t.prompt).to.equal(
      'Is a=b {really} ~ #1?\nNew line, $$\\frac{1}{2}$$ and $x \\neq 1$ cost \\$3.',
    );
  });

  it('strips [html] to text (the renderer escapes it again) and keeps [markdown] text', () => {
    const html = only('[html]<p>Is <b>5 &lt; 6</b>?</p><script>alert(1)</script>{T}');
    expect(html.prompt).to.equal('Is 5 < 6?');
    const markdown = only('[markdown]Is **5** less than 6?{T}');
    expect(markdown.prompt).to.equal('Is **5** less than 6?');
    expect(htmlToText('a<br>b&nbsp;&amp;&#233;')).to.equal('a\nb &é');
  });

  it('collects every error with file, question (title or index), line and field', () => {
    const source = [
      '::Before:: No category yet {=a ~b}',
      '',
      '$CATEGORY: Algebra',
      '',
      '::Match:: Pair them {=a -> 1 =b -> 2}',
      '',
      'Write an essay {}',
      '',
      '::Open:: Never closed {=a ~b',
      '',
      '::Partial::',
      'Pick {=a ~%50%b ~c}',
      '',
      '::Num:: How many? {#ten}',
      '',
      '::Two blocks:: {=a ~b} and {=c ~d}',
      '',
      '::Fine:: Ok {=yes}',
    ].join('\n');
    const parsed = readGift('bad.gift', source);
    const summary = parsed.problems.map((p) => [p.file, p.item, p.line, p.field]);
    expect(summary).to.deep.equal([
      ['bad.gift', 'question 1 "Before"', 1, 'category'],
      ['bad.gift', 'question 2 "Match"', 5, 'answers'],
      ['bad.gift', 'question 3', 7, 'answers'],
      ['bad.gift', 'question 4 "Open"', 9, 'answers'],
      ['bad.gift', 'question 5 "Partial"', 12, 'answers[2]'],
      ['bad.gift', 'question 6 "Num"', 14, 'answers[1]'],
      ['bad.gift', 'question 7 "Two blocks"', 16, 'answers'],
    ]);
    for (const p of parsed.problems) expect(p.help, p.message).to.not.equal('');
    expect(parsed.problems[0]?.help).to.include('$CATEGORY');
    expect(parsed.problems[4]?.message).to.include('partial credit');
    expect(parsed.problems[5]?.message).to.include('"ten" is not a numeric answer');
    expect(parsed.templates.map((t) => t.template.id)).to.deep.equal(['bad-fine']);
  });

  it('splits math regions and strips HTML exactly like the regular expressions they replace', () => {
    // The old patterns, quadratic on unclosed delimiters but the reference for everything else.
    const mathRegion = /(\$\$[\s\S]*?\$\$|\\\([\s\S]*?\\\)|\\\[[\s\S]*?\\\])/;
    const oldTags = (html: string): string =>
      html
        .replace(/<(script|style)\b[^>]*>[\s\S]*?<\/\1\s*>/gi, '')
        .replace(/<br\s*\/?>/gi, '\n')
        .replace(/<\/(p|div|li|h[1-6]|tr)\s*>/gi, '\n')
        .replace(/<[^>]*>/g, '');
    const pieces = [
      '$',
      '$$',
      '\\(',
      '\\)',
      '\\[',
      '\\]',
      '\\',
      '(',
      'a',
      ' ',
      '\n',
      '<',
      '>',
      '<b>',
      '<script>',
      '</script>',
      '<STYLE x>',
      '</style >',
      '<br/>',
      '</p>',
      'x',
      '&amp;',
    ];
    const rng = createRng(7);
    for (let i = 0; i < 3_000; i++) {
      const text = Array.from(
        { length: Math.floor(rng() * 30) },
        () => pieces[Math.floor(rng() * pieces.length)],
      ).join('');
      expect(splitMathRegions(text), JSON.stringify(text)).to.deep.equal(text.split(mathRegion));
      // htmlToText also decodes entities and trims: compare on text without them.
      const expected = oldTags(text)
        .replace(/&amp;/g, '&')
        .replace(/\n{3,}/g, '\n\n')
        .trim();
      expect(htmlToText(text), JSON.stringify(text)).to.equal(expected);
    }
  });
});
