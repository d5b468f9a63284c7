/**
 * Bounds on what authors write (template expressions, texts, lists) and on what generation may
 * produce from it. mathjs fractions are exact: `fraction(7)^3000000` is a 2.5-million-digit
 * number that takes seconds to compute and megabytes to show, and an author can write it in one
 * line. So expressions are checked at import, before anything is evaluated: the exponent of
 * every power must be a small number written in the expression, and an estimate of the digits
 * each expression can produce (from the ranges of its variables) must stay small. Generation then
 * refuses any value or text that still comes out too big, instead of carrying it further.
 *
 * The demo bank's expressions are at most 31 characters and produce at most 9 digits.
 */
import type { MathNode } from 'mathjs';
import type { VariableSpec } from './content.model.js';
import type { TemplateValue } from './math.js';

export const EXPRESSION_LIMITS = {
  /** Characters of one expression. */
  maxChars: 500,
  /** Nested brackets (mathjs parses and evaluates recursively, a few frames per level). */
  maxBracketDepth: 32,
  /** Numbers, names and operations in one expression. */
  maxNodes: 200,
  /** |exponent| of `^` and pow(), which must be a number written in the expression. */
  maxExponent: 64,
  /** Digits an expression may produce, estimated from its variables' ranges. */
  maxDigits: 200,
} as const;

export const TEMPLATE_LIMITS = {
  /** Characters of one template text (prompt, hint, choice, solution, feedback, answer). */
  maxTextChars: 10_000,
  /** Options of a multiple-choice item: they are labelled A to Z. */
  maxChoices: 26,
  /** Variables, derived values, constraints, hints, accepted answers, common errors (each). */
  maxEntries: 50,
  /** Values of a choice variable, and excluded values of an integer variable. */
  maxValues: 1_000,
} as const;

export const GENERATION_LIMITS = {
  /**
   * Digits of a generated value (a fraction's numerator or denominator, a number's digits):
   * above the 30 digits a learner may type, so derived steps may be a little longer than answers.
   */
  maxValueDigits: 40,
  /** Characters of one rendered text of an instance. */
  maxRenderedChars: 20_000,
} as const;

export type Bound =
  { readonly ok: true } | { readonly ok: false; readonly message: string; readonly help: string };

/** The start of a long text, for messages. */
export const excerpt = (text: string, max = 60): string =>
  text.length <= max ? text : `${text.slice(0, max)}…`;

/** Length and bracket depth, checked on the source before mathjs parses it. */
export function checkExpressionSource(source: string): Bound {
  if (source.length > EXPRESSION_LIMITS.maxChars)
    return {
      ok: false,
      message: `it has ${source.length} characters, more than the limit of ${EXPRESSION_LIMITS.maxChars}`,
      help: 'split it into several derived values, each a short expression',
    };
  let depth = 0;
  for (const ch of source) {
    if (ch === '(' || ch === '[' || ch === '{') depth++;
    else if (ch === ')' || ch === ']' || ch === '}') depth--;
    if (depth > EXPRESSION_LIMITS.maxBracketDepth)
      return {
        ok: false,
        message: `it nests brackets more than ${EXPRESSION_LIMITS.maxBracketDepth} levels deep`,
        help: 'remove brackets that are not needed, or compute inner parts as derived values',
      };
  }
  return { ok: true };
}

/** Digits of a number written in decimal: `0.001` is 1/1000 (4), `1.5e-7` is 15/10^8 (9). */
export function numberDigits(value: number): number {
  if (!Number.isFinite(value)) return 1;
  const text = String(Math.abs(value));
  const e = text.indexOf('e');
  if (e === -1) return text.replace('.', '').length;
  return text.slice(0, e).replace('.', '').length + Math.abs(Number(text.slice(e + 1)));
}

/** The most digits a variable's values can have. */
export function variableDigits(spec: VariableSpec): number {
  switch (spec.kind) {
    case 'integer':
      return Math.max(numberDigits(spec.min), numberDigits(spec.max));
    case 'decimal':
      return Math.max(numberDigits(spec.min), numberDigits(spec.max)) + numberDigits(spec.step) + 1;
    case 'choice':
      return spec.values.reduce<number>(
        (most, v) => Math.max(most, typeof v === 'number' ? numberDigits(v) : v.length),
        1,
      );
  }
}

const BIG = 10n ** BigInt(GENERATION_LIMITS.maxValueDigits);

/** Whether a generated value has more digits than GENERATION_LIMITS allow (no digit strings built). */
export function valueTooBig(value: TemplateValue): boolean {
  if (typeof value === 'number') return numberDigits(value) > GENERATION_LIMITS.maxValueDigits;
  if (typeof value === 'object') return value.n >= BIG || value.d >= BIG;
  return false;
}

/** The parts of mathjs nodes this module reads. */
interface NodeShape {
  readonly type: string;
  readonly fn?: unknown;
  readonly name?: unknown;
  readonly value?: unknown;
  readonly args?: readonly MathNode[];
  readonly content?: MathNode;
  readonly condition?: MathNode;
  readonly trueExpr?: MathNode;
  readonly falseExpr?: MathNode;
}

const shape = (node: MathNode): NodeShape => node;

function functionName(node: NodeShape): string | undefined {
  const fn = node.fn;
  if (typeof fn === 'object' && fn !== null && 'name' in fn && typeof fn.name === 'string')
    return fn.name;
  return undefined;
}

