// Update semantics on top of mingo's updater: `$setOnInsert`, `_id` immutability, type errors and
// path conflicts mingo misses, upsert seeding, replacement and pipeline updates.
import { ObjectId, Timestamp } from 'bson';
import type { Document } from './values.js';
import { aggregate as mingoAggregate, update as mingoUpdate } from 'mingo';
import { ErrorCode, MongoCommandError, toCommandError } from './errors.js';
import {
  canonicalKey,
  cloneValue,
  formatValue,
  getPath,
  isNumeric,
  isPlainObject,
  setPath,
  typeName,
} from './values.js';

const updateOperators = new Set([
  '$set',
  '$unset',
  '$inc',
  '$mul',
  '$min',
  '$max',
  '$rename',
  '$currentDate',
  '$push',
  '$addToSet',
  '$pop',
  '$pull',
  '$pullAll',
  '$bit',
  '$setOnInsert',
]);

const pipelineUpdateStages = new Set([
  '$addFields',
  '$set',
  '$project',
  '$unset',
  '$replaceRoot',
  '$replaceWith',
]);

export type UpdateSpec =
  | { kind: 'operators'; ops: Document }
  | { kind: 'replacement'; doc: Document }
  | { kind: 'pipeline'; stages: Document[] };

export function parseUpdate(u: unknown): UpdateSpec {
  if (Array.isArray(u)) {
    const stages: Document[] = [];
    for (const stage of u as unknown[]) {
      if (!isPlainObject(stage))
        throw new MongoCommandError(ErrorCode.FailedToParse, 'pipeline stage must be an object');
      const name = Object.keys(stage)[0] ?? '';
      if (!pipelineUpdateStages.has(name)) {
        throw new MongoCommandError(
          ErrorCode.InvalidOptions,
          `${name} is not allowed to be used within an update`,
        );
      }
      stages.push(stage);
    }
    return { kind: 'pipeline', stages };
  }
  if (!isPlainObject(u))
    throw new MongoCommandError(
      ErrorCode.FailedToParse,
      'Update argument must be either an object or an array',
    );
  const keys = Object.keys(u);
  if (keys.length === 0 || !(keys[0] ?? '').startsWith('$')) {
    for (const k of keys) {
      if (k.startsWith('$')) {
        throw new MongoCommandError(
          52,
          `The dollar ($) prefixed field '${k}' in '${k}' is not allowed in the context of an update's replacement document. Consider using an aggregation pipeline with $replaceWith.`,
        );
      }
    }
    return { kind: 'replacement', doc: u };
  }
  for (const op of keys) {
    if (!updateOperators.has(op)) {
      throw new MongoCommandError(
        ErrorCode.FailedToParse,
        `Unknown modifier: ${op}. Expected a valid update modifier or pipeline-style update specified as an array`,
      );
    }
    const args = u[op];
    if (!isPlainObject(args)) {
      throw new MongoCommandError(
        ErrorCode.FailedToParse,
        `Modifiers operate on fields but we found type ${typeName(args)} instead. For example: {$mod: {<field>: ...}} not {${op}: ${formatValue(args)}}`,
      );
    }
  }
  checkConflicts(u);
  return { kind: 'operators', ops: u };
}

function checkConflicts(ops: Document): void {
  const paths: string[] = [];
  for (const [op, args] of Object.entries(ops)) {
    for (const [path, value] of Object.entries(args as Document)) {
      paths.push(path);
      if (op === '$rename' && typeof value === 'string') paths.push(value);
    }
  }
  for (let i = 0; i < paths.length; i++) {
    for (let j = 0; j < paths.length; j++) {
      if (i === j) continue;
      const a = paths[i] ?? '';
      const b = paths[j] ?? '';
      if (a === b || b.startsWith(`${a}.`)) {
        throw new MongoCommandError(
          ErrorCode.ConflictingUpdateOperators,
          `Updating the path '${b}' would create a conflict at '${a}'`,
        );
      }
    }
  }
}

export interface ApplyContext {
  query: Document;
  arrayFilters: Document[] | undefined;
  isInsert: boolean;
  now: Date;
}

const immutableIdError = (): MongoCommandError =>
  new MongoCommandError(
    ErrorCode.ImmutableField,
    "Performing an update on the path '_id' would modify the immutable field '_id'",
  );

