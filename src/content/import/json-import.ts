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

/** Parses one JSON bank file. `value` skips the text parse (bundled files), without line numbers. */
export function readJsonBank(
  file: string,
  input: { readonly text: string } | { readonly value: unknown },
): ParsedSource {
  let root: unknown;
  let lineOf: (path: JsonPath) => number | undefined = () => undefined;
  if ('text' in input) {
    const parsed = parseJsonWithLines(input.text);
    if (!parsed.ok) {
      return {
        file,
        skills: [],
        templates: [],
        impliedSkills: [],
        problems: [
          {
            file,
            item: undefined,
            line: parsed.line,
            field: undefined,
            message: `invalid JSON at column ${parsed.column}: ${parsed.message}`,
            help: 'fix the JSON syntax (quotes around names and strings, commas between entries, no trailing commas)',
          },
        ],
      };
    }
    root = parsed.value;
    lineOf = (path) => parsed.lineOf(path);
  } else {
    root = input.value;
  }

  const result = bankFileSchema.safeParse(root, { reportInput: true });
  if (!result.success) {
    return {
      file,
      skills: [],
      templates: [],
      impliedSkills: [],
      problems: schemaProblems(file, root, result.error.issues, lineOf),
    };
  }
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
