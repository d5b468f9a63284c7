/**
 * The one adapter around mathjs: parsing expressions through an allow-list of node types,
 * evaluating them, exact rational arithmetic (mathjs fractions) and formatting values for text
 * and TeX. Nothing typed by a learner or an author is ever evaluated without passing the
 * allow-list, so `import`, `createUnit`, units, matrices and the like stay out of reach.
 */
import { all, create, type Fraction, type MathNode } from 'mathjs';

// `all` is typed optional only for tree-shaking builds; the full bundle always has it.
const math = create(all ?? {}, {});

/** A value of a template variable or derived value. */
export type TemplateValue = number | string | boolean | Fraction;

/** Functions authors may call in constraints and derived values. */
const AUTHOR_FUNCTIONS = new Set([
  'abs',
  'ceil',
  'denominator',
  'floor',
  'fraction',
  'gcd',
  'isInteger',
  'lcm',
  'max',
  'min',
  'mod',
  'number',
  'numerator',
  'pow',
  'round',
  'sign',
  'sqrt',
]);

/** Functions learners may use in expression answers. */
const LEARNER_FUNCTIONS = new Set(['sqrt', 'abs']);
const CONSTANTS = new Set(['pi', 'e', 'true', 'false']);

const ARITHMETIC = new Set([
  'add',
  'subtract',
  'multiply',
  'divide',
  'pow',
  'unaryMinus',
  'unaryPlus',
]);
const LOGIC = new Set([
  'mod',
  'equal',
  'unequal',
  'smaller',
  'larger',
  'smallerEq',
  'largerEq',
  'and',
  'or',
  'not',
  'xor',
]);

math.import(
  {
    // mathjs has no accessors for a fraction's parts; authors need them for feedback values.
    numerator: (x: unknown) => Number(toFraction(x)?.n ?? Number.NaN) * fractionSign(x),
    denominator: (x: unknown) => Number(toFraction(x)?.d ?? Number.NaN),
  },
  { override: false },
);

function fractionSign(x: unknown): number {
  const f = toFraction(x);
  return f !== undefined && f.s < 0n ? -1 : 1;
}

interface NodeFacts {
  readonly type: string;
  readonly fn?: unknown;
  readonly name?: unknown;
  readonly value?: unknown;
  readonly implicit?: unknown;
  readonly args?: readonly MathNode[];
}

const facts = (node: MathNode): NodeFacts => node;

function functionName(node: MathNode): string | undefined {
  const fn = facts(node).fn;
  if (typeof fn === 'object' && fn !== null && 'name' in fn && typeof fn.name === 'string')
    return fn.name;
  return undefined;
}

export type Parsed =
  { readonly ok: true; readonly node: MathNode } | { readonly ok: false; readonly message: string };

function safeParse(source: string): Parsed {
  try {
    return { ok: true, node: math.parse(source) };
  } catch (error) {
    return { ok: false, message: error instanceof Error ? error.message : String(error) };
  }
}

/**
 * Parses an author's expression (constraint, derived value, numeric answer) and checks that it
 * only uses `names`, arithmetic, comparisons, logic, `?:` and the allowed functions.
 */
export function parseAuthorExpression(source: string, names: ReadonlySet<string>): Parsed {
  const parsed = safeParse(source);
  if (!parsed.ok) return { ok: false, message: `it does not parse: ${parsed.message}` };
  const problems: string[] = [];
  const functionSymbols = new Set<MathNode>();
  parsed.node.traverse((node) => {
    const f = facts(node);
    switch (f.type) {
      case 'ConstantNode':
      case 'ParenthesisNode':
      case 'ConditionalNode':
        return;
      case 'OperatorNode':
        if (!ARITHMETIC.has(String(f.fn)) && !LOGIC.has(String(f.fn)))
          problems.push(`the operator "${String(f.fn)}" is not allowed`);
        return;
      case 'FunctionNode': {
        const name = functionName(node);
        const fn = f.fn;
        if (typeof fn === 'object' && fn !== null) functionSymbols.add(fn as MathNode);
        if (name === undefined || !AUTHOR_FUNCTIONS.has(name))
          problems.push(
            `the function "${name ?? '?'}" is not available (use one of ${[...AUTHOR_FUNCTIONS].join(', ')})`,
          );
        return;
      }
      case 'SymbolNode': {
        if (functionSymbols.has(node)) return;
        const name = String(f.name);
        if (!names.has(name) && !CONSTANTS.has(name))
          problems.push(`"${name}" is not a variable or derived value of this template`);
        return;
      }
      default:
        problems.push(`${f.type} is not allowed in template expressions`);
    }
  });
  return problems.length > 0 ? { ok: false, message: problems.join('; ') } : parsed;
}

