/**
 * Reads Moodle's GIFT text format into static templates (no variables).
 *
 * Supported: `//` comment lines, `::title::`, `$CATEGORY:` (→ the skill of the questions after
 * it), multiple choice `{=right ~wrong#feedback}`, multiple answers `{~%50%a ~%50%b ~%-100%c}`,
 * true/false `{T}` `{FALSE#wrong feedback#right feedback}`, short answer `{=a =b =%0%c#feedback}`,
 * numeric `{#3.5:0.1}`, `{#1..5}`, `{#=3:0 =%0%4:0#feedback ~#wrong feedback}`, general feedback
 * `####` (→ the worked solution), escapes `\{ \} \= \~ \# \: \n`, format markers `[html]`
 * (tags stripped, entities decoded: the text is escaped again when shown), `[markdown]`,
 * `[plain]`, `[moodle]` (kept as text), the missing-word form (`_____` where the answers were),
 * and questions separated by blank lines. Moodle's TeX delimiters `\(...\)` and `\[...\]` become
 * `$...$` and `$$...$$`; a lone `$` stays a literal dollar.
 * Every pattern is linear in the length of the text (files and questions are bounded by
 * IMPORT_LIMITS), and a numeric entity that names no character (`&#x110000;`) is refused.
 * Refused with a message: matching, essay, description and partial-credit answers, which a
 * Pathwise item (one right answer, marked right or wrong) cannot express.
 */
import { asItemId, asSkillId } from '../../engine/index.js';
import type { ContentProblem } from '../content.errors.js';
import type {
  ChoiceSpec,
  CommonError,
  ItemTemplate,
  Skill,
  SkillId,
  TemplateAnswer,
} from '../content.model.js';
import { count, fileTooLong, IMPORT_LIMITS } from './import-limits.js';
import type { ParsedSource, SourceRef } from './parsed-source.js';

/** Escaped characters are parked in the Unicode private-use area while the structure is read. */
const ESCAPES: readonly (readonly [string, string, string])[] = [
  ['\\\\', '\ue000', '\\\\'],
  ['\\:', '\ue001', ':'],
  ['\\#', '\ue002', '#'],
  ['\\=', '\ue003', '='],
  ['\\{', '\ue004', '{'],
  ['\\}', '\ue005', '}'],
  ['\\~', '\ue006', '~'],
  ['\\n', '\ue007', '\n'],
];

const MATH_DELIMITERS: readonly (readonly [string, string])[] = [
  ['$$', '$$'],
  ['\\(', '\\)'],
  ['\\[', '\\]'],
];

/**
 * `text.split(/(\$\$[\s\S]*?\$\$|\\\([\s\S]*?\\\)|\\\[[\s\S]*?\\\])/)`, in linear time: text and math
 * regions alternate (odd indexes are math). The regular expression rescans to the end of the
 * text for every opening delimiter that is never closed, which is quadratic.
 */
export function splitMathRegions(text: string): string[] {
  const parts: string[] = [];
  // A search for a closer from here on found nothing, so no later search can find one.
  const noCloserFrom = MATH_DELIMITERS.map(() => Number.POSITIVE_INFINITY);
  let last = 0;
  let i = 0;
  while (i < text.length - 1) {
    let end = -1;
    for (const [k, [open, close]] of MATH_DELIMITERS.entries()) {
      if (!text.startsWith(open, i) || i + 2 >= (noCloserFrom[k] ?? 0)) continue;
      const at = text.indexOf(close, i + 2);
      if (at === -1) {
        noCloserFrom[k] = i + 2;
        continue;
      }
      end = at + close.length;
      break;
    }
    if (end === -1) {
      i++;
      continue;
    }
    parts.push(text.slice(last, i), text.slice(i, end));
    last = i = end;
  }
  parts.push(text.slice(last));
  return parts;
}

/** Parks escapes; inside math `\n` stays TeX (`\neq`, `\nu`), not a line break. */
function protect(text: string): string {
  return splitMathRegions(text)
    .map((part, i) =>
      ESCAPES.filter(([escaped]) => i % 2 === 0 || escaped !== '\\n').reduce(
        (acc, [escaped, parked]) => acc.split(escaped).join(parked),
        part,
      ),
    )
    .join('');
}

function restore(text: string): string {
  return ESCAPES.reduce((acc, [, parked, plain]) => acc.split(parked).join(plain), text);
}

