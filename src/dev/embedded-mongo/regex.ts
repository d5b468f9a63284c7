// Regular expressions from clients: converted from BSON with MongoDB's option letters, and vetted
// before anything can run them.
//
// Trade-off (README.md, "Hostile input"): mingo runs every regex as a V8 backtracking RegExp on
// the server's only thread, and nothing can interrupt one once it has started, so a time limit
// would mean moving matching off-thread (a worker and a synchronous hand-off per document, plus
// re-implementing mingo's $regex/$in/$all/$regexMatch). Pathwise never sends a regex, so we refuse,
// loudly, every pattern whose matching cost we cannot bound from its text instead:
// - longer than 1,000 characters, or with a NUL (mongod's rules, with a lower length limit);
// - backreferences (matching with them is NP-hard);
// - a repeated group that contains a quantifier or an alternation (`(a+)+`, `(a|a)*`: exponential);
// - more than one unbounded quantifier (`a*a*x` is cubic: 268 s on 10,000 characters), or one
//   in a pattern that is not anchored with `^` (`.*x` is retried from every position: quadratic);
// - more than 100 backtracking steps per character of input (alternatives × length), or 10,000
//   in all for an anchored pattern without unbounded quantifiers.
// What remains is linear in the input: the worst accepted patterns take ~0.4 s per MB of text.
// Refusals answer code 2 BadValue naming the problem; syntax errors answer 51091 like mongod.
import { BSONRegExp } from 'bson';
import { ErrorCode, MongoCommandError, notImplemented } from './errors.js';
import { isPlainObject, type Document } from './values.js';

export const MAX_PATTERN_LENGTH = 1000;
/** Steps allowed per input character when the cost grows with the input's length. */
const MAX_STEPS_PER_CHARACTER = 100;
/** Steps allowed when the cost does not depend on the input (anchored, no unbounded quantifier). */
const MAX_STEPS_FIXED = 10_000;

const INVALID_REGEX = 51091;
const INVALID_REGEX_FLAG = 51108;

const regexExpressionOperators = new Set(['$regexMatch', '$regexFind', '$regexFindAll']);

/**
 * Walks a whole command once: converts every BSON regex to a RegExp with MongoDB's meaning of its
 * options, and refuses any regex (BSON value, `$regex`/`$options`, `$regexMatch`-family argument)
 * whose matching cost cannot be bounded. Also refuses the two ways a pattern could come from data
 * instead of the command: a computed `regex` argument, and `$dateFromString` formats, which mingo
 * turns into a regex without escaping.
 */
export function vetRegexes(command: Document): void {
  const stack: (Document | unknown[])[] = [command];
  for (let container = stack.pop(); container !== undefined; container = stack.pop()) {
    if (Array.isArray(container)) {
      for (let i = 0; i < container.length; i++) {
        const value: unknown = container[i];
        const replaced = vetValue(value);
        if (replaced !== undefined) container[i] = replaced;
        else if (Array.isArray(value) || isPlainObject(value)) stack.push(value);
      }
      continue;
    }
    for (const [key, value] of Object.entries(container)) {
      if (key === '$regex') vetRegexOperator(container);
      else if (regexExpressionOperators.has(key)) vetRegexExpression(key, value);
      else if (key === '$dateFromString') vetDateFormat(value);
      const replaced = vetValue(value);
      if (replaced !== undefined) container[key] = replaced;
      else if (Array.isArray(value) || isPlainObject(value)) stack.push(value);
    }
  }
}

/** A RegExp to put in place of a BSON regex, after vetting; undefined for anything else. */
function vetValue(value: unknown): RegExp | undefined {
  if (value instanceof BSONRegExp) return compile(value.pattern, jsFlags(value.options));
  if (value instanceof RegExp) vetPattern(value.source, jsFlags(value.flags));
  return undefined;
}

function vetRegexOperator(container: Document): void {
  const pattern = container['$regex'];
  const options = container['$options'];
  if (options !== undefined && typeof options !== 'string') {
    throw new MongoCommandError(ErrorCode.BadValue, '$options has to be a string');
  }
  if (typeof pattern === 'string') {
    const flags = jsFlags(options ?? '');
    vetPattern(pattern, flags);
    if (options !== undefined) container['$options'] = flags;
    return;
  }
  const source = regexSource(pattern);
  if (source === undefined) {
    throw new MongoCommandError(ErrorCode.BadValue, '$regex has to be a string');
  }
  // mingo applies $options in place of the regex's own flags.
  if (options !== undefined) vetPattern(source.pattern, jsFlags(options));
}

