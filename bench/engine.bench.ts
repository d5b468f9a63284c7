/**
 * Engine benchmarks: `npm run bench:engine`.
 * - update latency per response (`recordResponse`, and the bare learner-model `updateLearner`);
 * - next-item selection latency with a 10,000-item bank over 200 skills and a learner with a
 *   2,000-response history;
 * - memory per learner state (JSON size and heap delta over 2,000 states).
 * Median and p99 over many runs, after a warm-up.
 */
import { performance } from 'node:perf_hooks';
import {
  asItemId,
  asSkillId,
  createEngineConfig,
  createLearnerState,
  createRng,
  recordResponse,
  selectNextItem,
  updateLearner,
  type Assignment,
  type ItemView,
  type LearnerState,
  type PoolItem,
  type SkillId,
} from '../src/engine/index.js';

const print = (s: string): void => {
  process.stdout.write(`${s}\n`);
};
const quantile = (xs: number[], q: number): number => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor(q * s.length))] ?? NaN;
};
const us = (ms: number): string => `${(ms * 1000).toFixed(2)} µs`;

const rng = createRng(2026);
const SKILLS: SkillId[] = Array.from({ length: 200 }, (_, i) => asSkillId(`skill-${i}`));
const bank: PoolItem[] = Array.from({ length: 10_000 }, (_, i) => {
  const n = Math.floor(rng() * 200);
  return {
    itemId: asItemId(`item-${i}`),
    skillId: SKILLS[i % 200] ?? asSkillId('skill-0'),
    stats: {
      n,
      correct: Math.floor(n * (0.3 + 0.6 * rng())),
      residual: (rng() - 0.5) * 4,
      information: n * 0.2,
    },
  };
});
const skillStats: Record<string, { n: number; correct: number }> = {};
for (const it of bank) {
  const s = skillStats[it.skillId] ?? { n: 0, correct: 0 };
  skillStats[it.skillId] = { n: s.n + it.stats.n, correct: s.correct + it.stats.correct };
}
const prerequisites: Record<string, SkillId[]> = {};
for (let i = 20; i < 200; i++)
  prerequisites[`skill-${i}`] = [SKILLS[i - 20] ?? asSkillId('skill-0')];
const assignment: Assignment = { skills: SKILLS, items: bank, prerequisites, skillStats };
const config = createEngineConfig();
const t0 = Date.UTC(2026, 0, 5, 9);
const viewOf = (it: PoolItem): ItemView => ({
  ...it,
  skillStats: skillStats[it.skillId] ?? { n: 0, correct: 0 },
});

// A learner with a 2,000-response history.
let learner: LearnerState = createLearnerState();
for (let i = 0; i < 2000; i++) {
  const it = bank[Math.floor(rng() * bank.length)] ?? bank[0];
  if (it === undefined) throw new Error('empty bank');
  learner = recordResponse(
    learner,
    { item: viewOf(it), correct: rng() < 0.7 },
    config,
    new Date(t0 + i * 60_000),
  ).state;
}

function bench(name: string, runs: number, fn: (i: number) => void): void {
  for (let i = 0; i < Math.min(2000, runs); i++) fn(i);
  const times: number[] = [];
  for (let i = 0; i < runs; i++) {
    const a = performance.now();
    fn(i);
    times.push(performance.now() - a);
  }
  print(
    `| ${name.padEnd(58)} | ${us(quantile(times, 0.5)).padStart(11)} | ${us(quantile(times, 0.99)).padStart(11)} | ${String(runs).padStart(6)} |`,
  );
}

print(
  `Node ${process.version}; bank ${bank.length} items / ${SKILLS.length} skills; learner history ${learner.steps} responses (${learner.skills.length} skills touched).`,
);
print('');
print(`| ${'operation'.padEnd(58)} | median      | p99         | runs   |`);
print(`|${'-'.repeat(60)}|-------------|-------------|--------|`);
const views = bank.map(viewOf);
let sink = 0;
bench('updateLearner (learner model only)', 100_000, (i) => {
  const v = views[(i * 7919) % views.length];
  if (v !== undefined) sink += updateLearner(learner, v, i % 3 !== 0, config.model).steps;
});
bench('recordResponse (model + mastery + review card + increment)', 100_000, (i) => {
  const v = views[(i * 7919) % views.length];
  if (v !== undefined) {
    sink += recordResponse(
      learner,
      { item: v, correct: i % 3 !== 0 },
      config,
      new Date(t0 + 3e9 + i),
    ).state.steps;
  }
});
bench('selectNextItem (10k items, 200 skills, prerequisites)', 3000, (i) => {
  const sel = selectNextItem({ learner, assignment, config, now: new Date(t0 + 3e9), seed: i });
  sink += sel.kind === 'item' ? 1 : 0;
});
const withReviews = new Date(t0 + 40 * 86_400_000);
bench('selectNextItem with due reviews (40 days later)', 3000, (i) => {
  const sel = selectNextItem({ learner, assignment, config, now: withReviews, seed: i });
  sink += sel.kind === 'item' ? 1 : 0;
});

// Memory per learner state.
const json = JSON.stringify(learner);
const gc = (globalThis as { gc?: () => void }).gc;
gc?.();
const before = process.memoryUsage().heapUsed;
const copies: unknown[] = [];
for (let i = 0; i < 2000; i++) copies.push(JSON.parse(json));
gc?.();
const after = process.memoryUsage().heapUsed;
print('');
print(
  `learner state after 2,000 responses: ${learner.skills.length} skill entries, ${learner.recentItems.length} recent items`,
);
print(
  `serialised size: ${(json.length / 1024).toFixed(1)} KiB JSON; heap per state: ${((after - before) / copies.length / 1024).toFixed(1)} KiB${gc === undefined ? ' (approximate: run with --expose-gc for a collected measure)' : ''}`,
);
print(`(checksum ${sink})`);
