// In-process API of the embedded MongoDB-wire-compatible server (dev mode and tests only).
import { adjustableClock, systemClock, type AdjustableClock, type Clock } from './clock.js';
import { CommandProcessor } from './commands.js';
import { DEFAULT_WIRE_LIMITS, WireServer, type WireLimits, type WireLogger } from './server.js';
import { fileSnapshotStore } from './snapshot.js';
import type { SnapshotStore } from './storage.js';

export type { AdjustableClock, Clock } from './clock.js';
export type { WireLogger } from './server.js';

export interface EmbeddedMongoOptions {
  /** 0 (the default) picks a free port. */
  port?: number;
  /** Base time source; the returned clock adds whatever tests `advance()`. */
  clock?: Clock;
  /** Dev mode only: load from and persist to this file. Tests leave it unset (memory only). */
  snapshotPath?: string;
  /** How often the TTL monitor runs; mongod uses 60 s. */
  ttlSweepMs?: number;
  /** Debounce for snapshot writes after changes. */
  snapshotDebounceMs?: number;
  /** A connection whose started frame is still incomplete after this long is closed (default 30 s). */
  partialFrameTimeoutMs?: number;
  /**
   * Bytes that the incomplete frames of all connections may announce together (default 128 MiB);
   * a connection whose new incomplete frame would go past it is closed.
   */
  maxPartialFrameBytes?: number;
  logger?: WireLogger;
}

export interface EmbeddedMongo {
  /** `mongodb://127.0.0.1:<port>/` */
  uri: string;
  port: number;
  clock: AdjustableClock;
  /** Runs the TTL monitor now; returns how many documents it removed. */
  runTtl(): number;
  /** Stops listening, drops every connection, cursor and timer; writes a final snapshot. */
  close(): Promise<void>;
}

function positiveInteger(name: string, value: number | undefined, fallback: number): number {
  if (value === undefined) return fallback;
  if (!Number.isSafeInteger(value) || value <= 0) {
    throw new RangeError(
      `embedded-mongo: ${name} must be a positive integer, got ${String(value)}`,
    );
  }
  return value;
}

export async function startEmbeddedMongo(
  options: EmbeddedMongoOptions = {},
): Promise<EmbeddedMongo> {
  const limits: WireLimits = {
    partialFrameTimeoutMs: positiveInteger(
      'partialFrameTimeoutMs',
      options.partialFrameTimeoutMs,
      DEFAULT_WIRE_LIMITS.partialFrameTimeoutMs,
    ),
    maxPartialFrameBytes: positiveInteger(
      'maxPartialFrameBytes',
      options.maxPartialFrameBytes,
      DEFAULT_WIRE_LIMITS.maxPartialFrameBytes,
    ),
  };
  const clock = adjustableClock(options.clock ?? systemClock);
  const snapshots: SnapshotStore | undefined =
    options.snapshotPath === undefined ? undefined : fileSnapshotStore(options.snapshotPath);
  const debounceMs = options.snapshotDebounceMs ?? 250;
  let dirty = false;
  let loading = true;
  let snapshotTimer: NodeJS.Timeout | undefined;

  const flush = (): void => {
    if (snapshotTimer !== undefined) clearTimeout(snapshotTimer);
    snapshotTimer = undefined;
    if (!dirty || snapshots === undefined) return;
    dirty = false;
    try {
      snapshots.save(processor.store.snapshot());
    } catch (error) {
      options.logger?.warn?.(`embedded-mongo: snapshot write failed: ${String(error)}`);
    }
  };

  const processor = new CommandProcessor(clock, {
    changed: () => {
      if (snapshots === undefined || loading) return;
      dirty = true;
      if (snapshotTimer !== undefined) return;
      snapshotTimer = setTimeout(flush, debounceMs);
      snapshotTimer.unref();
    },
  });
  const loaded = snapshots?.load();
  if (loaded !== undefined) processor.store.load(loaded);
  loading = false;

  const server = new WireServer(processor, options.logger, limits);
  const port = await server.listen(options.port ?? 0);

  const sweep = (): number => processor.runTtl();
  const sweeper = setInterval(() => {
    sweep();
    processor.cursors.expire();
  }, options.ttlSweepMs ?? 60_000);
  sweeper.unref();

  let closed: Promise<void> | undefined;
  return {
    uri: `mongodb://127.0.0.1:${port}/`,
    port,
    clock,
    runTtl: sweep,
    close: () => {
      closed ??= (async () => {
        clearInterval(sweeper);
        await server.close();
        processor.cursors.clear();
        flush();
      })();
      return closed;
    },
  };
}
