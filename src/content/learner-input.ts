/**
 * Reading what learners type: exact numbers (integers, decimals, fractions, mixed numbers),
 * decimal numbers with a unit, and free text. Each reader returns a value or a message that
 * says what to change, never a guess: `1 1/2` is one and a half, not 1 × 1/2.
 */
import type { Fraction } from 'mathjs';
import { fraction, normaliseMathInput } from './math.js';

export type Read<T> =
  { readonly ok: true; readonly value: T } | { readonly ok: false; readonly message: string };

/**
 * Bounds on everything a learner sends, checked before any parsing or exact arithmetic: a
 * 47,000-digit fraction made mathjs's Euclid block the event loop for seconds, and a 45,000-term
 * sum overflowed the stack of mathjs's tree walks. No answer to a practice question comes near
 * these, so a refusal costs nothing and is never counted as an attempt.
 */
export const LEARNER_INPUT_LIMITS = {
  /** Characters of a typed answer (short texts may be a phrase). */
  maxTextLength: 500,
  /** Characters of a numeric, fraction or expression answer. */
  maxMathLength: 200,
  /** Digits in one run: 30 digits is beyond every exact answer a template produces. */
  maxDigitsPerNumber: 30,
  /** Options ticked in one answer. */
  maxChoices: 50,
  // Expression trees are bounded where they are parsed: math.ts EXPRESSION_LIMITS.
} as const;

export const inputMessages = {
  empty: 'Type an answer first.',
  decimalComma: 'Use a point for decimals, e.g. 0.75 rather than 0,75.',
  notExactNumber:
    'Enter a single number: a whole number (5), a fraction (3/4), a mixed number (1 1/2) or a decimal (0.75).',
  zeroDenominator: 'A fraction cannot have 0 as its denominator.',
  notDecimal: 'Enter a number such as 12 or 12.5 (with its unit if there is one).',
  fractionInNumeric: 'Enter this answer as a decimal number, e.g. 0.75 rather than 3/4.',
  numberTooLong: `That number is too long for this question: use at most ${String(LEARNER_INPUT_LIMITS.maxDigitsPerNumber)} digits in each number.`,
  answerTooLong: (max: number) =>
    `That answer is too long for this question: keep it under ${String(max)} characters.`,
  tooManyChoices: 'Choose only among the options shown.',
} as const;

export type InputBound = { readonly ok: true } | { readonly ok: false; readonly message: string };

const DIGIT_RUN = new RegExp(`\\d{${String(LEARNER_INPUT_LIMITS.maxDigitsPerNumber + 1)}}`);

/**
 * Refuses a response too big to read safely; `math` for answers that are parsed as numbers or
 * expressions. Linear time, no allocation beyond the checks.
 */
export function boundLearnerResponse(
  response: string | readonly string[],
  math: boolean,
): InputBound {
  if (typeof response !== 'string') {
    if (response.length > LEARNER_INPUT_LIMITS.maxChoices)
      return { ok: false, message: inputMessages.tooManyChoices };
    const total = response.reduce((sum, r) => sum + r.length, 0);
    return total > LEARNER_INPUT_LIMITS.maxTextLength
      ? { ok: false, message: inputMessages.tooManyChoices }
      : { ok: true };
  }
  const max = math ? LEARNER_INPUT_LIMITS.maxMathLength : LEARNER_INPUT_LIMITS.maxTextLength;
  // Digits first: a long number deserves the number message, whatever its length.
  if (math && DIGIT_RUN.test(response)) return { ok: false, message: inputMessages.numberTooLong };
  if (response.length > max) return { ok: false, message: inputMessages.answerTooLong(max) };
  return { ok: true };
}

const THOUSANDS = /^[+-]?\d{1,3}(,\d{3})+(\.\d+)?$/;

function plain(text: string): Read<string> {
  const t = normaliseMathInput(text).replace(/\s+/g, ' ');
  if (t === '') return { ok: false, message: inputMessages.empty };
  if (/\d,\d/.test(t) && !THOUSANDS.test(t.split(' ')[0] ?? ''))
    return { ok: false, message: inputMessages.decimalComma };
  return { ok: true, value: t.replace(/(\d),(\d{3})/g, '$1$2') };
}