/** The value of an exponent written with numbers only (`2`, `-3`, `(1/2)`), else undefined. */
function constantValue(node: MathNode | undefined): number | undefined {
  if (node === undefined) return undefined;
  const n = shape(node);
  if (n.type === 'ConstantNode') return typeof n.value === 'number' ? n.value : undefined;
  if (n.type === 'ParenthesisNode') return constantValue(n.content);
  if (n.type !== 'OperatorNode') return undefined;
  const [a, b] = (n.args ?? []).map(constantValue);
  if (a === undefined) return undefined;
  if (n.fn === 'unaryMinus') return -a;
  if (n.fn === 'unaryPlus') return a;
  if (b === undefined) return undefined;
  if (n.fn === 'add') return a + b;
  if (n.fn === 'subtract') return a - b;
  if (n.fn === 'multiply') return a * b;
  if (n.fn === 'divide') return a / b;
  return undefined;
}

function constantDigits(value: unknown): number {
  if (typeof value === 'number') return numberDigits(value);
  // Arithmetic and fraction() read a string that looks like a number as that number (exactly,
  // for fraction("123…")); other strings stay text.
  if (typeof value === 'string') {
    const number = Number(value);
    if (value.trim() === '' || Number.isNaN(number)) return 1;
    return Math.max(numberDigits(number), value.replace(/\D/g, '').length);
  }
  return 1;
}

export type ExpressionSize =
  | { readonly ok: true; readonly digits: number }
  | { readonly ok: false; readonly message: string; readonly help: string };

const POWER_HELP = `write the exponent as a number from -${EXPRESSION_LIMITS.maxExponent} to ${EXPRESSION_LIMITS.maxExponent} in the expression, e.g. "a^2" (for a power that varies, make a choice variable of its values, e.g. "values": [2, 4, 8, 16] for 2^1 to 2^4)`;

/**
 * Checks a parsed author expression: node count, exponents, and the digits it can produce, where
 * `digitsOf(name)` is the most digits the variable or derived value `name` can have. Sizes add up
 * through sums (a/b + c/d has denominator bd), products and function calls, and multiply through
 * powers; this overestimates, never underestimates, for the operations authors may use.
 */
export function checkExpressionTree(
  root: MathNode,
  digitsOf: (name: string) => number | undefined,
): ExpressionSize {
  let nodes = 0;
  const problems: { message: string; help: string }[] = [];
  const power = (node: MathNode, base: MathNode | undefined, exponent: MathNode | undefined) => {
    const k = constantValue(exponent);
    if (k === undefined) {
      problems.push({
        message: `the exponent of "${excerpt(node.toString())}" is not a number written in the expression`,
        help: POWER_HELP,
      });
    } else if (!Number.isFinite(k) || Math.abs(k) > EXPRESSION_LIMITS.maxExponent) {
      problems.push({
        message: `the exponent ${String(k)} in "${excerpt(node.toString())}" is beyond ±${EXPRESSION_LIMITS.maxExponent}: the result would be too long to compute and show`,
        help: POWER_HELP,
      });
    }
    const baseDigits = base === undefined ? 1 : visit(base);
    return baseDigits * Math.max(1, Math.ceil(Math.abs(k ?? 1)));
  };
  const sum = (children: readonly (MathNode | undefined)[]): number =>
    children.reduce<number>((total, c) => total + (c === undefined ? 0 : visit(c)), 0);
  function visit(node: MathNode): number {
    nodes++;
    if (nodes > EXPRESSION_LIMITS.maxNodes) return 0;
    const n = shape(node);
    switch (n.type) {
      case 'ConstantNode':
        return constantDigits(n.value);
      case 'SymbolNode':
        return digitsOf(String(n.name)) ?? 16; // pi, e
      case 'ParenthesisNode':
        return n.content === undefined ? 1 : visit(n.content);
      case 'ConditionalNode':
        return sum([n.condition, n.trueExpr, n.falseExpr]);
      case 'OperatorNode': {
        const args = n.args ?? [];
        if (n.fn === 'pow') return power(node, args[0], args[1]);
        return sum(args) + (n.fn === 'add' || n.fn === 'subtract' ? 1 : 0);
      }
      case 'FunctionNode': {
        const args = n.args ?? [];
        const name = functionName(n);
        if (name === 'pow') {
          if (args.length !== 2)
            problems.push({
              message: `pow() takes two arguments, the base and the exponent, not ${args.length}`,
              help: 'write pow(a, 2) or a^2',
            });
          return power(node, args[0], args[1]);
        }
        // sqrt gives a float, which fraction() turns into a 16-digit approximation.
        return sum(args) + (name === 'sqrt' ? 16 : 1);
      }
      default: {
        const children: MathNode[] = [];
        node.forEach((child) => children.push(child));
        return sum(children) + 1;
      }
    }
  }
  const digits = visit(root);
  if (nodes > EXPRESSION_LIMITS.maxNodes)
    return {
      ok: false,
      message: `it has more than ${EXPRESSION_LIMITS.maxNodes} numbers, names and operations`,
      help: 'split it into several derived values, each a short expression',
    };
  const [first] = problems;
  if (first !== undefined) return { ok: false, ...first };
  if (digits > EXPRESSION_LIMITS.maxDigits)
    return {
      ok: false,
      message: `it can produce numbers of about ${digits} digits (estimated from the variables' ranges), more than the limit of ${EXPRESSION_LIMITS.maxDigits}`,
      help: 'use smaller exponents, fewer factors or narrower variable ranges: values shown to learners need only a few digits',
    };
  return { ok: true, digits };
}
