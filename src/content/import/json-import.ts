/**
 * Reads a bank file in our JSON format: syntax errors with line and column, then every schema
 * problem with the item (template or skill id, or its index) and the field's own line.
 */
import type { z } from 'zod';
import type { ContentProblem } from '../content.errors.js';
import { bankFileSchema, skillSchema, templateSchema, BANK_FORMAT } from './bank.schema.js';
import {
  formatFieldPath,
  parseFieldPath,
  parseJsonWithLines,
  type JsonPath,
} from './json-locations.js';
import { count, fileTooLong, IMPORT_LIMITS } from './import-limits.js';
import type { ParsedSource, SourceRef } from './parsed-source.js';

const FORMAT_HELP = 'see src/content/FORMAT.md for the fields and their types';

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** `template "frac-add-1"` when the id is readable, else `template #3`. */
function itemLabel(root: unknown, kind: 'skills' | 'templates', index: number): string {
  const list = isRecord(root) ? root[kind] : undefined;
  const entry = Array.isArray(list) ? (list[index] as unknown) : undefined;
  const id = isRecord(entry) ? entry['id'] : undefined;
  const noun = kind === 'skills' ? 'skill' : 'template';
  return typeof id === 'string' && id !== ''
    ? `${noun} "${id}" (#${index + 1})`
    : `${noun} #${index + 1}`;
}

function helpFor(issue: z.core.$ZodIssue): string {
  if (issue.code === 'unrecognized_keys')
    return `remove or rename ${issue.keys.map((k) => `"${k}"`).join(', ')} (check the spelling; ${FORMAT_HELP})`;
  if (issue.code === 'invalid_type')
    return issue.input === undefined
      ? `add this required field (${FORMAT_HELP})`
      : `give a ${issue.expected} here (${FORMAT_HELP})`;
  if (issue.code === 'too_small') return 'add the missing entries or text';
  return FORMAT_HELP;
}

function schemaProblems(
  file: string,
  root: unknown,
  issues: readonly z.core.$ZodIssue[],
  lineOf: (path: JsonPath) => number | undefined,
): ContentProblem[] {
  return issues.map((issue) => {
    const path = issue.path.filter((p): p is string | number => typeof p !== 'symbol');
    const [top, index, ...rest] = path;
    const inList = (top === 'skills' || top === 'templates') && typeof index === 'number';
    return {
      file,
      item: inList ? itemLabel(root, top, index) : undefined,
      line: lineOf(path),
      field: inList
        ? rest.length > 0
          ? formatFieldPath(rest)
          : undefined
        : path.length > 0
          ? formatFieldPath(path)
          : undefined,
      message: issue.message,
      help: helpFor(issue),
    };
  });
}

const refused = (file: string, problems: ContentProblem[]): ParsedSource => ({
  file,
  skills: [],
  templates: [],
  impliedSkills: [],
  problems,
});

/** A field path, shortened when it is deeper than any field of the format. */
const fieldOf = (path: JsonPath): string | undefined =>
  path.length === 0
    ? undefined
    : path.length > 8
      ? `${formatFieldPath(path.slice(0, 8))}…`
      : formatFieldPath(path);

/** Item and field of a path such as `['templates', 3, 'prompt']` when the parse stopped there. */
function locate(path: JsonPath): { item: string | undefined; field: string | undefined } {
  const [top, index, ...rest] = path;
  if ((top === 'skills' || top === 'templates') && typeof index === 'number')
    return {
      item: `${top === 'skills' ? 'skill' : 'template'} #${index + 1}`,
      field: fieldOf(rest),
    };
  return { item: undefined, field: fieldOf(path) };
}

/** Too many skills or templates: refused before the schema looks at any of them. */
function tooManyItems(
  file: string,
  root: unknown,
  lineOf: (path: JsonPath) => number | undefined,
): ContentProblem[] {
  if (!isRecord(root)) return [];
  const lists = [
    ['templates', IMPORT_LIMITS.maxTemplatesPerFile],
    ['skills', IMPORT_LIMITS.maxSkillsPerFile],
  ] as const;
  return lists.flatMap(([kind, limit]) => {
    const list = root[kind];
    if (!Array.isArray(list) || list.length <= limit) return [];
    return [
      {
        file,
        item: undefined,
        line: lineOf([kind]),
        field: kind,
        message: `the file lists ${count(list.length)} ${kind}, more than the limit of ${count(limit)} per file`,
        help: `split the ${kind} over several files and import them together`,
      },
    ];
  });
}

/** Parses one JSON bank file. `value` skips the text parse (bundled files), without line numbers. */
export function readJsonBank(
  file: string,
  input: { readonly text: string } | { readonly value: unknown },
): ParsedSource {
  let root: unknown;
  let lineOf: (path: JsonPath) => number | undefined = () => undefined;
  if ('text' in input) {
    if (input.text.length > IMPORT_LIMITS.maxFileChars)
      return refused(file, [fileTooLong(file, input.text, IMPORT_LIMITS.maxFileChars)]);
    const parsed = parseJsonWithLines(input.text);
    if (!parsed.ok) {
      const where = parsed.path === undefined ? undefined : locate(parsed.path);
      return refused(file, [
        {
          file,
          item: where?.item,
          line: parsed.line,
          field: where?.field,
          message:
            where === undefined
              ? `invalid JSON at column ${parsed.column}: ${parsed.message}`
              : `${parsed.message} (from column ${parsed.column})`,
          help:
            parsed.help ??
            'fix the JSON syntax (quotes around names and strings, commas between entries, no trailing commas)',
        },
      ]);
    }
    root = parsed.value;
    lineOf = (path) => parsed.lineOf(path);
  } else {
    root = input.value;
  }

  const crowded = tooManyItems(file, root, lineOf);
  if (crowded.length > 0) return refused(file, crowded);

  const result = bankFileSchema.safeParse(root, { reportInput: true });
  if (!result.success)
    return refused(file, schemaProblems(file, root, result.error.issues, lineOf));
  const refFor = (kind: 'skills' | 'templates', index: number): SourceRef => ({
    file,
    item: itemLabel(root, kind, index),
    line: lineOf([kind, index]),
    lineOf: (field) => lineOf([kind, index, ...parseFieldPath(field)]),
  });
  return {
    file,
    skills: result.data.skills.map((skill, i) => ({ skill, ref: refFor('skills', i) })),
    templates: result.data.templates.map((template, i) => ({
      template,
      ref: refFor('templates', i),
    })),
    impliedSkills: [],
    problems: [],
  };
}

export { BANK_FORMAT, skillSchema, templateSchema };
