/**
 * A strict JSON parser that also records the line where each value starts, so import errors can
 * point at `file:line` for any path (JSON.parse only knows a character offset, and only for
 * syntax errors).
 */
import { count, IMPORT_LIMITS } from './import-limits.js';

export type JsonPath = readonly (string | number)[];

export type JsonParse =
  | { readonly ok: true; readonly value: unknown; lineOf(path: JsonPath): number | undefined }
  | {
      readonly ok: false;
      readonly line: number;
      readonly column: number;
      readonly message: string;
      /** Where a size limit was passed (undefined for syntax errors, which are about the text). */
      readonly path: JsonPath | undefined;
      /** What to do, for a size limit (syntax errors share one help text). */
      readonly help: string | undefined;
    };

export interface JsonLimits {
  /** Nesting levels of objects and arrays (the parser recurses once per level). */
  readonly maxDepth: number;
  /** Characters of one string, after escapes are decoded. */
  readonly maxStringChars: number;
}

class JsonSyntaxError extends Error {
  constructor(
    readonly offset: number,
    message: string,
    readonly path?: JsonPath,
    readonly help?: string,
  ) {
    super(message);
  }
}

const pathKey = (path: JsonPath): string => JSON.stringify(path);

/** Lines are recorded down to this depth: the bank format's deepest field is 6 levels down. */
const LINE_DEPTH = 12;

const SIMPLE_ESCAPES: Readonly<Record<string, string>> = {
  '"': '"',
  '\\': '\\',
  '/': '/',
  b: '\b',
  f: '\f',
  n: '\n',
  r: '\r',
  t: '\t',
};

/**
 * Parses `text` in linear time; nesting deeper than `limits.maxDepth` and strings longer than
 * `limits.maxStringChars` are refused like syntax errors, at the value where they start.
 */