const NAMED_ENTITIES: Readonly<Record<string, string>> = {
  amp: '&',
  lt: '<',
  gt: '>',
  quot: '"',
  apos: "'",
  nbsp: ' ',
};

/** `<script ...>...</script>` and `<style ...>...</style>` removed, in linear time. */
function dropScriptsAndStyles(html: string): string {
  const opener = /<(script|style)\b/gi;
  const closed = new Map<string, boolean>();
  let out = '';
  let last = 0;
  for (let m = opener.exec(html); m !== null; m = opener.exec(html)) {
    const name = (m[1] ?? '').toLowerCase();
    const tagEnd = html.indexOf('>', m.index + m[0].length);
    if (tagEnd === -1) break; // no later tag is complete either
    if (closed.get(name) === false) continue;
    const closer = new RegExp(`</${name}\\s*>`, 'gi');
    closer.lastIndex = tagEnd + 1;
    const end = closer.exec(html);
    if (end === null) {
      closed.set(name, false); // and none after a later opener of the same element
      continue;
    }
    out += html.slice(last, m.index);
    last = end.index + end[0].length;
    opener.lastIndex = last;
  }
  return out + html.slice(last);
}

/** `html.replace(/<[^>]*>/g, '')` without rescanning the text for every unclosed `<`. */
function dropTags(html: string): string {
  let out = '';
  let last = 0;
  for (let lt = html.indexOf('<'); lt !== -1; lt = html.indexOf('<', last)) {
    const gt = html.indexOf('>', lt + 1);
    if (gt === -1) break;
    out += html.slice(last, lt);
    last = gt + 1;
  }
  return out + html.slice(last);
}

/** A code point that is a character: not 0, not a surrogate half, not beyond U+10FFFF. */
const isCharacter = (code: number): boolean =>
  Number.isInteger(code) && code > 0 && code <= 0x10ffff && !(code >= 0xd800 && code <= 0xdfff);

/**
 * HTML → plain text: scripts and styles dropped, block ends as line breaks, tags removed,
 * entities decoded. A numeric entity that names no character (`&#x110000;`, `&#xD800;`) is kept
 * as written and passed to `onInvalidEntity`.
 */
export function htmlToText(html: string, onInvalidEntity?: (entity: string) => void): string {
  return dropTags(
    dropScriptsAndStyles(html)
      .replace(/<br\s*\/?>/gi, '\n')
      .replace(/<\/(p|div|li|h[1-6]|tr)\s*>/gi, '\n'),
  )
    .replace(/&(#x[0-9a-f]+|#\d+|[a-z]+);/gi, (all, code: string) => {
      if (!code.startsWith('#')) return NAMED_ENTITIES[code.toLowerCase()] ?? all;
      const hex = code[1] === 'x' || code[1] === 'X';
      const value = parseInt(code.slice(hex ? 2 : 1), hex ? 16 : 10);
      if (isCharacter(value)) return String.fromCodePoint(value);
      onInvalidEntity?.(all);
      return all;
    })
    .replace(/\n{3,}/g, '\n\n')
    .trim();
}

/** Moodle's TeX delimiters to ours; a dollar that is not `$$` is a literal dollar. */
function convertMath(text: string): string {
  return splitMathRegions(text)
    .map((part, i) => {
      if (i % 2 === 1) {
        if (part.startsWith('$$')) return part;
        const inner = part.slice(2, -2);
        return part.startsWith('\\(') ? `$${inner}$` : `$$${inner}$$`;
      }
      return part.replace(/\$/g, '\\$');
    })
    .join('');
}

type TextFormat = 'moodle' | 'html' | 'plain' | 'markdown';

/** Reads a leading `[format]` marker; the text is still protected (escapes parked). */
function withFormat(raw: string, fallback: TextFormat): { text: string; format: TextFormat } {
  const m = /^\s*\[(moodle|html|plain|markdown)\]/.exec(raw);
  if (m === null) return { text: raw, format: fallback };
  return { text: raw.slice(m[0].length), format: m[1] as TextFormat };
}

function finalText(
  protectedText: string,
  format: TextFormat,
  onInvalidEntity?: (entity: string) => void,
): string {
  const text = restore(protectedText).trim();
  return convertMath(format === 'html' ? htmlToText(text, onInvalidEntity) : text);
}

const slugify = (text: string): string =>
  text
    .normalize('NFKD')
    .replace(/[\u0300-\u036f]/g, '')
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '')
    .slice(0, 60)
    .replace(/-+$/, '');

