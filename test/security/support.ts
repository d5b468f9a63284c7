/**
 * Shared by the attack regression tests (test/security): Pathwise composed for real on a fresh
 * test database with chosen rate limits (test/support/pathwise.ts uses config/test.json's, which
 * are raised so ordinary tests never meet the limiter), a logger whose lines the test can read,
 * and a hostile HTTP server on 127.0.0.1 that streams bodies without end.
 *
 * Every hostile stream is bounded (bytes and seconds) and stops by itself when the client goes.
 */
import { Writable } from 'node:stream';
import { runInNewContext } from 'node:vm';
import { setFlagsFromString } from 'node:v8';
import { createGzip } from 'node:zlib';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { pino } from 'pino';
import { composeApplication, type Application } from '../../src/composition.js';
import type { Config } from '../../src/infra/config.js';
import { openDatabase, type Database } from '../../src/infra/db.js';
import type { Logger } from '../../src/infra/logger.js';
import type { Clock } from '../../src/shared/clock.js';
import { testConfig } from '../support/app.js';
import { openTestDatabase, type TestDatabase } from '../support/database.js';
import { startServer, type RunningServer } from '../support/platform/http.js';

export const TEST_ENCRYPTION_KEY = 'test-only-encryption-key-0123456789abcdef';

/** A pino logger that keeps every line as an object. */
export function capturingLogger(): {
  readonly logger: Logger;
  readonly lines: Record<string, unknown>[];
} {
  const lines: Record<string, unknown>[] = [];
  const sink = new Writable({
    write(chunk: Buffer, _encoding, done) {
      for (const line of chunk.toString('utf8').split('\n')) {
        if (line.trim() !== '') lines.push(JSON.parse(line) as Record<string, unknown>);
      }
      done();
    },
  });
  return { logger: pino({ level: 'info' }, sink), lines };
}

export interface GuardedPathwise {
  readonly url: string;
  readonly config: Config;
  readonly application: Application;
  readonly database: Database;
  readonly testDatabase: TestDatabase;
  close(): Promise<void>;
}

/** Pathwise on 127.0.0.1:<free port> with `rateLimits` replacing config/test.json's. */
export async function startGuardedPathwise(
  options: {
    readonly rateLimits?: Config['rateLimits'];
    readonly trustProxy?: number;
    readonly env?: Record<string, string>;
    readonly clock?: Clock;
    readonly logger?: Logger;
    /** Share another instance's database (a second instance behind the same load balancer). */
    readonly testDatabase?: TestDatabase;
  } = {},
): Promise<GuardedPathwise> {
  const ownDatabase = options.testDatabase === undefined;
  const testDatabase = options.testDatabase ?? (await openTestDatabase());
  const target: { handler?: (req: IncomingMessage, res: ServerResponse) => void } = {};
  const server: RunningServer = await startServer((req, res) => {
    if (target.handler === undefined) {
      res.statusCode = 503;
      res.end();
      return;
    }
    target.handler(req, res);
  });
  const base = testConfig({
    MONGODB_URI: testDatabase.uri,
    PUBLIC_URL: server.url,
    ...options.env,
  });
  const config: Config = Object.freeze({
    ...base,
    ...(options.rateLimits === undefined ? {} : { rateLimits: options.rateLimits }),
    ...(options.trustProxy === undefined ? {} : { trustProxy: options.trustProxy }),
  });
  const logger = options.logger ?? pino({ level: 'silent' });
  const database = await openDatabase(testDatabase.uri, logger);
  const application = await composeApplication({
    config,
    logger,
    database,
    encryptionKey: TEST_ENCRYPTION_KEY,
    ...(options.clock === undefined ? {} : { clock: options.clock }),
  });
  target.handler = application.app;
  return {
    url: server.url,
    config,
    application,
    database,
    testDatabase,
    close: async () => {
      await server.close();
      await application.close();
      await database.close();
      if (ownDatabase) await testDatabase.close();
    },
  };
}

/** What a hostile response did: bytes it managed to write and whether the client hung up. */
export interface StreamRecord {
  written: number;
  clientClosed: boolean;
  finished: Promise<void>;
}

