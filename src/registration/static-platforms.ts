/**
 * Static platform registrations: `config/platforms.json` and `config/platforms.<name>.json`
 * (each a JSON array of registrations with their deployments; `*.example.json` is never read).
 * Validated up front with one error that names every bad file, entry, field and fix; applied at
 * start-up idempotently: missing registrations are registered, missing deployments added, nothing
 * is duplicated and nothing already stored is overwritten (the database stays the source of truth
 * for activation, keys and anything an administrator changed with the CLI).
 */
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { ConflictError } from '../shared/errors.js';
import type { PlatformRegistration, PlatformRegistry } from '../lti/platforms.js';
import { validatePlatformEntry, type FieldProblem, type PlatformEntry } from './platform-entry.js';
import type { UrlPolicy } from './url-policy.js';

export interface StaticPlatform extends PlatformEntry {
  /** Where the entry was written, for messages. */
  readonly origin: { readonly file: string; readonly index: number };
}

export interface StaticPlatformProblem extends FieldProblem {
  readonly file: string;
  /** Position in the file's array; undefined for a problem with the whole file. */
  readonly index: number | undefined;
  /** The entry's `name`, when it has one, to find it in the file. */
  readonly entryName: string | undefined;
}

export class StaticPlatformsError extends Error {
  readonly problems: readonly StaticPlatformProblem[];
  constructor(problems: readonly StaticPlatformProblem[]) {
    super(
      `Static platform registrations are invalid: ${problems.length} problem${problems.length === 1 ? '' : 's'}.\n${problems.map((p) => `  - ${describeProblem(p)}`).join('\n')}`,
    );
    this.name = 'StaticPlatformsError';
    this.problems = problems;
  }
}

/** `config/platforms.json, entry 0 ("Example Canvas"), field "jwksUrl": uses http…; fix: …` */
export function describeProblem(p: StaticPlatformProblem): string {
  const where = [
    p.file,
    ...(p.index === undefined
      ? []
      : [
          `entry ${p.index}${p.entryName === undefined ? '' : ` (${JSON.stringify(p.entryName)})`}`,
        ]),
    ...(p.field === undefined ? [] : [`field "${p.field}"`]),
  ].join(', ');
  return `${where}: ${p.problem}; fix: ${p.fix}`;
}

const FILE_PATTERN = /^platforms(\.[A-Za-z0-9_-]+)?\.json$/;

/** `platforms.json` and `platforms.<name>.json` in configDir, sorted; never `*.example.json`. */
export function listStaticPlatformFiles(configDir: string): string[] {
  let names: string[];
  try {
    names = readdirSync(configDir);
  } catch {
    return [];
  }
  return names
    .filter((name) => FILE_PATTERN.test(name) && !name.endsWith('.example.json'))
    .sort()
    .map((name) => path.join(configDir, name));
}

const nameOf = (raw: unknown): string | undefined => {
  if (typeof raw !== 'object' || raw === null) return undefined;
  const name: unknown = (raw as { name?: unknown }).name;
  return typeof name === 'string' && name.trim() !== '' ? name : undefined;
};

/** Validates one file's text. `file` is the name used in messages. */
export function parseStaticPlatforms(
  text: string,
  file: string,
  policy: UrlPolicy,
): { readonly entries: StaticPlatform[]; readonly problems: StaticPlatformProblem[] } {
  const whole = (problem: string, fix: string): StaticPlatformProblem => ({
    file,
    index: undefined,
    entryName: undefined,
    field: undefined,
    problem,
    fix,
  });
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (error) {
    const reason = error instanceof Error ? error.message : 'unreadable';
    return {
      entries: [],
      problems: [whole(`is not valid JSON (${reason})`, 'correct the JSON syntax')],
    };
  }
  if (!Array.isArray(parsed)) {
    return {
      entries: [],
      problems: [
        whole(
          'is not a JSON array',
          'make the file a list of registrations: [ { "name": …, "issuer": …, … } ] (see config/platforms.example.json)',
        ),
      ],
    };
  }
  const entries: StaticPlatform[] = [];
  const problems: StaticPlatformProblem[] = [];
  parsed.forEach((raw: unknown, index) => {
    const result = validatePlatformEntry(raw, policy);
    if (result.ok) entries.push({ ...result.value, origin: { file, index } });
    else for (const p of result.error) problems.push({ ...p, file, index, entryName: nameOf(raw) });
  });
  return { entries, problems };
}

