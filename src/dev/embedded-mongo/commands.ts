// Command dispatch and semantics. Every handler is synchronous, so on Node's single thread each
// command is atomic: unique checks and read-modify-write never interleave.
import { Long, UUID } from 'bson';
import type { Document } from './values.js';
import { Aggregator, ProcessingMode } from 'mingo';
import type { Clock } from './clock.js';
import { CursorRegistry } from './cursors.js';
import { ErrorCode, MongoCommandError, notImplemented, toCommandError } from './errors.js';
import { normaliseIndexSpec, sameIndexOptions } from './indexes.js';
import {
  checkCollation,
  checkFilter,
  checkSort,
  compileFilter,
  matchIds,
  project,
  runFind,
} from './query.js';
import { vetRegexes } from './regex.js';
import { Store, type Collection, type WriteObserver } from './storage.js';
import { Transactions } from './transactions.js';
import { applyUpdate, parseUpdate, replaceNow, upsertSeed, withIdFirst } from './update.js';
import { canonicalKey, cloneValue, isPlainObject, valuesAtPath } from './values.js';

export const MAX_WIRE_VERSION = 21;
export const MAX_BSON_OBJECT_SIZE = 16 * 1024 * 1024;
export const MAX_MESSAGE_SIZE = 48_000_000;

export interface ConnectionInfo {
  connectionId: number;
}

type Handler = (cmd: Document, db: string, conn: ConnectionInfo) => Document;

// Fields every command may carry; accepted and ignored (see EMBEDDED-MONGO.md: concerns, sessions).
const genericFields = new Set([
  '$db',
  'lsid',
  'txnNumber',
  'autocommit',
  'startTransaction',
  'readConcern',
  'writeConcern',
  '$readPreference',
  '$clusterTime',
  'comment',
  'maxTimeMS',
  'apiVersion',
  'apiStrict',
  'apiDeprecationErrors',
  '$audit',
]);

const commandFields: Record<string, string[]> = {
  insert: ['documents', 'ordered', 'bypassDocumentValidation'],
  find: [
    'filter',
    'sort',
    'projection',
    'skip',
    'limit',
    'batchSize',
    'singleBatch',
    'hint',
    'collation',
    'let',
    'allowDiskUse',
    'noCursorTimeout',
    'allowPartialResults',
    'returnKey',
    'showRecordId',
    'min',
    'max',
    'tailable',
    'awaitData',
    'oplogReplay',
    'readOnce',
  ],
  update: ['updates', 'ordered', 'bypassDocumentValidation', 'let'],
  delete: ['deletes', 'ordered', 'let'],
  findAndModify: [
    'query',
    'sort',
    'remove',
    'update',
    'new',
    'fields',
    'upsert',
    'arrayFilters',
    'bypassDocumentValidation',
    'collation',
    'hint',
    'let',
  ],
  count: ['query', 'limit', 'skip', 'hint', 'collation', 'fields'],
  distinct: ['key', 'query', 'collation', 'hint'],
  aggregate: [
    'pipeline',
    'cursor',
    'explain',
    'allowDiskUse',
    'collation',
    'hint',
    'let',
    'bypassDocumentValidation',
  ],
  getMore: ['collection', 'batchSize'],
};

export interface CommandHooks {
  /** Called after any change to data, for snapshot persistence. */
  changed(): void;
}

export class CommandProcessor {
  readonly store: Store;
  readonly cursors: CursorRegistry;
  private readonly clock: Clock;
  private readonly transactions: Transactions;
  private readonly handlers: Record<string, Handler>;

  constructor(clock: Clock, hooks: CommandHooks) {
    this.clock = clock;
    this.cursors = new CursorRegistry(clock);
    const observer: WriteObserver = {
      documentWillChange: (collection, id, before) => {
        this.transactions.recordDocument(collection, id, before);
        hooks.changed();
      },
      collectionCreated: (collection) => {
        this.transactions.recordCreation(collection);
      },
      collectionsChanged: () => {
        hooks.changed();
      },
    };
    this.store = new Store(observer);
    this.transactions = new Transactions(this.store);
    this.handlers = {
      hello: (c, _db, conn) => this.hello(c, conn, false),
      ismaster: (c, _db, conn) => this.hello(c, conn, true),
      isMaster: (c, _db, conn) => this.hello(c, conn, true),
      ping: () => ({ ok: 1 }),
      buildInfo: () => this.buildInfo(),
      buildinfo: () => this.buildInfo(),
      getParameter: () => ({ featureCompatibilityVersion: { version: '7.0' }, ok: 1 }),
      whatsmyuri: (_c, _db, conn) => ({ you: `127.0.0.1:${conn.connectionId}`, ok: 1 }),
      create: (c, db) => this.create(c, db),
      drop: (c, db) => this.drop(c, db),
      dropDatabase: (_c, db) => {
        this.store.dropDatabase(db);
        return { dropped: db, ok: 1 };
      },
      listCollections: (c, db) => this.listCollections(c, db),
      listDatabases: (c) => this.listDatabases(c),
      renameCollection: (c) => this.renameCollection(c),
      createIndexes: (c, db) => this.createIndexes(c, db),
      listIndexes: (c, db) => this.listIndexes(c, db),
      dropIndexes: (c, db) => this.dropIndexes(c, db),
      insert: (c, db) => this.insert(c, db),
      find: (c, db) => this.find(c, db),
      getMore: (c, db) => this.getMore(c, db),
      killCursors: (c) => this.killCursors(c),
      update: (c, db) => this.update(c, db),
      delete: (c, db) => this.delete(c, db),
      findAndModify: (c, db) => this.findAndModify(c, db),
      findandmodify: (c, db) => this.findAndModify(c, db),
      count: (c, db) => this.count(c, db),
      distinct: (c, db) => this.distinct(c, db),
      aggregate: (c, db) => this.aggregate(c, db),
      endSessions: (c) => {
        const sessions = c['endSessions'];
        if (Array.isArray(sessions))
          for (const s of sessions as unknown[]) this.transactions.endSession(s);
        return { ok: 1 };
      },
      commitTransaction: (c) => this.transactions.commit(c),
      abortTransaction: (c) => this.transactions.abort(c),
    };
  }