export interface HostileStreamOptions {
  readonly status?: number;
  readonly headers?: Readonly<Record<string, string>>;
  /** Gzip the endless stream of zeros (a decompression bomb). */
  readonly gzip?: boolean;
  /** First bytes of the body (e.g. the start of a JSON document). */
  readonly prefix?: string;
  /** Text repeated without end after the prefix (default: spaces). */
  readonly pattern?: string;
  /** Stop on our own after this many bytes (default 512 MB) or seconds (default 15). */
  readonly maxBytes?: number;
  readonly maxSeconds?: number;
}

const SPACES = Buffer.alloc(64 * 1024, 0x20);

/**
 * Writes an endless body (spaces after `prefix`, or gzip of zeros) until the client closes the
 * connection or the bounds are reached, honouring backpressure.
 */
export function streamEndlessly(
  res: ServerResponse,
  options: HostileStreamOptions = {},
): StreamRecord {
  const maxBytes = options.maxBytes ?? 512 * 1024 * 1024;
  const deadline = Date.now() + (options.maxSeconds ?? 15) * 1000;
  const record: StreamRecord = { written: 0, clientClosed: false, finished: Promise.resolve() };
  res.statusCode = options.status ?? 200;
  for (const [name, value] of Object.entries(options.headers ?? {})) res.setHeader(name, value);
  let stopped = false;
  record.finished = new Promise<void>((resolve) => {
    res.on('close', () => {
      record.clientClosed = !res.writableFinished;
      stopped = true;
      resolve();
    });
  });
  const sink: NodeJS.WritableStream = res;
  let out: NodeJS.WritableStream = sink;
  if (options.gzip === true) {
    res.setHeader('Content-Encoding', 'gzip');
    const gzip = createGzip();
    gzip.pipe(res);
    out = gzip;
  }
  const zeros = Buffer.alloc(1024 * 1024, 0);
  const repeated =
    options.pattern === undefined
      ? SPACES
      : Buffer.from(
          options.pattern.repeat(Math.max(1, Math.floor(65_536 / options.pattern.length))),
        );
  const pump = (): void => {
    while (!stopped) {
      if (record.written >= maxBytes || Date.now() > deadline) {
        stopped = true;
        out.end();
        return;
      }
      const chunk = options.gzip === true ? zeros : repeated;
      record.written += chunk.byteLength;
      if (!out.write(chunk)) {
        out.once('drain', pump);
        return;
      }
    }
  };
  if (options.prefix !== undefined) {
    record.written += Buffer.byteLength(options.prefix);
    out.write(options.prefix);
  }
  setImmediate(pump);
  return record;
}

let collect: (() => void) | undefined;
/** A full garbage collection (V8 flag switched on at run time), for stable memory baselines. */
export function collectGarbage(): void {
  if (collect === undefined) {
    setFlagsFromString('--expose-gc');
    collect = runInNewContext('gc') as () => void;
  }
  collect();
  collect();
}

/** Peak RSS and heap while `work` runs, relative to a collected baseline, in MB. */
export async function measureGrowth<T>(
  work: () => Promise<T>,
): Promise<{ result: T; rssMb: number; heapMb: number; elapsedMs: number }> {
  collectGarbage();
  const before = process.memoryUsage();
  let peakRss = before.rss;
  let peakHeap = before.heapUsed;
  const sampler = setInterval(() => {
    const now = process.memoryUsage();
    peakRss = Math.max(peakRss, now.rss);
    peakHeap = Math.max(peakHeap, now.heapUsed);
  }, 5);
  const started = Date.now();
  try {
    const result = await work();
    const elapsedMs = Date.now() - started;
    const after = process.memoryUsage();
    peakRss = Math.max(peakRss, after.rss);
    peakHeap = Math.max(peakHeap, after.heapUsed);
    const mb = (bytes: number): number => bytes / (1024 * 1024);
    return {
      result,
      rssMb: mb(peakRss - before.rss),
      heapMb: mb(peakHeap - before.heapUsed),
      elapsedMs,
    };
  } finally {
    clearInterval(sampler);
  }
}
