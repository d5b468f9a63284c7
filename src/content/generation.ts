/**
 * `instantiate(template, seed)`: the concrete item a learner sees, the same for the same seed.
 * Variables are drawn with the engine's seeded PRNG, derived values computed, constraints
 * checked (redrawing a bounded number of times), choices shuffled deterministically, and the
 * answer key built apart from the question so the browser never receives it.
 */
import type { Fraction } from 'mathjs';
import { createRng, type Rng } from '../engine/index.js';
import { TemplateError } from './content.errors.js';
import type {
  AnswerKey,
  ItemInstance,
  ItemTemplate,
  QuestionView,
  VariableSpec,
} from './content.model.js';
import {
  asTemplateValue,
  evaluateNode,
  formatNumber,
  fractionTex,
  fractionFromKey,
  fractionText,
  parseLearnerExpression,
  toFraction,
  toNumber,
  type TemplateValue,
} from './math.js';
import { GENERATION_LIMITS, valueTooBig } from './expression-bounds.js';
import { compileTemplate, type CompiledTemplate } from './template-compiler.js';
import { renderTemplate } from './templating.js';
import { normaliseText } from './learner-input.js';

/** Draws tried before giving up on a template's constraints. */
export const MAX_DRAWS = 500;

/** Choice ids by display position: they say nothing about which option is right. */
const CHOICE_IDS = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ';

const compiledCache = new WeakMap<ItemTemplate, CompiledTemplate>();

function compiledOf(template: ItemTemplate): CompiledTemplate {
  const cached = compiledCache.get(template);
  if (cached !== undefined) return cached;
  const result = compileTemplate(template);
  if (!result.ok) {
    throw new TemplateError(
      'TEMPLATE_INVALID',
      template.id,
      result.problems[0]?.field ?? 'template',
      result.problems.map((p) => `${p.field}: ${p.message}`).join('; '),
      'fix the template and import it again',
    );
  }
  compiledCache.set(template, result.compiled);
  return result.compiled;
}

const decimalsOf = (step: number): number => {
  const text = formatNumber(step);
  const dot = text.indexOf('.');
  return dot === -1 ? 0 : text.length - dot - 1;
};

function draw(spec: VariableSpec, rng: Rng): TemplateValue | undefined {
  switch (spec.kind) {
    case 'integer': {
      for (let i = 0; i < 50; i++) {
        const value = spec.min + Math.floor(rng() * (spec.max - spec.min + 1));
        if (!spec.exclude.includes(value)) return value;
      }
      return undefined;
    }
    case 'decimal': {
      const steps = Math.floor((spec.max - spec.min) / spec.step + 1e-9);
      const k = Math.floor(rng() * (steps + 1));
      return Number((spec.min + k * spec.step).toFixed(decimalsOf(spec.step)));
    }
    case 'choice':
      return spec.values[Math.floor(rng() * spec.values.length)];
  }
}

function shuffled<T>(items: readonly T[], rng: Rng): T[] {
  const out = [...items];
  for (let i = out.length - 1; i > 0; i--) {
    const j = Math.floor(rng() * (i + 1));
    const a = out[i] as T;
    out[i] = out[j] as T;
    out[j] = a;
  }
  return out;
}

type Draw =
  | { ok: true; instance: ItemInstance; values: Record<string, TemplateValue> }
  | { ok: false; field: string; reason: string; tooBig?: true };

function withinTolerance(
  a: number,
  b: number,
  key: Extract<AnswerKey, { type: 'numeric' }>['tolerance'],
): boolean {
  const allowed = key.kind === 'absolute' ? key.amount : key.amount * Math.abs(b);
  return Math.abs(a - b) <= allowed + 1e-9 * Math.max(1, Math.abs(b));
}

