/**
 * How big an import may be, checked before any expensive work (parsing, schema validation,
 * sampling templates), so that every file is either imported or refused with its problems, in
 * bounded time and memory. The demo bank is far inside every bound (its largest file has 41,000
 * characters, 25 templates, strings of at most 182 characters and values nested 6 levels deep).
 */
import type { ContentProblem } from '../content.errors.js';

export const IMPORT_LIMITS = {
  /** Characters in one file: about 50 times the largest demo file. */
  maxFileChars: 2_000_000,
  /** Nesting of a JSON bank file: the format needs 6 levels (templates[i].answer.choices[j].text). */
  maxJsonDepth: 64,
  /** Characters in one JSON string: prompts, hints and solutions are a few hundred at most. */
  maxStringChars: 10_000,
  /** Characters in one GIFT question, HTML included (tags are stripped afterwards). */
  maxQuestionChars: 100_000,
  /** Templates (JSON) or questions (GIFT) in one file. */
  maxTemplatesPerFile: 1_000,
  /** Skills in one JSON file. */
  maxSkillsPerFile: 1_000,
  /** Time to sample one template at import (the demo bank's slowest takes under 100 ms). */
  templateCheckMs: 2_000,
  /** Time to sample every template of one import. */
  importCheckMs: 60_000,
} as const;

/** `2000000` → `2,000,000` (limits are quoted to authors). */
export const count = (n: number): string => n.toLocaleString('en-US');

/** The 1-based line of a character offset. */
export function lineOfOffset(text: string, offset: number): number {
  let line = 1;
  for (let i = text.indexOf('\n'); i !== -1 && i < offset; i = text.indexOf('\n', i + 1)) line++;
  return line;
}

/** A file longer than the limit, refused before it is read (shared with the GIFT reader). */
export function fileTooLong(file: string, text: string, limit: number): ContentProblem {
  return {
    file,
    item: undefined,
    line: lineOfOffset(text, limit),
    field: undefined,
    message: `the file has ${count(text.length)} characters, more than the limit of ${count(limit)} (passed on this line)`,
    help: 'split it into several files and import them together',
  };
}