/** `$course$/top/Fractions/Adding like` → skill `fractions-adding-like` named "Adding like". */
export function skillFromCategory(category: string): Skill | undefined {
  const segments = category
    .split('/')
    .map((s) => s.trim())
    .filter((s) => s !== '' && !/^\$\w+\$$/.test(s) && s.toLowerCase() !== 'top');
  const id = slugify(segments.join('-'));
  const name = segments[segments.length - 1];
  if (id === '' || name === undefined) return undefined;
  return { id: asSkillId(id), name, description: segments.join(' / '), prerequisites: [] };
}

interface Block {
  readonly startLine: number;
  /** The block's lines joined by `\n`, comment lines blanked so offsets still map to lines. */
  readonly text: string;
}

function splitBlocks(source: string): Block[] {
  const lines = source
    .replace(/^\ufeff/, '')
    .replace(/\r\n?/g, '\n')
    .split('\n');
  const blocks: Block[] = [];
  let current: string[] = [];
  let start = 0;
  const flush = (): void => {
    if (current.some((l) => l.trim() !== '')) {
      const first = current.findIndex((l) => l.trim() !== '');
      blocks.push({ startLine: start + first + 1, text: current.slice(first).join('\n') });
    }
    current = [];
  };
  lines.forEach((line, i) => {
    if (line.trim() === '') {
      flush();
      start = i + 1;
      return;
    }
    if (current.length === 0) start = i;
    current.push(line.trim().startsWith('//') ? '' : line);
  });
  flush();
  return blocks;
}

interface Answer {
  readonly marker: '=' | '~';
  /** Percentage when written as `%n%`, else undefined. */
  readonly weight: number | undefined;
  readonly text: string;
  readonly feedback: string;
}

const WEIGHT = /^%(-?\d+(?:\.\d+)?)%/;

function splitFeedback(raw: string): { text: string; feedback: string } {
  const hash = raw.indexOf('#');
  return hash === -1
    ? { text: raw, feedback: '' }
    : { text: raw.slice(0, hash), feedback: raw.slice(hash + 1) };
}

/** `=a#f ~%50%b` → answers; the text before the first marker must be empty. */
function splitAnswers(answerText: string): { answers: Answer[]; stray: string } {
  const parts = answerText.split(/(?=[=~])/);
  const stray = parts[0] !== undefined && !/^[=~]/.test(parts[0]) ? (parts.shift() ?? '') : '';
  const answers = parts.map((part) => {
    const marker = part[0] === '=' ? '=' : '~';
    let body = part.slice(1).trimStart();
    const weight = WEIGHT.exec(body);
    if (weight !== null) body = body.slice(weight[0].length);
    const { text, feedback } = splitFeedback(body);
    return {
      marker,
      weight: weight === null ? undefined : Number(weight[1]),
      text: text.trim(),
      feedback: feedback.trim(),
    } as const;
  });
  return { answers, stray: stray.trim() };
}

const TRUE_FALSE = /^(T|TRUE|F|FALSE)$/;

/** A numeric answer (`value:tolerance` or `low..high`) longer than this is refused unread. */
const MAX_NUMERIC_CHARS = 100;

interface QuestionContext {
  readonly file: string;
  readonly index: number;
  readonly title: string | undefined;
  readonly line: number;
  readonly answerLine: number;
  readonly problems: ContentProblem[];
  /** `field entity` pairs already reported, so an entity repeated in a field is named once. */
  readonly reportedEntities: Set<string>;
}

function problem(
  q: QuestionContext,
  field: string | undefined,
  message: string,
  help: string,
  line?: number,
): void {
  q.problems.push({
    file: q.file,
    item: `question ${q.index}${q.title === undefined ? '' : ` "${q.title}"`}`,
    line: line ?? q.line,
    field,
    message,
    help,
  });
}

/** finalText, reporting entities that name no character as problems of `field`. */
function textOf(
  q: QuestionContext,
  field: string,
  protectedText: string,
  format: TextFormat,
  line?: number,
): string {
  return finalText(protectedText, format, (entity) => {
    const key = `${field} ${entity}`;
    if (q.reportedEntities.has(key)) return;
    q.reportedEntities.add(key);
    problem(
      q,
      field,
      `the HTML entity "${entity}" names no character (Unicode ends at &#x10FFFF;, and &#xD800;–&#xDFFF; are not characters)`,
      'write the character itself, or correct the number in the entity',
      line,
    );
  });
}

