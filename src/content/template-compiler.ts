/**
 * Checks a template's expressions and placeholders once and keeps the parsed expressions, so
 * generation never re-parses and import reports every authoring mistake with its field.
 */
import type { MathNode } from 'mathjs';
import type { ItemTemplate } from './content.model.js';
import {
  checkExpressionSource,
  checkExpressionTree,
  excerpt,
  GENERATION_LIMITS,
  TEMPLATE_LIMITS,
  variableDigits,
} from './expression-bounds.js';
import { parseAuthorExpression } from './math.js';
import { isFilter, listPlaceholders } from './templating.js';

export interface CompiledTemplate {
  readonly template: ItemTemplate;
  readonly derived: readonly { readonly name: string; readonly node: MathNode }[];
  readonly constraints: readonly { readonly source: string; readonly node: MathNode }[];
  /** numeric/fraction: the answer's expression. */
  readonly answerValue: MathNode | undefined;
  /** numeric/fraction: common errors' expressions, in order. */
  readonly commonErrorValues: readonly MathNode[];
}

/** A problem in one field of a template (the importer adds file, item and line). */
export interface FieldProblem {
  readonly field: string;
  readonly message: string;
  readonly help: string;
}

export type Compilation =
  | { readonly ok: true; readonly compiled: CompiledTemplate }
  | { readonly ok: false; readonly problems: readonly FieldProblem[] };

const EXPRESSION_HELP =
  'write a mathjs expression over the template variables and earlier derived values, e.g. "gcd(a, b) == 1" (see src/content/FORMAT.md)';

/** The template strings of a template, with their field paths. */
export function templateStrings(template: ItemTemplate): { field: string; text: string }[] {
  const out: { field: string; text: string }[] = [
    { field: 'prompt', text: template.prompt },
    { field: 'solution', text: template.solution },
    ...template.hints.map((text, i) => ({ field: `hints[${i}]`, text })),
  ];
  if (template.feedback.correct !== null)
    out.push({ field: 'feedback.correct', text: template.feedback.correct });
  if (template.feedback.incorrect !== null)
    out.push({ field: 'feedback.incorrect', text: template.feedback.incorrect });
  switch (template.type) {
    case 'choice-single':
    case 'choice-multi':
      template.answer.choices.forEach((choice, i) => {
        out.push({ field: `answer.choices[${i}].text`, text: choice.text });
        if (choice.feedback !== null)
          out.push({ field: `answer.choices[${i}].feedback`, text: choice.feedback });
      });
      break;
    case 'numeric':
    case 'fraction':
      template.answer.commonErrors.forEach((e, i) => {
        out.push({ field: `answer.commonErrors[${i}].feedback`, text: e.feedback });
      });
      break;
    case 'expression':
    case 'short-text':
      if (template.type === 'expression')
        out.push({ field: 'answer.expression', text: template.answer.expression });
      else
        template.answer.accepted.forEach((text, i) => {
          out.push({ field: `answer.accepted[${i}]`, text });
        });
      template.answer.commonErrors.forEach((e, i) => {
        out.push({ field: `answer.commonErrors[${i}].value`, text: e.value });
        out.push({ field: `answer.commonErrors[${i}].feedback`, text: e.feedback });
      });
      break;
  }
  return out;
}

/** Lists and texts too long to check or to show, reported before anything else is looked at. */
function sizeProblems(template: ItemTemplate): FieldProblem[] {
  const problems: FieldProblem[] = [];
  const { maxChoices, maxEntries, maxValues, maxTextChars } = TEMPLATE_LIMITS;
  const tooMany = (field: string, length: number, max: number, what: string): void => {
    if (length > max)
      problems.push({
        field,
        message: `${length} ${what} are more than the limit of ${max}`,
        help: `keep at most ${max} ${what}`,
      });
  };
  const variables = Object.entries(template.variables);
  tooMany('variables', variables.length, maxEntries, 'variables');
  for (const [name, spec] of variables) {
    if (spec.kind === 'integer')
      tooMany(`variables.${name}.exclude`, spec.exclude.length, maxValues, 'excluded values');
    if (spec.kind === 'choice')
      tooMany(`variables.${name}.values`, spec.values.length, maxValues, 'values');
  }
  tooMany('derived', Object.keys(template.derived).length, maxEntries, 'derived values');
  tooMany('constraints', template.constraints.length, maxEntries, 'constraints');
  tooMany('hints', template.hints.length, maxEntries, 'hints');
  switch (template.type) {
    case 'choice-single':
    case 'choice-multi':
      tooMany('answer.choices', template.answer.choices.length, maxChoices, 'choices');
      break;
    case 'short-text':
      tooMany('answer.accepted', template.answer.accepted.length, maxEntries, 'accepted answers');
      tooMany(
        'answer.commonErrors',
        template.answer.commonErrors.length,
        maxEntries,
        'common errors',
      );
      break;
    case 'numeric':
    case 'fraction':
    case 'expression':
      tooMany(
        'answer.commonErrors',
        template.answer.commonErrors.length,
        maxEntries,
        'common errors',
      );
      break;
  }
  if (problems.length > 0) return problems;
  for (const { field, text } of templateStrings(template))
    if (text.length > maxTextChars)
      problems.push({
        field,
        message: `the text has ${text.length} characters, more than the limit of ${maxTextChars}`,
        help: 'shorten it, or split it (e.g. into several hints)',
      });
  return problems;
}