/** An exact rational: `5`, `-3/4`, `6/8`, `0.75`, `1 1/2`, `-2 1/3`. */
export interface ExactNumber {
  readonly value: Fraction;
  readonly form: 'integer' | 'decimal' | 'fraction' | 'mixed';
  /** The fraction part as typed (before any reduction), for the simplest-form rule. */
  readonly typed: { readonly numerator: bigint; readonly denominator: bigint } | undefined;
}

export function readExactNumber(text: string): Read<ExactNumber> {
  const p = plain(text);
  if (!p.ok) return p;
  const t = p.value;
  let m = /^([+-]?)(\d+) (\d+) ?\/ ?(\d+)$/.exec(t);
  if (m !== null) {
    const [, sign, whole, num, den] = m;
    if (Number(den) === 0) return { ok: false, message: inputMessages.zeroDenominator };
    const typed = { numerator: BigInt(num ?? '0'), denominator: BigInt(den ?? '1') };
    const magnitude = fraction(BigInt(whole ?? '0')).add(
      fraction(typed.numerator, typed.denominator),
    );
    return {
      ok: true,
      value: { value: sign === '-' ? magnitude.neg() : magnitude, form: 'mixed', typed },
    };
  }
  m = /^([+-]?)(\d+) ?\/ ?(\d+)$/.exec(t);
  if (m !== null) {
    const [, sign, num, den] = m;
    if (Number(den) === 0) return { ok: false, message: inputMessages.zeroDenominator };
    const typed = { numerator: BigInt(num ?? '0'), denominator: BigInt(den ?? '1') };
    const f = fraction(typed.numerator, typed.denominator);
    return { ok: true, value: { value: sign === '-' ? f.neg() : f, form: 'fraction', typed } };
  }
  m = /^([+-]?)(\d+)$/.exec(t);
  if (m !== null) {
    const f = fraction(BigInt(m[2] ?? '0'));
    return {
      ok: true,
      value: { value: m[1] === '-' ? f.neg() : f, form: 'integer', typed: undefined },
    };
  }
  m = /^([+-]?)(\d*)\.(\d+)$/.exec(t);
  if (m !== null) {
    const [, sign, whole, decimals] = m;
    const digits = decimals ?? '';
    const f = fraction(BigInt(`${whole ?? ''}${digits}` || '0'), 10n ** BigInt(digits.length));
    return {
      ok: true,
      value: { value: sign === '-' ? f.neg() : f, form: 'decimal', typed: undefined },
    };
  }
  return { ok: false, message: inputMessages.notExactNumber };
}

/** A decimal number with an optional unit after it (or a currency sign before it). */
export function readNumberWithUnit(text: string): Read<{ value: number; unit: string }> {
  const p = plain(text);
  if (!p.ok) return p;
  const m = /^([$€£])? ?([+-]?(?:\d+\.?\d*|\.\d+)(?:e[+-]?\d+)?) ?(.*)$/i.exec(p.value);
  if (m === null) return { ok: false, message: inputMessages.notDecimal };
  const [, currency, number, rest] = m;
  const unitText = (rest ?? '').trim();
  if (/^\/ ?\d/.test(unitText)) return { ok: false, message: inputMessages.fractionInNumeric };
  if (/^[\d.]/.test(unitText)) return { ok: false, message: inputMessages.notDecimal };
  const value = Number(number);
  if (!Number.isFinite(value)) return { ok: false, message: inputMessages.notDecimal };
  return { ok: true, value: { value, unit: currency ?? unitText } };
}

/** Text compared for short answers: trimmed, inner whitespace collapsed, optionally lower-cased. */
export function normaliseText(text: string, caseSensitive: boolean): string {
  const t = text.normalize('NFC').trim().replace(/\s+/g, ' ');
  return caseSensitive ? t : t.toLocaleLowerCase('en');
}