function alteredIdError(id: unknown): MongoCommandError {
  return new MongoCommandError(
    ErrorCode.ImmutableField,
    `After applying the update, the (immutable) field '_id' was found to have been altered to _id: ${formatValue(id)}`,
  );
}

/** Returns a new document; the input is never mutated. */
export function applyUpdate(doc: Document, spec: UpdateSpec, ctx: ApplyContext): Document {
  const hadId = '_id' in doc;
  const id: unknown = doc['_id'];
  switch (spec.kind) {
    case 'replacement': {
      const replacement = cloneValue(spec.doc);
      if ('_id' in replacement && hadId && canonicalKey(replacement['_id']) !== canonicalKey(id)) {
        throw alteredIdError(replacement['_id']);
      }
      const { _id: _dropped, ...rest } = replacement;
      return hadId ? { _id: id, ...rest } : replacement;
    }
    case 'pipeline': {
      let result: Document;
      try {
        const out = mingoAggregate(
          [cloneValue(doc)],
          replaceNow(spec.stages, ctx.now) as Document[],
        );
        result = out[0] ?? {};
      } catch (error) {
        throw toCommandError(error);
      }
      if (hadId) {
        if ('_id' in result && canonicalKey(result['_id']) !== canonicalKey(id))
          throw alteredIdError(result['_id']);
        const { _id: _dropped, ...rest } = result;
        return { _id: id, ...rest };
      }
      return result;
    }
    case 'operators':
      return applyOperators(doc, spec.ops, ctx, hadId, id);
  }
}

function applyOperators(
  doc: Document,
  ops: Document,
  ctx: ApplyContext,
  hadId: boolean,
  id: unknown,
): Document {
  const modifier: Document = {};
  for (const [op, rawArgs] of Object.entries(ops)) {
    if (op === '$setOnInsert' && !ctx.isInsert) continue;
    const target = op === '$setOnInsert' || op === '$currentDate' ? '$set' : op;
    const args: Document = {};
    for (const [path, value] of Object.entries(rawArgs as Document)) {
      if (path === '_id' || path.startsWith('_id.')) {
        const allowed =
          target === '$set' && (!hadId || canonicalKey(getPath(doc, path)) === canonicalKey(value));
        if (!allowed) throw immutableIdError();
        if (hadId) continue;
      }
      args[path] = op === '$currentDate' ? currentDate(value, ctx.now) : value;
      checkTypes(op, path, value, doc);
    }
    if (Object.keys(args).length === 0) continue;
    modifier[target] = { ...(modifier[target] as Document | undefined), ...args };
  }
  const result = cloneValue(doc);
  if (Object.keys(modifier).length === 0) return result;
  // mingo ignores $each modifiers (and $addToSet de-duplication) when the array does not exist yet.
  for (const op of ['$push', '$addToSet']) {
    const args = modifier[op];
    if (isPlainObject(args)) for (const path of Object.keys(args)) ensureArray(result, path);
  }
  const positional = Object.values(modifier).some((args) =>
    Object.keys(args as Document).some((p) => p.includes('.$.') || p.endsWith('.$')),
  );
  try {
    mingoUpdate(
      result,
      modifier,
      ctx.arrayFilters,
      positional && !ctx.isInsert ? ctx.query : undefined,
      {
        cloneMode: 'deep',
      },
    );
  } catch (error) {
    throw toCommandError(error);
  }
  if (hadId && canonicalKey(result['_id']) !== canonicalKey(id))
    throw alteredIdError(result['_id']);
  return result;
}

function currentDate(spec: unknown, now: Date): unknown {
  if (isPlainObject(spec) && spec['$type'] === 'timestamp') {
    return new Timestamp({ t: Math.floor(now.getTime() / 1000), i: 1 });
  }
  return new Date(now.getTime());
}

function docLabel(doc: Document): string {
  return `{_id: ${formatValue(doc['_id'])}}`;
}

