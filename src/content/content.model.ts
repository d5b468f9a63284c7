/**
 * The content model: skills, parametric item templates and the concrete instances a learner sees.
 *
 * An engine "item" is a template (statistics are kept per template); a learner answers an
 * instance generated deterministically from (template, seed) by `instantiate`. Every value here
 * is a plain, JSON-serialisable object so templates can be stored as they are and instances kept
 * in a practice session.
 */
import type { ItemId, SkillId } from '../engine/index.js';

export type { ItemId, SkillId };

/** A skill (knowledge component) with the skills to master before it. */
export interface Skill {
  /** Slug, e.g. `fractions-add-like`. */
  readonly id: SkillId;
  readonly name: string;
  readonly description: string;
  readonly prerequisites: readonly SkillId[];
}

export const ITEM_TYPES = [
  'choice-single',
  'choice-multi',
  'numeric',
  'fraction',
  'expression',
  'short-text',
] as const;
export type ItemType = (typeof ITEM_TYPES)[number];

/** How a template variable is drawn. Ranges are inclusive. */
export type VariableSpec =
  | {
      readonly kind: 'integer';
      readonly min: number;
      readonly max: number;
      readonly exclude: readonly number[];
    }
  | { readonly kind: 'decimal'; readonly min: number; readonly max: number; readonly step: number }
  | { readonly kind: 'choice'; readonly values: readonly (string | number)[] };

/** One option of a multiple-choice template; `text` and `feedback` are template strings. */
export interface ChoiceSpec {
  readonly text: string;
  readonly correct: boolean;
  /** Shown when the learner picks this option (usually: the mistake it stands for). */
  readonly feedback: string | null;
}

/** A wrong answer that learners often give, with the feedback explaining the likely mistake. */
export interface CommonError {
  /**
   * numeric and fraction: a mathjs expression over the template's values;
   * expression and short-text: a template string for the wrong answer itself.
   */
  readonly value: string;
  readonly feedback: string;
}

export interface ChoiceAnswerSpec {
  readonly choices: readonly ChoiceSpec[];
  /** Shuffle deterministically per seed (true/false questions keep their order). */
  readonly shuffle: boolean;
}

export type Tolerance =
  | { readonly kind: 'absolute'; readonly amount: number }
  | { readonly kind: 'relative'; readonly amount: number };

export interface UnitSpec {
  /** Spellings accepted after the number, compared without case, e.g. `["cm", "centimetres"]`. */
  readonly accepted: readonly string[];
  /** When true, a bare number is refused as invalid (the learner is told to add the unit). */
  readonly required: boolean;
}

export interface NumericAnswerSpec {
  /** mathjs expression over the template's values. */
  readonly value: string;
  readonly tolerance: Tolerance;
  readonly units: UnitSpec | null;
  readonly commonErrors: readonly CommonError[];
}

export interface FractionAnswerSpec {
  /** mathjs expression over the template's values giving a rational number (e.g. `fraction(a, b)`). */
  readonly value: string;
  /** Accept only a fraction in lowest terms (or a whole number); equal values otherwise get feedback. */
  readonly simplestForm: boolean;
  readonly commonErrors: readonly CommonError[];
}

export interface ExpressionAnswerSpec {
  /** Template string of the expected expression, e.g. `{{a}}x + {{b}}`. */
  readonly expression: string;
  /** The free variables a learner may use, e.g. `["x"]`. */
  readonly variables: readonly string[];
  /**
   * Require a simplified form: no brackets and no more terms than the expected expression, so
   * "expand 3(x + 2)" cannot be answered by typing the question back.
   */
  readonly simplified: boolean;
  readonly commonErrors: readonly CommonError[];
}

export interface ShortTextAnswerSpec {
  /** Template strings of the accepted answers (compared after whitespace normalisation). */
  readonly accepted: readonly string[];
  readonly caseSensitive: boolean;
  readonly commonErrors: readonly CommonError[];
}

/** The answer part of a template, discriminated by the item type. */
export type TemplateAnswer =
  | { readonly type: 'choice-single'; readonly answer: ChoiceAnswerSpec }
  | { readonly type: 'choice-multi'; readonly answer: ChoiceAnswerSpec }
  | { readonly type: 'numeric'; readonly answer: NumericAnswerSpec }
  | { readonly type: 'fraction'; readonly answer: FractionAnswerSpec }
  | { readonly type: 'expression'; readonly answer: ExpressionAnswerSpec }
  | { readonly type: 'short-text'; readonly answer: ShortTextAnswerSpec };