/** Evaluates a checked expression with the template's values. Throws on a math error. */
export function evaluateNode(
  node: MathNode,
  scope: Readonly<Record<string, TemplateValue>>,
): unknown {
  return node.evaluate(new Map(Object.entries(scope)));
}

/** Turns a mathjs result into a template value, or undefined for anything else (matrix, unit...). */
export function asTemplateValue(value: unknown): TemplateValue | undefined {
  if (typeof value === 'number' || typeof value === 'string' || typeof value === 'boolean')
    return value;
  if (math.isFraction(value)) return value;
  return undefined;
}

export function toFraction(value: unknown): Fraction | undefined {
  if (math.isFraction(value)) return value;
  if (typeof value === 'number' && Number.isFinite(value)) return math.fraction(value);
  return undefined;
}

export function toNumber(value: unknown): number {
  if (typeof value === 'number') return value;
  if (math.isFraction(value)) return value.valueOf();
  if (typeof value === 'boolean') return value ? 1 : 0;
  return Number.NaN;
}

export function fraction(numerator: bigint, denominator = 1n): Fraction {
  return math.fraction(numerator, denominator);
}

/** Parses `n/d` or `n` as stored in answer keys. */
export function fractionFromKey(text: string): Fraction {
  return math.fraction(text);
}

/** A fraction as `n/d`, or `n` when whole. */
export function fractionText(f: Fraction): string {
  const sign = f.s < 0n && f.n !== 0n ? '-' : '';
  return f.d === 1n ? `${sign}${f.n}` : `${sign}${f.n}/${f.d}`;
}

export function fractionTex(f: Fraction): string {
  const sign = f.s < 0n && f.n !== 0n ? '-' : '';
  return f.d === 1n ? `${sign}${f.n}` : `${sign}\\frac{${f.n}}{${f.d}}`;
}

/** Numbers without float noise (0.1 + 0.2 → 0.3) and without exponents for everyday sizes. */
export function formatNumber(x: number): string {
  if (!Number.isFinite(x)) return String(x);
  if (Number.isInteger(x) && Math.abs(x) < 1e15) return String(x);
  const rounded = Number(x.toPrecision(12));
  if (Math.abs(rounded) >= 1e-6 && Math.abs(rounded) < 1e15) {
    return rounded.toFixed(12).replace(/\.?0+$/, '');
  }
  return String(rounded);
}

export function formatValue(value: TemplateValue): string {
  if (typeof value === 'number') return formatNumber(value);
  if (typeof value === 'string') return value;
  if (typeof value === 'boolean') return value ? 'true' : 'false';
  return fractionText(value);
}

export function texValue(value: TemplateValue): string {
  return math.isFraction(value) ? fractionTex(value) : formatValue(value);
}

/** Replaces the typographic signs learners paste or type on phones by their ASCII forms. */
export function normaliseMathInput(text: string): string {
  return text
    .replace(/[\u2212\u2012\u2013\u2014]/g, '-')
    .replace(/[\u00d7\u22c5\u00b7]/g, '*')
    .replace(/\u00f7/g, '/')
    .trim();
}

/**
 * Parses a learner's algebraic expression in `variables`. Implicit products are allowed (`2x`,
 * `2(x+1)`, `x(x+1)`); only arithmetic, parentheses, sqrt and abs.
 */
export function parseLearnerExpression(text: string, variables: readonly string[]): Parsed {
  const source = normaliseMathInput(text);
  // Bounded before mathjs sees it: its parser and tree walks recurse once per nesting level.
  const shape = boundExpressionSource(source);
  if (!shape.ok) return shape;
  const parsed = safeParse(source);
  if (!parsed.ok) return parsed;
  try {
    return checkLearnerTree(parsed.node, variables);
  } catch (error) {
    // A tree too deep for the walk (RangeError) is an unreadable answer, never a crash.
    return {
      ok: false,
      message: error instanceof RangeError ? messages.tooComplex : String(error),
    };
  }
}

