// Multi-document transactions with an undo log. There is NO isolation: other sessions see
// uncommitted writes, and there is no write-conflict detection (code 112). Commit drops the log;
// abort (or any failed statement) replays it backwards.
import { Binary, Long } from 'bson';
import type { Document } from './values.js';
import { ErrorCode, MongoCommandError } from './errors.js';
import type { Collection, Store } from './storage.js';
import { isPlainObject } from './values.js';

type UndoEntry =
  | { kind: 'document'; collection: Collection; id: string; before: Document | undefined }
  | { kind: 'create'; collection: Collection };

interface Transaction {
  txnNumber: number;
  state: 'active' | 'committed' | 'aborted';
  undo: UndoEntry[];
}

const transient = ['TransientTransactionError'];

export class Transactions {
  private readonly store: Store;
  private readonly bySession = new Map<string, Transaction>();
  private current: Transaction | undefined;

  constructor(store: Store) {
    this.store = store;
  }

  recordDocument(collection: Collection, id: string, before: Document | undefined): void {
    this.current?.undo.push({ kind: 'document', collection, id, before });
  }

  recordCreation(collection: Collection): void {
    this.current?.undo.push({ kind: 'create', collection });
  }

  /** Runs `fn` with no transaction attached (the TTL monitor is not part of anyone's transaction). */
  outsideTransactions<T>(fn: () => T): T {
    const saved = this.current;
    this.current = undefined;
    try {
      return fn();
    } finally {
      this.current = saved;
    }
  }

  /** Runs one command, attaching it to its session's transaction when it carries `autocommit: false`. */
  runStatement(cmd: Document, fn: () => Document): Document {
    if (cmd['autocommit'] !== false) return fn();
    const session = sessionKey(cmd['lsid']);
    const txnNumber = txnNumberOf(cmd['txnNumber']);
    if (session === undefined || txnNumber === undefined) {
      throw new MongoCommandError(
        ErrorCode.InvalidOptions,
        'a transaction statement needs lsid and txnNumber',
      );
    }
    let txn = this.bySession.get(session);
    if (cmd['startTransaction'] === true) {
      if (txn !== undefined && txn.state === 'active') this.rollback(txn);
      txn = { txnNumber, state: 'active', undo: [] };
      this.bySession.set(session, txn);
    } else if (txn === undefined || txn.txnNumber !== txnNumber || txn.state !== 'active') {
      throw noSuchTransaction(txnNumber);
    }
    this.current = txn;
    try {
      const reply = fn();
      // A failed statement aborts the whole transaction, as on a real server.
      if (reply['ok'] !== 1 || Array.isArray(reply['writeErrors'])) this.rollback(txn);
      return reply;
    } catch (error) {
      this.rollback(txn);
      throw error;
    } finally {
      this.current = undefined;
    }
  }

  commit(cmd: Document): Document {
    const txn = this.lookup(cmd);
    if (txn.state === 'aborted') throw noSuchTransaction(txn.txnNumber);
    txn.state = 'committed';
    txn.undo = [];
    return { ok: 1 };
  }

  abort(cmd: Document): Document {
    const txn = this.lookup(cmd);
    if (txn.state === 'committed') {
      throw new MongoCommandError(ErrorCode.TransactionCommitted, 'Transaction has been committed');
    }
    if (txn.state === 'aborted') throw noSuchTransaction(txn.txnNumber);
    this.rollback(txn);
    return { ok: 1 };
  }

  endSession(lsid: unknown): void {
    const key = sessionKey(lsid);
    if (key === undefined) return;
    const txn = this.bySession.get(key);
    if (txn?.state === 'active') this.rollback(txn);
    this.bySession.delete(key);
  }

  private lookup(cmd: Document): Transaction {
    const session = sessionKey(cmd['lsid']);
    const txnNumber = txnNumberOf(cmd['txnNumber']);
    const txn = session === undefined ? undefined : this.bySession.get(session);
    if (txn === undefined || txnNumber === undefined || txn.txnNumber !== txnNumber) {
      throw noSuchTransaction(txnNumber ?? 0);
    }
    return txn;
  }

  private rollback(txn: Transaction): void {
    const saved = this.current;
    this.current = undefined;
    try {
      for (const entry of txn.undo.reverse()) {
        if (entry.kind === 'document') entry.collection.restoreRaw(entry.id, entry.before);
        else if (
          this.store.collection(entry.collection.db, entry.collection.name) === entry.collection
        ) {
          this.store.dropCollection(entry.collection.db, entry.collection.name);
        }
      }
    } finally {
      this.current = saved;
    }
    txn.undo = [];
    txn.state = 'aborted';
  }
}

function noSuchTransaction(txnNumber: number): MongoCommandError {
  return new MongoCommandError(
    ErrorCode.NoSuchTransaction,
    `Transaction with { txnNumber: ${txnNumber} } has been aborted.`,
    {},
    transient,
  );
}

function sessionKey(lsid: unknown): string | undefined {
  if (!isPlainObject(lsid)) return undefined;
  const id = lsid['id'];
  if (id instanceof Binary) return id.toString('hex');
  return undefined;
}

function txnNumberOf(value: unknown): number | undefined {
  if (typeof value === 'number') return value;
  if (value instanceof Long) return value.toNumber();
  return undefined;
}