export interface TemplateBase {
  readonly id: ItemId;
  /** The first skill is the primary one (the engine's skill of this item); others are secondary. */
  readonly skills: readonly [SkillId, ...SkillId[]];
  /** Short human name for authoring screens and error messages. */
  readonly title: string;
  /** Template string: text with inline TeX between `$...$` and `{{name}}` placeholders. */
  readonly prompt: string;
  /** Variables drawn per instance, by name (identifiers). */
  readonly variables: Readonly<Record<string, VariableSpec>>;
  /** mathjs boolean expressions every instance must satisfy, e.g. `gcd(a, b) == 1`. */
  readonly constraints: readonly string[];
  /** Values computed in order from the variables and earlier derived values (mathjs expressions). */
  readonly derived: Readonly<Record<string, string>>;
  /** Ordered, from a nudge to almost the answer. */
  readonly hints: readonly string[];
  /** Worked solution shown after answering. */
  readonly solution: string;
  /** Generic feedback when no specific feedback applies (null: the built-in message). */
  readonly feedback: { readonly correct: string | null; readonly incorrect: string | null };
  /** Optional author estimate from 1 (easy) to 5 (hard); the engine learns the real one. */
  readonly difficulty: number | null;
}

export type ItemTemplate = TemplateBase & TemplateAnswer;

/** A bank: skills and templates (an import, or the active content). */
export interface ContentBank {
  readonly skills: readonly Skill[];
  readonly templates: readonly ItemTemplate[];
}

/** What the learner's browser may see of an instance: never the key, hints or solution. */
export interface QuestionView {
  readonly templateId: ItemId;
  readonly type: ItemType;
  /** Text with TeX (render with renderMathText). */
  readonly prompt: string;
  /** Options in display order with their ids (empty for typed answers). */
  readonly choices: readonly { readonly id: string; readonly text: string }[];
  /** Units the answer may carry (numeric), for the input's label. */
  readonly units: readonly string[];
  /** Variables the learner may use (expression). */
  readonly variables: readonly string[];
  readonly hintCount: number;
}

/** Everything `checkAnswer` needs; stays on the server. */
export type AnswerKey = (
  | {
      readonly type: 'choice-single';
      readonly correct: string;
      /** Feedback by choice id. */
      readonly choiceFeedback: Readonly<Record<string, string>>;
      /** Every choice id, to refuse unknown ones. */
      readonly choiceIds: readonly string[];
    }
  | {
      readonly type: 'choice-multi';
      readonly correct: readonly string[];
      readonly choiceFeedback: Readonly<Record<string, string>>;
      /** Every choice id, to refuse unknown ones. */
      readonly choiceIds: readonly string[];
    }
  | {
      readonly type: 'numeric';
      readonly value: number;
      readonly tolerance: Tolerance;
      readonly units: UnitSpec | null;
      readonly commonErrors: readonly { readonly value: number; readonly feedback: string }[];
    }
  | {
      readonly type: 'fraction';
      /** Exact value as `n/d` or `n`. */
      readonly value: string;
      readonly simplestForm: boolean;
      readonly commonErrors: readonly { readonly value: string; readonly feedback: string }[];
    }
  | {
      readonly type: 'expression';
      readonly expression: string;
      readonly variables: readonly string[];
      readonly simplified: boolean;
      readonly commonErrors: readonly { readonly expression: string; readonly feedback: string }[];
    }
  | {
      readonly type: 'short-text';
      readonly accepted: readonly string[];
      readonly caseSensitive: boolean;
      readonly commonErrors: readonly { readonly text: string; readonly feedback: string }[];
    }
) & {
  /** The correct answer as text with TeX, shown after answering. */
  readonly display: string;
  readonly correctFeedback: string | null;
  readonly incorrectFeedback: string | null;
};

/** A concrete item for one learner attempt. `question` is the only part meant for the browser. */
export interface ItemInstance {
  readonly templateId: ItemId;
  readonly seed: number;
  /** The primary skill (the engine's skill of the item). */
  readonly skillId: SkillId;
  readonly skills: readonly SkillId[];
  readonly question: QuestionView;
  /** Revealed one at a time on request. */
  readonly hints: readonly string[];
  /** Shown after answering. */
  readonly solution: string;
  readonly key: AnswerKey;
}

/** A learner's response: the typed text or chosen id, or the chosen ids of a multi-select. */
export type LearnerResponse = string | readonly string[];

export type AnswerCheck =
  | {
      readonly status: 'checked';
      readonly correct: boolean;
      /** The response as understood (e.g. `3/4`, `B, D`, `12 cm`), to echo back. */
      readonly normalizedResponse: string;
      /** Specific to the option or common mistake when known, else generic. */
      readonly feedback: string;
      readonly answerDisplay: string;
    }
  /** The response could not be read: nothing is marked, the message says what to fix. */
  | { readonly status: 'invalid'; readonly message: string };
