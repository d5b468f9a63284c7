/**
 * Validates an import as a whole, in memory, before anything is written: every file's own
 * problems, duplicate ids across files and against the bank, skills of templates and
 * prerequisites against the bank plus the import, prerequisite cycles, and every template
 * sampled as learners will meet it. Returns the complete next bank, or every problem found.
 */
import { err, ok, type Result } from '../../shared/result.js';
import type { ContentProblem } from '../content.errors.js';
import type { ContentBank, ItemTemplate, Skill, SkillId } from '../content.model.js';
import { checkSkillGraph } from '../skill-graph.js';
import { checkTemplate, IMPORT_SAMPLE_SEEDS } from '../template-check.js';
import { count, IMPORT_LIMITS } from './import-limits.js';
import { problemAt, type ParsedSource, type SourceRef } from './parsed-source.js';

export interface ImportOptions {
  /** Replace skills and templates whose id is already in the bank (otherwise that is an error). */
  readonly replaceExisting: boolean;
  /** Seeds sampled per template (default IMPORT_SAMPLE_SEEDS; fewer only to test at volume). */
  readonly sampleSeeds?: number;
  /** Time allowed for sampling templates (defaults: IMPORT_LIMITS). */
  readonly checkTime?: { readonly templateMs?: number; readonly importMs?: number };
  /** The clock for those budgets, in milliseconds (default: performance.now). */
  readonly now?: () => number;
}

export interface PreparedImport {
  /** The whole bank after the import. */
  readonly bank: ContentBank;
  readonly added: { readonly skills: number; readonly templates: number };
  readonly replaced: { readonly skills: number; readonly templates: number };
  /** Entries identical to what the bank already holds. */
  readonly unchanged: { readonly skills: number; readonly templates: number };
}

/** Key order-insensitive equality of stored values (documents come back from Mongo reordered). */
export function sameContent(a: unknown, b: unknown): boolean {
  return canonical(a) === canonical(b);
}