  /** Runs one command and always returns a reply document (errors become `ok: 0`). */
  run(cmd: Document, conn: ConnectionInfo): Document {
    try {
      const name = Object.keys(cmd)[0];
      const db = cmd['$db'];
      if (name === undefined) throw new MongoCommandError(ErrorCode.FailedToParse, 'empty command');
      const handler = Object.hasOwn(this.handlers, name) ? this.handlers[name] : undefined;
      if (handler === undefined) {
        throw new MongoCommandError(ErrorCode.CommandNotFound, `no such command: '${name}'`);
      }
      if (typeof db !== 'string')
        throw new MongoCommandError(ErrorCode.InvalidNamespace, 'missing $db');
      checkFields(name, cmd);
      // Before anything can run a regex: BSON regexes become RegExps, unbounded patterns are refused.
      vetRegexes(cmd);
      if (name === 'commitTransaction' || name === 'abortTransaction')
        return handler(cmd, db, conn);
      return this.transactions.runStatement(cmd, () => handler(cmd, db, conn));
    } catch (error) {
      return toCommandError(error).toReply();
    }
  }

  now(): Date {
    return new Date(this.clock.now());
  }

  // ---- server-level ----------------------------------------------------------------------------

  private hello(cmd: Document, conn: ConnectionInfo, legacy: boolean): Document {
    const reply: Document = {
      helloOk: true,
      [legacy ? 'ismaster' : 'isWritablePrimary']: true,
      maxBsonObjectSize: MAX_BSON_OBJECT_SIZE,
      maxMessageSizeBytes: MAX_MESSAGE_SIZE,
      maxWriteBatchSize: 100_000,
      localTime: this.now(),
      logicalSessionTimeoutMinutes: 30,
      connectionId: conn.connectionId,
      minWireVersion: 0,
      maxWireVersion: MAX_WIRE_VERSION,
      readOnly: false,
      ok: 1,
    };
    if (Array.isArray(cmd['compression'])) reply['compression'] = [];
    return reply;
  }

  private buildInfo(): Document {
    return {
      version: '7.0.0',
      gitVersion: 'embedded',
      versionArray: [7, 0, 0, 0],
      bits: 64,
      debug: false,
      maxBsonObjectSize: MAX_BSON_OBJECT_SIZE,
      storageEngines: ['embedded-memory'],
      ok: 1,
    };
  }

  // ---- collections and databases ---------------------------------------------------------------

  private create(cmd: Document, db: string): Document {
    const name = collectionName(cmd, 'create');
    for (const option of [
      'capped',
      'viewOn',
      'pipeline',
      'timeseries',
      'clusteredIndex',
      'changeStreamPreAndPostImages',
      'encryptedFields',
    ]) {
      if (cmd[option] !== undefined && cmd[option] !== false)
        throw notImplemented(`create option '${option}'`);
    }
    const validator = cmd['validator'];
    if (isPlainObject(validator) && Object.keys(validator).length > 0) {
      throw notImplemented('Collection validators');
    }
    if (this.store.collection(db, name) !== undefined) {
      throw new MongoCommandError(
        ErrorCode.NamespaceExists,
        `Collection ${db}.${name} already exists.`,
      );
    }
    this.store.ensureCollection(db, name);
    return { ok: 1 };
  }

  private drop(cmd: Document, db: string): Document {
    const name = collectionName(cmd, 'drop');
    const dropped = this.store.dropCollection(db, name);
    // MongoDB 7.0 made drop idempotent: a missing collection is not an error.
    if (dropped === undefined) return { ok: 1 };
    return { nIndexesWas: dropped.indexes.size + 1, ns: dropped.ns, ok: 1 };
  }

  private listCollections(cmd: Document, db: string): Document {
    const nameOnly = cmd['nameOnly'] === true;
    let infos: Document[] = this.store.collections(db).map((c) =>
      nameOnly
        ? { name: c.name, type: 'collection' }
        : {
            name: c.name,
            type: 'collection',
            options: {},
            info: { readOnly: false, uuid: uuidBinary(c.uuid) },
            idIndex: { v: 2, key: { _id: 1 }, name: '_id_' },
          },
    );
    const filter = cmd['filter'];
    if (isPlainObject(filter) && Object.keys(filter).length > 0) {
      const test = compileFilter(checkFilter(filter));
      infos = infos.filter(test);
    }
    return this.cursors.first(`${db}.$cmd.listCollections`, infos, { batchSize: batchSizeOf(cmd) });
  }

