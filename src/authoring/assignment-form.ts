/**
 * The assignment form an instructor fills in (Deep Linking, and later edits): parsing with every
 * problem reported at once, and the view model. Pure: the skills come from the caller.
 */
import type { Skill } from '../content/content.model.js';
import type { MasteryCriterion, SkillId } from '../engine/index.js';
import {
  DEFAULT_ASSIGNMENT_SETTINGS,
  SCORE_POLICIES,
  SCORE_POLICY_LABELS,
  type AssignmentSettings,
  type ScorePolicy,
} from '../assignments/assignment-settings.js';
import type { Assignment } from '../assignments/assignment.repository.js';
import { formList, formText, formValue } from '../shared/form-fields.js';

export interface AssignmentFormValue {
  readonly title: string;
  readonly scoreMaximum: number;
  readonly dueAt: Date | undefined;
  readonly settings: AssignmentSettings;
  /** Prerequisites the instructor did not tick, added so the skills can be learnt in order. */
  readonly addedPrerequisites: readonly Skill[];
}

/** The raw form fields, echoed back when something is wrong. */
export interface AssignmentFormFields {
  readonly title: string;
  readonly scoreMaximum: string;
  readonly dueAt: string;
  readonly skills: readonly string[];
  readonly mastery: string;
  readonly targetSuccess: string;
  readonly minItems: string;
  readonly maxItems: string;
  readonly spacedReview: boolean;
  readonly placement: boolean;
  readonly scorePolicy: string;
}

export type AssignmentFormResult =
  | { readonly ok: true; readonly value: AssignmentFormValue }
  | {
      readonly ok: false;
      readonly fields: AssignmentFormFields;
      readonly errors: Readonly<Partial<Record<keyof AssignmentFormFields, string>>>;
    };

/** Mastery rules offered in the form, by their option value. */
export const MASTERY_RULES: Readonly<Record<string, { label: string; rule: MasteryCriterion }>> = {
  p80: { label: '80% estimated mastery', rule: { kind: 'probability', threshold: 0.8 } },
  p85: {
    label: '85% estimated mastery (recommended)',
    rule: { kind: 'probability', threshold: 0.85 },
  },
  p90: { label: '90% estimated mastery', rule: { kind: 'probability', threshold: 0.9 } },
  p95: { label: '95% estimated mastery', rule: { kind: 'probability', threshold: 0.95 } },
  streak3: {
    label: '3 correct in a row (ASSISTments skill builder)',
    rule: { kind: 'streak', inARow: 3 },
  },
  streak5: { label: '5 correct in a row', rule: { kind: 'streak', inARow: 5 } },
};

export const formMessages = {
  title: 'Give the assignment a title.',
  titleLong: 'Keep the title under 200 characters.',
  points: 'Points must be a number greater than 0 (at most 10000).',
  due: 'Use a date like 2026-12-01T17:00.',
  skills: 'Choose at least one skill.',
  unknownSkill: (id: string) => `"${id}" is not a skill of the question bank; reload the form.`,
  mastery: 'Choose one of the mastery rules.',
  target: 'Target success must be a whole percentage from 50 to 95.',
  minItems: 'Minimum questions must be a whole number from 0 to 200.',
  maxItems:
    'Maximum questions must be blank or a whole number from 1 to 500, at least the minimum.',
  scorePolicy: 'Choose how the grade is computed.',
} as const;

const textField = (body: unknown, name: string): string => (formText(body, name) ?? '').trim();

const masteryKeyOf = (rule: MasteryCriterion): string =>
  Object.entries(MASTERY_RULES).find(
    ([, option]) => JSON.stringify(option.rule) === JSON.stringify(rule),
  )?.[0] ?? 'p85';

/** The fields of a stored assignment (edit form) or of a new one. */
export function fieldsOf(assignment: Assignment | undefined): AssignmentFormFields {
  const settings = assignment?.settings ?? DEFAULT_ASSIGNMENT_SETTINGS;
  return {
    title: assignment?.title ?? 'Adaptive practice',
    scoreMaximum: String(assignment?.scoreMaximum ?? 100),
    dueAt: assignment?.dueAt === undefined ? '' : assignment.dueAt.toISOString().slice(0, 16),
    skills: [...settings.skillIds],
    mastery: masteryKeyOf(settings.mastery),
    targetSuccess: String(Math.round(settings.targetSuccess * 100)),
    minItems: String(settings.minItems),
    maxItems: settings.maxItems === undefined ? '' : String(settings.maxItems),
    spacedReview: settings.spacedReview,
    placement: settings.placement === true,
    scorePolicy: settings.scorePolicy,
  };
}

const wholeNumber = (text: string): number | undefined =>
  /^\d+$/.test(text) ? Number(text) : undefined;