function vetRegexExpression(operator: string, argument: unknown): void {
  if (!isPlainObject(argument)) {
    throw notImplemented(`${operator} with arguments computed from the documents`);
  }
  const regex = argument['regex'];
  const options = argument['options'];
  if (options !== undefined && (typeof options !== 'string' || options.startsWith('$'))) {
    throw notImplemented(`${operator} with options computed from the documents`);
  }
  const flags = options === undefined ? '' : jsFlags(options);
  if (typeof regex === 'string' && !regex.startsWith('$')) {
    vetPattern(regex, flags);
    return;
  }
  const source = regexSource(regex);
  if (source === undefined) {
    throw notImplemented(`${operator} with a regex computed from the documents`);
  }
  if (source.flags !== '' && flags !== '') {
    throw new MongoCommandError(
      51075,
      `${operator}: regex option(s) specified in both 'regex' and 'option' fields`,
    );
  }
  vetPattern(source.pattern, source.flags + flags);
}

/** mingo builds `new RegExp('^' + separators + ...)` from the format, escaping only a few characters. */
function vetDateFormat(argument: unknown): void {
  if (!isPlainObject(argument)) {
    throw notImplemented('$dateFromString with arguments computed from the documents');
  }
  const format = argument['format'];
  if (format === undefined || format === null) return;
  if (typeof format !== 'string' || format.startsWith('$')) {
    throw notImplemented('$dateFromString with a format computed from the documents');
  }
  const separators = format.replace(/%./g, '');
  if (!/^[A-Za-z0-9 ,\-/:._]*$/.test(separators)) {
    throw notImplemented(
      '$dateFromString formats with characters other than letters, digits, space and ,-/:._',
    );
  }
}

function regexSource(value: unknown): { pattern: string; flags: string } | undefined {
  if (value instanceof BSONRegExp) return { pattern: value.pattern, flags: jsFlags(value.options) };
  if (value instanceof RegExp) return { pattern: value.source, flags: jsFlags(value.flags) };
  return undefined;
}

/** MongoDB's regex options as JS flags: i, m, s (dot matches newline) and u carry over. */
function jsFlags(options: string): string {
  let flags = '';
  for (const option of options) {
    switch (option) {
      case 'i':
      case 'm':
      case 's':
      case 'u':
        if (!flags.includes(option)) flags += option;
        break;
      case 'x':
        throw notImplemented("The regex option 'x' (extended syntax)");
      case '\0':
        throw new MongoCommandError(
          ErrorCode.BadValue,
          'Regular expression options string cannot contain an embedded null byte',
        );
      default:
        throw new MongoCommandError(INVALID_REGEX_FLAG, `invalid flag in regex options: ${option}`);
    }
  }
  return flags;
}

function compile(pattern: string, flags: string): RegExp {
  vetPattern(pattern, flags);
  return new RegExp(pattern, flags);
}

/** Throws unless `pattern` is valid and its matching cost can be bounded (see the file comment). */
export function vetPattern(pattern: string, flags: string): void {
  if (pattern.length > MAX_PATTERN_LENGTH) {
    throw new MongoCommandError(
      ErrorCode.BadValue,
      `Regular expression is too long (the embedded server accepts at most ${MAX_PATTERN_LENGTH} characters)`,
    );
  }
  if (pattern.includes('\0')) {
    throw new MongoCommandError(
      ErrorCode.BadValue,
      'Regular expression cannot contain an embedded null byte',
    );
  }
  try {
    new RegExp(pattern, flags);
  } catch (error) {
    const detail = error instanceof Error ? error.message : String(error);
    throw new MongoCommandError(INVALID_REGEX, `Regular expression is invalid: ${detail}`);
  }
  const refuse = (reason: string): MongoCommandError =>
    new MongoCommandError(
      ErrorCode.BadValue,
      `Regular expression ${show(pattern, flags)} is refused by the embedded MongoDB-compatible server: ${reason}`,
    );
  const { shape, anchored: startsWithCaret } = new PatternAnalyzer(
    pattern,
    flags.includes('u'),
    refuse,
  ).analyze();
  const anchored = startsWithCaret && !flags.includes('m');
  if (shape.unbounded > 1) {
    throw refuse(
      'more than one unbounded quantifier (*, +, {n,}); each one multiplies the backtracking by the length of the input',
    );
  }
  if (shape.unbounded === 1 && !anchored) {
    throw refuse(
      'an unbounded quantifier (*, +, {n,}) in a pattern not anchored with ^ (or with the m option) is retried from every position of the input',
    );
  }
  const steps = shape.ways * (shape.size + 1);
  const limit = anchored && shape.unbounded === 0 ? MAX_STEPS_FIXED : MAX_STEPS_PER_CHARACTER;
  if (!(steps <= limit)) {
    throw refuse(
      `too many backtracking alternatives (about ${Number.isFinite(steps) ? steps : 'unbounded'} steps, at most ${limit})`,
    );
  }
}