  private listDatabases(cmd: Document): Document {
    let databases: Document[] = this.store.databaseNames().map((name) => ({
      name,
      sizeOnDisk: 0,
      empty: this.store.collections(name).every((c) => c.docs.size === 0),
    }));
    const filter = cmd['filter'];
    if (isPlainObject(filter) && Object.keys(filter).length > 0) {
      databases = databases.filter(compileFilter(checkFilter(filter)));
    }
    if (cmd['nameOnly'] === true)
      return { databases: databases.map((d) => ({ name: d['name'] as string })), ok: 1 };
    return { databases, totalSize: 0, totalSizeMb: 0, ok: 1 };
  }

  private renameCollection(cmd: Document): Document {
    const from = cmd['renameCollection'];
    const to = cmd['to'];
    if (typeof from !== 'string' || typeof to !== 'string') {
      throw new MongoCommandError(
        ErrorCode.TypeMismatch,
        'renameCollection and to must be strings',
      );
    }
    const [fromDb, fromName] = splitNs(from);
    const [toDb, toName] = splitNs(to);
    const source = this.store.collection(fromDb, fromName);
    if (source === undefined)
      throw new MongoCommandError(ErrorCode.NamespaceNotFound, 'source namespace does not exist');
    if (this.store.collection(toDb, toName) !== undefined) {
      if (cmd['dropTarget'] !== true)
        throw new MongoCommandError(ErrorCode.NamespaceExists, 'target namespace exists');
      this.store.dropCollection(toDb, toName);
    }
    const { collection: target } = this.store.ensureCollection(toDb, toName);
    for (const spec of source.listIndexes().slice(1)) target.addIndex(spec);
    for (const doc of source.docs.values()) target.insert(doc);
    this.store.dropCollection(fromDb, fromName);
    return { ok: 1 };
  }

  // ---- indexes -------------------------------------------------------------------------------

  private createIndexes(cmd: Document, db: string): Document {
    const name = collectionName(cmd, 'createIndexes');
    const raw = cmd['indexes'];
    if (!Array.isArray(raw) || raw.length === 0) {
      throw new MongoCommandError(ErrorCode.BadValue, 'Must specify at least one index to create');
    }
    const specs = (raw as unknown[]).map(normaliseIndexSpec);
    const { collection, created } = this.store.ensureCollection(db, name);
    const before = collection.indexes.size + 1;
    let added = 0;
    for (const spec of specs) {
      const existingByName = spec.name === '_id_' ? undefined : collection.indexes.get(spec.name);
      const sameKey = [...collection.indexes.values()].find(
        (i) => canonicalKey(i.spec.key) === canonicalKey(spec.key),
      );
      if (spec.name === '_id_' || canonicalKey(spec.key) === canonicalKey({ _id: 1 })) {
        if (spec['unique'] === false)
          throw new MongoCommandError(
            ErrorCode.InvalidOptions,
            "The field 'unique' is not valid for an _id index specification.",
          );
        continue;
      }
      if (existingByName !== undefined) {
        if (
          canonicalKey(existingByName.spec.key) !== canonicalKey(spec.key) ||
          !sameIndexOptions(existingByName.spec, spec)
        ) {
          throw new MongoCommandError(
            ErrorCode.IndexKeySpecsConflict,
            `An existing index has the same name as the requested index. When index names are not specified, they are auto generated and can cause conflicts. Please refer to our documentation. Requested index: ${JSON.stringify(spec)}, existing index: ${JSON.stringify(existingByName.spec)}`,
          );
        }
        continue;
      }
      if (sameKey !== undefined) {
        if (sameIndexOptions(sameKey.spec, spec)) {
          throw new MongoCommandError(
            ErrorCode.IndexOptionsConflict,
            `Index already exists with a different name: ${sameKey.name}`,
          );
        }
        throw new MongoCommandError(
          ErrorCode.IndexOptionsConflict,
          `An equivalent index already exists with the same name but different options. Requested index: ${JSON.stringify(spec)}, existing index: ${JSON.stringify(sameKey.spec)}`,
        );
      }
      collection.addIndex(spec);
      added++;
    }
    const reply: Document = {
      numIndexesBefore: before,
      numIndexesAfter: collection.indexes.size + 1,
      createdCollectionAutomatically: created,
      ok: 1,
    };
    if (added === 0) reply['note'] = 'all indexes already exist';
    return reply;
  }

  private listIndexes(cmd: Document, db: string): Document {
    const name = collectionName(cmd, 'listIndexes');
    const collection = this.requireCollection(db, name);
    return this.cursors.first(
      `${db}.${name}`,
      collection.listIndexes().map((s) => ({ ...s })),
      {
        batchSize: batchSizeOf(cmd),
      },
    );
  }