interface AnswerPart {
  readonly answer: TemplateAnswer;
  readonly correctFeedback?: string;
  readonly incorrectFeedback?: string;
}

function readChoices(
  q: QuestionContext,
  answers: readonly Answer[],
  format: TextFormat,
): AnswerPart | undefined {
  const multi = !answers.some((a) => a.marker === '=');
  const choices: ChoiceSpec[] = [];
  let ok = true;
  for (const [i, a] of answers.entries()) {
    let correct: boolean;
    if (a.marker === '=') correct = true;
    else if (a.weight === undefined || a.weight <= 0) correct = false;
    else if (multi || a.weight === 100) correct = true;
    else {
      problem(
        q,
        `answers[${i + 1}]`,
        `partial credit (~%${a.weight}%) is not supported in a single-answer question`,
        'mark the answer right with = or wrong with ~ (or remove every = to make a multiple-answer question)',
        q.answerLine,
      );
      ok = false;
      continue;
    }
    const field = `answers[${i + 1}]`;
    const own = withFormat(a.text, format);
    const text = textOf(q, field, own.text, own.format, q.answerLine);
    if (text === '') {
      problem(
        q,
        `answers[${i + 1}]`,
        'an answer has no text',
        'write the option after = or ~',
        q.answerLine,
      );
      ok = false;
    }
    choices.push({
      text,
      correct,
      feedback: a.feedback === '' ? null : textOf(q, field, a.feedback, format, q.answerLine),
    });
  }
  const correct = choices.filter((c) => c.correct).length;
  // Counts are checked only when every answer was readable, to avoid follow-on errors.
  if (!ok) return undefined;
  if (choices.length < 2) {
    problem(
      q,
      'answers',
      'a multiple-choice question needs at least two answers',
      'add wrong answers with ~',
      q.answerLine,
    );
    ok = false;
  }
  if (!multi && correct > 1) {
    problem(
      q,
      'answers',
      `${correct} answers are marked right with =, but a single-answer question has one`,
      'keep one = answer, or write a multiple-answer question with ~%50% weights',
      q.answerLine,
    );
    ok = false;
  }
  if (multi && correct === 0) {
    problem(
      q,
      'answers',
      'no answer has a positive weight',
      'mark the right answers with =, or give them positive weights such as ~%50%',
      q.answerLine,
    );
    ok = false;
  }
  if (!ok) return undefined;
  return {
    answer: multi
      ? { type: 'choice-multi', answer: { choices, shuffle: true } }
      : { type: 'choice-single', answer: { choices, shuffle: true } },
  };
}

