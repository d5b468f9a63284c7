/**
 * Reading what learners type: exact numbers (integers, decimals, fractions, mixed numbers),
 * decimal numbers with a unit, and free text. Each reader returns a value or a message that
 * says what to change, never a guess: `1 1/2` is one and a half, not 1 × 1/2.
 */
import type { Fraction } from 'mathjs';
import { fraction, normaliseMathInput } from './math.js';

export type Read<T> =
  { readonly ok: true; readonly value: T } | { readonly ok: false; readonly message: string };

export const inputMessages = {
  empty: 'Type an answer first.',
  decimalComma: 'Use a point for decimals, e.g. 0.75 rather than 0,75.',
  notExactNumber:
    'Enter a single number: a whole number (5), a fraction (3/4), a mixed number (1 1/2) or a decimal (0.75).',
  zeroDenominator: 'A fraction cannot have 0 as its denominator.',
  notDecimal: 'Enter a number such as 12 or 12.5 (with its unit if there is one).',
  fractionInNumeric: 'Enter this answer as a decimal number, e.g. 0.75 rather than 3/4.',
} as const;

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