  private dropIndexes(cmd: Document, db: string): Document {
    const name = collectionName(cmd, 'dropIndexes');
    const collection = this.requireCollection(db, name);
    const before = collection.indexes.size + 1;
    const target = cmd['index'];
    const names: string[] = [];
    if (target === '*') names.push(...collection.indexes.keys());
    else if (typeof target === 'string') names.push(target);
    else if (Array.isArray(target)) names.push(...(target as unknown[]).map(String));
    else if (isPlainObject(target)) {
      const found = [...collection.indexes.values()].find(
        (i) => canonicalKey(i.spec.key) === canonicalKey(target),
      );
      if (canonicalKey(target) === canonicalKey({ _id: 1 })) names.push('_id_');
      else if (found === undefined) {
        throw new MongoCommandError(
          ErrorCode.IndexNotFound,
          `can't find index with key: ${JSON.stringify(target)}`,
        );
      } else names.push(found.name);
    } else
      throw new MongoCommandError(
        ErrorCode.TypeMismatch,
        'index must be a string, array or object',
      );
    for (const n of names) {
      if (n === '_id_')
        throw new MongoCommandError(ErrorCode.InvalidOptions, 'cannot drop _id index');
      if (!collection.indexes.has(n))
        throw new MongoCommandError(ErrorCode.IndexNotFound, `index not found with name [${n}]`);
    }
    for (const n of names) collection.dropIndex(n);
    return { nIndexesWas: before, ok: 1 };
  }

  // ---- writes --------------------------------------------------------------------------------

  private insert(cmd: Document, db: string): Document {
    const name = collectionName(cmd, 'insert');
    const documents = cmd['documents'];
    if (!Array.isArray(documents))
      throw new MongoCommandError(ErrorCode.TypeMismatch, 'documents must be an array');
    let n = 0;
    const { collection } = this.store.ensureCollection(db, name);
    const writeErrors = eachWriteStatement(cmd, documents, (raw) => {
      if (!isPlainObject(raw))
        throw new MongoCommandError(ErrorCode.TypeMismatch, 'document must be an object');
      const doc = withIdFirst(raw);
      checkStorable(doc);
      collection.insert(doc);
      n++;
    });
    return writeReply({ n }, writeErrors);
  }

  private update(cmd: Document, db: string): Document {
    const name = collectionName(cmd, 'update');
    const updates = cmd['updates'];
    if (!Array.isArray(updates))
      throw new MongoCommandError(ErrorCode.TypeMismatch, 'updates must be an array');
    let n = 0;
    let nModified = 0;
    const upserted: Document[] = [];
    const writeErrors = eachWriteStatement(cmd, updates, (raw, index) => {
      if (!isPlainObject(raw))
        throw new MongoCommandError(ErrorCode.TypeMismatch, 'update must be an object');
      checkStatementFields(raw, [
        'q',
        'u',
        'upsert',
        'multi',
        'arrayFilters',
        'collation',
        'hint',
        'c',
        'sort',
      ]);
      const result = this.updateOne(db, name, raw);
      n += result.n;
      nModified += result.modified;
      if (result.upsertedId !== undefined) upserted.push({ index, _id: result.upsertedId });
    });
    return writeReply(
      { n: n + upserted.length, nModified, ...(upserted.length > 0 ? { upserted } : {}) },
      writeErrors,
    );
  }

  private updateOne(
    db: string,
    name: string,
    statement: Document,
  ): { n: number; modified: number; upsertedId?: unknown } {
    const query = checkFilter(statement['q']);
    const spec = parseUpdate(statement['u']);
    const multi = statement['multi'] === true;
    const upsert = statement['upsert'] === true;
    const collation = checkCollation(statement['collation']);
    const arrayFilters = arrayFiltersOf(statement['arrayFilters']);
    if (multi && spec.kind === 'replacement') {
      throw new MongoCommandError(
        ErrorCode.FailedToParse,
        'multi update is not supported for replacement-style update',
      );
    }
    if (statement['sort'] !== undefined) throw notImplemented('update with sort');
    const collection = this.store.collection(db, name);
    this.checkHint(collection, statement['hint']);
    const matched =
      collection === undefined ? [] : matchIds(collection, query, collation, multi ? Infinity : 1);
    if (matched.length === 0) {
      if (!upsert) return { n: 0, modified: 0 };
      const doc = this.upsertDocument(query, spec, arrayFilters);
      this.store.ensureCollection(db, name).collection.insert(doc);
      return { n: 0, modified: 0, upsertedId: doc['_id'] };
    }
    const target = collection as Collection;
    let modified = 0;
    const now = this.now();
    for (const [id, before] of matched) {
      const after = applyUpdate(before, spec, { query, arrayFilters, isInsert: false, now });
      checkStorable(after);
      if (canonicalKey(after) !== canonicalKey(before)) {
        target.replace(id, after);
        modified++;
      }
    }
    return { n: matched.length, modified };
  }

  private upsertDocument(
    query: Document,
    spec: ReturnType<typeof parseUpdate>,
    arrayFilters: Document[] | undefined,
  ): Document {
    const seed = upsertSeed(query);
    let doc: Document;
    if (spec.kind === 'replacement') {
      doc = cloneValue(spec.doc);
      if (!('_id' in doc) && '_id' in seed) doc['_id'] = seed['_id'];
    } else {
      doc = applyUpdate(seed, spec, { query, arrayFilters, isInsert: true, now: this.now() });
    }
    doc = withIdFirst(doc);
    checkStorable(doc);
    return doc;
  }

