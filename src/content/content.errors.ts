/**
 * Problems found in content, each naming where it is (file, item, line, field) and what to do.
 * Imports collect every problem instead of stopping at the first.
 */

export interface ContentProblem {
  /** The source file (or `bank` for problems with content already stored). */
  readonly file: string;
  /** The item it concerns, e.g. `template "frac-add-1"` or `question 3 "Q3"`; undefined: the file. */
  readonly item: string | undefined;
  /** 1-based line in the file, when known. */
  readonly line: number | undefined;
  /** The field, e.g. `answer.value` or `prerequisites[1]`. */
  readonly field: string | undefined;
  /** What is wrong. */
  readonly message: string;
  /** What to do about it. */
  readonly help: string;
}

/** One line per problem: `file:line: item, field: message. Fix: help`. */
export function formatProblem(p: ContentProblem): string {
  const where = p.line === undefined ? p.file : `${p.file}:${p.line}`;
  const what = [p.item, p.field === undefined ? undefined : `field "${p.field}"`]
    .filter((part) => part !== undefined)
    .join(', ');
  return `${where}: ${what === '' ? '' : `${what}: `}${p.message}. Fix: ${p.help}`;
}

/**
 * A template that cannot produce an instance (its constraints cannot be met, or its expressions
 * fail for every draw). Thrown by `instantiate`: imports check templates first, so at practice
 * time this is a bug in stored content, not a learner-facing outcome.
 */
export class TemplateError extends Error {
  readonly code: 'TEMPLATE_UNSATISFIABLE' | 'TEMPLATE_INVALID';
  readonly templateId: string;
  /** The field most likely at fault, e.g. `constraints` or `answer.value`. */
  readonly field: string;
  readonly help: string;

  constructor(
    code: 'TEMPLATE_UNSATISFIABLE' | 'TEMPLATE_INVALID',
    templateId: string,
    field: string,
    message: string,
    help: string,
  ) {
    super(`Template "${templateId}": ${message}`);
    this.name = 'TemplateError';
    this.code = code;
    this.templateId = templateId;
    this.field = field;
    this.help = help;
  }
}
