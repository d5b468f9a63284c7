/**
 * Content use cases: import files (JSON bank format or GIFT) all-or-nothing, and load the demo
 * bank in dev mode. Validation happens in memory against a snapshot of the bank; the repository
 * then publishes the complete next bank in one step, or reports that the bank changed meanwhile.
 */
import { err, ok, type Result } from '../shared/result.js';
import type { ContentProblem } from './content.errors.js';
import type { ContentRepository } from './content.repository.js';
import { DEMO_BANK_FILES } from './demo-bank/index.js';
import { readGift } from './import/gift-import.js';
import { readJsonBank } from './import/json-import.js';
import type { ParsedSource } from './import/parsed-source.js';
import { prepareImport, type ImportOptions, type PreparedImport } from './import/prepare-import.js';

/** A file to import: its name (for messages) and its text, or an already-parsed JSON value. */
export type ImportSource =
  | { readonly name: string; readonly format: 'json' | 'gift'; readonly text: string }
  | { readonly name: string; readonly format: 'json-value'; readonly value: unknown };

export interface ImportSummary {
  /** The active revision afterwards (unchanged when nothing was new, or on a dry run). */
  readonly revision: string | null;
  readonly added: PreparedImport['added'];
  readonly replaced: PreparedImport['replaced'];
  readonly unchanged: PreparedImport['unchanged'];
  readonly totals: { readonly skills: number; readonly templates: number };
}

export type ImportFailure =
  | { readonly type: 'invalid-content'; readonly problems: readonly ContentProblem[] }
  /** Another import was published between validation and publish; nothing was changed. */
  | { readonly type: 'bank-changed' };

/** `.gift` and `.txt` are GIFT, everything else our JSON format. */
export function formatOfFile(name: string): 'json' | 'gift' {
  return /\.(gift|txt)$/i.test(name) ? 'gift' : 'json';
}

function parse(source: ImportSource): ParsedSource {
  switch (source.format) {
    case 'json':
      return readJsonBank(source.name, { text: source.text });
    case 'json-value':
      return readJsonBank(source.name, { value: source.value });
    case 'gift':
      return readGift(source.name, source.text);
  }
}

export interface ContentService {
  /** Validates every source, then publishes all of them or nothing. */
  importSources(
    sources: readonly ImportSource[],
    options?: Partial<ImportOptions> & { readonly dryRun?: boolean },
  ): Promise<Result<ImportSummary, ImportFailure>>;
  /** Idempotent: imports (or updates) the bundled demo bank; a no-op when already stored. */
  loadDemoBank(): Promise<Result<ImportSummary, ImportFailure>>;
}

export function createContentService(deps: {
  readonly repository: ContentRepository;
}): ContentService {
  const { repository } = deps;

  const importSources: ContentService['importSources'] = async (sources, options = {}) => {
    const parsed = sources.map(parse);
    const snapshot = await repository.snapshot();
    const prepared = prepareImport(parsed, snapshot.bank, {
      replaceExisting: options.replaceExisting ?? false,
    });
    if (!prepared.ok) return err({ type: 'invalid-content', problems: prepared.error });
    const { added, replaced, unchanged, bank } = prepared.value;
    const totals = { skills: bank.skills.length, templates: bank.templates.length };
    const nothingNew = added.skills + added.templates + replaced.skills + replaced.templates === 0;
    if (nothingNew || options.dryRun === true)
      return ok({ revision: snapshot.revision, added, replaced, unchanged, totals });
    const published = await repository.publish(bank, snapshot.revision);
    if (published.status === 'conflict') return err({ type: 'bank-changed' });
    return ok({ revision: published.revision, added, replaced, unchanged, totals });
  };

  return {
    importSources,
    loadDemoBank: () =>
      importSources(
        DEMO_BANK_FILES.map((f) => ({ name: f.name, format: 'json-value', value: f.value })),
        { replaceExisting: true },
      ),
  };
}
