// Database micro-benchmark through the real driver (mongoose.mongo): embedded server, and a real
// MongoDB too when MONGODB_URI is set. Sequential operations; prints ops/s per target.
import { randomBytes } from 'node:crypto';
import mongoose from 'mongoose';
import { startEmbeddedMongo } from '../src/dev/embedded-mongo/index.js';

const SCAN_DOCS = 10_000;
const TARGET_MS = 2_000;

interface Row {
  target: string;
  operation: string;
  ops: number;
  opsPerSecond: number;
}

async function measure(
  target: string,
  operation: string,
  op: (i: number) => Promise<unknown>,
): Promise<Row> {
  for (let i = 0; i < 50; i++) await op(-1 - i); // warm-up
  const start = performance.now();
  let ops = 0;
  while (performance.now() - start < TARGET_MS) {
    await op(ops);
    ops++;
  }
  const seconds = (performance.now() - start) / 1000;
  return { target, operation, ops, opsPerSecond: Math.round(ops / seconds) };
}

async function benchTarget(target: string, baseUri: string): Promise<Row[]> {
  const dbName = `pw_bench_${randomBytes(4).toString('hex')}`;
  const client = new mongoose.mongo.MongoClient(baseUri);
  await client.connect();
  const db = client.db(dbName);
  try {
    const docs = db.collection<{ key: number; n: number; group: number; label: string }>(
      'bench_docs',
    );
    await docs.createIndex({ key: 1 }, { unique: true });
    const rows: Row[] = [];
    let nextKey = 1_000_000;
    rows.push(
      await measure(target, 'insertOne', () =>
        docs.insertOne({ key: nextKey++, n: 0, group: 0, label: 'x' }),
      ),
    );
    await docs.deleteMany({});
    await docs.insertMany(
      Array.from({ length: SCAN_DOCS }, (_, i) => ({
        key: i,
        n: 0,
        group: i % 1000,
        label: `doc-${i}`,
      })),
    );
    rows.push(
      await measure(target, 'findOne by indexed field', (i) =>
        docs.findOne({ key: Math.abs(i * 7919) % SCAN_DOCS }),
      ),
    );
    rows.push(
      await measure(target, 'updateOne $inc by indexed field', (i) =>
        docs.updateOne({ key: Math.abs(i * 104729) % SCAN_DOCS }, { $inc: { n: 1 } }),
      ),
    );
    rows.push(
      await measure(target, `find unindexed over ${SCAN_DOCS} docs (10 results)`, (i) =>
        docs.find({ group: Math.abs(i) % 1000 }).toArray(),
      ),
    );
    return rows;
  } finally {
    await db.dropDatabase();
    await client.close();
  }
}

function printTable(rows: Row[]): void {
  const header = ['target', 'operation', 'ops', 'ops/s'];
  const lines = rows.map((r) => [
    r.target,
    r.operation,
    String(r.ops),
    r.opsPerSecond.toLocaleString('en-US'),
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...lines.map((l) => (l[i] ?? '').length)));
  const format = (cells: string[]): string =>
    cells
      .map((c, i) => (i >= 2 ? c.padStart(widths[i] ?? 0) : c.padEnd(widths[i] ?? 0)))
      .join('  ');
  console.log(format(header));
  console.log(widths.map((w) => '-'.repeat(w)).join('  '));
  for (const line of lines) console.log(format(line));
}

const embedded = await startEmbeddedMongo({ port: 0 });
const rows: Row[] = [];
try {
  rows.push(...(await benchTarget('embedded', embedded.uri)));
} finally {
  await embedded.close();
}
const external = process.env['MONGODB_URI'];
if (external !== undefined && external !== '')
  rows.push(...(await benchTarget('MONGODB_URI', external)));
else console.log('(MONGODB_URI not set: real MongoDB comparison skipped)\n');
printTable(rows);
