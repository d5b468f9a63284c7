// Query planning and execution over one collection: index-backed candidate selection, mingo for
// matching/sorting/projection, and loud refusals for what mingo would answer differently.
import type { Document } from './values.js';
import { Query, find as mingoFind } from 'mingo';
import type { CollationSpec } from 'mingo/types';
import { ErrorCode, MongoCommandError, notImplemented, toCommandError } from './errors.js';
import type { Collection } from './storage.js';
import { canonicalKey, isPlainObject } from './values.js';

const unsupportedQueryOperators = new Map<string, string>([
  ['$text', '$text queries (no text indexes)'],
  ['$where', '$where'],
  ['$near', 'Geospatial operator $near'],
  ['$nearSphere', 'Geospatial operator $nearSphere'],
  ['$geoWithin', 'Geospatial operator $geoWithin'],
  ['$geoIntersects', 'Geospatial operator $geoIntersects'],
  ['$jsonSchema', '$jsonSchema'],
]);

// Numbers are stored as JS numbers, so these BSON type tests cannot be answered faithfully.
const ambiguousNumericTypes = new Set<unknown>(['int', 'long', 'double', 1, 16, 18]);

/** Throws for operators we cannot answer faithfully; strips `$comment`, which mingo rejects. */
export function checkFilter(filter: unknown): Document {
  if (filter === undefined || filter === null) return {};
  if (!isPlainObject(filter)) {
    throw new MongoCommandError(ErrorCode.TypeMismatch, 'filter must be an object');
  }
  const walk = (node: unknown): void => {
    if (Array.isArray(node)) {
      for (const n of node) walk(n);
      return;
    }
    if (!isPlainObject(node)) return;
    for (const [key, value] of Object.entries(node)) {
      const reason = unsupportedQueryOperators.get(key);
      if (reason !== undefined) throw notImplemented(reason);
      if (key === '$type') {
        const types = Array.isArray(value) ? value : [value];
        if (types.some((t) => ambiguousNumericTypes.has(t))) {
          throw notImplemented(
            `$type ${JSON.stringify(value)} (numbers are not stored with their BSON width)`,
          );
        }
      }
      if (key === '$expr') continue;
      walk(value);
    }
  };
  walk(filter);
  if ('$comment' in filter) {
    const { $comment: _ignored, ...rest } = filter;
    return rest;
  }
  return filter;
}

export function checkCollation(collation: unknown): CollationSpec | undefined {
  if (collation === undefined || collation === null) return undefined;
  if (!isPlainObject(collation))
    throw new MongoCommandError(ErrorCode.TypeMismatch, 'collation must be an object');
  if (collation['locale'] === 'simple') return undefined;
  const strength = collation['strength'];
  if (strength !== undefined && strength !== 3) {
    throw notImplemented(
      `collation strength ${JSON.stringify(strength)} (query equality would ignore it)`,
    );
  }
  for (const option of ['caseLevel', 'caseFirst', 'numericOrdering', 'alternate', 'backwards']) {
    if (
      collation[option] !== undefined &&
      collation[option] !== false &&
      collation[option] !== 'off'
    ) {
      throw notImplemented(`collation option ${option}`);
    }
  }
  if (typeof collation['locale'] !== 'string') {
    throw new MongoCommandError(ErrorCode.BadValue, 'collation locale is required');
  }
  return { locale: collation['locale'] };
}

/** A scalar we can look up in an index and compare by canonical key. */
function isIndexableEquality(value: unknown): boolean {
  if (value === null || value === undefined) return false;
  if (Array.isArray(value) || value instanceof RegExp) return false;
  if (isPlainObject(value)) return false;
  return true;
}

/** Equality values per top-level field: `{f: v}`, `{f: {$eq: v}}`, `{f: {$in: [...]}}`. */
function equalityValues(filter: Document, field: string): unknown[] | undefined {
  if (!(field in filter)) return undefined;
  const condition = filter[field];
  if (isIndexableEquality(condition)) return [condition];
  if (isPlainObject(condition)) {
    if ('$eq' in condition && isIndexableEquality(condition['$eq'])) return [condition['$eq']];
    const inList = condition['$in'];
    if (Array.isArray(inList) && inList.every(isIndexableEquality)) return inList as unknown[];
  }
  return undefined;
}

/** Candidate documents: from `_id` or a complete index when the filter pins its fields, else all. */
export function candidates(collection: Collection, filter: Document): Iterable<[string, Document]> {
  const ids = equalityValues(filter, '_id');
  if (ids !== undefined) {
    const out: [string, Document][] = [];
    const seen = new Set<string>();
    for (const v of ids) {
      const key = canonicalKey(v);
      const doc = collection.docs.get(key);
      if (doc !== undefined && !seen.has(key)) {
        seen.add(key);
        out.push([key, doc]);
      }
    }
    return out;
  }
  for (const index of collection.indexes.values()) {
    if (!index.complete) continue;
    const perField = index.fields.map((f) => equalityValues(filter, f));
    if (perField.some((v) => v === undefined)) continue;
    let combos: unknown[][] = [[]];
    for (const values of perField as unknown[][]) {
      combos = combos.flatMap((c) => values.map((v) => [...c, v]));
      if (combos.length > 1000) break;
    }
    if (combos.length > 1000) continue;
    const out: [string, Document][] = [];
    const seen = new Set<string>();
    for (const combo of combos) {
      for (const id of index.idsFor(canonicalKey(combo)) ?? []) {
        const doc = collection.docs.get(id);
        if (doc !== undefined && !seen.has(id)) {
          seen.add(id);
          out.push([id, doc]);
        }
      }
    }
    return out;
  }
  return collection.docs.entries();
}