function canonical(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonical).join(',')}]`;
  if (typeof value === 'object' && value !== null) {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([, v]) => v !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonical(v)}`).join(',')}}`;
  }
  // JSON.stringify(undefined) is undefined at run time, whatever its declared type says.
  return value === undefined ? 'null' : JSON.stringify(value);
}

const where = (ref: SourceRef): string =>
  `${ref.file}${ref.line === undefined ? '' : `:${ref.line}`}`;

interface Merge<T> {
  readonly next: Map<string, T>;
  readonly added: number;
  readonly replaced: number;
  readonly unchanged: number;
}

function merge<T extends { readonly id: string }>(
  kind: 'skill' | 'template',
  existing: readonly T[],
  incoming: readonly { readonly value: T; readonly ref: SourceRef }[],
  options: ImportOptions,
  problems: ContentProblem[],
): Merge<T> {
  const next = new Map(existing.map((e) => [e.id, e]));
  const firstSeen = new Map<string, SourceRef>();
  let added = 0;
  let replaced = 0;
  let unchanged = 0;
  for (const { value, ref } of incoming) {
    const earlier = firstSeen.get(value.id);
    if (earlier !== undefined) {
      problems.push(
        problemAt(
          ref,
          'id',
          `the ${kind} id "${value.id}" is also used by ${earlier.item} at ${where(earlier)}`,
          `give each ${kind} a unique id`,
        ),
      );
      continue;
    }
    firstSeen.set(value.id, ref);
    const stored = next.get(value.id);
    if (stored === undefined) added++;
    else if (sameContent(stored, value)) unchanged++;
    else if (options.replaceExisting) replaced++;
    else {
      problems.push(
        problemAt(
          ref,
          'id',
          `a different ${kind} with the id "${value.id}" is already in the bank`,
          `rename this ${kind}, or import with --replace to update the stored one`,
        ),
      );
      continue;
    }
    next.set(value.id, value);
  }
  return { next, added, replaced, unchanged };
}

/** Validates `sources` against `existing` and returns the next bank, or every problem. */
export function prepareImport(
  sources: readonly ParsedSource[],
  existing: ContentBank,
  options: ImportOptions,
): Result<PreparedImport, ContentProblem[]> {
  const problems: ContentProblem[] = sources.flatMap((s) => s.problems);

  const incomingSkills = sources.flatMap((s) =>
    s.skills.map(({ skill, ref }) => ({ value: skill, ref })),
  );
  const incomingTemplates = sources.flatMap((s) =>
    s.templates.map(({ template, ref }) => ({ value: template, ref })),
  );
  let addedImplied = 0;
  const skills = merge<Skill>('skill', existing.skills, incomingSkills, options, problems);
  const templates = merge<ItemTemplate>(
    'template',
    existing.templates,
    incomingTemplates,
    options,
    problems,
  );

  // Skills a GIFT category names: the bank's or the import's definition wins.
  for (const implied of sources.flatMap((s) => s.impliedSkills)) {
    if (!skills.next.has(implied.id)) {
      skills.next.set(implied.id, implied);
      addedImplied++;
    }
  }

  const skillRefs = new Map(incomingSkills.map(({ value, ref }) => [value.id as string, ref]));
  const bankRef = (id: string): SourceRef => ({
    file: 'bank',
    item: `stored skill "${id}"`,
    line: undefined,
    lineOf: () => undefined,
  });
  const allSkills = [...skills.next.values()];
  for (const problem of checkSkillGraph(allSkills)) {
    switch (problem.type) {
      case 'unknown-prerequisite':
        problems.push(
          problemAt(
            skillRefs.get(problem.skillId) ?? bankRef(problem.skillId),
            `prerequisites[${problem.index}]`,
            `the prerequisite "${problem.prerequisite}" is not a skill in this import or in the bank`,
            'add that skill to the import, or correct the id',
          ),
        );
        break;
      case 'self-prerequisite':
        problems.push(
          problemAt(
            skillRefs.get(problem.skillId) ?? bankRef(problem.skillId),
            `prerequisites[${problem.index}]`,
            `the skill "${problem.skillId}" lists itself as a prerequisite`,
            'remove it from its own prerequisites',
          ),
        );
        break;
      case 'cycle': {
        const first = problem.skillIds.find((id) => skillRefs.has(id)) ?? problem.skillIds[0] ?? '';
        problems.push(
          problemAt(
            skillRefs.get(first) ?? bankRef(first),
            'prerequisites',
            `the prerequisites form a cycle: ${problem.skillIds.join(' → ')}`,
            'remove one of these prerequisite links so that no skill depends on itself',
          ),
        );
        break;
      }
    }
  }

  const now = options.now ?? (() => performance.now());
  const templateMs = options.checkTime?.templateMs ?? IMPORT_LIMITS.templateCheckMs;
  const importMs = options.checkTime?.importMs ?? IMPORT_LIMITS.importCheckMs;
  const checkUntil = now() + importMs;
  const knownSkills = new Set<SkillId>(allSkills.map((s) => s.id));
  const importedIds = new Set<string>();
  for (const { value: template, ref } of incomingTemplates) {
    if (importedIds.has(template.id)) continue; // duplicates already reported
    importedIds.add(template.id);
    template.skills.forEach((skillId, i) => {
      if (!knownSkills.has(skillId))
        problems.push(
          problemAt(
            ref,
            `skills[${i}]`,
            `the skill "${skillId}" is not in this import or in the bank`,
            'define the skill in a "skills" list (or a GIFT $CATEGORY), or correct the id',
          ),
        );
    });
    if (now() > checkUntil) {
      // Every template is reported, so the import is refused as a whole rather than cut short.
      problems.push(
        problemAt(
          ref,
          undefined,
          `not checked: sampling the templates before it used up the ${count(importMs)} ms allowed for one import`,
          'import the files in smaller groups',
        ),
      );
      continue;
    }
    const seeds = options.sampleSeeds ?? IMPORT_SAMPLE_SEEDS;
    for (const p of checkTemplate(template, seeds, { timeMs: templateMs, now }))
      problems.push(problemAt(ref, p.field, p.message, p.help));
  }

  if (problems.length > 0) return err(problems);
  return ok({
    bank: { skills: allSkills, templates: [...templates.next.values()] },
    added: { skills: skills.added + addedImplied, templates: templates.added },
    replaced: { skills: skills.replaced, templates: templates.replaced },
    unchanged: { skills: skills.unchanged, templates: templates.unchanged },
  });
}
