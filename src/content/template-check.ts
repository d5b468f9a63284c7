/**
 * Checks a template the way a learner would meet it: compile it, instantiate it with a sample of
 * seeds, and require that every instance renders without TeX errors, accepts its own answer and
 * rejects its wrong options. Imports run this so broken content never reaches the bank.
 */
import { seedFrom } from '../engine/index.js';
import { checkAnswer, correctResponseOf } from './answer-check.js';
import { TemplateError } from './content.errors.js';
import type { ItemInstance, ItemTemplate } from './content.model.js';
import { excerpt } from './expression-bounds.js';
import { instantiate } from './generation.js';
import { findMathErrors } from './math-render.js';
import { compileTemplate, type FieldProblem } from './template-compiler.js';

/** Seeds sampled per template at import. */
export const IMPORT_SAMPLE_SEEDS = 20;

/** The seeds used to sample a template (also by the demo bank tests, with more of them). */
export const sampleSeeds = (templateId: string, count: number): number[] =>
  Array.from({ length: count }, (_, i) => seedFrom(templateId, 'sample', i));

/** The rendered texts of an instance with the field each came from. */
export function instanceTexts(instance: ItemInstance): { field: string; text: string }[] {
  return [
    { field: 'prompt', text: instance.question.prompt },
    ...instance.question.choices.map((c, i) => ({
      field: `answer.choices (option ${c.id}, #${i + 1})`,
      text: c.text,
    })),
    ...instance.hints.map((text, i) => ({ field: `hints[${i}]`, text })),
    { field: 'solution', text: instance.solution },
    { field: 'answer', text: instance.key.display },
  ];
}

/** Problems of one instance: TeX errors, its own answer refused, a wrong option accepted. */
export function checkInstance(instance: ItemInstance): FieldProblem[] {
  const problems: FieldProblem[] = [];
  for (const { field, text } of instanceTexts(instance)) {
    for (const error of findMathErrors(text))
      problems.push({
        field,
        message: `TeX does not render (seed ${instance.seed}): ${error}`,
        help: 'fix the TeX between the $ signs (write a literal dollar as \\$)',
      });
  }
  const own = checkAnswer(instance, correctResponseOf(instance.key));
  if (own.status !== 'checked' || !own.correct)
    problems.push({
      field: 'answer',
      message: `the generated answer ${excerpt(JSON.stringify(correctResponseOf(instance.key)), 80)} is not accepted (seed ${instance.seed}): ${own.status === 'invalid' ? own.message : own.feedback}`,
      help: 'make the answer value match its type (e.g. a rational value for "fraction", an expression in the listed variables)',
    });
  const { key } = instance;
  if (key.type === 'choice-single' || key.type === 'choice-multi') {
    for (const id of key.choiceIds) {
      if (key.type === 'choice-single' ? id === key.correct : key.correct.includes(id)) continue;
      const response =
        key.type === 'choice-single' ? id : [...key.correct.filter((c) => c !== id), id];
      const result = checkAnswer(instance, response);
      if (result.status === 'checked' && result.correct)
        problems.push({
          field: 'answer.choices',
          message: `the wrong option ${id} is accepted (seed ${instance.seed})`,
          help: 'check the "correct" flags',
        });
    }
  }
  return problems;
}

export interface CheckBudget {
  /** Milliseconds the sampling may take; past it the template is refused as too slow. */
  readonly timeMs?: number;
  readonly now?: () => number;
}

/** Where the sampling of a slow template spends its time. */
const slowField = (template: ItemTemplate): string =>
  Object.keys(template.derived).length > 0
    ? 'derived'
    : template.constraints.length > 0
      ? 'constraints'
      : 'variables';

/**
 * Compiles and samples a template; returns the problems by field (empty when it is sound).
 * With `budget.timeMs`, a template whose sampling takes longer is refused: expressions are
 * bounded at compile time, so only pathological templates come near the budget.
 */
export function checkTemplate(
  template: ItemTemplate,
  seeds = IMPORT_SAMPLE_SEEDS,
  budget: CheckBudget = {},
): FieldProblem[] {
  const { timeMs, now = () => performance.now() } = budget;
  const deadline = timeMs === undefined ? undefined : now() + timeMs;
  const tooSlow = (): FieldProblem => ({
    field: slowField(template),
    message: `sampling ${seeds} instances takes longer than ${String(timeMs)} ms`,
    help: 'simplify the expressions, relax the constraints so fewer draws are rejected, and keep texts and lists short',
  });
  const compiled = compileTemplate(template);
  if (!compiled.ok) return [...compiled.problems];
  const seen = new Set<string>();
  const problems: FieldProblem[] = [];
  for (const seed of sampleSeeds(template.id, seeds)) {
    if (deadline !== undefined && now() > deadline) return [tooSlow()];
    let instance: ItemInstance;
    try {
      instance = instantiate(template, seed, deadline === undefined ? {} : { deadline, now });
    } catch (error) {
      if (!(error instanceof TemplateError)) throw error;
      if (deadline !== undefined && now() > deadline) return [tooSlow()];
      return [{ field: error.field, message: error.message, help: error.help }];
    }
    for (const p of checkInstance(instance)) {
      // One report per field is enough; its seed shows how to reproduce it.
      if (seen.has(p.field)) continue;
      seen.add(p.field);
      problems.push(p);
    }
  }
  return problems;
}