export function parseJsonWithLines(
  text: string,
  limits: JsonLimits = {
    maxDepth: IMPORT_LIMITS.maxJsonDepth,
    maxStringChars: IMPORT_LIMITS.maxStringChars,
  },
): JsonParse {
  const lineStarts = [0];
  for (let i = 0; i < text.length; i++) if (text[i] === '\n') lineStarts.push(i + 1);
  const lineAt = (offset: number): number => {
    let lo = 0;
    let hi = lineStarts.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if ((lineStarts[mid] ?? 0) <= offset) lo = mid;
      else hi = mid - 1;
    }
    return lo + 1;
  };
  const lines = new Map<string, number>();
  let pos = 0;

  const fail = (message: string): never => {
    throw new JsonSyntaxError(pos, message);
  };
  const describe = (): string =>
    pos >= text.length ? 'the end of the file' : `"${text[pos] ?? ''}"`;
  const skipSpace = (): void => {
    while (pos < text.length && ' \t\n\r'.includes(text[pos] ?? '')) pos++;
  };
  const expect = (ch: string, what: string): void => {
    skipSpace();
    if (text[pos] !== ch) fail(`expected ${what} but found ${describe()}`);
    pos++;
  };

  /** One pass: plain runs are sliced, not copied character by character. */
  const parseString = (path: JsonPath): string => {
    const start = pos;
    pos++; // opening quote
    const parts: string[] = [];
    let length = 0;
    let runStart = pos;
    // inMath: the text so far has an odd number of `$` not preceded by a backslash (inside TeX).
    const decoded = { inMath: false, last: '' };
    const append = (ch: string): void => {
      if (ch === '$' && decoded.last !== '\\') decoded.inMath = !decoded.inMath;
      decoded.last = ch;
      length++;
    };
    while (pos < text.length) {
      const ch = text[pos] ?? '';
      if (ch === '"') {
        parts.push(text.slice(runStart, pos));
        pos++;
        if (length > limits.maxStringChars)
          throw new JsonSyntaxError(
            start,
            `a string of ${count(length)} characters is longer than the limit of ${count(limits.maxStringChars)}`,
            path,
            'shorten the text, or split it (e.g. into several hints)',
          );
        return parts.join('');
      }
      if (ch === '\n') fail('a string cannot span lines (missing closing quote?)');
      if (ch === '\\') {
        parts.push(text.slice(runStart, pos));
        const next = text[pos + 1] ?? '';
        const simple = SIMPLE_ESCAPES[next];
        if (simple !== undefined) {
          // "\\frac" written as "\frac" is a form feed plus "rac": catch TeX that lost a backslash.
          const letterFollows = /[A-Za-z]/.test(text[pos + 2] ?? '');
          if (letterFollows && ('bf'.includes(next) || (decoded.inMath && 'tnr'.includes(next))))
            fail(
              `"\\${next}${text.slice(pos + 2, pos + 6)}…" is read as an escape character; for TeX write "\\\\${next}${text.slice(pos + 2, pos + 6)}…" (two backslashes in JSON)`,
            );
          parts.push(simple);
          append(simple);
          pos += 2;
          runStart = pos;
          continue;
        }
        if (next === 'u' && /^[0-9a-fA-F]{4}$/.test(text.slice(pos + 2, pos + 6))) {
          const unit = String.fromCharCode(parseInt(text.slice(pos + 2, pos + 6), 16));
          parts.push(unit);
          append(unit);
          pos += 6;
          runStart = pos;
          continue;
        }
        fail(
          `invalid escape "\\${next}" in a string (write a backslash as "\\\\", e.g. "\\\\frac" for TeX)`,
        );
      }
      append(ch);
      pos++;
    }
    pos = start;
    return fail('unterminated string');
  };

  const parseValue = (path: JsonPath): unknown => {
    skipSpace();
    if (path.length <= LINE_DEPTH) lines.set(pathKey(path), lineAt(pos));
    const ch = text[pos];
    if ((ch === '{' || ch === '[') && path.length >= limits.maxDepth)
      throw new JsonSyntaxError(
        pos,
        `objects and lists are nested more than ${limits.maxDepth} levels deep`,
        path,
        'remove the extra brackets: a bank file needs only a few levels (see src/content/FORMAT.md)',
      );
    if (ch === '{') {
      pos++;
      const out: Record<string, unknown> = {};
      skipSpace();
      if (text[pos] === '}') {
        pos++;
        return out;
      }
      for (;;) {
        skipSpace();
        if (text[pos] !== '"')
          fail(`expected a property name in double quotes but found ${describe()}`);
        const key = parseString(path);
        if (Object.prototype.hasOwnProperty.call(out, key))
          fail(`the property "${key}" appears twice`);
        expect(':', '":"');
        const value = parseValue([...path, key]);
        // An own property even for "__proto__" (assignment would replace the prototype).
        Object.defineProperty(out, key, {
          value,
          enumerable: true,
          writable: true,
          configurable: true,
        });
        skipSpace();
        if (text[pos] === ',') {
          pos++;
          skipSpace();
          if (text[pos] === '}') fail('trailing comma before "}"');
          continue;
        }
        if (text[pos] === '}') {
          pos++;
          return out;
        }
        fail(`expected "," or "}" but found ${describe()}`);
      }
    }
    if (ch === '[') {
      pos++;
      const out: unknown[] = [];
      skipSpace();
      if (text[pos] === ']') {
        pos++;
        return out;
      }
      for (;;) {
        out.push(parseValue([...path, out.length]));
        skipSpace();
        if (text[pos] === ',') {
          pos++;
          skipSpace();
          if (text[pos] === ']') fail('trailing comma before "]"');
          continue;
        }
        if (text[pos] === ']') {
          pos++;
          return out;
        }
        fail(`expected "," or "]" but found ${describe()}`);
      }
    }
    if (ch === '"') return parseString(path);
    const literal = /^(?:true|false|null|-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?)/.exec(
      text.slice(pos, pos + 64),
    );
    if (literal === null) return fail(`expected a value but found ${describe()}`);
    pos += literal[0].length;
    if (literal[0] === 'true') return true;
    if (literal[0] === 'false') return false;
    if (literal[0] === 'null') return null;
    return Number(literal[0]);
  };

  try {
    const value = parseValue([]);
    skipSpace();
    if (pos < text.length) fail(`unexpected ${describe()} after the end of the JSON value`);
    return {
      ok: true,
      value,
      lineOf(path) {
        // The nearest enclosing value that exists (a missing field points at its object).
        for (let n = Math.min(path.length, LINE_DEPTH); n >= 0; n--) {
          const line = lines.get(pathKey(path.slice(0, n)));
          if (line !== undefined) return line;
        }
        return undefined;
      },
    };
  } catch (error) {
    if (!(error instanceof JsonSyntaxError)) throw error;
    const line = lineAt(error.offset);
    return {
      ok: false,
      line,
      column: error.offset - (lineStarts[line - 1] ?? 0) + 1,
      message: error.message,
      path: error.path,
      help: error.help,
    };
  }
}

/** `answer.choices[2].text` → `['answer', 'choices', 2, 'text']`. */
export function parseFieldPath(field: string): (string | number)[] {
  const out: (string | number)[] = [];
  for (const part of field.split('.')) {
    const m = /^([^[]*)((?:\[\d+\])*)$/.exec(part);
    if (m === null) {
      out.push(part);
      continue;
    }
    if (m[1] !== undefined && m[1] !== '') out.push(m[1]);
    for (const index of (m[2] ?? '').matchAll(/\[(\d+)\]/g)) out.push(Number(index[1]));
  }
  return out;
}

/** `['answer', 'choices', 2, 'text']` → `answer.choices[2].text`. */
export function formatFieldPath(path: JsonPath): string {
  return path.reduce<string>(
    (acc, part) =>
      typeof part === 'number' ? `${acc}[${part}]` : acc === '' ? part : `${acc}.${part}`,
    '',
  );
}