/** Two entries for one (issuer, client id), across all files: the second is reported. */
function duplicateProblems(entries: readonly StaticPlatform[]): StaticPlatformProblem[] {
  const seen = new Map<string, StaticPlatform>();
  const problems: StaticPlatformProblem[] = [];
  for (const entry of entries) {
    const key = `${entry.issuer}\n${entry.clientId}`;
    const first = seen.get(key);
    if (first === undefined) {
      seen.set(key, entry);
      continue;
    }
    problems.push({
      file: entry.origin.file,
      index: entry.origin.index,
      entryName: entry.name,
      field: 'clientId',
      problem: `repeats issuer ${entry.issuer} with client id ${entry.clientId}, already registered by ${first.origin.file} entry ${first.origin.index}`,
      fix: 'keep one entry per (issuer, client id) and list all its deployments in its "deploymentIds"',
    });
  }
  return problems;
}

/**
 * Reads and validates every static platform file in configDir. Throws StaticPlatformsError
 * naming every problem; returns [] when there are no files.
 */
export function loadStaticPlatforms(configDir: string, policy: UrlPolicy): StaticPlatform[] {
  const entries: StaticPlatform[] = [];
  const problems: StaticPlatformProblem[] = [];
  for (const file of listStaticPlatformFiles(configDir)) {
    const shown = path.relative(process.cwd(), file) || file;
    const result = parseStaticPlatforms(readFileSync(file, 'utf8'), shown, policy);
    entries.push(...result.entries);
    problems.push(...result.problems);
  }
  problems.push(...duplicateProblems(entries));
  if (problems.length > 0) throw new StaticPlatformsError(problems);
  return entries;
}

export interface StaticApplyReport {
  readonly registered: readonly { readonly platformId: string; readonly name: string }[];
  readonly deploymentsAdded: readonly {
    readonly platformId: string;
    readonly deploymentId: string;
  }[];
  /** Already stored and complete. */
  readonly unchanged: number;
  /**
   * Stored registrations whose values differ from the file. Not overwritten: remove and re-add
   * the registration with the CLI to change them.
   */
  readonly differences: readonly {
    readonly platformId: string;
    readonly name: string;
    readonly fields: readonly string[];
  }[];
}

function differingFields(stored: PlatformRegistration, entry: PlatformEntry): string[] {
  const fields: string[] = [];
  if (stored.name !== entry.name) fields.push('name');
  if (stored.authEndpoint !== entry.authEndpoint) fields.push('authEndpoint');
  if (stored.tokenEndpoint !== entry.tokenEndpoint) fields.push('tokenEndpoint');
  if (stored.authorizationServer !== entry.authorizationServer) fields.push('authorizationServer');
  if (stored.jwksUrl !== entry.jwksUrl) fields.push('jwksUrl');
  if (stored.active !== entry.active) fields.push('active');
  return fields;
}

/**
 * Applies validated entries to the registry: registers the missing ones (source `static`), adds
 * missing deployments, never duplicates. Safe to run at every start and from several instances
 * at once (a registration another instance created first is picked up, not duplicated).
 */
export async function applyStaticPlatforms(
  registry: PlatformRegistry,
  entries: readonly PlatformEntry[],
): Promise<StaticApplyReport> {
  const registered: { platformId: string; name: string }[] = [];
  const deploymentsAdded: { platformId: string; deploymentId: string }[] = [];
  const differences: { platformId: string; name: string; fields: string[] }[] = [];
  let unchanged = 0;
  for (const entry of entries) {
    let stored = await registry.find(entry.issuer, entry.clientId);
    if (stored === undefined) {
      try {
        stored = await registry.register({
          issuer: entry.issuer,
          clientId: entry.clientId,
          name: entry.name,
          authEndpoint: entry.authEndpoint,
          tokenEndpoint: entry.tokenEndpoint,
          authorizationServer: entry.authorizationServer,
          jwksUrl: entry.jwksUrl,
          active: entry.active,
          source: 'static',
          deploymentIds: entry.deploymentIds,
        });
        registered.push({ platformId: stored.id, name: entry.name });
        continue;
      } catch (error) {
        // Another instance registered it between our find and register.
        if (!(error instanceof ConflictError)) throw error;
        stored = await registry.find(entry.issuer, entry.clientId);
        if (stored === undefined) throw error;
      }
    }
    let added = false;
    for (const deploymentId of entry.deploymentIds) {
      if (await registry.hasDeployment(stored.id, deploymentId)) continue;
      await registry.addDeployment(stored.id, deploymentId);
      deploymentsAdded.push({ platformId: stored.id, deploymentId });
      added = true;
    }
    const fields = differingFields(stored, entry);
    if (fields.length > 0) differences.push({ platformId: stored.id, name: entry.name, fields });
    if (!added && fields.length === 0) unchanged += 1;
  }
  return { registered, deploymentsAdded, unchanged, differences };
}
