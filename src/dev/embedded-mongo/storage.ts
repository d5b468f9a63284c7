// Storage: databases → collections → documents plus their indexes, all in memory. Persistence is a
// separate small interface (SnapshotStore) so a file-backed dev store does not touch command code.
import { randomUUID } from 'node:crypto';
import type { Document } from './values.js';
import { ErrorCode, MongoCommandError } from './errors.js';
import { SecondaryIndex, normaliseIndexSpec, type IndexKey, type IndexSpec } from './indexes.js';
import { canonicalKey, formatValue, isPlainObject } from './values.js';

/** Told before every document change; transactions keep an undo log, persistence marks itself dirty. */
export interface WriteObserver {
  documentWillChange(collection: Collection, id: string, before: Document | undefined): void;
  collectionCreated(collection: Collection): void;
  collectionsChanged(): void;
}

export interface CollectionSnapshot {
  indexes: IndexSpec[];
  documents: Document[];
}

/** Plain data for persistence: `{ db: { collection: { indexes, documents } } }`. */
export type StoreSnapshot = Record<string, Record<string, CollectionSnapshot>>;

/** Where snapshots live between runs; tests use none (memory only). */
export interface SnapshotStore {
  load(): StoreSnapshot | undefined;
  save(snapshot: StoreSnapshot): void;
}

export const ID_INDEX: IndexSpec = { v: 2, key: { _id: 1 }, name: '_id_' };

export class Collection {
  readonly db: string;
  readonly name: string;
  readonly uuid = randomUUID();
  /** Documents keyed by the canonical form of their `_id`, in insertion order. */
  readonly docs = new Map<string, Document>();
  readonly indexes = new Map<string, SecondaryIndex>();
  private readonly observer: WriteObserver;

  constructor(db: string, name: string, observer: WriteObserver) {
    this.db = db;
    this.name = name;
    this.observer = observer;
  }

  get ns(): string {
    return `${this.db}.${this.name}`;
  }

  insert(doc: Document): void {
    const id = canonicalKey(doc['_id']);
    if (this.docs.has(id)) throw this.duplicate(ID_INDEX, [doc['_id']]);
    const keys = this.checkUnique(doc, id);
    this.observer.documentWillChange(this, id, undefined);
    this.docs.set(id, doc);
    for (const [index, k] of keys) index.add(id, k);
  }

  /** Replaces the document stored under `id` (its `_id` must not change). */
  replace(id: string, doc: Document): void {
    const before = this.docs.get(id);
    if (before === undefined) throw new Error(`replace of a missing document ${id}`);
    const keys = this.checkUnique(doc, id);
    this.observer.documentWillChange(this, id, before);
    for (const index of this.indexes.values()) index.remove(id, index.keysOf(before));
    this.docs.set(id, doc);
    for (const [index, k] of keys) index.add(id, k);
  }

  remove(id: string): Document | undefined {
    const before = this.docs.get(id);
    if (before === undefined) return undefined;
    this.observer.documentWillChange(this, id, before);
    this.removeRaw(id);
    return before;
  }

  /** Undo support: puts a document back (or removes it) without checks or observation. */
  restoreRaw(id: string, before: Document | undefined): void {
    this.removeRaw(id);
    if (before === undefined) return;
    this.docs.set(id, before);
    for (const index of this.indexes.values()) index.add(id, index.keysOf(before));
  }

  private removeRaw(id: string): void {
    const current = this.docs.get(id);
    if (current === undefined) return;
    for (const index of this.indexes.values()) index.remove(id, index.keysOf(current));
    this.docs.delete(id);
  }

  private checkUnique(doc: Document, self: string): [SecondaryIndex, IndexKey[] | null][] {
    const out: [SecondaryIndex, IndexKey[] | null][] = [];
    for (const index of this.indexes.values()) {
      const keys = index.keysOf(doc);
      if (keys !== null) {
        const clash = index.conflict(keys, self);
        if (clash !== undefined) throw this.duplicate(index.spec, clash.values);
      }
      out.push([index, keys]);
    }
    return out;
  }

