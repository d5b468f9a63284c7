/**
 * `checkAnswer(instance, response)`: marks a response against the instance's key. A response
 * that cannot be read (empty, unparsable, unknown option) is `invalid` with a message saying
 * what to fix, so a typo never costs the learner an attempt.
 */
import { createRng, seedFrom } from '../engine/index.js';
import type { MathNode } from 'mathjs';
import type { AnswerCheck, AnswerKey, ItemInstance, LearnerResponse } from './content.model.js';
import {
  evaluateAt,
  fractionFromKey,
  fractionText,
  formatNumber,
  parseLearnerExpression,
} from './math.js';
import { literalText } from './math-render.js';
import {
  boundLearnerResponse,
  normaliseText,
  readExactNumber,
  readNumberWithUnit,
} from './learner-input.js';

export const answerMessages = {
  correct: 'Correct!',
  incorrect: 'Not quite.',
  chooseOne: 'Choose one of the options.',
  chooseAtLeastOne: 'Choose at least one option.',
  unknownChoice: (id: string) => `"${id}" is not one of the options: choose again.`,
  oneChoiceOnly: 'Choose only one option.',
  empty: 'Type an answer first.',
  unitRequired: (unit: string) => `Add the unit to your answer, e.g. "${unit}".`,
  wrongUnit: (given: string, expected: string) =>
    `Check your unit: "${literalText(given)}" is not what this question asks for (${expected}).`,
  notSimplest:
    'That is equal to the answer, but not in simplest form: divide the top and bottom by their greatest common factor.',
  notSimplified:
    'That is equal to the answer, but not simplified: remove the brackets and combine like terms.',
  notAFraction:
    'Give the answer as a fraction in simplest form (or a whole number), not a decimal.',
  roundedDecimal: 'Close, but that is a rounded decimal: give the exact value as a fraction.',
  expressionUnreadable: (detail: string) =>
    `That expression could not be read (${detail}). Check brackets and operators, e.g. 2(x + 1) or 2x + 2.`,
} as const;

/** Points an expression is compared at; extra points are tried when one is undefined. */
const EXPRESSION_POINTS = 8;
const EXPRESSION_MAX_TRIES = 40;

interface Verdict {
  readonly correct: boolean;
  readonly normalized: string;
  /** Feedback specific to this response, when known. */
  readonly specific: string | undefined;
}

type Marking =
  | { readonly ok: true; readonly verdict: Verdict }
  | { readonly ok: false; readonly message: string };

const invalid = (message: string): Marking => ({ ok: false, message });
const verdict = (correct: boolean, normalized: string, specific?: string): Marking => ({
  ok: true,
  verdict: { correct, normalized, specific },
});

const asList = (response: LearnerResponse): string[] =>
  (typeof response === 'string' ? response.split(',') : [...response])
    .map((s) => s.trim())
    .filter((s) => s !== '');

function markChoiceSingle(
  key: Extract<AnswerKey, { type: 'choice-single' }>,
  response: LearnerResponse,
): Marking {
  const ids = asList(response);
  if (ids.length === 0) return invalid(answerMessages.chooseOne);
  if (ids.length > 1) return invalid(answerMessages.oneChoiceOnly);
  const id = (ids[0] ?? '').toUpperCase();
  if (!key.choiceIds.includes(id)) return invalid(answerMessages.unknownChoice(id));
  return verdict(id === key.correct, id, key.choiceFeedback[id]);
}

function markChoiceMulti(
  key: Extract<AnswerKey, { type: 'choice-multi' }>,
  response: LearnerResponse,
): Marking {
  const ids = [...new Set(asList(response).map((s) => s.toUpperCase()))].sort();
  if (ids.length === 0) return invalid(answerMessages.chooseAtLeastOne);
  const unknown = ids.find((id) => !key.choiceIds.includes(id));
  if (unknown !== undefined) return invalid(answerMessages.unknownChoice(unknown));
  const correct = [...key.correct].sort();
  const right = ids.length === correct.length && ids.every((id, i) => id === correct[i]);
  // The first wrong pick with feedback explains the likeliest mistake; else a missed option.
  const wrongPick = ids.find((id) => !correct.includes(id) && key.choiceFeedback[id] !== undefined);
  const missed = correct.find((id) => !ids.includes(id));
  const specific = right
    ? undefined
    : wrongPick !== undefined
      ? key.choiceFeedback[wrongPick]
      : missed !== undefined
        ? 'You have not selected every correct option.'
        : undefined;
  return verdict(right, ids.join(', '), specific);
}

