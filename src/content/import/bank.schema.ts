/**
 * The Pathwise bank file format (`"format": "pathwise-bank/1"`), validated with zod. Optional
 * fields get their defaults here, so the parsed value is a complete `ContentBank`. The format is
 * described for authors in src/content/FORMAT.md; keep the two in step.
 */
import { z } from 'zod';
import { asItemId, asSkillId } from '../../engine/index.js';
import type { ContentBank, ItemTemplate, Skill, SkillId } from '../content.model.js';

export const BANK_FORMAT = 'pathwise-bank/1';

/** Skills a template practises, and prerequisites of a skill. */
const MAX_SKILL_REFERENCES = 50;

const SLUG = /^[a-z0-9]+(?:-[a-z0-9]+)*$/;
const IDENTIFIER = /^[A-Za-z][A-Za-z0-9_]*$/;

const slug = (what: string) =>
  z
    .string({ error: `the ${what} id must be a string` })
    .max(80, { error: `the ${what} id is longer than 80 characters` })
    .regex(SLUG, {
      error: `the ${what} id must be a slug: lowercase letters, digits and single hyphens, e.g. "fractions-add-like"`,
    });

export const skillIdSchema = slug('skill').transform(asSkillId);
const text = (what: string) => z.string({ error: `${what} must be a string` });
const nonEmptyText = (what: string) =>
  text(what)
    .trim()
    .min(1, { error: `${what} must not be empty` });

export const skillSchema = z.strictObject({
  id: skillIdSchema,
  name: nonEmptyText('the name'),
  description: text('the description').default(''),
  prerequisites: z
    .array(skillIdSchema)
    .max(MAX_SKILL_REFERENCES, { error: `list at most ${MAX_SKILL_REFERENCES} prerequisites` })
    .default([]),
});

const variableSchema = z.discriminatedUnion(
  'kind',
  [
    z.strictObject({
      kind: z.literal('integer'),
      min: z.number(),
      max: z.number(),
      exclude: z.array(z.number()).default([]),
    }),
    z.strictObject({
      kind: z.literal('decimal'),
      min: z.number(),
      max: z.number(),
      step: z.number().positive({ error: 'the step must be positive' }),
    }),
    z.strictObject({
      kind: z.literal('choice'),
      values: z
        .array(z.union([z.string(), z.number()]))
        .min(1, { error: 'list at least one value' }),
    }),
  ],
  { error: 'a variable needs "kind": "integer", "decimal" or "choice"' },
);

/** Expressions may be written as numbers in JSON (`"value": 3`). */
const expression = z.union([z.string().trim().min(1), z.number().transform(String)], {
  error: 'expected a mathjs expression (a string such as "a + b") or a number',
});

const commonErrorsSchema = z
  .array(z.strictObject({ value: expression, feedback: nonEmptyText('the feedback') }))
  .default([]);

const choicesSchema = z.strictObject({
  choices: z
    .array(
      z.strictObject({
        text: nonEmptyText('the choice text'),
        correct: z.boolean().default(false),
        feedback: text('the feedback').nullable().default(null),
      }),
    )
    .min(2, { error: 'a multiple-choice item needs at least two choices' }),
  shuffle: z.boolean().default(true),
});

const toleranceSchema = z
  .union(
    [
      z
        .strictObject({ absolute: z.number().min(0) })
        .transform((t) => ({ kind: 'absolute' as const, amount: t.absolute })),
      z
        .strictObject({ relative: z.number().min(0) })
        .transform((t) => ({ kind: 'relative' as const, amount: t.relative })),
    ],
    { error: 'the tolerance must be { "absolute": 0.01 } or { "relative": 0.001 }' },
  )
  .default({ kind: 'absolute', amount: 0 });

const answerSchemas = {
  'choice-single': choicesSchema,
  'choice-multi': choicesSchema,
  numeric: z.strictObject({
    value: expression,
    tolerance: toleranceSchema,
    units: z
      .strictObject({
        accepted: z
          .array(nonEmptyText('a unit'))
          .min(1, { error: 'list at least one unit spelling' }),
        required: z.boolean().default(false),
      })
      .nullable()
      .default(null),
    commonErrors: commonErrorsSchema,
  }),
  fraction: z.strictObject({
    value: expression,
    simplestForm: z.boolean().default(false),
    commonErrors: commonErrorsSchema,
  }),
  expression: z.strictObject({
    expression: nonEmptyText('the expression'),
    variables: z
      .array(
        z
          .string()
          .regex(IDENTIFIER, { error: 'a variable is a letter followed by letters or digits' }),
      )
      .min(1, { error: 'list the variables learners may use, e.g. ["x"]' }),
    simplified: z.boolean().default(false),
    commonErrors: commonErrorsSchema,
  }),
  'short-text': z.strictObject({
    accepted: z
      .array(nonEmptyText('an accepted answer'))
      .min(1, { error: 'list at least one accepted answer' }),
    caseSensitive: z.boolean().default(false),
    commonErrors: commonErrorsSchema,
  }),
} as const;

function nonEmpty<T>(items: readonly T[]): [T, ...T[]] {
  const [first, ...rest] = items;
  if (first === undefined) throw new Error('nonEmpty: checked by .min(1) before');
  return [first, ...rest];
}

const baseShape = {
  id: slug('template').transform(asItemId),
  title: text('the title').optional(),
  skills: z
    .array(skillIdSchema)
    .min(1, { error: 'list at least one skill id (the first is the primary skill)' })
    .max(MAX_SKILL_REFERENCES, { error: `list at most ${MAX_SKILL_REFERENCES} skills` })
    .transform((ids) => nonEmpty<SkillId>(ids)),
  difficulty: z.number().min(1).max(5).nullable().default(null),
  prompt: nonEmptyText('the prompt'),
  variables: z
    .record(
      z.string().regex(IDENTIFIER, {
        error: 'a variable name is a letter followed by letters, digits or _',
      }),
      variableSchema,
    )
    .default({}),
  constraints: z.array(nonEmptyText('a constraint')).default([]),
  derived: z
    .record(
      z.string().regex(IDENTIFIER, {
        error: 'a derived name is a letter followed by letters, digits or _',
      }),
      expression,
    )
    .default({}),
  hints: z.array(nonEmptyText('a hint')).default([]),
  solution: text('the solution').default(''),
  feedback: z
    .strictObject({
      correct: text('the feedback').nullable().default(null),
      incorrect: text('the feedback').nullable().default(null),
    })
    .default({ correct: null, incorrect: null }),
};

const templateVariant = <T extends keyof typeof answerSchemas>(type: T) =>
  z.strictObject({ ...baseShape, type: z.literal(type), answer: answerSchemas[type] });

export const templateSchema = z
  .discriminatedUnion(
    'type',
    [
      templateVariant('choice-single'),
      templateVariant('choice-multi'),
      templateVariant('numeric'),
      templateVariant('fraction'),
      templateVariant('expression'),
      templateVariant('short-text'),
    ],
    {
      error:
        'the type must be one of choice-single, choice-multi, numeric, fraction, expression, short-text',
    },
  )
  .transform((t): ItemTemplate => ({ ...t, title: t.title ?? t.id }));

export const bankFileSchema = z
  .strictObject({
    format: z.literal(BANK_FORMAT, { error: `the first field must be "format": "${BANK_FORMAT}"` }),
    skills: z.array(skillSchema).default([]),
    templates: z.array(templateSchema).default([]),
  })
  .transform((file): ContentBank => ({
    skills: file.skills satisfies Skill[],
    templates: file.templates,
  }));

export type BankFile = z.input<typeof bankFileSchema>;
