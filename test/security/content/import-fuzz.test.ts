// Fuzzing the content import through the functions the CLI (and a future upload) calls: read the
// file (readJsonBank / readGift), then prepareImport against an empty bank. Every mutated input
// must either land completely or be refused with problems that name file, line and what to fix;
// none may throw, and none may take long. Seeds are fixed, so a failure names its reproduction.
import { expect } from 'chai';
import { formatProblem, type ContentProblem } from '../../../src/content/content.errors.js';
import { readGift } from '../../../src/content/import/gift-import.js';
import { readJsonBank } from '../../../src/content/import/json-import.js';
import { prepareImport } from '../../../src/content/import/prepare-import.js';
import { createRng } from '../../../src/engine/index.js';
import { giftSeedFiles, jsonSeedFiles, mutate, type SeedFile } from './import-mutations.js';

/** Mutated inputs per format. */
const INPUTS = 5_000;
/** The first seed of each format's run (seeds are FIRST_SEED … FIRST_SEED + INPUTS - 1). */
const FIRST_SEED = { json: 1, gift: 1_000_001 } as const;
/** Longest time one input may take (reading, validating and sampling its templates). */
const MAX_INPUT_MS = 2_000;
/**
 * Seeds sampled per template. The import samples 20; sampling is the same code for every seed,
 * and 2 keep 10,000 inputs inside the time budget of the suite (tests/unit cover 20 seeds).
 */
const SAMPLE_SEEDS = 2;

interface Failure {
  readonly seed: number;
  readonly file: string;
  readonly ops: readonly string[];
  readonly error: string;
}

/** What is wrong with a problem's location or advice (empty when it names file, line and a fix). */
function badLocation(problem: ContentProblem, file: string): string | undefined {
  if (problem.file !== file) return `names the file "${problem.file}"`;
  if (problem.line === undefined || !Number.isInteger(problem.line) || problem.line < 1)
    return `has no line (${String(problem.line)})`;
  if (problem.field !== undefined && problem.field.trim() === '') return 'has an empty field';
  if (problem.message.trim() === '') return 'has no message';
  if (problem.help.trim() === '') return 'says nothing about what to fix';
  if (!formatProblem(problem).startsWith(`${file}:${problem.line}: `))
    return `formats as "${formatProblem(problem)}"`;
  return undefined;
}

function fuzz(format: 'json' | 'gift', files: readonly SeedFile[]) {
  const crashes: Failure[] = [];
  const hangs: Failure[] = [];
  const unlocated: Failure[] = [];
  let accepted = 0;
  let refused = 0;
  let maxMs = 0;
  const started = performance.now();
  for (let seed = FIRST_SEED[format]; seed < FIRST_SEED[format] + INPUTS; seed++) {
    const rng = createRng(seed);
    const source = files[Math.floor(rng() * files.length)];
    if (source === undefined) throw new Error('no seed files');
    const { text, ops } = mutate(source.text, rng, format);
    const report = (list: Failure[], error: string): void => {
      list.push({ seed, file: source.name, ops, error });
    };
    const start = performance.now();
    try {
      const parsed =
        format === 'json' ? readJsonBank(source.name, { text }) : readGift(source.name, text);
      const prepared = prepareImport(
        [parsed],
        { skills: [], templates: [] },
        {
          replaceExisting: false,
          sampleSeeds: SAMPLE_SEEDS,
        },
      );
      if (prepared.ok) {
        accepted++;
        // Landed completely: every template read from the file is in the next bank.
        if (prepared.value.added.templates !== parsed.templates.length)
          report(
            unlocated,
            `accepted ${prepared.value.added.templates} of ${parsed.templates.length} templates`,
          );
      } else {
        refused++;
        if (prepared.error.length === 0) report(unlocated, 'refused without a problem');
        for (const problem of prepared.error) {
          const bad = badLocation(problem, source.name);
          if (bad !== undefined) report(unlocated, `${bad}: ${formatProblem(problem)}`);
        }
      }
    } catch (error) {
      report(crashes, error instanceof Error ? `${error.name}: ${error.message}` : String(error));
    }
    const ms = performance.now() - start;
    maxMs = Math.max(maxMs, ms);
    if (ms > MAX_INPUT_MS) report(hangs, `took ${Math.round(ms)} ms`);
  }
  const seconds = (performance.now() - started) / 1000;
  process.stdout.write(
    `      fuzz ${format}: seeds ${FIRST_SEED[format]}..${FIRST_SEED[format] + INPUTS - 1}, ${INPUTS} inputs from ${files.length} files, ${refused} refused, ${accepted} accepted, ${crashes.length} crashes, ${hangs.length} over ${MAX_INPUT_MS} ms, max ${Math.round(maxMs)} ms, ${seconds.toFixed(1)} s\n`,
  );
  return { crashes, hangs, unlocated, accepted, refused };
}

describe('content import fuzzing (mutated demo bank and GIFT files)', function () {
  // Each run takes about 5 to 15 s on two cores; the bound leaves room for slower machines.
  this.timeout(60_000);

  for (const [format, files] of [
    ['json', jsonSeedFiles()],
    ['gift', giftSeedFiles()],
  ] as const) {
    it(`${format}: ${INPUTS} mutated files each land completely or are refused with file, line and fix; none throws or hangs`, () => {
      const result = fuzz(format, files);
      expect(result.crashes.slice(0, 5), 'inputs that threw').to.deep.equal([]);
      expect(result.hangs.slice(0, 5), 'inputs that took too long').to.deep.equal([]);
      expect(result.unlocated.slice(0, 5), 'problems without file, line or fix').to.deep.equal([]);
      // The mutations must exercise both outcomes, or the run proves little.
      expect(result.accepted, 'accepted inputs').to.be.above(INPUTS / 20);
      expect(result.refused, 'refused inputs').to.be.above(INPUTS / 4);
    });
  }
});