function tryDraw(compiled: CompiledTemplate, seed: number, rng: Rng): Draw {
  const { template } = compiled;
  const values: Record<string, TemplateValue> = {};
  for (const [name, spec] of Object.entries(template.variables)) {
    const value = draw(spec, rng);
    if (value === undefined)
      return {
        ok: false,
        field: `variables.${name}`,
        reason: `variables.${name}: every drawn value is excluded`,
      };
    values[name] = value;
  }
  for (const { name, node } of compiled.derived) {
    let value: TemplateValue | undefined;
    try {
      value = asTemplateValue(evaluateNode(node, values));
    } catch (error) {
      return {
        ok: false,
        field: `derived.${name}`,
        reason: `derived.${name}: ${error instanceof Error ? error.message : String(error)}`,
      };
    }
    if (value === undefined || (typeof value === 'number' && !Number.isFinite(value)))
      return {
        ok: false,
        field: `derived.${name}`,
        reason: `derived.${name}: not a finite number, fraction, text or boolean`,
      };
    // Refused here, before later expressions and texts carry it further.
    if (valueTooBig(value))
      return {
        ok: false,
        field: `derived.${name}`,
        reason: `derived.${name}: a value with more than ${GENERATION_LIMITS.maxValueDigits} digits`,
        tooBig: true,
      };
    values[name] = value;
  }
  for (const { source, node } of compiled.constraints) {
    let holds: unknown;
    try {
      holds = evaluateNode(node, values);
    } catch {
      holds = false;
    }
    if (holds !== true)
      return { ok: false, field: 'constraints', reason: `constraint "${source}"` };
  }
  const render = (text: string): string => renderTemplate(text, values);
  const feedback = {
    correct: template.feedback.correct === null ? null : render(template.feedback.correct),
    incorrect: template.feedback.incorrect === null ? null : render(template.feedback.incorrect),
  };

  let choices: { id: string; text: string }[] = [];
  let units: readonly string[] = [];
  let variables: readonly string[] = [];
  let key: AnswerKey;
  switch (template.type) {
    case 'choice-single':
    case 'choice-multi': {
      const rendered = template.answer.choices.map((c) => ({
        text: render(c.text),
        correct: c.correct,
        feedback: c.feedback === null ? null : render(c.feedback),
      }));
      const distinct = new Set(rendered.map((c) => normaliseText(c.text, false)));
      if (distinct.size !== rendered.length)
        return { ok: false, field: 'answer.choices', reason: 'two choices render the same text' };
      const ordered = template.answer.shuffle ? shuffled(rendered, rng) : rendered;
      const withIds = ordered.map((c, i) => ({ ...c, id: CHOICE_IDS[i] ?? `Z${i}` }));
      choices = withIds.map(({ id, text }) => ({ id, text }));
      const choiceFeedback: Record<string, string> = {};
      for (const c of withIds) if (c.feedback !== null) choiceFeedback[c.id] = c.feedback;
      const correct = withIds.filter((c) => c.correct);
      const display = correct.map((c) => c.text).join('; ');
      key =
        template.type === 'choice-single'
          ? {
              type: 'choice-single',
              correct: correct[0]?.id ?? '',
              choiceIds: withIds.map((c) => c.id),
              choiceFeedback,
              display,
              correctFeedback: feedback.correct,
              incorrectFeedback: feedback.incorrect,
            }
          : {
              type: 'choice-multi',
              correct: correct.map((c) => c.id),
              choiceIds: withIds.map((c) => c.id),
              choiceFeedback,
              display,
              correctFeedback: feedback.correct,
              incorrectFeedback: feedback.incorrect,
            };
      break;
    }
    case 'numeric': {
      const spec = template.answer;
      const value = toNumber(
        compiled.answerValue === undefined
          ? Number.NaN
          : evaluateSafely(compiled.answerValue, values),
      );
      if (!Number.isFinite(value))
        return { ok: false, field: 'answer.value', reason: 'answer.value: not a finite number' };
      const tolerance = spec.tolerance;
      const commonErrors = spec.commonErrors.flatMap((e, i) => {
        const node = compiled.commonErrorValues[i];
        const wrong = node === undefined ? Number.NaN : toNumber(evaluateSafely(node, values));
        // A "common error" that lands on the right answer for these values says nothing.
        if (!Number.isFinite(wrong) || withinTolerance(wrong, value, tolerance)) return [];
        return [{ value: wrong, feedback: render(e.feedback) }];
      });
      units = spec.units?.accepted ?? [];
      const unit = units[0];
      key = {
        type: 'numeric',
        value,
        tolerance,
        units: spec.units,
        commonErrors,
        display: withUnit(formatNumber(value), unit),
        correctFeedback: feedback.correct,
        incorrectFeedback: feedback.incorrect,
      };
      break;
    }
    case 'fraction': {
      const spec = template.answer;
      const value = exactFraction(
        compiled.answerValue === undefined
          ? undefined
          : evaluateSafely(compiled.answerValue, values),
      );
      if (value === undefined)
        return {
          ok: false,
          field: 'answer.value',
          reason: 'answer.value: not an exact rational number (build it with fraction(a, b))',
        };
      const commonErrors = spec.commonErrors.flatMap((e, i) => {
        const node = compiled.commonErrorValues[i];
        const wrong = exactFraction(node === undefined ? undefined : evaluateSafely(node, values));
        if (wrong === undefined || wrong.equals(value)) return [];
        return [{ value: fractionText(wrong), feedback: render(e.feedback) }];
      });
      key = {
        type: 'fraction',
        value: fractionText(value),
        simplestForm: spec.simplestForm,
        commonErrors,
        display: `$${fractionTex(value)}$`,
        correctFeedback: feedback.correct,
        incorrectFeedback: feedback.incorrect,
      };
      break;
    }
    case 'expression': {
      const spec = template.answer;
      const expression = render(spec.expression);
      if (!parseLearnerExpression(expression, spec.variables).ok)
        return {
          ok: false,
          field: 'answer.expression',
          reason: `answer.expression: "${expression}" does not parse`,
        };
      variables = spec.variables;
      key = {
        type: 'expression',
        expression,
        variables: spec.variables,
        simplified: spec.simplified,
        commonErrors: spec.commonErrors.map((e) => ({
          expression: render(e.value),
          feedback: render(e.feedback),
        })),
        display: `$${expression.replace(/\*/g, ' \\cdot ')}$`,
        correctFeedback: feedback.correct,
        incorrectFeedback: feedback.incorrect,
      };
      break;
    }
    case 'short-text': {
      const spec = template.answer;
      const accepted = spec.accepted.map(render);
      key = {
        type: 'short-text',
        accepted,
        caseSensitive: spec.caseSensitive,
        commonErrors: spec.commonErrors.map((e) => ({
          text: render(e.value),
          feedback: render(e.feedback),
        })),
        display: accepted[0] ?? '',
        correctFeedback: feedback.correct,
        incorrectFeedback: feedback.incorrect,
      };
      break;
    }
  }

  const hints = template.hints.map(render);
  const prompt = render(template.prompt);
  const solution = render(template.solution);
  const oversized = longestText([
    ['prompt', prompt],
    ['solution', solution],
    ['feedback', [feedback.correct, feedback.incorrect]],
    ['hints', hints],
    ['answer.choices', choices.map((c) => c.text)],
    ['answer', renderedAnswerTexts(key)],
  ]);
  if (oversized !== undefined)
    return {
      ok: false,
      field: oversized.field,
      reason: `${oversized.field}: renders to more than ${GENERATION_LIMITS.maxRenderedChars} characters`,
      tooBig: true,
    };
  const question: QuestionView = {
    templateId: template.id,
    type: template.type,
    prompt,
    choices,
    units,
    variables,
    hintCount: hints.length,
  };
  return {
    ok: true,
    values,
    instance: {
      templateId: template.id,
      seed,
      skillId: template.skills[0],
      skills: template.skills,
      question,
      hints,
      solution,
      key,
    },
  };
}

