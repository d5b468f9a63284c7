/**
 * Checks a template the way a learner would meet it: compile it, instantiate it with a sample of
 * seeds, and require that every instance renders without TeX errors, accepts its own answer and
 * rejects its wrong options. Imports run this so broken content never reaches the bank.
 */
import { seedFrom } from '../engine/index.js';
import { checkAnswer, correctResponseOf } from './answer-check.js';
import { TemplateError } from './content.errors.js';
import type { ItemInstance, ItemTemplate } from './content.model.js';
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
      message: `the generated answer ${JSON.stringify(correctResponseOf(instance.key))} is not accepted (seed ${instance.seed}): ${own.status === 'invalid' ? own.message : own.feedback}`,
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

/** Compiles and samples a template; returns the problems by field (empty when it is sound). */
export function checkTemplate(template: ItemTemplate, seeds = IMPORT_SAMPLE_SEEDS): FieldProblem[] {
  const compiled = compileTemplate(template);
  if (!compiled.ok) return [...compiled.problems];
  const seen = new Set<string>();
  const problems: FieldProblem[] = [];
  for (const seed of sampleSeeds(template.id, seeds)) {
    let instance: ItemInstance;
    try {
      instance = instantiate(template, seed);
    } catch (error) {
      if (!(error instanceof TemplateError)) throw error;
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