export type Matcher = (doc: Document) => boolean;

/** Compiles a filter; plain top-level scalar equalities skip mingo (the common lookup shape). */
export function compileFilter(filter: Document, collation?: CollationSpec): Matcher {
  const entries = Object.entries(filter);
  if (entries.length === 0) return () => true;
  if (
    collation === undefined &&
    entries.every(([k, v]) => !k.startsWith('$') && !k.includes('.') && isIndexableEquality(v))
  ) {
    const expected = entries.map(([field, value]) => scalarEquals(field, value));
    return (doc) => expected.every((test) => test(doc));
  }
  try {
    const query = new Query(filter, collation === undefined ? {} : { collation });
    return (doc) => query.test(doc);
  } catch (error) {
    throw toCommandError(error);
  }
}

export interface FindOptions {
  sort?: Document | undefined;
  skip?: number | undefined;
  limit?: number | undefined;
  projection?: Document | undefined;
  collation?: CollationSpec | undefined;
}

/** Matching documents with their ids (stored objects: callers must not mutate them). */
export function matchIds(
  collection: Collection,
  filter: Document,
  collation?: CollationSpec,
  max = Infinity,
): [string, Document][] {
  const test = compileFilter(filter, collation);
  const out: [string, Document][] = [];
  try {
    for (const entry of candidates(collection, filter)) {
      if (test(entry[1])) {
        out.push(entry);
        if (out.length >= max) break;
      }
    }
  } catch (error) {
    throw toCommandError(error);
  }
  return out;
}

export function hasSort(sort: Document | undefined): sort is Document {
  return sort !== undefined && Object.keys(sort).length > 0;
}

export function checkSort(sort: unknown): Document | undefined {
  if (sort === undefined || sort === null) return undefined;
  if (!isPlainObject(sort))
    throw new MongoCommandError(ErrorCode.TypeMismatch, 'sort must be an object');
  for (const [field, direction] of Object.entries(sort)) {
    if (isPlainObject(direction))
      throw notImplemented(`sort by ${JSON.stringify(direction)} on '${field}'`);
    if (direction !== 1 && direction !== -1) {
      throw new MongoCommandError(
        ErrorCode.BadValue,
        `$sort key ordering must be 1 (for ascending) or -1 (for descending)`,
      );
    }
  }
  return sort;
}

/** Runs a find over one collection: filter, sort, skip, limit, projection. */
export function runFind(
  collection: Collection | undefined,
  filter: Document,
  options: FindOptions,
): Document[] {
  if (collection === undefined) return [];
  const skip = options.skip ?? 0;
  const limit = options.limit !== undefined && options.limit > 0 ? options.limit : undefined;
  let docs: Document[];
  if (hasSort(options.sort)) {
    const matched = matchIds(collection, filter, options.collation).map(([, d]) => d);
    try {
      let cursor = mingoFind(
        matched,
        {},
        undefined,
        options.collation === undefined ? {} : { collation: options.collation },
      ).sort(options.sort);
      if (skip > 0) cursor = cursor.skip(skip);
      if (limit !== undefined) cursor = cursor.limit(limit);
      docs = cursor.all();
    } catch (error) {
      throw toCommandError(error);
    }
  } else {
    const max = limit === undefined ? Infinity : skip + limit;
    docs = matchIds(collection, filter, options.collation, max)
      .slice(skip)
      .map(([, d]) => d);
  }
  return project(docs, options.projection, filter);
}

export function project(
  docs: Document[],
  projection: Document | undefined,
  filter: Document,
): Document[] {
  if (projection === undefined || Object.keys(projection).length === 0) return docs;
  try {
    const positional = Object.keys(projection).some((k) => k.endsWith('.$'));
    return mingoFind<Document>(docs, positional ? filter : {}, projection).all();
  } catch (error) {
    throw toCommandError(error);
  }
}

/** Equality on a top-level field, with the common string/number cases compared without allocation. */
function scalarEquals(field: string, value: unknown): Matcher {
  const key = canonicalKey(value);
  const same = (v: unknown): boolean => {
    if (typeof v === typeof value && (typeof v === 'string' || typeof v === 'boolean'))
      return v === value;
    if (typeof v === 'number' && typeof value === 'number')
      return v === value || (Number.isNaN(v) && Number.isNaN(value));
    if (typeof v === 'string' || typeof v === 'boolean' || v === undefined || v === null)
      return false;
    return canonicalKey(v) === key;
  };
  return (doc) => {
    const actual = doc[field];
    if (Array.isArray(actual)) return (actual as unknown[]).some(same);
    return same(actual);
  };
}
