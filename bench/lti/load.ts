/**
 * A closed-loop load generator: `concurrency` workers each run `op` back to back, first for a
 * warm-up (discarded), then for the measured window. Throughput is completed operations over the
 * wall time of the window (the last operations may overrun it); latencies are per operation.
 */
import { performance } from 'node:perf_hooks';

export interface LoadOptions {
  readonly concurrency: number;
  readonly warmupMs: number;
  readonly durationMs: number;
}

export interface LoadResult {
  readonly concurrency: number;
  readonly ops: number;
  readonly errors: number;
  readonly seconds: number;
  readonly perSecond: number;
  readonly p50Ms: number;
  readonly p99Ms: number;
  readonly firstError: string | undefined;
  /** Every measured latency, ascending (for merging runs). */
  readonly latenciesMs: readonly number[];
}

/** `op` receives a global operation number (unique across workers) and throws on failure. */
export type Operation = (n: number) => Promise<void>;

function quantile(sorted: readonly number[], q: number): number {
  if (sorted.length === 0) return Number.NaN;
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? Number.NaN;
}

async function loop(
  op: Operation,
  concurrency: number,
  durationMs: number,
  counter: { next: number },
): Promise<{ latencies: number[]; errors: number; firstError: string | undefined; ms: number }> {
  const latencies: number[] = [];
  let errors = 0;
  let firstError: string | undefined;
  const start = performance.now();
  const end = start + durationMs;
  const worker = async (): Promise<void> => {
    while (performance.now() < end) {
      const n = counter.next++;
      const t0 = performance.now();
      try {
        await op(n);
        latencies.push(performance.now() - t0);
      } catch (error) {
        errors += 1;
        firstError ??= error instanceof Error ? error.message : String(error);
      }
    }
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
  return { latencies, errors, firstError, ms: performance.now() - start };
}

export async function runLoad(op: Operation, options: LoadOptions): Promise<LoadResult> {
  const counter = { next: 0 };
  if (options.warmupMs > 0) await loop(op, options.concurrency, options.warmupMs, counter);
  const measured = await loop(op, options.concurrency, options.durationMs, counter);
  const sorted = [...measured.latencies].sort((a, b) => a - b);
  const seconds = measured.ms / 1000;
  return {
    concurrency: options.concurrency,
    ops: sorted.length,
    errors: measured.errors,
    seconds,
    perSecond: sorted.length / seconds,
    p50Ms: quantile(sorted, 0.5),
    p99Ms: quantile(sorted, 0.99),
    firstError: measured.firstError,
    latenciesMs: sorted,
  };
}

/** One result for several runs of the same workload (e.g. interleaved A/B rounds). */
export function mergeLoadResults(results: readonly LoadResult[]): LoadResult {
  const sorted = results.flatMap((r) => r.latenciesMs).sort((a, b) => a - b);
  const seconds = results.reduce((sum, r) => sum + r.seconds, 0);
  return {
    concurrency: results[0]?.concurrency ?? 0,
    ops: sorted.length,
    errors: results.reduce((sum, r) => sum + r.errors, 0),
    seconds,
    perSecond: seconds > 0 ? sorted.length / seconds : Number.NaN,
    p50Ms: quantile(sorted, 0.5),
    p99Ms: quantile(sorted, 0.99),
    firstError: results.find((r) => r.firstError !== undefined)?.firstError,
    latenciesMs: sorted,
  };
}

/** Prints rows as an aligned text table; columns listed in `right` are right-aligned. */
export function formatTable(
  header: readonly string[],
  rows: readonly (readonly string[])[],
  right: ReadonlySet<number>,
): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: readonly string[]): string =>
    cells
      .map((c, i) => (right.has(i) ? c.padStart(widths[i] ?? 0) : c.padEnd(widths[i] ?? 0)))
      .join('  ')
      .trimEnd();
  return [line(header), widths.map((w) => '-'.repeat(w)).join('  '), ...rows.map(line)].join('\n');
}
