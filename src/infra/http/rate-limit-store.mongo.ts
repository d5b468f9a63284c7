/**
 * express-rate-limit Store on our own MongoDB connection (CONVENTIONS §H.13), so every instance
 * behind the load balancer counts the same hits: one document per (limiter, client key) in
 * `pw_rate_limits`, `{ _id: "<prefix><key>", hits, resetAt }`, removed by a TTL index once its
 * window has ended.
 *
 * Why not the `rate-limit-mongo` package: its 2.3.2 depends on the mongodb 3.x driver (a second,
 * old driver in the tree), opens its own connection from a URI, uses the legacy callback Store
 * API, and its `collection` option calls driver-3 signatures (`returnOriginal`, `{ value }`
 * results) that the mongodb 6 driver under mongoose 8 no longer has. The Store interface is five
 * small methods, written here against the connection the app already holds.
 *
 * Counting is a fixed window per key, atomic on the server: an ended window is reset first
 * (conditional update), then `$inc` with upsert. Two instances racing on a new key both upsert;
 * the loser gets a duplicate-key error and retries once as a plain increment. The TTL monitor
 * runs about once a minute, so the reset step, not the TTL, decides when a window ends.
 */
import type { Connection } from 'mongoose';
import type { ClientRateLimitInfo, Options, Store } from 'express-rate-limit';
import { systemClock, type Clock } from '../../shared/clock.js';
import { isDuplicateKeyError } from '../mongo-errors.js';

export const RATE_LIMIT_COLLECTION = 'pw_rate_limits';

interface RateLimitDocument {
  _id: string;
  hits: number;
  resetAt: Date;
}

export interface MongoRateLimitStoreOptions {
  /** Distinguishes limiters sharing the collection, e.g. "login:" and "register:". */
  readonly prefix: string;
  readonly clock?: Clock;
}

/** The collection's TTL index; call once at start-up (composition does). */
export async function ensureRateLimitIndexes(connection: Connection): Promise<void> {
  await connection
    .collection<RateLimitDocument>(RATE_LIMIT_COLLECTION)
    .createIndex({ resetAt: 1 }, { expireAfterSeconds: 0 });
}

const escapeRegExp = (text: string): string => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

export class MongoRateLimitStore implements Store {
  readonly prefix: string;
  /** Hits are shared by every instance using the same database. */
  readonly localKeys = false;
  readonly #collection;
  readonly #clock: Clock;
  #windowMs = 60_000;

  constructor(connection: Connection, options: MongoRateLimitStoreOptions) {
    this.prefix = options.prefix;
    this.#clock = options.clock ?? systemClock;
    this.#collection = connection.collection<RateLimitDocument>(RATE_LIMIT_COLLECTION);
  }

  init(options: Options): void {
    this.#windowMs = options.windowMs;
  }

  async get(key: string): Promise<ClientRateLimitInfo | undefined> {
    const doc = await this.#collection.findOne({ _id: this.prefix + key });
    if (doc === null || doc.resetAt.getTime() <= this.#clock.now().getTime()) return undefined;
    return { totalHits: doc.hits, resetTime: doc.resetAt };
  }

  async increment(key: string): Promise<ClientRateLimitInfo> {
    const id = this.prefix + key;
    const now = this.#clock.now();
    const resetAt = new Date(now.getTime() + this.#windowMs);
    // A window that has ended starts again (the TTL may not have removed it yet).
    await this.#collection.updateOne(
      { _id: id, resetAt: { $lte: now } },
      { $set: { hits: 0, resetAt } },
    );
    for (let attempt = 0; ; attempt += 1) {
      try {
        const doc = await this.#collection.findOneAndUpdate(
          { _id: id },
          { $inc: { hits: 1 }, $setOnInsert: { resetAt } },
          { upsert: true, returnDocument: 'after' },
        );
        if (doc === null) throw new Error(`rate limit counter ${id} was not written`);
        return { totalHits: doc.hits, resetTime: doc.resetAt };
      } catch (error) {
        // Another instance inserted the same new key first: increment theirs.
        if (attempt > 0 || !isDuplicateKeyError(error)) throw error;
      }
    }
  }

  async decrement(key: string): Promise<void> {
    await this.#collection.updateOne(
      { _id: this.prefix + key, hits: { $gt: 0 } },
      { $inc: { hits: -1 } },
    );
  }

  async resetKey(key: string): Promise<void> {
    await this.#collection.deleteOne({ _id: this.prefix + key });
  }

  async resetAll(): Promise<void> {
    await this.#collection.deleteMany({
      _id: { $regex: `^${escapeRegExp(this.prefix)}` },
    });
  }
}
