// Server-side cursors: results are materialised at open time and handed out in batches capped at
// 16 MB; idle cursors time out after 10 minutes like mongod's default.
import { Long, calculateObjectSize } from 'bson';
import type { Document } from './values.js';
import type { Clock } from './clock.js';
import { ErrorCode, MongoCommandError } from './errors.js';

export const MAX_BATCH_BYTES = 16 * 1024 * 1024;
export const CURSOR_TIMEOUT_MS = 10 * 60 * 1000;
const DEFAULT_FIRST_BATCH = 101;

interface OpenCursor {
  ns: string;
  docs: Document[];
  position: number;
  lastUsed: number;
  noTimeout: boolean;
}

export type CursorReply = Document & {
  cursor: { firstBatch?: Document[]; nextBatch?: Document[]; id: Long; ns: string };
  ok: 1;
};

export class CursorRegistry {
  private readonly open = new Map<number, OpenCursor>();
  private nextId = 1;
  private readonly clock: Clock;

  constructor(clock: Clock) {
    this.clock = clock;
  }

  get size(): number {
    return this.open.size;
  }

  /** Replies with the first batch and keeps a cursor only when documents remain. */
  first(
    ns: string,
    docs: Document[],
    options: { batchSize?: number | undefined; singleBatch?: boolean; noTimeout?: boolean },
  ): CursorReply {
    const requested = options.batchSize ?? DEFAULT_FIRST_BATCH;
    const { batch, next } = takeBatch(docs, 0, requested === 0 ? 0 : requested);
    let id = 0;
    if (next < docs.length && options.singleBatch !== true) {
      id = this.nextId++;
      this.open.set(id, {
        ns,
        docs,
        position: next,
        lastUsed: this.clock.now(),
        noTimeout: options.noTimeout === true,
      });
    }
    return { cursor: { firstBatch: batch, id: Long.fromNumber(id), ns }, ok: 1 };
  }

  more(id: number, ns: string, batchSize: number | undefined): CursorReply {
    // Expiry is also checked here so a timed-out cursor is gone even before the sweeper runs.
    this.expire();
    const cursor = this.open.get(id);
    if (cursor === undefined) {
      throw new MongoCommandError(ErrorCode.CursorNotFound, `cursor id ${id} not found`);
    }
    if (cursor.ns !== ns) {
      throw new MongoCommandError(
        13,
        `Requested getMore on namespace '${ns}', but cursor belongs to a different namespace ${cursor.ns}`,
      );
    }
    const { batch, next } = takeBatch(cursor.docs, cursor.position, batchSize ?? Infinity);
    cursor.position = next;
    cursor.lastUsed = this.clock.now();
    let replyId = id;
    if (next >= cursor.docs.length) {
      this.open.delete(id);
      replyId = 0;
    }
    return { cursor: { nextBatch: batch, id: Long.fromNumber(replyId), ns }, ok: 1 };
  }

  kill(ids: number[]): { killed: number[]; notFound: number[] } {
    const killed: number[] = [];
    const notFound: number[] = [];
    for (const id of ids) {
      if (this.open.delete(id)) killed.push(id);
      else notFound.push(id);
    }
    return { killed, notFound };
  }

  /** Drops cursors idle for longer than the timeout; returns how many. */
  expire(): number {
    const now = this.clock.now();
    let removed = 0;
    for (const [id, cursor] of this.open) {
      if (!cursor.noTimeout && now - cursor.lastUsed >= CURSOR_TIMEOUT_MS) {
        this.open.delete(id);
        removed++;
      }
    }
    return removed;
  }

  clear(): void {
    this.open.clear();
  }
}

function takeBatch(
  docs: Document[],
  start: number,
  count: number,
): { batch: Document[]; next: number } {
  const batch: Document[] = [];
  let bytes = 0;
  let i = start;
  while (i < docs.length && batch.length < count) {
    const doc = docs[i];
    if (doc === undefined) break;
    const size = calculateObjectSize(doc, { ignoreUndefined: true });
    // Always make progress, even with one oversized document.
    if (batch.length > 0 && bytes + size > MAX_BATCH_BYTES) break;
    batch.push(doc);
    bytes += size;
    i++;
  }
  return { batch, next: i };
}