/** The texts of an answer key that learners may see (options, feedback, accepted answers). */
function renderedAnswerTexts(key: AnswerKey): (string | null)[] {
  const shared = [key.display, key.correctFeedback, key.incorrectFeedback];
  switch (key.type) {
    case 'choice-single':
    case 'choice-multi':
      return [...shared, ...Object.values(key.choiceFeedback)];
    case 'numeric':
    case 'fraction':
      return [...shared, ...key.commonErrors.map((e) => e.feedback)];
    case 'expression':
      return [
        ...shared,
        key.expression,
        ...key.commonErrors.flatMap((e) => [e.expression, e.feedback]),
      ];
    case 'short-text':
      return [...shared, ...key.accepted, ...key.commonErrors.flatMap((e) => [e.text, e.feedback])];
  }
}

/** The first field with a rendered text longer than GENERATION_LIMITS allow. */
function longestText(
  texts: readonly (readonly [string, string | readonly (string | null)[]])[],
): { field: string } | undefined {
  for (const [field, text] of texts) {
    const all = typeof text === 'string' ? [text] : text;
    if (all.some((t) => t !== null && t.length > GENERATION_LIMITS.maxRenderedChars))
      return { field };
  }
  return undefined;
}

/** A fraction, or a number with a short exact decimal form (0.75); floats like sqrt(2) are not rational. */
function exactFraction(value: unknown): Fraction | undefined {
  if (typeof value !== 'number') return toFraction(value);
  if (!Number.isFinite(value)) return undefined;
  const text = formatNumber(value);
  return /^-?\d+(\.\d{1,6})?$/.test(text) ? fractionFromKey(text) : undefined;
}