function markNumeric(key: Extract<AnswerKey, { type: 'numeric' }>, response: string): Marking {
  const read = readNumberWithUnit(response);
  if (!read.ok) return invalid(read.message);
  const { value, unit } = read.value;
  const accepted = key.units?.accepted ?? [];
  const expectedUnit = accepted[0];
  if (unit === '' && key.units?.required === true && expectedUnit !== undefined)
    return invalid(answerMessages.unitRequired(expectedUnit));
  const normalized = unit === '' ? formatNumber(value) : `${formatNumber(value)} ${unit}`;
  if (unit !== '' && !accepted.some((u) => u.toLowerCase() === unit.toLowerCase())) {
    return verdict(
      false,
      normalized,
      answerMessages.wrongUnit(unit, accepted.join(', ') || 'no unit'),
    );
  }
  const close = (a: number, b: number): boolean => {
    const allowed =
      key.tolerance.kind === 'absolute' ? key.tolerance.amount : key.tolerance.amount * Math.abs(b);
    return Math.abs(a - b) <= allowed + 1e-9 * Math.max(1, Math.abs(b));
  };
  if (close(value, key.value)) return verdict(true, normalized);
  const common = key.commonErrors.find((e) => close(value, e.value));
  return verdict(false, normalized, common?.feedback);
}

function markFraction(key: Extract<AnswerKey, { type: 'fraction' }>, response: string): Marking {
  const read = readExactNumber(response);
  if (!read.ok) return invalid(read.message);
  const { value, form } = read.value;
  const expected = fractionFromKey(key.value);
  const normalized = fractionText(value);
  if (value.equals(expected)) {
    if (!key.simplestForm) return verdict(true, normalized);
    const typed = read.value.typed;
    switch (form) {
      case 'integer':
        return verdict(true, normalized);
      case 'decimal':
        return expected.d === 1n
          ? verdict(true, normalized)
          : verdict(false, response.trim(), answerMessages.notAFraction);
      case 'fraction':
      case 'mixed': {
        const reduced =
          typed !== undefined &&
          typed.denominator > 1n &&
          gcd(typed.numerator, typed.denominator) === 1n &&
          (form === 'fraction' || typed.numerator < typed.denominator);
        return reduced
          ? verdict(true, normalized)
          : verdict(false, response.trim(), answerMessages.notSimplest);
      }
    }
  }
  const common = key.commonErrors.find((e) => fractionFromKey(e.value).equals(value));
  if (common !== undefined) return verdict(false, normalized, common.feedback);
  const gap = Math.abs(value.valueOf() - expected.valueOf());
  if (form === 'decimal' && gap < 0.01 * Math.max(1, Math.abs(expected.valueOf())))
    return verdict(false, normalized, answerMessages.roundedDecimal);
  return verdict(false, normalized);
}

function gcd(a: bigint, b: bigint): bigint {
  return b === 0n ? a : gcd(b, a % b);
}

/** Equivalent when both agree at enough points where the expected expression is defined. */
export function expressionsEquivalent(
  expected: string,
  given: string,
  variables: readonly string[],
): boolean {
  const a = parseLearnerExpression(expected, variables);
  const b = parseLearnerExpression(given, variables);
  if (!a.ok || !b.ok) return false;
  const rng = createRng(seedFrom('expression-check', expected));
  let agreed = 0;
  for (let i = 0; i < EXPRESSION_MAX_TRIES && agreed < EXPRESSION_POINTS; i++) {
    // Non-integer points in [-5, 5] avoid the special cases (0, 1) where different forms agree.
    const point = Object.fromEntries(
      variables.map((v) => [v, Math.round((rng() * 10 - 5) * 1000) / 1000 + 0.0137]),
    );
    const x = evaluateAt(a.node, point);
    if (!Number.isFinite(x)) continue;
    const y = evaluateAt(b.node, point);
    if (!Number.isFinite(y) || Math.abs(x - y) > 1e-9 * Math.max(1, Math.abs(x), Math.abs(y)))
      return false;
    agreed++;
  }
  return agreed >= EXPRESSION_POINTS / 2;
}