  duplicate(spec: IndexSpec, values: unknown[]): MongoCommandError {
    const fields = Object.keys(spec.key);
    const keyValue: Document = {};
    fields.forEach((f, i) => {
      keyValue[f] = values[i] ?? null;
    });
    const shown = fields.map((f, i) => `${f}: ${formatValue(values[i])}`).join(', ');
    return new MongoCommandError(
      ErrorCode.DuplicateKey,
      `E11000 duplicate key error collection: ${this.ns} index: ${spec.name} dup key: { ${shown} }`,
      { keyPattern: spec.key, keyValue },
    );
  }

  listIndexes(): IndexSpec[] {
    return [ID_INDEX, ...[...this.indexes.values()].map((i) => i.spec)];
  }

  /** Builds an index over the existing documents; refuses (and leaves nothing behind) on duplicates. */
  addIndex(spec: IndexSpec): void {
    const index = new SecondaryIndex(spec);
    for (const [id, doc] of this.docs) {
      const keys = index.keysOf(doc);
      if (keys !== null) {
        const clash = index.conflict(keys, id);
        if (clash !== undefined) throw this.duplicate(spec, clash.values);
      }
      index.add(id, keys);
    }
    this.indexes.set(spec.name, index);
    this.observer.collectionsChanged();
  }

  dropIndex(name: string): void {
    this.indexes.delete(name);
    this.observer.collectionsChanged();
  }

  snapshot(): CollectionSnapshot {
    return {
      indexes: [...this.indexes.values()].map((i) => i.spec),
      documents: [...this.docs.values()],
    };
  }
}

export class Store {
  private readonly databases = new Map<string, Map<string, Collection>>();
  private readonly observer: WriteObserver;

  constructor(observer: WriteObserver) {
    this.observer = observer;
  }

  collection(db: string, name: string): Collection | undefined {
    return this.databases.get(db)?.get(name);
  }

  /** Implicit creation, as inserts, upserts and createIndexes do. */
  ensureCollection(db: string, name: string): { collection: Collection; created: boolean } {
    const existing = this.collection(db, name);
    if (existing !== undefined) return { collection: existing, created: false };
    validateCollectionName(db, name);
    let collections = this.databases.get(db);
    if (collections === undefined) {
      collections = new Map();
      this.databases.set(db, collections);
    }
    const collection = new Collection(db, name, this.observer);
    collections.set(name, collection);
    this.observer.collectionCreated(collection);
    this.observer.collectionsChanged();
    return { collection, created: true };
  }

  dropCollection(db: string, name: string): Collection | undefined {
    const collections = this.databases.get(db);
    const existing = collections?.get(name);
    if (collections === undefined || existing === undefined) return undefined;
    collections.delete(name);
    if (collections.size === 0) this.databases.delete(db);
    this.observer.collectionsChanged();
    return existing;
  }

  dropDatabase(db: string): void {
    if (this.databases.delete(db)) this.observer.collectionsChanged();
  }

  databaseNames(): string[] {
    return [...this.databases.keys()];
  }

  collections(db: string): Collection[] {
    return [...(this.databases.get(db)?.values() ?? [])];
  }

  allCollections(): Collection[] {
    return [...this.databases.values()].flatMap((c) => [...c.values()]);
  }

  snapshot(): StoreSnapshot {
    const out: StoreSnapshot = {};
    for (const [db, collections] of this.databases) {
      const dbOut: Record<string, CollectionSnapshot> = {};
      for (const [name, collection] of collections) dbOut[name] = collection.snapshot();
      out[db] = dbOut;
    }
    return out;
  }

  load(snapshot: StoreSnapshot): void {
    for (const [db, collections] of Object.entries(snapshot)) {
      for (const [name, data] of Object.entries(collections)) {
        const { collection } = this.ensureCollection(db, name);
        for (const spec of data.indexes) collection.addIndex(normaliseIndexSpec(spec));
        for (const doc of data.documents) {
          if (isPlainObject(doc)) collection.insert(doc);
        }
      }
    }
  }
}

export function validateCollectionName(db: string, name: string): void {
  if (name.length === 0 || name.includes('$') || name.includes('\0') || name.startsWith('.')) {
    throw new MongoCommandError(
      ErrorCode.InvalidNamespace,
      `Invalid collection name: ${db}.${name}`,
    );
  }
  if (db.length === 0 || /[/\\. "$]/.test(db)) {
    throw new MongoCommandError(ErrorCode.InvalidNamespace, `Invalid database name: '${db}'`);
  }
}