  private delete(cmd: Document, db: string): Document {
    const name = collectionName(cmd, 'delete');
    const deletes = cmd['deletes'];
    if (!Array.isArray(deletes))
      throw new MongoCommandError(ErrorCode.TypeMismatch, 'deletes must be an array');
    let n = 0;
    const writeErrors = eachWriteStatement(cmd, deletes, (raw) => {
      if (!isPlainObject(raw))
        throw new MongoCommandError(ErrorCode.TypeMismatch, 'delete must be an object');
      checkStatementFields(raw, ['q', 'limit', 'collation', 'hint']);
      const limit = raw['limit'];
      if (limit !== 0 && limit !== 1) {
        throw new MongoCommandError(
          ErrorCode.FailedToParse,
          'The limit field in delete objects must be 0 or 1.',
        );
      }
      const query = checkFilter(raw['q']);
      const collation = checkCollation(raw['collation']);
      const collection = this.store.collection(db, name);
      this.checkHint(collection, raw['hint']);
      if (collection === undefined) return;
      for (const [id] of matchIds(collection, query, collation, limit === 1 ? 1 : Infinity)) {
        collection.remove(id);
        n++;
      }
    });
    return writeReply({ n }, writeErrors);
  }

  private findAndModify(cmd: Document, db: string): Document {
    const name = collectionName(cmd, Object.keys(cmd)[0] ?? 'findAndModify');
    const query = checkFilter(cmd['query']);
    const sort = checkSort(cmd['sort']);
    const remove = cmd['remove'] === true;
    const hasUpdate = cmd['update'] !== undefined;
    const upsert = cmd['upsert'] === true;
    const returnNew = cmd['new'] === true;
    const collation = checkCollation(cmd['collation']);
    const arrayFilters = arrayFiltersOf(cmd['arrayFilters']);
    const fields = isPlainObject(cmd['fields']) ? cmd['fields'] : undefined;
    if (remove && hasUpdate)
      throw new MongoCommandError(
        ErrorCode.FailedToParse,
        'Cannot specify both an update and remove=true',
      );
    if (!remove && !hasUpdate)
      throw new MongoCommandError(
        ErrorCode.FailedToParse,
        'Either an update or remove=true must be specified',
      );
    if (remove && (upsert || returnNew)) {
      throw new MongoCommandError(
        ErrorCode.FailedToParse,
        'Cannot specify both upsert=true and remove=true ',
      );
    }
    const spec = hasUpdate ? parseUpdate(cmd['update']) : undefined;
    const collection = this.store.collection(db, name);
    this.checkHint(collection, cmd['hint']);
    const found = runFind(collection, query, { sort, limit: 1, collation })[0];
    const foundId = found === undefined ? undefined : canonicalKey(found['_id']);
    const shape = (doc: Document | undefined): Document | null =>
      doc === undefined ? null : (project([doc], fields, query)[0] ?? null);
    if (remove) {
      if (collection === undefined || foundId === undefined)
        return { lastErrorObject: { n: 0 }, value: null, ok: 1 };
      const removed = collection.remove(foundId);
      return { lastErrorObject: { n: 1 }, value: shape(removed), ok: 1 };
    }
    if (spec === undefined) throw new MongoCommandError(ErrorCode.FailedToParse, 'missing update');
    if (found === undefined || foundId === undefined || collection === undefined) {
      if (!upsert) return { lastErrorObject: { n: 0, updatedExisting: false }, value: null, ok: 1 };
      const doc = this.upsertDocument(query, spec, arrayFilters);
      this.store.ensureCollection(db, name).collection.insert(doc);
      return {
        lastErrorObject: { n: 1, updatedExisting: false, upserted: doc['_id'] },
        value: returnNew ? shape(doc) : null,
        ok: 1,
      };
    }
    const after = applyUpdate(found, spec, {
      query,
      arrayFilters,
      isInsert: false,
      now: this.now(),
    });
    checkStorable(after);
    if (canonicalKey(after) !== canonicalKey(found)) collection.replace(foundId, after);
    return {
      lastErrorObject: { n: 1, updatedExisting: true },
      value: shape(returnNew ? after : found),
      ok: 1,
    };
  }

  // ---- reads ---------------------------------------------------------------------------------

  private find(cmd: Document, db: string): Document {
    const name = collectionName(cmd, 'find');
    for (const option of ['min', 'max', 'returnKey', 'showRecordId', 'tailable', 'awaitData']) {
      if (cmd[option] !== undefined && cmd[option] !== false)
        throw notImplemented(`find option '${option}'`);
    }
    const letVars = cmd['let'];
    if (isPlainObject(letVars) && Object.keys(letVars).length > 0)
      throw notImplemented("find option 'let'");
    const filter = checkFilter(cmd['filter']);
    const sort = checkSort(cmd['sort']);
    const collation = checkCollation(cmd['collation']);
    const skip = nonNegative(cmd['skip'], 'skip');
    const rawLimit = numberOf(cmd['limit']);
    const collection = this.store.collection(db, name);
    this.checkHint(collection, cmd['hint']);
    const limit = rawLimit === undefined || rawLimit === 0 ? undefined : Math.abs(rawLimit);
    const projection = isPlainObject(cmd['projection']) ? cmd['projection'] : undefined;
    const docs = runFind(collection, filter, { sort, skip, limit, projection, collation });
    const singleBatch = cmd['singleBatch'] === true || (rawLimit !== undefined && rawLimit < 0);
    return this.cursors.first(`${db}.${name}`, docs, {
      batchSize: batchSizeOf(cmd),
      singleBatch,
      noTimeout: cmd['noCursorTimeout'] === true,
    });
  }