function hasBrackets(node: MathNode): boolean {
  return node.filter((n) => n.type === 'ParenthesisNode').length > 0;
}

/** Terms of a sum: `3x + 2 - x` has 3. */
function termCount(node: MathNode): number {
  const n = node as MathNode & { fn?: unknown; args?: MathNode[] };
  if (n.type === 'OperatorNode' && (n.fn === 'add' || n.fn === 'subtract') && n.args !== undefined)
    return n.args.reduce((sum, arg) => sum + termCount(arg), 0);
  if (n.type === 'OperatorNode' && n.fn === 'unaryMinus' && n.args?.[0] !== undefined)
    return termCount(n.args[0]);
  return 1;
}

function markExpression(
  key: Extract<AnswerKey, { type: 'expression' }>,
  response: string,
): Marking {
  if (response.trim() === '') return invalid(answerMessages.empty);
  const parsed = parseLearnerExpression(response, key.variables);
  if (!parsed.ok) return invalid(answerMessages.expressionUnreadable(parsed.message));
  // mathjs prints `2 x`; learners wrote and expect `2x`.
  const normalized = parsed.node
    .toString({ implicit: 'hide' })
    .replace(/(\d) (?=[A-Za-z(])/g, '$1');
  if (expressionsEquivalent(key.expression, response, key.variables)) {
    const expected = parseLearnerExpression(key.expression, key.variables);
    if (
      key.simplified &&
      expected.ok &&
      (hasBrackets(parsed.node) || termCount(parsed.node) > termCount(expected.node))
    )
      return verdict(false, normalized, answerMessages.notSimplified);
    return verdict(true, normalized);
  }
  const common = key.commonErrors.find((e) =>
    expressionsEquivalent(e.expression, response, key.variables),
  );
  return verdict(false, normalized, common?.feedback);
}

function markShortText(key: Extract<AnswerKey, { type: 'short-text' }>, response: string): Marking {
  const given = normaliseText(response, key.caseSensitive);
  if (given === '') return invalid(answerMessages.empty);
  const matches = (text: string): boolean =>
    normaliseText(text, key.caseSensitive).replace(/[.!]$/, '') === given.replace(/[.!]$/, '');
  if (key.accepted.some(matches)) return verdict(true, given);
  return verdict(false, given, key.commonErrors.find((e) => matches(e.text))?.feedback);
}

const isChoice = (key: AnswerKey): boolean =>
  key.type === 'choice-single' || key.type === 'choice-multi';

function mark(key: AnswerKey, response: LearnerResponse): Marking {
  const text = typeof response === 'string' ? response : response.join(' ');
  switch (key.type) {
    case 'choice-single':
      return markChoiceSingle(key, response);
    case 'choice-multi':
      return markChoiceMulti(key, response);
    case 'numeric':
      return markNumeric(key, text);
    case 'fraction':
      return markFraction(key, text);
    case 'expression':
      return markExpression(key, text);
    case 'short-text':
      return markShortText(key, text);
  }
}

export function checkAnswer(instance: ItemInstance, response: LearnerResponse): AnswerCheck {
  const { key } = instance;
  // Bounded before anything parses it: no answer may cost more than a few milliseconds.
  const bound = boundLearnerResponse(response, key.type !== 'short-text' && !isChoice(key));
  if (!bound.ok) return { status: 'invalid', message: bound.message };
  const marking = mark(key, response);
  if (!marking.ok) return { status: 'invalid', message: marking.message };
  const { correct, normalized, specific } = marking.verdict;
  const generic = correct
    ? (key.correctFeedback ?? answerMessages.correct)
    : (key.incorrectFeedback ?? answerMessages.incorrect);
  return {
    status: 'checked',
    correct,
    normalizedResponse: normalized,
    feedback: specific ?? generic,
    answerDisplay: key.display,
  };
}

/** A response that the key must accept: used to check templates at import and in tests. */
export function correctResponseOf(key: AnswerKey): LearnerResponse {
  switch (key.type) {
    case 'choice-single':
      return key.correct;
    case 'choice-multi':
      return key.correct;
    case 'numeric': {
      const unit = key.units?.accepted[0];
      return unit === undefined ? formatNumber(key.value) : `${formatNumber(key.value)} ${unit}`;
    }
    case 'fraction':
      return key.value;
    case 'expression':
      return key.expression;
    case 'short-text':
      return key.accepted[0] ?? '';
  }
}
