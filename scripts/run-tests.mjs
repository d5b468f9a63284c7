#!/usr/bin/env node
// Runs the given npm test scripts in order, shows their output, and ends with one summary line
// ("tests: N passed, N failed, N skipped") that CI can read. Exits non-zero if any tier failed.
import { spawn } from 'node:child_process';

const tiers = process.argv.slice(2);
let passed = 0;
let failed = 0;
let skipped = 0;
const broken = [];

for (const tier of tiers) {
  const code = await new Promise((resolve) => {
    const child = spawn('npm', ['run', '--silent', tier], { stdio: ['ignore', 'pipe', 'inherit'] });
    let tail = '';
    child.stdout.on('data', (chunk) => {
      process.stdout.write(chunk);
      tail = (tail + chunk.toString()).slice(-4000);
    });
    child.on('close', (status) => {
      const count = (word) => Number(tail.match(new RegExp(`(\\d+) ${word}`))?.[1] ?? 0);
      passed += count('passing');
      failed += count('failing');
      skipped += count('pending');
      resolve(status ?? 1);
    });
  });
  if (code !== 0) broken.push(tier);
}
if (broken.length > 0 && failed === 0) failed = broken.length; // a tier that crashed before reporting
process.stdout.write(`\ntests: ${passed} passed, ${failed} failed, ${skipped} skipped\n`);
if (broken.length > 0) process.stdout.write(`failed tiers: ${broken.join(', ')}\n`);
process.exit(broken.length > 0 ? 1 : 0);