  private getMore(cmd: Document, db: string): Document {
    const raw = cmd['getMore'];
    const id = typeof raw === 'number' ? raw : raw instanceof Long ? raw.toNumber() : NaN;
    if (!Number.isFinite(id))
      throw new MongoCommandError(ErrorCode.TypeMismatch, 'getMore must be a cursor id (long)');
    const collection = cmd['collection'];
    if (typeof collection !== 'string')
      throw new MongoCommandError(ErrorCode.TypeMismatch, 'collection must be a string');
    return this.cursors.more(id, `${db}.${collection}`, numberOf(cmd['batchSize']) || undefined);
  }

  private killCursors(cmd: Document): Document {
    const raw = cmd['cursors'];
    if (!Array.isArray(raw))
      throw new MongoCommandError(ErrorCode.TypeMismatch, 'cursors must be an array');
    const ids = (raw as unknown[]).map((v) => (v instanceof Long ? v.toNumber() : Number(v)));
    const { killed, notFound } = this.cursors.kill(ids);
    return {
      cursorsKilled: killed.map((n) => Long.fromNumber(n)),
      cursorsNotFound: notFound.map((n) => Long.fromNumber(n)),
      cursorsAlive: [],
      cursorsUnknown: [],
      ok: 1,
    };
  }

  private count(cmd: Document, db: string): Document {
    const name = collectionName(cmd, 'count');
    const query = checkFilter(cmd['query']);
    const collation = checkCollation(cmd['collation']);
    const skip = nonNegative(cmd['skip'], 'skip');
    const limit = Math.abs(numberOf(cmd['limit']) ?? 0);
    const collection = this.store.collection(db, name);
    this.checkHint(collection, cmd['hint']);
    if (collection === undefined) return { n: 0, ok: 1 };
    let n =
      Object.keys(query).length === 0
        ? collection.docs.size
        : matchIds(collection, query, collation).length;
    n = Math.max(0, n - skip);
    if (limit > 0) n = Math.min(n, limit);
    return { n, ok: 1 };
  }

  private distinct(cmd: Document, db: string): Document {
    const name = collectionName(cmd, 'distinct');
    const key = cmd['key'];
    if (typeof key !== 'string')
      throw new MongoCommandError(
        ErrorCode.TypeMismatch,
        "BSON field 'distinct.key' is missing but a required field",
      );
    const query = checkFilter(cmd['query']);
    const collation = checkCollation(cmd['collation']);
    const collection = this.store.collection(db, name);
    if (collection === undefined) return { values: [], ok: 1 };
    const seen = new Set<string>();
    const values: unknown[] = [];
    for (const [, doc] of matchIds(collection, query, collation)) {
      for (const v of valuesAtPath(doc, key).values) {
        if (v === undefined) continue;
        const k = canonicalKey(v);
        if (seen.has(k)) continue;
        seen.add(k);
        values.push(v);
      }
    }
    return { values, ok: 1 };
  }