/** Type errors MongoDB raises and mingo silently ignores. */
function checkTypes(op: string, path: string, value: unknown, doc: Document): void {
  if (path.includes('$')) return;
  const parts = path.split('.');
  let current: unknown = doc;
  for (let i = 0; i < parts.length - 1; i++) {
    const part = parts[i] ?? '';
    if (Array.isArray(current)) current = /^\d+$/.test(part) ? current[Number(part)] : undefined;
    else if (isPlainObject(current)) current = current[part];
    else current = undefined;
    if (
      current !== undefined &&
      current !== null &&
      !isPlainObject(current) &&
      !Array.isArray(current)
    ) {
      if (op === '$unset' || op === '$pull' || op === '$pullAll' || op === '$pop') return;
      throw new MongoCommandError(
        ErrorCode.PathNotViable,
        `Cannot create field '${parts[i + 1] ?? ''}' in element {${part}: ${formatValue(current)}}`,
      );
    }
  }
  const existing = getPath(doc, path);
  switch (op) {
    case '$inc':
    case '$mul': {
      const verb = op === '$inc' ? 'increment' : 'multiply';
      if (!isNumeric(value)) {
        throw new MongoCommandError(
          ErrorCode.TypeMismatch,
          `Cannot ${verb} with non-numeric argument: {${path}: ${formatValue(value)}}`,
        );
      }
      if (existing !== undefined && !isNumeric(existing)) {
        throw new MongoCommandError(
          ErrorCode.TypeMismatch,
          `Cannot apply ${op} to a value of non-numeric type. ${docLabel(doc)} has the field '${parts[parts.length - 1] ?? path}' of non-numeric type ${typeName(existing)}`,
        );
      }
      return;
    }
    case '$push':
    case '$addToSet':
      if (existing !== undefined && !Array.isArray(existing)) {
        throw new MongoCommandError(
          ErrorCode.BadValue,
          `The field '${path}' must be an array but is of type ${typeName(existing)} in document ${docLabel(doc)}`,
        );
      }
      return;
    case '$pop':
      if (existing !== undefined && !Array.isArray(existing)) {
        throw new MongoCommandError(
          ErrorCode.TypeMismatch,
          `Path '${path}' contains an element of non-array type '${typeName(existing)}'`,
        );
      }
      return;
    case '$pull':
    case '$pullAll':
      if (existing !== undefined && !Array.isArray(existing)) {
        throw new MongoCommandError(ErrorCode.BadValue, `Cannot apply ${op} to a non-array value`);
      }
      return;
    case '$rename':
      if (typeof value !== 'string') {
        throw new MongoCommandError(
          ErrorCode.BadValue,
          `The 'to' field for $rename must be a string: ${path}: ${formatValue(value)}`,
        );
      }
      return;
    default:
      return;
  }
}

/** The document an upsert starts from: the query's equality fields. */
export function upsertSeed(query: Document): Document {
  const seed: Document = {};
  const visit = (q: Document): void => {
    for (const [key, value] of Object.entries(q)) {
      if (key === '$and' && Array.isArray(value)) {
        for (const part of value as unknown[]) if (isPlainObject(part)) visit(part);
        continue;
      }
      if (key.startsWith('$')) continue;
      if (isPlainObject(value)) {
        const keys = Object.keys(value);
        if (keys.length > 0 && keys.every((k) => k.startsWith('$'))) {
          if ('$eq' in value) setPath(seed, key, cloneValue(value['$eq']));
          continue;
        }
      }
      if (value instanceof RegExp) continue;
      setPath(seed, key, cloneValue(value));
    }
  };
  visit(query);
  return seed;
}

/** Ensures an `_id` and puts it first, as the server does for inserted documents. */
export function withIdFirst(doc: Document): Document {
  const id: unknown = '_id' in doc ? doc['_id'] : new ObjectId();
  const { _id: _dropped, ...rest } = doc;
  return { _id: id, ...rest };
}

/** `$$NOW` follows the injected clock rather than mingo's wall clock. */
export function replaceNow(node: unknown, now: Date): unknown {
  if (node === '$$NOW') return { $literal: new Date(now.getTime()) };
  if (Array.isArray(node)) return node.map((n: unknown) => replaceNow(n, now));
  if (isPlainObject(node)) {
    const out: Document = {};
    for (const [k, v] of Object.entries(node)) out[k] = replaceNow(v, now);
    return out;
  }
  return node;
}

/** Creates an empty array at `path` when it is missing and reachable through plain objects only. */
function ensureArray(doc: Document, path: string): void {
  if (path.includes('$')) return;
  const parts = path.split('.');
  let current: Document = doc;
  for (const part of parts.slice(0, -1)) {
    const next = current[part];
    if (next === undefined) {
      const created: Document = {};
      current[part] = created;
      current = created;
    } else if (isPlainObject(next)) current = next;
    else return;
  }
  const last = parts[parts.length - 1] ?? path;
  if (current[last] === undefined) current[last] = [];
}
