/**
 * The content import command line (`npm run content:import -- [--replace] [--dry-run] <files>`):
 * argument parsing and the report, kept apart from scripts/content-import.ts so they are tested.
 */
import { err, ok, type Result } from '../../shared/result.js';
import { formatProblem } from '../content.errors.js';
import type { ImportFailure, ImportSummary } from '../content.service.js';
import { count, IMPORT_LIMITS } from './import-limits.js';

export const IMPORT_USAGE = `Usage: npm run content:import -- [--replace] [--dry-run] <file>...

Imports question-bank files into the database named by MONGODB_URI, all or nothing:
either every file is imported or the bank is left unchanged.

  <file>      a bank file in our JSON format (.json, see src/content/FORMAT.md)
              or a Moodle GIFT file (.gift or .txt)
  --replace   update skills and templates whose id is already in the bank
              (without it, a different entry with an existing id is an error)
  --dry-run   check everything against the bank, write nothing

Each file may have up to ${count(IMPORT_LIMITS.maxFileChars)} characters and ${count(IMPORT_LIMITS.maxTemplatesPerFile)} templates
or questions; larger imports are refused: split them into several files.`;

export interface ImportCommand {
  readonly files: readonly string[];
  readonly replace: boolean;
  readonly dryRun: boolean;
}

export function parseImportArgs(argv: readonly string[]): Result<ImportCommand, string> {
  const files: string[] = [];
  let replace = false;
  let dryRun = false;
  for (const arg of argv) {
    if (arg === '--replace') replace = true;
    else if (arg === '--dry-run') dryRun = true;
    else if (arg.startsWith('--')) return err(`unknown option ${arg}`);
    else files.push(arg);
  }
  if (files.length === 0) return err('name at least one file to import');
  return ok({ files, replace, dryRun });
}

/** The lines to print for an import's outcome. */
export function describeImport(
  result: Result<ImportSummary, ImportFailure>,
  dryRun: boolean,
): { readonly lines: string[]; readonly failed: boolean } {
  if (!result.ok) {
    const failure = result.error;
    switch (failure.type) {
      case 'invalid-content':
        return {
          failed: true,
          lines: [
            `Import refused: ${failure.problems.length} problem${failure.problems.length === 1 ? '' : 's'} found. The bank was not changed.`,
            ...failure.problems.map((p) => `  - ${formatProblem(p)}`),
          ],
        };
      case 'bank-changed':
        return {
          failed: true,
          lines: [
            'Import refused: another import changed the bank while this one was being checked. The bank was not changed by this import.',
            'What to do: run the same command again.',
          ],
        };
    }
  }
  const { added, replaced, unchanged, totals } = result.value;
  return {
    failed: false,
    lines: [
      `${dryRun ? 'Dry run, nothing written: would import' : 'Imported'} ${added.skills} new skill(s) and ${added.templates} new template(s), replaced ${replaced.skills} skill(s) and ${replaced.templates} template(s); ${unchanged.skills + unchanged.templates} were already identical.`,
      `The bank ${dryRun ? 'would hold' : 'now holds'} ${totals.skills} skill(s) and ${totals.templates} template(s).`,
    ],
  };
}
