/**
 * What a format reader (JSON, GIFT) hands to the import: skills and templates, each with where
 * it came from so cross-file checks can still name the file, item and line.
 */
import type { ContentProblem } from '../content.errors.js';
import type { ItemTemplate, Skill } from '../content.model.js';

export interface SourceRef {
  readonly file: string;
  /** e.g. `template "frac-add-1"` or `question 3 "Q3"`. */
  readonly item: string;
  readonly line: number | undefined;
  /** The line of a field of this item (relative path such as `answer.value`), when known. */
  lineOf(field: string): number | undefined;
}

export interface ParsedSource {
  readonly file: string;
  readonly skills: readonly { readonly skill: Skill; readonly ref: SourceRef }[];
  readonly templates: readonly { readonly template: ItemTemplate; readonly ref: SourceRef }[];
  /**
   * Skills named but not defined by the file (GIFT categories): created when neither the bank nor
   * the import defines them, otherwise the existing skill is used as it is.
   */
  readonly impliedSkills: readonly Skill[];
  /** Problems found while reading the file; the import fails when any file has one. */
  readonly problems: readonly ContentProblem[];
}

/** A problem about one field of an item, located through its SourceRef. */
export function problemAt(
  ref: SourceRef,
  field: string | undefined,
  message: string,
  help: string,
): ContentProblem {
  return {
    file: ref.file,
    item: ref.item,
    line: (field === undefined ? undefined : ref.lineOf(field)) ?? ref.line,
    field,
    message,
    help,
  };
}