/** How big a learner's expression may be: mathjs walks trees recursively. */
export const EXPRESSION_LIMITS = { maxLength: 200, maxDepth: 30, maxNodes: 150 } as const;

const messages = {
  tooLong: `it is longer than ${String(EXPRESSION_LIMITS.maxLength)} characters`,
  tooDeep: `it has more than ${String(EXPRESSION_LIMITS.maxDepth)} levels of brackets`,
  tooComplex: `it has more than ${String(EXPRESSION_LIMITS.maxNodes)} numbers, letters and operations`,
} as const;

/** Length and bracket depth, in one linear scan of the source. */
function boundExpressionSource(source: string): { ok: true } | { ok: false; message: string } {
  if (source.length > EXPRESSION_LIMITS.maxLength) return { ok: false, message: messages.tooLong };
  let depth = 0;
  for (const ch of source) {
    if (ch === '(' || ch === '[' || ch === '{') depth++;
    else if (ch === ')' || ch === ']' || ch === '}') depth--;
    if (depth > EXPRESSION_LIMITS.maxDepth) return { ok: false, message: messages.tooDeep };
  }
  return { ok: true };
}

function checkLearnerTree(root: MathNode, variables: readonly string[]): Parsed {
  let count = 0;
  root.traverse(() => {
    count++;
  });
  if (count > EXPRESSION_LIMITS.maxNodes) return { ok: false, message: messages.tooComplex };
  const allowed = new Set(variables);
  // mathjs reads `x(x+1)` as a call of a function x: for a variable it is a product.
  const node = root.transform((n) => {
    const name = functionName(n);
    const args = facts(n).args;
    if (
      facts(n).type === 'FunctionNode' &&
      name !== undefined &&
      allowed.has(name) &&
      args?.length === 1
    ) {
      const [arg] = args;
      if (arg !== undefined)
        return new math.OperatorNode(
          '*',
          'multiply',
          [new math.SymbolNode(name), new math.ParenthesisNode(arg)],
          true,
        );
    }
    return n;
  });
  const problems: string[] = [];
  const functionSymbols = new Set<MathNode>();
  node.traverse((n) => {
    const f = facts(n);
    switch (f.type) {
      case 'ParenthesisNode':
        return;
      case 'ConstantNode':
        if (typeof f.value !== 'number') problems.push(`"${n.toString()}" is not a number`);
        return;
      case 'OperatorNode':
        if (!ARITHMETIC.has(String(f.fn)))
          problems.push(`"${n.toString()}" uses an operation that is not allowed here`);
        return;
      case 'FunctionNode': {
        const name = functionName(n);
        if (typeof f.fn === 'object' && f.fn !== null) functionSymbols.add(f.fn as MathNode);
        if (name === undefined || !LEARNER_FUNCTIONS.has(name))
          problems.push(`"${name ?? '?'}(...)" is not a function you can use here`);
        return;
      }
      case 'SymbolNode': {
        if (functionSymbols.has(n)) return;
        const name = String(f.name);
        if (!allowed.has(name) && name !== 'pi' && name !== 'e')
          problems.push(`"${name}" is not a variable of this question`);
        return;
      }
      default:
        problems.push(`"${n.toString()}" is not allowed in an answer`);
    }
  });
  return problems.length > 0 ? { ok: false, message: problems.join('; ') } : { ok: true, node };
}

/** Evaluates a learner or key expression at a point, as a plain number (NaN when undefined). */
export function evaluateAt(node: MathNode, point: Readonly<Record<string, number>>): number {
  try {
    return toNumber(node.evaluate(new Map(Object.entries(point))));
  } catch {
    return Number.NaN;
  }
}

/** The TeX of an expression (for answer displays); mathjs writes `2\cdot x` for `2x`. */
export function expressionTex(node: MathNode): string {
  return node.toTex({ implicit: 'hide', parenthesis: 'keep' });
}
