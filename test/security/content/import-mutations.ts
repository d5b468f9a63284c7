// Seeded mutations of bank files for the import fuzz test: byte flips, insertions of brackets,
// entities, escapes and deep nesting, long runs, truncations, duplications and deletions.
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Rng } from '../../../src/engine/index.js';

const here = path.dirname(fileURLToPath(import.meta.url));
const root = path.resolve(here, '../../..');

export interface SeedFile {
  readonly name: string;
  readonly text: string;
}

interface BankShape {
  readonly format: string;
  readonly skills?: readonly unknown[];
  readonly templates?: readonly unknown[];
}

/**
 * The demo bank files and the mini bank fixture as they are, plus one small file per demo
 * template (the file's skills and that template): mutating a whole file and sampling all its
 * templates costs 100 times more than a one-template file, and finds the same crashes.
 */
export function jsonSeedFiles(): SeedFile[] {
  const dir = path.join(root, 'src/content/demo-bank');
  const whole = readdirSync(dir)
    .filter((f) => f.endsWith('.json'))
    .sort()
    .map((f) => ({ name: `demo-bank/${f}`, text: readFileSync(path.join(dir, f), 'utf8') }));
  const fixture = path.join(root, 'test/fixtures/content/mini-bank.json');
  const banks = whole.map(({ name, text }) => ({ name, bank: JSON.parse(text) as BankShape }));
  // Every demo skill, so that prerequisites across the demo files resolve.
  const skills = banks.flatMap(({ bank }) => bank.skills ?? []);
  const slices = banks.flatMap(({ name, bank }) =>
    (bank.templates ?? []).map((template, i) => ({
      name: name.replace(/\.json$/, `-${i + 1}.json`),
      text: JSON.stringify({ format: bank.format, skills, templates: [template] }, null, 2),
    })),
  );
  return [...whole, { name: 'mini-bank.json', text: readFileSync(fixture, 'utf8') }, ...slices];
}

/** The GIFT sample (every construct the reader knows) and each of its questions on its own. */
export function giftSeedFiles(): SeedFile[] {
  const text = readFileSync(path.join(here, 'fixtures/sample-quiz.gift'), 'utf8');
  const blocks = text.split(/\n\s*\n/).filter((b) => !b.trimStart().startsWith('//'));
  const header = '$CATEGORY: fractions-add-like\n\n';
  const singles = blocks
    .filter((b) => !b.trimStart().startsWith('$CATEGORY'))
    .map((b, i) => ({ name: `question-${i + 1}.gift`, text: header + b + '\n' }));
  return [{ name: 'sample-quiz.gift', text }, ...singles];
}

const JSON_TOKENS = [
  '{',
  '}',
  '[',
  ']',
  '"',
  ',',
  ':',
  '\\',
  '\\\\',
  '\\u',
  '\\uD800',
  '\\u0000',
  '\\f',
  '\\frac',
  '\\n',
  '\\t',
  '$',
  '$$',
  'null',
  'true',
  '-0',
  '1e999',
  '99999999999999999999',
  '0.1e-400',
  '"__proto__": {}',
  '"constructor": 1',
  '"extra": 1',
  '{{x}}',
  '{{a|tex}}',
  '{{a|nope}}',
  '^3000000',
  'fraction(7)^99',
  'pow(a, a)',
  '^',
  '(',
  ')',
  '\u2028',
  '\ud83d',
  '\u0000',
];

const GIFT_TOKENS = [
  '{',
  '}',
  '=',
  '~',
  '#',
  '::',
  '->',
  '%50%',
  '%-100%',
  '####',
  '\\',
  '\\{',
  '\\}',
  '\\n',
  '$CATEGORY:',
  '$CATEGORY: x/y\n\n',
  '[html]',
  '[markdown]',
  '[plain]',
  '\n\n',
  '\n// c\n',
  '&#x110000;',
  '&#99999999999;',
  '&#xD800;',
  '&#0;',
  '&#x10FFFF;',
  '&amp;',
  '&bogus;',
  '&#',
  '<script>',
  '</script>',
  '<style>',
  '<br>',
  '<',
  '>',
  '<p>',
  '</p>',
  '$',
  '$$',
  '\\(',
  '\\)',
  '\\[',
  '\\]',
  '{T}',
  '{#',
  '..',
  ':',
  '1e999',
  '_____',
  '\r',
  '\ufeff',
  '\u2028',
  '\ud800',
];

const pick = <T>(items: readonly T[], rng: Rng): T => {
  const item = items[Math.floor(rng() * items.length)];
  if (item === undefined) throw new Error('pick from an empty list');
  return item;
};
const between = (rng: Rng, low: number, high: number): number =>
  low + Math.floor(rng() * (high - low + 1));
