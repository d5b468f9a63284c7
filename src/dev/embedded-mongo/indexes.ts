// Secondary index structures: a Map from a canonical serialised key to the ids holding it. They serve
// unique checks and equality lookups; range scans still filter the candidates with mingo.
import type { Document } from './values.js';
import { Query } from 'mingo';
import { ErrorCode, MongoCommandError, notImplemented } from './errors.js';
import { canonicalKey, isPlainObject, valuesAtPath } from './values.js';

export interface IndexSpec extends Document {
  v: number;
  key: Document;
  name: string;
}

export interface IndexKey {
  key: string;
  values: unknown[];
}

const optionFields = new Set([
  'unique',
  'sparse',
  'partialFilterExpression',
  'expireAfterSeconds',
  'background',
  'hidden',
  'collation',
  'name',
  'key',
  'v',
  'ns',
]);

/** Validates a createIndexes entry and returns the spec as listIndexes will show it. */
export function normaliseIndexSpec(raw: unknown): IndexSpec {
  if (!isPlainObject(raw))
    throw new MongoCommandError(ErrorCode.TypeMismatch, 'index spec must be an object');
  const key = raw['key'];
  const name = raw['name'];
  if (!isPlainObject(key) || Object.keys(key).length === 0) {
    throw new MongoCommandError(ErrorCode.BadValue, 'Index keys cannot be an empty field.');
  }
  if (typeof name !== 'string' || name.length === 0) {
    throw new MongoCommandError(ErrorCode.BadValue, 'The index name cannot be empty');
  }
  for (const [field, direction] of Object.entries(key)) {
    if (field.includes('$**')) throw notImplemented('Wildcard indexes');
    if (typeof direction === 'string') throw notImplemented(`Index type '${direction}'`);
    if (typeof direction !== 'number' || direction === 0 || Number.isNaN(direction)) {
      throw new MongoCommandError(
        ErrorCode.BadValue,
        `Values in the index key pattern can't be 0 or NaN: ${field}`,
      );
    }
  }
  for (const option of Object.keys(raw)) {
    if (!optionFields.has(option)) throw notImplemented(`Index option '${option}'`);
  }
  const collation = raw['collation'];
  if (isPlainObject(collation) && collation['locale'] !== 'simple') {
    throw notImplemented('Index collation');
  }
  const spec: IndexSpec = { v: 2, key, name };
  if (raw['unique'] === true) spec['unique'] = true;
  if (raw['sparse'] === true) spec['sparse'] = true;
  if (isPlainObject(raw['partialFilterExpression'])) {
    spec['partialFilterExpression'] = raw['partialFilterExpression'];
  }
  if (typeof raw['expireAfterSeconds'] === 'number')
    spec['expireAfterSeconds'] = raw['expireAfterSeconds'];
  if (raw['hidden'] === true) spec['hidden'] = true;
  return spec;
}

/** Options that must agree for two specs with the same key pattern to be "the same index". */
export function sameIndexOptions(a: IndexSpec, b: IndexSpec): boolean {
  const pick = (s: IndexSpec): string =>
    canonicalKey({
      unique: s['unique'] === true,
      sparse: s['sparse'] === true,
      partial: s['partialFilterExpression'] ?? null,
      ttl: s['expireAfterSeconds'] ?? null,
    });
  return pick(a) === pick(b);
}

export class SecondaryIndex {
  readonly spec: IndexSpec;
  readonly fields: string[];
  readonly unique: boolean;
  readonly sparse: boolean;
  private readonly partial: Query | undefined;
  private readonly entries = new Map<string, Set<string>>();

  constructor(spec: IndexSpec) {
    this.spec = spec;
    this.fields = Object.keys(spec.key);
    this.unique = spec['unique'] === true;
    this.sparse = spec['sparse'] === true;
    const partial = spec['partialFilterExpression'];
    this.partial = isPlainObject(partial) ? new Query(partial) : undefined;
  }

  get name(): string {
    return this.spec.name;
  }

  /** Usable for equality lookups: every document is in it exactly under its values. */
  get complete(): boolean {
    return !this.sparse && this.partial === undefined;
  }

  /** The keys a document produces, or null when the index skips it (sparse/partial). */
  keysOf(doc: Document): IndexKey[] | null {
    if (this.partial !== undefined && !this.partial.test(doc)) return null;
    const perField: unknown[][] = [];
    let arrays = 0;
    let present = 0;
    for (const field of this.fields) {
      const { values, arrayHit } = valuesAtPath(doc, field);
      if (arrayHit) arrays++;
      if (arrayHit || values.some((v) => v !== undefined)) present++;
      perField.push(dedupe(values));
    }
    if (arrays > 1) {
      throw new MongoCommandError(
        ErrorCode.CannotIndexParallelArrays,
        `cannot index parallel arrays [${this.fields.join('] [')}]`,
      );
    }
    if (this.sparse && present === 0) return null;
    let combos: unknown[][] = [[]];
    for (const values of perField) {
      const next: unknown[][] = [];
      for (const combo of combos)
        for (const v of values) next.push([...combo, v === undefined ? null : v]);
      combos = next;
    }
    return combos.map((values) => ({ key: keyOfValues(values), values }));
  }

  idsFor(key: string): ReadonlySet<string> | undefined {
    return this.entries.get(key);
  }

  /** The first id other than `self` already holding one of `keys`, with the clashing key. */
  conflict(keys: IndexKey[], self: string | undefined): IndexKey | undefined {
    if (!this.unique) return undefined;
    for (const k of keys) {
      const ids = this.entries.get(k.key);
      if (ids === undefined) continue;
      for (const id of ids) if (id !== self) return k;
    }
    return undefined;
  }

  add(id: string, keys: IndexKey[] | null): void {
    if (keys === null) return;
    for (const { key } of keys) {
      let ids = this.entries.get(key);
      if (ids === undefined) {
        ids = new Set();
        this.entries.set(key, ids);
      }
      ids.add(id);
    }
  }

  remove(id: string, keys: IndexKey[] | null): void {
    if (keys === null) return;
    for (const { key } of keys) {
      const ids = this.entries.get(key);
      if (ids === undefined) continue;
      ids.delete(id);
      if (ids.size === 0) this.entries.delete(key);
    }
  }

  clear(): void {
    this.entries.clear();
  }
}

export function keyOfValues(values: unknown[]): string {
  return canonicalKey(values);
}

function dedupe(values: unknown[]): unknown[] {
  const seen = new Set<string>();
  const out: unknown[] = [];
  for (const v of values) {
    const k = canonicalKey(v);
    if (seen.has(k)) continue;
    seen.add(k);
    out.push(v);
  }
  return out;
}