export function compileTemplate(template: ItemTemplate): Compilation {
  const oversized = sizeProblems(template);
  if (oversized.length > 0) return { ok: false, problems: oversized };
  const problems: FieldProblem[] = [];
  const names = new Set(Object.keys(template.variables));
  // The most digits each name's values can have (derived values are capped when generated).
  const digits = new Map(
    Object.entries(template.variables).map(([name, spec]) => [name, variableDigits(spec)]),
  );
  /** Bounds the source, parses it, then bounds the tree: a message or the node and its size. */
  const parse = (
    source: string,
  ):
    { ok: true; node: MathNode; digits: number } | { ok: false; message: string; help: string } => {
    const quoted = `"${excerpt(source)}"`;
    const length = checkExpressionSource(source);
    if (!length.ok)
      return { ok: false, message: `${quoted}: ${length.message}`, help: length.help };
    const parsed = parseAuthorExpression(source, names);
    if (!parsed.ok)
      return { ok: false, message: `${quoted}: ${parsed.message}`, help: EXPRESSION_HELP };
    const size = checkExpressionTree(parsed.node, (name) => digits.get(name));
    if (!size.ok) return { ok: false, message: `${quoted}: ${size.message}`, help: size.help };
    return { ok: true, node: parsed.node, digits: size.digits };
  };

  for (const [name, spec] of Object.entries(template.variables)) {
    const field = `variables.${name}`;
    if (spec.kind === 'integer' || spec.kind === 'decimal') {
      if (spec.min > spec.max)
        problems.push({
          field,
          message: `min ${spec.min} is above max ${spec.max}`,
          help: 'swap min and max',
        });
    }
    if (spec.kind === 'integer' && (!Number.isInteger(spec.min) || !Number.isInteger(spec.max)))
      problems.push({
        field,
        message: 'an integer range needs whole-number bounds',
        help: 'use whole numbers for min and max, or kind "decimal"',
      });
    if (spec.kind === 'decimal' && spec.step <= 0)
      problems.push({ field, message: 'the step must be positive', help: 'set step to e.g. 0.5' });
    if (spec.kind === 'choice' && spec.values.length === 0)
      problems.push({
        field,
        message: 'a choice variable needs at least one value',
        help: 'list the values to pick from',
      });
  }

  const derived: { name: string; node: MathNode }[] = [];
  for (const [name, source] of Object.entries(template.derived)) {
    const field = `derived.${name}`;
    if (names.has(name)) {
      problems.push({
        field,
        message: `"${name}" is already a variable`,
        help: 'give the derived value another name',
      });
      continue;
    }
    const parsed = parse(source);
    if (parsed.ok) {
      derived.push({ name, node: parsed.node });
      digits.set(name, Math.min(parsed.digits, GENERATION_LIMITS.maxValueDigits));
    } else problems.push({ field, message: parsed.message, help: parsed.help });
    names.add(name);
  }

  const constraints: { source: string; node: MathNode }[] = [];
  template.constraints.forEach((source, i) => {
    const parsed = parse(source);
    if (parsed.ok) constraints.push({ source, node: parsed.node });
    else problems.push({ field: `constraints[${i}]`, message: parsed.message, help: parsed.help });
  });

  for (const { field, text } of templateStrings(template)) {
    for (const placeholder of listPlaceholders(text)) {
      if (!names.has(placeholder.name))
        problems.push({
          field,
          message: `the placeholder {{${placeholder.name}}} names no variable or derived value`,
          help: `use one of: ${[...names].join(', ') || '(none defined: add "variables" or "derived")'}`,
        });
      if (placeholder.filter !== undefined && !isFilter(placeholder.filter))
        problems.push({
          field,
          message: `unknown filter "|${placeholder.filter}" in {{${placeholder.name}|${placeholder.filter}}}`,
          help: 'use |tex, |signed, |tex-signed or |coef, or no filter',
        });
    }
  }

  let answerValue: MathNode | undefined;
  const commonErrorValues: MathNode[] = [];
  switch (template.type) {
    case 'numeric':
    case 'fraction': {
      const parsed = parse(template.answer.value);
      if (parsed.ok) answerValue = parsed.node;
      else problems.push({ field: 'answer.value', message: parsed.message, help: parsed.help });
      template.answer.commonErrors.forEach((e, i) => {
        const p = parse(e.value);
        if (p.ok) commonErrorValues.push(p.node);
        else
          problems.push({
            field: `answer.commonErrors[${i}].value`,
            message: p.message,
            help: p.help,
          });
      });
      break;
    }
    case 'choice-single':
    case 'choice-multi': {
      const { choices } = template.answer;
      const correct = choices.filter((c) => c.correct).length;
      if (choices.length < 2)
        problems.push({
          field: 'answer.choices',
          message: 'a multiple-choice item needs at least two choices',
          help: 'add the wrong options learners should consider',
        });
      if (template.type === 'choice-single' && correct !== 1)
        problems.push({
          field: 'answer.choices',
          message: `a single-answer item needs exactly one correct choice, found ${correct}`,
          help: 'mark exactly one choice "correct": true, or use type "choice-multi"',
        });
      if (template.type === 'choice-multi' && correct === 0)
        problems.push({
          field: 'answer.choices',
          message: 'no choice is marked correct',
          help: 'mark at least one choice "correct": true',
        });
      break;
    }
    case 'expression':
      if (template.answer.variables.length === 0)
        problems.push({
          field: 'answer.variables',
          message: 'an expression answer needs at least one variable',
          help: 'list the letters learners use, e.g. ["x"]',
        });
      break;
    case 'short-text':
      if (template.answer.accepted.length === 0)
        problems.push({
          field: 'answer.accepted',
          message: 'no accepted answer',
          help: 'list at least one accepted answer',
        });
      break;
  }

  if (problems.length > 0) return { ok: false, problems };
  return { ok: true, compiled: { template, derived, constraints, answerValue, commonErrorValues } };
}