/** Mostly small, sometimes far past every limit. */
const size = (rng: Rng): number => {
  const r = rng();
  return r < 0.6
    ? between(rng, 1, 20)
    : r < 0.9
      ? between(rng, 21, 2_000)
      : between(rng, 2_001, 120_000);
};

type Mutation = (text: string, rng: Rng, tokens: readonly string[]) => string;

const at = (text: string, rng: Rng): number => Math.floor(rng() * (text.length + 1));
/** A random position moved on to the next letter or digit: inside a string or a number, mostly. */
const inWord = (text: string, rng: Rng): number => {
  const pos = at(text, rng);
  const next = text.slice(pos).search(/[A-Za-z0-9]/);
  return next === -1 ? pos : pos + next;
};
const NUMBERS = [
  '0',
  '1',
  '-1',
  '64',
  '65',
  '3000000',
  '1e308',
  '1e-300',
  '0.1',
  '2.5',
  '99999999999',
];
const ALNUM = 'abcdefghijklmnopqrstuvwxyz0123456789';
const insert = (text: string, pos: number, piece: string): string =>
  text.slice(0, pos) + piece + text.slice(pos);

const MUTATIONS: Readonly<Record<string, Mutation>> = {
  flip: (text, rng) => {
    const pos = Math.floor(rng() * text.length);
    const ch =
      rng() < 0.8
        ? String.fromCharCode(between(rng, 0, 127))
        : String.fromCharCode(between(rng, 128, 0xffff));
    return text.slice(0, pos) + ch + text.slice(pos + 1);
  },
  token: (text, rng, tokens) =>
    insert(text, rng() < 0.5 ? at(text, rng) : inWord(text, rng), pick(tokens, rng)),
  word: (text, rng) => {
    const pos = inWord(text, rng);
    return text.slice(0, pos) + pick(ALNUM.split(''), rng) + text.slice(pos + 1);
  },
  number: (text, rng) => {
    const pos = at(text, rng);
    const next = text.slice(pos).search(/\d+/);
    if (next === -1) return text;
    const end = pos + next + (/^\d+/.exec(text.slice(pos + next))?.[0].length ?? 0);
    return text.slice(0, pos + next) + pick(NUMBERS, rng) + text.slice(end);
  },
  run: (text, rng, tokens) => insert(text, at(text, rng), pick(tokens, rng).repeat(size(rng))),
  nest: (text, rng) => {
    const depth = size(rng);
    const [open, close] = pick(
      [
        ['[', ']'],
        ['{"a":', '}'],
        ['{', '}'],
        ['(', ')'],
        ['<b>', '</b>'],
        ['$$', '$$'],
      ] as const,
      rng,
    );
    return insert(
      text,
      at(text, rng),
      open.repeat(depth) + (rng() < 0.5 ? close.repeat(depth) : ''),
    );
  },
  truncate: (text, rng) => text.slice(0, at(text, rng)),
  duplicate: (text, rng) => {
    const start = at(text, rng);
    const piece = text.slice(start, start + size(rng));
    return insert(text, at(text, rng), piece.repeat(rng() < 0.8 ? 1 : between(rng, 2, 50)));
  },
  delete: (text, rng) => {
    const start = at(text, rng);
    return text.slice(0, start) + text.slice(start + size(rng));
  },
};

/** How often each mutation is picked: edits inside values keep more inputs readable. */
const WEIGHTS: Readonly<Record<string, number>> = {
  flip: 2,
  token: 3,
  word: 3,
  number: 2,
  run: 1,
  nest: 1,
  truncate: 1,
  duplicate: 1,
  delete: 1,
};
const NAMES = Object.keys(MUTATIONS).flatMap((name) =>
  Array.from({ length: WEIGHTS[name] ?? 1 }, () => name),
);

/** One to three mutations of `text`, with their names (for the report of a failing input). */
export function mutate(
  text: string,
  rng: Rng,
  format: 'json' | 'gift',
): { readonly text: string; readonly ops: readonly string[] } {
  const tokens = format === 'json' ? JSON_TOKENS : GIFT_TOKENS;
  const ops: string[] = [];
  let out = text;
  for (let n = rng() < 0.6 ? 1 : between(rng, 2, 3); n > 0; n--) {
    const name = pick(NAMES, rng);
    const mutation = MUTATIONS[name];
    if (mutation === undefined) continue;
    out = mutation(out, rng, tokens);
    ops.push(name);
  }
  return { text: out, ops };
}