function readNumeric(q: QuestionContext, body: string, format: TextFormat): AnswerPart | undefined {
  // A trailing `~#feedback` is the feedback for any other (wrong) answer.
  const tilde = body.indexOf('~');
  const wrongFeedback = tilde === -1 ? '' : splitFeedback(body.slice(tilde + 1)).feedback.trim();
  const answersText = (tilde === -1 ? body : body.slice(0, tilde)).trim();
  const { answers } = answersText.includes('=')
    ? splitAnswers(answersText)
    : { answers: [{ marker: '=', weight: undefined, ...splitFeedback(answersText) } as Answer] };
  let key: { value: number; tolerance: number; feedback: string } | undefined;
  const commonErrors: CommonError[] = [];
  let ok = true;
  for (const [i, a] of answers.entries()) {
    const field = `answers[${i + 1}]`;
    const spec = a.text.trim();
    // Checked before the patterns below, which backtrack over long runs of digits and dots.
    if (spec.length > MAX_NUMERIC_CHARS) {
      problem(
        q,
        field,
        `a numeric answer of ${count(spec.length)} characters is not a number Pathwise can read`,
        `write value:tolerance (3.5:0.1), a range low..high (1..5), or a number, in at most ${MAX_NUMERIC_CHARS} characters`,
        q.answerLine,
      );
      ok = false;
      continue;
    }
    let value: number;
    let tolerance: number;
    const range = /^(-?[\d.]+(?:e-?\d+)?)\s*\.\.\s*(-?[\d.]+(?:e-?\d+)?)$/i.exec(spec);
    const withTolerance = /^(-?[\d.]+(?:e-?\d+)?)\s*(?::\s*([\d.]+(?:e-?\d+)?))?$/i.exec(spec);
    if (range !== null) {
      const low = Number(range[1]);
      const high = Number(range[2]);
      value = (low + high) / 2;
      tolerance = Math.abs(high - low) / 2;
    } else if (withTolerance !== null) {
      value = Number(withTolerance[1]);
      tolerance = withTolerance[2] === undefined ? 0 : Number(withTolerance[2]);
    } else {
      problem(
        q,
        field,
        `"${restore(spec)}" is not a numeric answer`,
        'write value:tolerance (3.5:0.1), a range low..high (1..5), or a number',
        q.answerLine,
      );
      ok = false;
      continue;
    }
    if (!Number.isFinite(value) || !Number.isFinite(tolerance)) {
      problem(
        q,
        field,
        `"${restore(spec)}" is not a number`,
        'write digits with a point for decimals, e.g. 3.5:0.1',
        q.answerLine,
      );
      ok = false;
      continue;
    }
    const weight = a.weight ?? 100;
    if (weight === 100) {
      if (key !== undefined) {
        problem(
          q,
          field,
          'more than one numeric answer gets full marks',
          'keep one full-mark answer and widen its tolerance; other answers can be =%0%value#feedback for common mistakes',
          q.answerLine,
        );
        ok = false;
      }
      key = { value, tolerance, feedback: a.feedback };
    } else if (weight <= 0) {
      if (a.feedback !== '')
        commonErrors.push({
          value: String(value),
          feedback: textOf(q, field, a.feedback, format, q.answerLine),
        });
    } else {
      problem(
        q,
        field,
        `partial credit (=%${weight}%) is not supported`,
        'give full marks (no weight) or 0% with feedback for a common mistake',
        q.answerLine,
      );
      ok = false;
    }
  }
  if (key === undefined) {
    if (ok)
      problem(
        q,
        'answers',
        'no numeric answer gets full marks',
        'add the right value, e.g. {#3.5:0.1}',
        q.answerLine,
      );
    return undefined;
  }
  if (!ok) return undefined;
  return {
    answer: {
      type: 'numeric',
      answer: {
        value: String(key.value),
        tolerance: { kind: 'absolute', amount: key.tolerance },
        units: null,
        commonErrors,
      },
    },
    ...(key.feedback === ''
      ? {}
      : { correctFeedback: textOf(q, 'answers', key.feedback, format, q.answerLine) }),
    ...(wrongFeedback === ''
      ? {}
      : { incorrectFeedback: textOf(q, 'answers', wrongFeedback, format, q.answerLine) }),
  };
}

function readTrueFalse(q: QuestionContext, answerText: string, format: TextFormat): AnswerPart {
  const [value = '', wrong = '', right = ''] = answerText.split('#').map((s) => s.trim());
  const isTrue = value === 'T' || value === 'TRUE';
  const feedbackOf = (text: string): string | null =>
    text === '' ? null : textOf(q, 'answers', text, format, q.answerLine);
  const choices: ChoiceSpec[] = [
    { text: 'True', correct: isTrue, feedback: feedbackOf(isTrue ? right : wrong) },
    { text: 'False', correct: !isTrue, feedback: feedbackOf(isTrue ? wrong : right) },
  ];
  return { answer: { type: 'choice-single', answer: { choices, shuffle: false } } };
}

function readShortAnswer(
  q: QuestionContext,
  answers: readonly Answer[],
  format: TextFormat,
): AnswerPart | undefined {
  const accepted: string[] = [];
  const commonErrors: CommonError[] = [];
  let correctFeedback: string | undefined;
  let ok = true;
  for (const [i, a] of answers.entries()) {
    const field = `answers[${i + 1}]`;
    const text = textOf(q, field, a.text, format, q.answerLine);
    const weight = a.weight ?? 100;
    if (text === '') {
      problem(
        q,
        `answers[${i + 1}]`,
        'an answer has no text',
        'write the accepted answer after =',
        q.answerLine,
      );
      ok = false;
    } else if (weight === 100) {
      accepted.push(text);
      if (correctFeedback === undefined && a.feedback !== '')
        correctFeedback = textOf(q, field, a.feedback, format, q.answerLine);
    } else if (weight <= 0) {
      if (a.feedback !== '')
        commonErrors.push({
          value: text,
          feedback: textOf(q, field, a.feedback, format, q.answerLine),
        });
    } else {
      problem(
        q,
        `answers[${i + 1}]`,
        `partial credit (=%${weight}%) is not supported`,
        'accept the answer fully (=answer) or give it 0% with feedback',
        q.answerLine,
      );
      ok = false;
    }
  }
  if (ok && accepted.length === 0) {
    problem(q, 'answers', 'no answer is accepted', 'add at least one =answer', q.answerLine);
    ok = false;
  }
  if (!ok) return undefined;
  return {
    answer: { type: 'short-text', answer: { accepted, caseSensitive: false, commonErrors } },
    ...(correctFeedback === undefined ? {} : { correctFeedback }),
  };
}

