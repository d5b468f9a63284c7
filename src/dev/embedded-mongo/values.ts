// Value helpers shared by storage, indexes and commands. Documents are plain JS objects holding
// bson classes (ObjectId, Long, Binary, Decimal128, ...) as produced by `bson.deserialize`.
/** A stored or wire document: field values are unknown until narrowed. */
export type Document = Record<string, unknown>;

export function isPlainObject(value: unknown): value is Document {
  if (typeof value !== 'object' || value === null) return false;
  const proto: unknown = Object.getPrototypeOf(value);
  return proto === Object.prototype || proto === null;
}

function bsonTypeOf(value: object): string | undefined {
  const tag: unknown = (value as { _bsontype?: unknown })._bsontype;
  return typeof tag === 'string' ? tag : undefined;
}

/**
 * A string that is equal for two values exactly when MongoDB's index equality says so
 * (numbers compare across int/long/double, documents are field-order sensitive).
 */
export function canonicalKey(value: unknown): string {
  if (value === undefined || value === null) return 'z';
  switch (typeof value) {
    case 'number':
      return Number.isNaN(value) ? 'nNaN' : `n${Object.is(value, -0) ? 0 : value}`;
    case 'string':
      return `s${JSON.stringify(value)}`;
    case 'boolean':
      return value ? 'b1' : 'b0';
    case 'bigint':
      return `n${value.toString()}`;
    case 'object':
      break;
    case 'undefined':
    case 'symbol':
    case 'function':
      return `?${typeof value}`;
  }
  if (value instanceof Date) return `d${value.getTime()}`;
  if (value instanceof RegExp) return `r${value.source}/${value.flags}`;
  if (Array.isArray(value)) return `[${value.map(canonicalKey).join(',')}]`;
  const tag = bsonTypeOf(value);
  if (tag !== undefined) {
    switch (tag) {
      case 'Long': {
        const text = bsonString(value);
        const asNumber = Number(text);
        return Number.isSafeInteger(asNumber) ? `n${asNumber}` : `n${text}`;
      }
      case 'Int32':
      case 'Double':
        return `n${Number((value as { valueOf(): unknown }).valueOf())}`;
      case 'Decimal128': {
        const text = bsonString(value);
        const asNumber = Number(text);
        return Number.isFinite(asNumber) ? `n${asNumber}` : `m${text}`;
      }
      case 'ObjectId':
        return `o${(value as { toHexString(): string }).toHexString()}`;
      case 'Binary': {
        const binary = value as { sub_type: number; toString(encoding: 'base64'): string };
        return `x${binary.sub_type}:${binary.toString('base64')}`;
      }
      default:
        return `${tag}:${JSON.stringify(value)}`;
    }
  }
  const parts: string[] = [];
  for (const [k, v] of Object.entries(value)) parts.push(`${JSON.stringify(k)}:${canonicalKey(v)}`);
  return `{${parts.join(',')}}`;
}

/** Deep copy of the mutable parts (plain objects, arrays, Dates); bson values are treated as immutable. */
export function cloneValue<T>(value: T): T {
  if (Array.isArray(value)) return value.map((v: unknown) => cloneValue(v)) as T;
  if (value instanceof Date) return new Date(value.getTime()) as T;
  if (isPlainObject(value)) {
    const copy: Document = {};
    for (const [k, v] of Object.entries(value)) copy[k] = cloneValue(v);
    return copy as T;
  }
  return value;
}

/**
 * All values at a dotted path, descending into arrays like MongoDB does; `arrayHit` says whether an
 * array was traversed or found (the index is then multikey).
 */
export function valuesAtPath(doc: unknown, path: string): { values: unknown[]; arrayHit: boolean } {
  const out: unknown[] = [];
  let arrayHit = false;
  const walk = (current: unknown, parts: string[]): void => {
    if (parts.length === 0) {
      if (Array.isArray(current)) {
        arrayHit = true;
        if (current.length === 0) out.push(undefined);
        else out.push(...(current as unknown[]));
      } else out.push(current);
      return;
    }
    const [head, ...rest] = parts as [string, ...string[]];
    if (Array.isArray(current)) {
      arrayHit = true;
      if (/^\d+$/.test(head)) {
        walk(current[Number(head)], rest);
        return;
      }
      if (current.length === 0) out.push(undefined);
      for (const element of current as unknown[]) {
        if (isPlainObject(element)) walk(element[head], rest);
      }
      return;
    }
    if (isPlainObject(current)) walk(current[head], rest);
    else out.push(undefined);
  };
  walk(doc, path.split('.'));
  if (out.length === 0) out.push(undefined);
  return { values: out, arrayHit };
}

/** The value at a dotted path without array traversal (undefined when absent). */
export function getPath(doc: unknown, path: string): unknown {
  let current: unknown = doc;
  for (const part of path.split('.')) {
    if (Array.isArray(current) && /^\d+$/.test(part)) current = current[Number(part)];
    else if (isPlainObject(current)) current = current[part];
    else return undefined;
  }
  return current;
}

export function setPath(doc: Document, path: string, value: unknown): void {
  const parts = path.split('.');
  let current: Document = doc;
  for (const part of parts.slice(0, -1)) {
    const next = current[part];
    if (isPlainObject(next)) current = next;
    else {
      const created: Document = {};
      current[part] = created;
      current = created;
    }
  }
  current[parts[parts.length - 1] ?? path] = value;
}

/** The BSON type name MongoDB prints in error messages. */
export function typeName(value: unknown): string {
  if (value === undefined) return 'missing';
  if (value === null) return 'null';
  if (typeof value === 'number') return Number.isInteger(value) ? 'int' : 'double';
  if (typeof value === 'string') return 'string';
  if (typeof value === 'boolean') return 'bool';
  if (value instanceof Date) return 'date';
  if (value instanceof RegExp) return 'regex';
  if (Array.isArray(value)) return 'array';
  if (typeof value === 'object') {
    const tag = bsonTypeOf(value);
    if (tag === 'Long') return 'long';
    if (tag === 'Decimal128') return 'decimal';
    if (tag === 'ObjectId') return 'objectId';
    if (tag === 'Binary') return 'binData';
    if (tag !== undefined) return tag.toLowerCase();
    return 'object';
  }
  return typeof value;
}

export function isNumeric(value: unknown): boolean {
  if (typeof value === 'number') return true;
  if (typeof value === 'object' && value !== null) {
    const tag = bsonTypeOf(value);
    return tag === 'Long' || tag === 'Decimal128' || tag === 'Int32' || tag === 'Double';
  }
  return false;
}

/** Formats a value the way MongoDB prints it in `dup key: { ... }` messages. */
export function formatValue(value: unknown): string {
  if (value === undefined || value === null) return 'null';
  if (typeof value === 'string') return JSON.stringify(value);
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  if (value instanceof Date) return `new Date(${value.getTime()})`;
  if (Array.isArray(value)) return `[ ${value.map(formatValue).join(', ')} ]`;
  if (typeof value === 'object') {
    const tag = bsonTypeOf(value);
    if (tag === 'ObjectId')
      return `ObjectId('${(value as { toHexString(): string }).toHexString()}')`;
    if (tag !== undefined) return bsonString(value);
    const parts = Object.entries(value).map(([k, v]) => `${k}: ${formatValue(v)}`);
    return `{ ${parts.join(', ')} }`;
  }
  return typeof value === 'bigint' ? value.toString() : typeof value;
}

/** bson classes all print their value through toString(). */
function bsonString(value: object): string {
  return (value as { toString(): string }).toString();
}