function show(pattern: string, flags: string): string {
  const text = pattern.length > 60 ? `${pattern.slice(0, 60)}…` : pattern;
  return `/${text}/${flags}`;
}

/** Worst-case backtracking shape of a (sub)pattern. */
interface Shape {
  /** Distinct ways it can match at one position (alternatives × repetition counts). */
  ways: number;
  /** Most steps one way takes, not counting unbounded repetition. */
  size: number;
  /** Unbounded quantifiers (*, +, {n,}) inside it. */
  unbounded: number;
}

/**
 * A recursive-descent reader of JS regex syntax, run only on patterns V8 has already accepted, that
 * computes the Shape of each part. Anything it does not recognise is refused, never guessed.
 */
class PatternAnalyzer {
  private pos = 0;
  private readonly source: string;
  private readonly unicode: boolean;
  private readonly refuse: (reason: string) => MongoCommandError;
  private readonly namedGroups: boolean;

  constructor(source: string, unicode: boolean, refuse: (reason: string) => MongoCommandError) {
    this.source = source;
    this.unicode = unicode;
    this.refuse = refuse;
    this.namedGroups = /\(\?<[^=!]/.test(source);
  }

  analyze(): { shape: Shape; anchored: boolean } {
    const result = this.alternation();
    if (this.pos !== this.source.length) throw this.refuse('unrecognised syntax');
    return result;
  }

  private alternation(): { shape: Shape; anchored: boolean } {
    const branches = [this.sequence()];
    while (this.source[this.pos] === '|') {
      this.pos++;
      branches.push(this.sequence());
    }
    return {
      shape: {
        ways: branches.reduce((n, b) => n + b.shape.ways, 0),
        size: Math.max(...branches.map((b) => b.shape.size)),
        unbounded: branches.reduce((n, b) => n + b.shape.unbounded, 0),
      },
      anchored: branches.every((b) => b.anchored),
    };
  }

  private sequence(): { shape: Shape; anchored: boolean } {
    const shape: Shape = { ways: 1, size: 0, unbounded: 0 };
    let anchored = false;
    let first = true;
    while (this.pos < this.source.length) {
      const c = this.source[this.pos];
      if (c === '|' || c === ')') break;
      const term = this.term();
      if (first) anchored = term.caret;
      first = false;
      shape.ways *= term.shape.ways;
      shape.size += term.shape.size;
      shape.unbounded += term.shape.unbounded;
    }
    return { shape, anchored };
  }

  private term(): { shape: Shape; caret: boolean } {
    const { shape: atom, caret } = this.atom();
    const quantifier = this.quantifier();
    if (quantifier === undefined) return { shape: atom, caret };
    const { min, max } = quantifier;
    if (max > 1 && (atom.ways > 1 || atom.unbounded > 0)) {
      throw this.refuse(
        'a repeated group contains a quantifier or an alternation (nested quantifiers backtrack exponentially)',
      );
    }
    if (max === Infinity)
      return { shape: { ...atom, unbounded: atom.unbounded + 1 }, caret: false };
    if (max > 1)
      return { shape: { ways: max - min + 1, size: max * atom.size, unbounded: 0 }, caret: false };
    if (max === 0) return { shape: { ways: 1, size: 0, unbounded: 0 }, caret: false };
    return {
      shape: { ...atom, ways: min === 0 ? atom.ways + 1 : atom.ways },
      caret: false,
    };
  }

  private quantifier(): { min: number; max: number } | undefined {
    const c = this.source[this.pos];
    let result: { min: number; max: number } | undefined;
    if (c === '*') result = { min: 0, max: Infinity };
    else if (c === '+') result = { min: 1, max: Infinity };
    else if (c === '?') result = { min: 0, max: 1 };
    if (result !== undefined) {
      this.pos++;
    } else if (c === '{') {
      const match = /^\{(\d+)(,(\d*))?\}/.exec(this.source.slice(this.pos));
      if (match === null) return undefined; // a literal brace (Annex B)
      const min = Number(match[1]);
      const max = match[2] === undefined ? min : match[3] === '' ? Infinity : Number(match[3]);
      result = { min, max };
      this.pos += match[0].length;
    } else {
      return undefined;
    }
    if (this.source[this.pos] === '?') this.pos++; // lazy: same worst case
    return result;
  }

  private atom(): { shape: Shape; caret: boolean } {
    const one: Shape = { ways: 1, size: 1, unbounded: 0 };
    const c = this.source[this.pos];
    switch (c) {
      case '^':
        this.pos++;
        return { shape: one, caret: true };
      case '[':
        this.characterClass();
        return { shape: one, caret: false };
      case '(':
        return { shape: this.group(), caret: false };
      case '\\':
        this.escape();
        return { shape: one, caret: false };
      case undefined:
      case '*':
      case '+':
      case '?':
        throw this.refuse('unrecognised syntax');
      default:
        this.pos++;
        return { shape: one, caret: false };
    }
  }

  private escape(): void {
    this.pos++; // the backslash
    const c = this.source[this.pos] ?? '';
    this.pos++;
    if (c >= '1' && c <= '9') {
      throw this.refuse('backreferences (\\1 to \\9) cannot be matched in bounded time');
    }
    if (c === 'k' && (this.unicode || this.namedGroups)) {
      throw this.refuse('backreferences (\\k<name>) cannot be matched in bounded time');
    }
    if (c === 'x') {
      this.skipWhile(/[0-9A-Fa-f]/, 2);
    } else if (c === 'u') {
      if (this.source[this.pos] === '{' && this.unicode) this.skipPast('}');
      else this.skipWhile(/[0-9A-Fa-f]/, 4);
    } else if (c === 'c') {
      this.skipWhile(/[A-Za-z]/, 1);
    } else if ((c === 'p' || c === 'P') && this.unicode && this.source[this.pos] === '{') {
      this.skipPast('}');
    }
  }

  private characterClass(): void {
    this.pos++; // [
    while (this.pos < this.source.length) {
      const c = this.source[this.pos];
      if (c === '\\') this.pos += 2;
      else if (c === ']') {
        this.pos++;
        return;
      } else this.pos++;
    }
    throw this.refuse('unterminated character class');
  }

  private group(): Shape {
    this.pos++; // (
    let lookaround = false;
    const rest = this.source.slice(this.pos, this.pos + 3);
    if (rest.startsWith('?:')) this.pos += 2;
    else if (rest.startsWith('?=') || rest.startsWith('?!')) {
      lookaround = true;
      this.pos += 2;
    } else if (rest.startsWith('?<=') || rest.startsWith('?<!')) {
      lookaround = true;
      this.pos += 3;
    } else if (rest.startsWith('?<')) this.skipPast('>');
    else if (rest.startsWith('?')) throw this.refuse('unrecognised group syntax');
    const { shape } = this.alternation();
    if (this.source[this.pos] !== ')') throw this.refuse('unbalanced parentheses');
    this.pos++;
    // A lookaround is atomic: it matches one way, after exploring all of its own.
    if (lookaround)
      return { ways: 1, size: shape.ways * (shape.size + 1), unbounded: shape.unbounded };
    return shape;
  }

  private skipWhile(pattern: RegExp, max: number): void {
    for (let n = 0; n < max && pattern.test(this.source[this.pos] ?? ''); n++) this.pos++;
  }

  private skipPast(terminator: string): void {
    const end = this.source.indexOf(terminator, this.pos);
    if (end === -1) throw this.refuse('unrecognised syntax');
    this.pos = end + 1;
  }
}