  private aggregate(cmd: Document, db: string): Document {
    const target = cmd['aggregate'];
    const pipeline = cmd['pipeline'];
    if (!Array.isArray(pipeline))
      throw new MongoCommandError(
        ErrorCode.TypeMismatch,
        "'pipeline' option must be specified as an array",
      );
    if (cmd['explain'] === true) throw notImplemented('explain');
    if (!isPlainObject(cmd['cursor'])) {
      throw new MongoCommandError(
        ErrorCode.FailedToParse,
        "The 'cursor' option is required, except for aggregate with the explain argument",
      );
    }
    const letVars = cmd['let'];
    if (isPlainObject(letVars) && Object.keys(letVars).length > 0)
      throw notImplemented("aggregate option 'let'");
    const collation = checkCollation(cmd['collation']);
    const stages = checkPipeline(pipeline as unknown[]);
    let out: { db: string; coll: string } | undefined;
    const last = stages[stages.length - 1];
    if (last !== undefined && '$out' in last) {
      const spec = last['$out'];
      if (typeof spec === 'string') out = { db, coll: spec };
      else if (isPlainObject(spec) && typeof spec['coll'] === 'string') {
        out = { db: typeof spec['db'] === 'string' ? spec['db'] : db, coll: spec['coll'] };
      } else
        throw new MongoCommandError(ErrorCode.FailedToParse, '$out requires a collection name');
      stages.pop();
    }
    let input: Document[];
    let nsName: string;
    if (target === 1) {
      nsName = '$cmd.aggregate';
      if (!(stages[0] !== undefined && '$documents' in stages[0])) {
        throw new MongoCommandError(
          ErrorCode.InvalidNamespace,
          "{aggregate: 1} is not valid for '$match'; a collection is required.",
        );
      }
      input = [];
    } else if (typeof target === 'string') {
      nsName = target;
      const collection = this.store.collection(db, target);
      this.checkHint(collection, cmd['hint']);
      const first = stages[0];
      if (collection === undefined) input = [];
      else if (first !== undefined && isPlainObject(first['$match']) && collation === undefined) {
        // A leading $match uses the same index-backed path as find.
        input = matchIds(collection, first['$match']).map(([, d]) => d);
        stages.shift();
      } else input = [...collection.docs.values()];
    } else
      throw new MongoCommandError(
        ErrorCode.TypeMismatch,
        'aggregate must be a collection name or 1',
      );
    let results: Document[];
    try {
      const aggregator = new Aggregator(replaceNow(stages, this.now()) as Document[], {
        processingMode: ProcessingMode.CLONE_INPUT,
        collectionResolver: (name: string) =>
          [...(this.store.collection(db, name)?.docs.values() ?? [])].map(cloneValue),
        ...(collation === undefined ? {} : { collation }),
      });
      results = aggregator.run<Document>(input);
    } catch (error) {
      throw toCommandError(error);
    }
    if (out !== undefined) {
      this.writeOut(out.db, out.coll, results);
      results = [];
    }
    const batchSize = isPlainObject(cmd['cursor'])
      ? numberOf(cmd['cursor']['batchSize'])
      : undefined;
    return this.cursors.first(`${db}.${nsName}`, results, { batchSize });
  }

  /** `$out`: replaces the target's documents, keeping its indexes; all or nothing. */
  private writeOut(db: string, name: string, results: Document[]): void {
    const { collection } = this.store.ensureCollection(db, name);
    const previous = [...collection.docs.entries()];
    for (const [id] of previous) collection.remove(id);
    try {
      for (const doc of results) collection.insert(withIdFirst(doc));
    } catch (error) {
      for (const id of [...collection.docs.keys()]) collection.remove(id);
      for (const [, doc] of previous) collection.insert(doc);
      throw error;
    }
  }

  // ---- helpers -------------------------------------------------------------------------------

  private requireCollection(db: string, name: string): Collection {
    const collection = this.store.collection(db, name);
    if (collection === undefined)
      throw new MongoCommandError(ErrorCode.NamespaceNotFound, `ns does not exist: ${db}.${name}`);
    return collection;
  }

  private checkHint(collection: Collection | undefined, hint: unknown): void {
    if (hint === undefined || collection === undefined) return;
    const specs = collection.listIndexes();
    const ok =
      (typeof hint === 'string' && specs.some((s) => s.name === hint)) ||
      (isPlainObject(hint) &&
        (Object.keys(hint).length === 0 ||
          '$natural' in hint ||
          specs.some((s) => canonicalKey(s.key) === canonicalKey(hint))));
    if (!ok) {
      throw new MongoCommandError(
        ErrorCode.BadValue,
        'error processing query: planner returned error :: caused by :: hint provided does not correspond to an existing index',
      );
    }
  }

  /** Runs the TTL monitor once: deletes expired documents, returns how many. */
  runTtl(): number {
    const now = this.clock.now();
    let removed = 0;
    for (const collection of this.store.allCollections()) {
      for (const index of collection.indexes.values()) {
        const seconds = index.spec['expireAfterSeconds'];
        if (typeof seconds !== 'number' || index.fields.length !== 1) continue;
        const field = index.fields[0] ?? '';
        for (const [id, doc] of [...collection.docs.entries()]) {
          const dates = valuesAtPath(doc, field).values.filter((v): v is Date => v instanceof Date);
          if (dates.length === 0) continue;
          const earliest = Math.min(...dates.map((d) => d.getTime()));
          if (earliest + seconds * 1000 <= now) {
            this.transactions.outsideTransactions(() => collection.remove(id));
            removed++;
          }
        }
      }
    }
    return removed;
  }
}

function collectionName(cmd: Document, command: string): string {
  const name = cmd[command];
  if (typeof name !== 'string' || name.length === 0) {
    throw new MongoCommandError(
      ErrorCode.InvalidNamespace,
      `collection name has invalid type ${typeof name}`,
    );
  }
  return name;
}

function splitNs(ns: string): [string, string] {
  const dot = ns.indexOf('.');
  if (dot <= 0)
    throw new MongoCommandError(ErrorCode.InvalidNamespace, `Invalid namespace specified '${ns}'`);
  return [ns.slice(0, dot), ns.slice(dot + 1)];
}

function checkFields(name: string, cmd: Document): void {
  const allowed = commandFields[name];
  if (allowed === undefined) return;
  for (const field of Object.keys(cmd)) {
    if (field === name || genericFields.has(field) || allowed.includes(field)) continue;
    throw new MongoCommandError(
      ErrorCode.UnknownBsonField,
      `BSON field '${name}.${field}' is an unknown field.`,
    );
  }
}