function lineAt(block: Block, offset: number): number {
  let line = block.startLine;
  for (let i = 0; i < offset && i < block.text.length; i++) if (block.text[i] === '\n') line++;
  return line;
}

/**
 * A block that starts with `$CATEGORY:`: the rest of that line, and where the line ends. (The
 * pattern /^\s*\$CATEGORY:(.*)$/m that this replaces backtracks quadratically over whitespace.)
 */
function categoryLine(text: string): { name: string; end: number } | undefined {
  const start = text.length - text.trimStart().length;
  if (!text.startsWith('$CATEGORY:', start)) return undefined;
  const from = start + '$CATEGORY:'.length;
  const eol = /[\n\r\u2028\u2029]/g;
  eol.lastIndex = from;
  const end = eol.exec(text)?.index ?? text.length;
  return { name: text.slice(from, end), end };
}

/** Parses one GIFT file. Every problem is collected; questions with problems are left out. */
export function readGift(file: string, source: string): ParsedSource {
  const problems: ContentProblem[] = [];
  const templates: { template: ItemTemplate; ref: SourceRef }[] = [];
  const impliedSkills = new Map<string, Skill>();
  if (source.length > IMPORT_LIMITS.maxFileChars)
    return {
      file,
      skills: [],
      templates,
      impliedSkills: [],
      problems: [fileTooLong(file, source, IMPORT_LIMITS.maxFileChars)],
    };
  const fileSlug = slugify(file.replace(/^.*[\\/]/, '').replace(/\.[^.]*$/, '')) || 'gift';
  let category: SkillId | undefined;
  let index = 0;

  for (const block of splitBlocks(source)) {
    if (block.text.length > IMPORT_LIMITS.maxQuestionChars) {
      index++;
      problems.push({
        file,
        item: `question ${index}`,
        line: block.startLine,
        field: 'question text',
        message: `the question has ${count(block.text.length)} characters, more than the limit of ${count(IMPORT_LIMITS.maxQuestionChars)}`,
        help: 'shorten it (for [html], remove inline styles and embedded images), or split it into several questions',
      });
      continue;
    }
    let text = protect(block.text);
    let offset = 0;
    const header = categoryLine(text);
    if (header !== undefined) {
      const skill = skillFromCategory(restore(header.name));
      if (skill === undefined) {
        problems.push({
          file,
          item: undefined,
          line: block.startLine,
          field: 'category',
          message: 'the $CATEGORY line names no category',
          help: 'write e.g. "$CATEGORY: fractions-add-like" (a skill id or a category path)',
        });
      } else {
        category = skill.id;
        if (!impliedSkills.has(skill.id)) impliedSkills.set(skill.id, skill);
      }
      offset = header.end;
      text = text.slice(offset);
      if (text.trim() === '') continue;
    }

    index++;
    if (index > IMPORT_LIMITS.maxTemplatesPerFile) {
      problems.push({
        file,
        item: `question ${index}`,
        line: block.startLine,
        field: undefined,
        message: `the file has more than ${count(IMPORT_LIMITS.maxTemplatesPerFile)} questions, the limit per file`,
        help: 'split the questions over several files and import them together',
      });
      break;
    }
    const before = problems.length;
    let title: string | undefined;
    const titleMatch = /^\s*::([\s\S]*?)::/.exec(text);
    if (titleMatch !== null) {
      title = restore(titleMatch[1] ?? '').trim();
      text = text.slice(titleMatch[0].length);
      offset += titleMatch[0].length;
    }
    const open = text.indexOf('{');
    const close = open === -1 ? text.indexOf('}') : text.indexOf('}', open);
    const q: QuestionContext = {
      file,
      index,
      title,
      line: block.startLine,
      answerLine: lineAt(block, offset + Math.max(open, 0)),
      problems,
      reportedEntities: new Set(),
    };
    if (open === -1 && close === -1) {
      problem(
        q,
        'answers',
        'the question has no answers: descriptions are not practice items',
        'add an answer block such as {=right ~wrong}, or remove the text',
      );
      continue;
    }
    if (open === -1 || close === -1) {
      problem(
        q,
        'answers',
        open === -1 ? 'a "}" has no matching "{"' : 'the answer block "{" is never closed',
        'close the answer block with "}" (write a literal brace as \\{ or \\})',
        lineAt(block, offset + Math.max(open, close)),
      );
      continue;
    }
    if (text.indexOf('{', close) !== -1) {
      problem(
        q,
        'answers',
        'the question has more than one answer block',
        'keep one {...} block per question (write literal braces as \\{ and \\})',
        lineAt(block, offset + text.indexOf('{', close)),
      );
      continue;
    }

    let answerText = text.slice(open + 1, close).trim();
    const atEnd = text.slice(close + 1).trim() === '';
    const questionRaw = atEnd
      ? text.slice(0, open)
      : `${text.slice(0, open)}_____${text.slice(close + 1)}`;
    const question = withFormat(questionRaw, 'moodle');
    const prompt = textOf(q, 'question text', question.text, question.format);
    let generalFeedback = '';
    const general = answerText.lastIndexOf('####');
    if (general !== -1) {
      const own = withFormat(answerText.slice(general + 4), question.format);
      generalFeedback = textOf(q, 'general feedback', own.text, own.format, q.answerLine);
      answerText = answerText.slice(0, general).trim();
    }
    if (prompt === '')
      problem(
        q,
        'question text',
        'the question has no text',
        'write the question before the answer block',
      );

    let part: AnswerPart | undefined;
    const beforeFeedback = (answerText.split('#')[0] ?? '').trim();
    if (answerText === '') {
      problem(
        q,
        'answers',
        'an empty answer block {} is an essay question, which Pathwise cannot mark',
        'give the accepted answers, e.g. {=answer}',
      );
      continue;
    } else if (answerText.startsWith('#')) {
      part = readNumeric(q, answerText.slice(1), question.format);
    } else if (answerText.includes('~')) {
      const { answers, stray } = splitAnswers(answerText);
      if (stray !== '')
        problem(
          q,
          'answers',
          `"${restore(stray)}" comes before the first = or ~`,
          'start every answer with = (right) or ~ (wrong)',
          q.answerLine,
        );
      else part = readChoices(q, answers, question.format);
    } else if (answerText.includes('=') && answerText.includes('->')) {
      problem(
        q,
        'answers',
        'matching questions are not supported',
        'rewrite it as several multiple-choice questions',
      );
      continue;
    } else if (TRUE_FALSE.test(beforeFeedback)) {
      part = readTrueFalse(q, answerText, question.format);
    } else {
      const { answers, stray } = splitAnswers(answerText);
      if (stray !== '')
        problem(
          q,
          'answers',
          `"${restore(stray)}" comes before the first =`,
          'start every accepted answer with =, or use {T}/{F} for true/false',
          q.answerLine,
        );
      else part = readShortAnswer(q, answers, question.format);
    }
    if (category === undefined) {
      problem(
        q,
        'category',
        'no $CATEGORY line comes before this question, so it has no skill',
        'add a line such as "$CATEGORY: fractions-add-like" (then a blank line) before the first question',
      );
      continue;
    }
    // Any problem (an entity that names no character, say) leaves the question out.
    if (part === undefined || prompt === '' || problems.length > before) continue;

    const id = `${fileSlug}-${title === undefined || slugify(title) === '' ? `q${index}` : slugify(title)}`;
    const ref: SourceRef = {
      file,
      item: q.title === undefined ? `question ${index}` : `question ${index} "${q.title}"`,
      line: block.startLine,
      lineOf: (field) => (field.startsWith('answer') ? q.answerLine : undefined),
    };
    const template: ItemTemplate = {
      id: asItemId(id.slice(0, 80).replace(/-+$/, '')),
      title: title ?? prompt.slice(0, 60),
      skills: [category],
      difficulty: null,
      prompt,
      variables: {},
      constraints: [],
      derived: {},
      hints: [],
      solution: generalFeedback,
      feedback: {
        correct: part.correctFeedback ?? null,
        incorrect: part.incorrectFeedback ?? null,
      },
      ...part.answer,
    };
    templates.push({ template, ref });
  }
  return { file, skills: [], templates, impliedSkills: [...impliedSkills.values()], problems };
}