/** `12 cm`, `25%`, and currency first (`\$4.5`, escaped: a bare `$` would open TeX). */
export function withUnit(number: string, unit: string | undefined): string {
  if (unit === undefined) return number;
  if (unit === '%') return `${number}%`;
  if (unit === '$') return `\\$${number}`;
  if (unit === '€' || unit === '£') return `${unit}${number}`;
  return `${number} ${unit}`;
}

function evaluateSafely(
  node: Parameters<typeof evaluateNode>[0],
  values: Record<string, TemplateValue>,
): unknown {
  try {
    return evaluateNode(node, values);
  } catch {
    return undefined;
  }
}

export interface InstantiateOptions {
  /**
   * Give up (TemplateError) once `now()` is past this time: imports bound the time spent sampling
   * a template. Checked between draws; each draw is bounded by the expression limits.
   */
  readonly deadline?: number;
  readonly now?: () => number;
}

/**
 * The instance of `template` for `seed` (a 32-bit integer, e.g. `seedFrom(learnerId, attempt)`).
 * Throws TemplateError when the template's constraints cannot be met within MAX_DRAWS draws.
 */
export function instantiate(
  template: ItemTemplate,
  seed: number,
  options: InstantiateOptions = {},
): ItemInstance {
  return instantiateWithValues(template, seed, options).instance;
}

const UNSATISFIABLE_HELP =
  'widen the variable ranges or relax the constraints so that at least a few percent of draws satisfy them';
const TOO_BIG_HELP =
  'keep values and texts small: lower the exponents and the variable ranges, and repeat placeholders less';

/** `instantiate`, also returning the drawn and derived values (for audits and content tests). */
export function instantiateWithValues(
  template: ItemTemplate,
  seed: number,
  options: InstantiateOptions = {},
): { readonly instance: ItemInstance; readonly values: Readonly<Record<string, TemplateValue>> } {
  const compiled = compiledOf(template);
  const rng = createRng(seed);
  const { deadline, now = () => performance.now() } = options;
  const failures = new Map<string, { field: string; count: number; tooBig: boolean }>();
  let draws = 0;
  for (; draws < MAX_DRAWS; draws++) {
    if (deadline !== undefined && now() > deadline) break;
    const result = tryDraw(compiled, seed, rng);
    if (result.ok) return { instance: result.instance, values: result.values };
    const seen = failures.get(result.reason);
    failures.set(result.reason, {
      field: result.field,
      count: (seen?.count ?? 0) + 1,
      tooBig: result.tooBig === true,
    });
  }
  // A draw that got past the constraints and failed later points at the real culprit.
  const stage = (field: string): number => {
    const i = ['variables', 'derived', 'constraints'].findIndex((p) => field.startsWith(p));
    return i === -1 ? 3 : i;
  };
  const worst = [...failures.entries()]
    .map(([reason, { field, count, tooBig }]) => [reason, count, field, tooBig] as const)
    .sort((a, b) => stage(b[2]) - stage(a[2]) || b[1] - a[1])
    .slice(0, 3);
  const tooBig = worst[0]?.[3] === true;
  const outcome =
    draws < MAX_DRAWS
      ? `no instance within the time allowed (${draws} draws, seed ${seed})`
      : tooBig
        ? `no draw of ${MAX_DRAWS} gave values and texts within the size limits (seed ${seed})`
        : `no values met its constraints in ${MAX_DRAWS} draws (seed ${seed})`;
  throw new TemplateError(
    'TEMPLATE_UNSATISFIABLE',
    template.id,
    worst[0]?.[2] ?? 'constraints',
    `${outcome}${
      worst.length === 0
        ? ''
        : `; most frequent failures: ${worst.map(([reason, n]) => `${reason} (${n}×)`).join(', ')}`
    }`,
    tooBig ? TOO_BIG_HELP : UNSATISFIABLE_HELP,
  );
}