function checkStatementFields(statement: Document, allowed: string[]): void {
  for (const field of Object.keys(statement)) {
    if (!allowed.includes(field)) {
      throw new MongoCommandError(
        ErrorCode.UnknownBsonField,
        `BSON field '${field}' is an unknown field.`,
      );
    }
  }
}

function numberOf(value: unknown): number | undefined {
  if (typeof value === 'number') return value;
  if (value instanceof Long) return value.toNumber();
  return undefined;
}

function nonNegative(value: unknown, field: string): number {
  const n = numberOf(value) ?? 0;
  if (n < 0)
    throw new MongoCommandError(
      51024,
      `BSON field '${field}' value must be >= 0, actual value '${n}'`,
    );
  return n;
}

function batchSizeOf(cmd: Document): number | undefined {
  const cursor = cmd['cursor'];
  const fromCursor = isPlainObject(cursor) ? numberOf(cursor['batchSize']) : undefined;
  const size = fromCursor ?? numberOf(cmd['batchSize']);
  if (size !== undefined && size < 0) {
    throw new MongoCommandError(
      51024,
      `BSON field 'batchSize' value must be >= 0, actual value '${size}'`,
    );
  }
  return size;
}

function arrayFiltersOf(value: unknown): Document[] | undefined {
  if (value === undefined) return undefined;
  if (!Array.isArray(value) || !(value as unknown[]).every(isPlainObject)) {
    throw new MongoCommandError(ErrorCode.TypeMismatch, 'arrayFilters must be an array of objects');
  }
  return value as Document[];
}

function writeError(index: number, error: unknown): Document {
  const e = toCommandError(error);
  return { index, code: e.code, errmsg: e.message, ...e.extra };
}

/** Rejects values the server would never store. */
function checkStorable(doc: Document): void {
  const id: unknown = doc['_id'];
  if (Array.isArray(id))
    throw new MongoCommandError(ErrorCode.BadValue, "can't use an array for _id");
  if (id instanceof RegExp)
    throw new MongoCommandError(ErrorCode.BadValue, "can't use a regex for _id");
  if (id === undefined)
    throw new MongoCommandError(ErrorCode.BadValue, "can't use undefined for _id");
  for (const key of Object.keys(doc)) {
    if (key.startsWith('$')) {
      throw new MongoCommandError(
        ErrorCode.BadValue,
        `Document can't have $ prefixed field names: ${key}`,
      );
    }
  }
}

const unsupportedStages = new Map<string, string>([
  ['$changeStream', 'The $changeStream stage (change streams)'],
  ['$geoNear', 'The $geoNear stage'],
  ['$search', 'The $search stage'],
  ['$searchMeta', 'The $searchMeta stage'],
  ['$vectorSearch', 'The $vectorSearch stage'],
  ['$merge', 'The $merge stage'],
  ['$listSessions', 'The $listSessions stage'],
  ['$listLocalSessions', 'The $listLocalSessions stage'],
  ['$currentOp', 'The $currentOp stage'],
  ['$collStats', 'The $collStats stage'],
  ['$indexStats', 'The $indexStats stage'],
  ['$planCacheStats', 'The $planCacheStats stage'],
  ['$listSearchIndexes', 'The $listSearchIndexes stage'],
  ['$function', 'The $function operator (server-side JavaScript)'],
  ['$accumulator', 'The $accumulator operator (server-side JavaScript)'],
]);

function checkPipeline(pipeline: unknown[]): Document[] {
  const stages: Document[] = [];
  for (const stage of pipeline) {
    if (!isPlainObject(stage) || Object.keys(stage).length !== 1) {
      throw new MongoCommandError(
        40323,
        'A pipeline stage specification object must contain exactly one field.',
      );
    }
    stages.push(stage);
  }
  const walk = (node: unknown): void => {
    if (Array.isArray(node)) {
      for (const n of node) walk(n);
      return;
    }
    if (!isPlainObject(node)) return;
    for (const [key, value] of Object.entries(node)) {
      const reason = unsupportedStages.get(key);
      if (reason !== undefined) throw notImplemented(reason);
      if (key === '$match') checkFilter(value);
      if (key === '$out' && node !== pipeline[pipeline.length - 1]) {
        throw new MongoCommandError(40601, '$out can only be the final stage in the pipeline');
      }
      walk(value);
    }
  };
  walk(stages);
  return stages;
}

function uuidBinary(uuid: string): UUID {
  return new UUID(uuid);
}

/**
 * Runs one write command's statements the way MongoDB does: each failure becomes a write error
 * with its index; an ordered batch stops at the first one, an unordered batch goes on.
 */
function eachWriteStatement(
  cmd: Document,
  statements: unknown[],
  apply: (raw: unknown, index: number) => void,
): Document[] {
  const ordered = cmd['ordered'] !== false;
  const writeErrors: Document[] = [];
  statements.forEach((raw, index) => {
    if (ordered && writeErrors.length > 0) return;
    try {
      apply(raw, index);
    } catch (error) {
      writeErrors.push(writeError(index, error));
    }
  });
  return writeErrors;
}

/** The reply of a write command: its counts, `ok`, and the write errors if any. */
function writeReply(counts: Document, writeErrors: readonly Document[]): Document {
  return { ...counts, ok: 1, ...(writeErrors.length > 0 ? { writeErrors } : {}) };
}
