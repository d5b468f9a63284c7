// Small template builders for content tests: every field has a sensible default.
import { asItemId, asSkillId } from '../../../src/engine/index.js';
import type {
  ItemTemplate,
  TemplateAnswer,
  TemplateBase,
} from '../../../src/content/content.model.js';

export const SKILL = asSkillId('fractions-add-like');

export function template(
  answer: TemplateAnswer,
  base: Partial<Omit<TemplateBase, 'id'>> & { readonly id?: string } = {},
): ItemTemplate {
  const { id = 'test-template', ...rest } = base;
  return {
    title: id,
    skills: [SKILL],
    prompt: 'Question',
    variables: {},
    constraints: [],
    derived: {},
    hints: [],
    solution: '',
    feedback: { correct: null, incorrect: null },
    difficulty: null,
    ...rest,
    id: asItemId(id),
    ...answer,
  };
}

export const fractionTemplate = (value: string, simplestForm = false): ItemTemplate =>
  template({
    type: 'fraction',
    answer: {
      value,
      simplestForm,
      commonErrors: [{ value: 'fraction(3, 8)', feedback: 'You added the denominators.' }],
    },
  });

export const expressionTemplate = (expression: string, simplified = false): ItemTemplate =>
  template({
    type: 'expression',
    answer: {
      expression,
      variables: ['x'],
      simplified,
      commonErrors: [{ value: '2x + 1', feedback: 'Multiply the 1 by 2 as well.' }],
    },
  });