/** The submitted fields as typed (to show the form again). */
export function submittedFields(body: unknown): AssignmentFormFields {
  return {
    title: textField(body, 'title'),
    scoreMaximum: textField(body, 'scoreMaximum'),
    dueAt: textField(body, 'dueAt'),
    skills: formList(body, 'skills'),
    mastery: textField(body, 'mastery') || 'p85',
    targetSuccess:
      textField(body, 'targetSuccess') ||
      String(Math.round(DEFAULT_ASSIGNMENT_SETTINGS.targetSuccess * 100)),
    minItems: textField(body, 'minItems') || '0',
    maxItems: textField(body, 'maxItems'),
    spacedReview: formValue(body, 'spacedReview') === 'true',
    placement: formValue(body, 'placement') === 'true',
    scorePolicy: textField(body, 'scorePolicy') || 'mastery-partial',
  };
}

/** Parses a submitted form; every problem is reported, keyed by field. */
export function parseAssignmentForm(body: unknown, bank: readonly Skill[]): AssignmentFormResult {
  const fields = submittedFields(body);
  const errors: Partial<Record<keyof AssignmentFormFields, string>> = {};

  if (fields.title === '') errors.title = formMessages.title;
  else if (fields.title.length > 200) errors.title = formMessages.titleLong;
  const points = Number(fields.scoreMaximum);
  if (fields.scoreMaximum === '' || !Number.isFinite(points) || points <= 0 || points > 10_000)
    errors.scoreMaximum = formMessages.points;
  let dueAt: Date | undefined;
  if (fields.dueAt !== '') {
    dueAt = new Date(fields.dueAt);
    if (Number.isNaN(dueAt.getTime())) errors.dueAt = formMessages.due;
  }

  const byId = new Map(bank.map((s) => [s.id as string, s]));
  const unknown = fields.skills.find((id) => !byId.has(id));
  if (bank.length > 0 && fields.skills.length === 0) errors.skills = formMessages.skills;
  else if (unknown !== undefined) errors.skills = formMessages.unknownSkill(unknown);

  const mastery = MASTERY_RULES[fields.mastery];
  if (mastery === undefined) errors.mastery = formMessages.mastery;
  const target = wholeNumber(fields.targetSuccess);
  if (target === undefined || target < 50 || target > 95)
    errors.targetSuccess = formMessages.target;
  const minItems = wholeNumber(fields.minItems);
  if (minItems === undefined || minItems > 200) errors.minItems = formMessages.minItems;
  const maxItems = fields.maxItems === '' ? undefined : wholeNumber(fields.maxItems);
  if (
    (fields.maxItems !== '' && (maxItems === undefined || maxItems < 1 || maxItems > 500)) ||
    (maxItems !== undefined && minItems !== undefined && maxItems < minItems)
  )
    errors.maxItems = formMessages.maxItems;
  if (!(SCORE_POLICIES as readonly string[]).includes(fields.scorePolicy))
    errors.scorePolicy = formMessages.scorePolicy;

  if (
    Object.keys(errors).length > 0 ||
    mastery === undefined ||
    target === undefined ||
    minItems === undefined
  )
    return { ok: false, fields, errors };

  const chosen = withPrerequisites(fields.skills, byId);
  return {
    ok: true,
    value: {
      title: fields.title,
      scoreMaximum: points,
      dueAt,
      settings: {
        skillIds: chosen.all as SkillId[],
        mastery: mastery.rule,
        targetSuccess: target / 100,
        minItems,
        maxItems,
        spacedReview: fields.spacedReview,
        placement: fields.placement,
        scorePolicy: fields.scorePolicy as ScorePolicy,
      },
      addedPrerequisites: chosen.added,
    },
  };
}

/** The chosen skills plus every prerequisite they need, in bank order. */
function withPrerequisites(
  chosen: readonly string[],
  byId: ReadonlyMap<string, Skill>,
): { all: string[]; added: Skill[] } {
  const included = new Set(chosen);
  const added: Skill[] = [];
  const visit = (id: string) => {
    for (const p of byId.get(id)?.prerequisites ?? []) {
      if (included.has(p)) continue;
      included.add(p);
      const skill = byId.get(p);
      if (skill !== undefined) added.push(skill);
      visit(p);
    }
  };
  for (const id of chosen) visit(id);
  return { all: [...byId.keys()].filter((id) => included.has(id)), added };
}

/** View model of the form (new or edit), with the bank's skills as checkboxes. */
export function assignmentFormView(
  fields: AssignmentFormFields,
  errors: Readonly<Partial<Record<keyof AssignmentFormFields, string>>>,
  bank: readonly Skill[],
) {
  const names = new Map(bank.map((s) => [s.id as string, s.name]));
  const chosen = new Set(fields.skills);
  return {
    values: fields,
    errors: Object.values(errors),
    invalid: Object.fromEntries(
      Object.keys(fieldsOf(undefined)).map((k) => [k, String(k in errors)]),
    ),
    skills: bank.map((s, i) => ({
      id: s.id,
      inputId: `skill-${i}`,
      name: s.name,
      description: s.description,
      checked: chosen.has(s.id),
      prerequisites: s.prerequisites.map((p) => names.get(p) ?? p).join(', '),
    })),
    masteryRules: Object.entries(MASTERY_RULES).map(([value, option]) => ({
      value,
      label: option.label,
      selected: fields.mastery === value,
    })),
    scorePolicies: SCORE_POLICIES.map((value) => ({
      value,
      label: SCORE_POLICY_LABELS[value],
      selected: fields.scorePolicy === value,
    })),
  };
}
