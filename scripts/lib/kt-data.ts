/**
 * Loaders for knowledge-tracing logs (I/O lives here, not in the engine). The format of each
 * file is detected from its content:
 *
 * - **Row per attempt** (`.tsv` or `.csv`): a header line with column names, then one attempt a
 *   line, tab- or comma-separated, rows of one learner in attempt order (as in
 *   `../shared/data/kt`). Columns: `user_id` (or `student_id`), `item_id` (or `problem_id`,
 *   `question_id`), `skill_id` (or `concept_id`, `kc_id`), `correct` (0/1), optional `timestamp`
 *   (epoch seconds or milliseconds; 0 or empty means "no time").
 * - **Sequence format**, the classic DKT "3-line" format (Piech et al. 2015; DKVMN, AKT and pyKT
 *   ship data this way): per learner a line with the number of attempts, a line of ids and a line
 *   of 0/1 answers. Each id is both the item and the skill (the ids of such files are skill ids
 *   or problem ids, and nothing else is known about the item). The AKT "pid" variant with four
 *   lines per learner (count, problem ids, skill ids, answers) is read too, with the problem id
 *   as item and the skill id as skill. Separators may be commas, tabs or spaces; a trailing
 *   separator is ignored, as are blank lines and `\r\n` endings; the count line may carry more
 *   fields after the count (some exports add a learner id there).
 *
 * A data set folder holds `train` and `test` files: `train.tsv|csv|txt` and `test.tsv|csv|txt`,
 * or else exactly one file each whose name ends in `train.<ext>` / `test.<ext>` (e.g.
 * `builder_train.csv`, `assist2009_pid_test.csv`).
 */
import { readFileSync, readdirSync, existsSync } from 'node:fs';
import path from 'node:path';
import { asItemId, asSkillId, type ItemId, type SkillId } from '../../src/engine/index.js';

/** One attempt. */
export interface Attempt {
  readonly itemId: ItemId;
  readonly skillId: SkillId;
  readonly correct: boolean;
  /** When it was answered (epoch ms), if the log says. */
  readonly at?: number;
}

/** A learner's attempts in order. */
export interface LearnerSequence {
  readonly userId: string;
  readonly attempts: readonly Attempt[];
}

/** The formats {@link parseKtLog} recognises. */
export type KtFormat = 'rows' | 'three-line' | 'four-line';

const COLUMN_NAMES = {
  user: ['user_id', 'student_id', 'userid', 'studentid'],
  item: ['item_id', 'problem_id', 'question_id', 'itemid', 'problemid'],
  skill: ['skill_id', 'concept_id', 'kc_id', 'skillid'],
  correct: ['correct', 'is_correct', 'answered_correctly'],
  time: ['timestamp', 'time', 'start_time'],
} as const;

const nonEmptyLines = (text: string): string[] =>
  text
    .split(/\r?\n/)
    .map((l) => l.trim())
    .filter((l) => l !== '');

/** Epoch ms from a timestamp field (seconds below 1e11, else ms); undefined when absent or 0. */
function toEpochMs(field: string | undefined): number | undefined {
  if (field === undefined || field.trim() === '') return undefined;
  const v = Number(field);
  if (!Number.isFinite(v) || v <= 0) return undefined;
  return v < 1e11 ? v * 1000 : v;
}

/** Parses a row-per-attempt table (TSV or CSV with a header). */
export function parseRowFormat(text: string): LearnerSequence[] {
  const lines = nonEmptyLines(text);
  const headerLine = lines[0] ?? '';
  const sep = headerLine.includes('\t') ? '\t' : ',';
  const header = headerLine.split(sep).map((h) => h.trim().toLowerCase());
  const find = (names: readonly string[]): number => header.findIndex((h) => names.includes(h));
  const col = (key: 'user' | 'item' | 'skill' | 'correct'): number => {
    const i = find(COLUMN_NAMES[key]);
    if (i < 0) {
      throw new Error(
        `missing column "${COLUMN_NAMES[key][0]}" (or ${COLUMN_NAMES[key].slice(1).join(', ')}) in header: ${headerLine}`,
      );
    }
    return i;
  };
  const [cu, ci, cc, cs] = [col('user'), col('item'), col('correct'), col('skill')];
  const ct = find(COLUMN_NAMES.time);
  const byUser = new Map<string, Attempt[]>();
  for (let i = 1; i < lines.length; i++) {
    const f = (lines[i] ?? '').split(sep);
    const user = (f[cu] ?? '').trim();
    let list = byUser.get(user);
    if (list === undefined) {
      list = [];
      byUser.set(user, list);
    }
    const answer = (f[cc] ?? '').trim();
    if (answer !== '0' && answer !== '1') {
      throw new Error(`line ${i + 1}: correct must be 0 or 1, got "${answer}"`);
    }
    const at = ct < 0 ? undefined : toEpochMs(f[ct]);
    const attempt: Attempt = {
      itemId: asItemId((f[ci] ?? '').trim()),
      skillId: asSkillId((f[cs] ?? '').trim()),
      correct: answer === '1',
    };
    list.push(at === undefined ? attempt : { ...attempt, at });
  }
  return [...byUser].map(([userId, attempts]) => ({ userId, attempts }));
}

/** Fields of a sequence-format line: comma, tab or space separated, trailing separator ignored. */
const fieldsOf = (line: string): string[] => {
  const f = line.split(/\s*,\s*|\s+/);
  while (f.length > 0 && f[f.length - 1] === '') f.pop();
  return f;
};

/**
 * Parses the sequence format with `size` lines per learner (3: count / ids / answers; 4: count /
 * problem ids / skill ids / answers). Throws with the first inconsistency found.
 */
export function parseSequenceFormat(text: string, size: 3 | 4 = 3): LearnerSequence[] {
  const lines = nonEmptyLines(text);
  if (lines.length % size !== 0) {
    throw new Error(`${size}-line format needs a multiple of ${size} lines, got ${lines.length}`);
  }
  const out: LearnerSequence[] = [];
  for (let i = 0; i < lines.length; i += size) {
    const learner = i / size;
    const head = fieldsOf(lines[i] ?? '')[0] ?? '';
    if (!/^\d+$/.test(head)) {
      throw new Error(
        `learner ${learner} (line ${i + 1}): expected an attempt count, got "${head}"`,
      );
    }
    const count = Number(head);
    const items = fieldsOf(lines[i + 1] ?? '');
    const skills = size === 4 ? fieldsOf(lines[i + 2] ?? '') : items;
    const answers = fieldsOf(lines[i + size - 1] ?? '');
    if (items.length !== count || skills.length !== count || answers.length !== count) {
      throw new Error(
        size === 3
          ? `learner ${learner}: count ${count} but ${items.length} skills, ${answers.length} answers`
          : `learner ${learner}: count ${count} but ${items.length} problems, ${skills.length} skills, ${answers.length} answers`,
      );
    }
    const bad = answers.find((a) => a !== '0' && a !== '1');
    if (bad !== undefined) {
      throw new Error(
        `learner ${learner} (line ${i + size}): answers must be 0 or 1, got "${bad}"`,
      );
    }
    out.push({
      userId: String(learner),
      attempts: items.map((id, k) => ({
        itemId: asItemId(id),
        skillId: asSkillId(skills[k] ?? id),
        correct: answers[k] === '1',
      })),
    });
  }
  return out;
}

/** The three-line sequence format (count / skill ids / answers per learner). */
export const parseThreeLineFormat = (text: string): LearnerSequence[] =>
  parseSequenceFormat(text, 3);

/** A parsed log with the format it was read in. */
export interface ParsedLog {
  readonly format: KtFormat;
  readonly sequences: LearnerSequence[];
}

/**
 * Detects the format of `text` and parses it: a first line starting with a column name is a
 * header (rows); one starting with a count is a sequence format, three lines per learner if the whole file parses that
 * way, else four. When neither layout fits, the error is the three-line one (the common case).
 */
export function readKtLog(text: string): ParsedLog {
  const first = fieldsOf(nonEmptyLines(text.slice(0, 4096))[0] ?? '')[0] ?? '';
  if (!/^\d+$/.test(first)) {
    return { format: 'rows', sequences: parseRowFormat(text) };
  }
  try {
    return { format: 'three-line', sequences: parseSequenceFormat(text, 3) };
  } catch (three) {
    try {
      return { format: 'four-line', sequences: parseSequenceFormat(text, 4) };
    } catch {
      throw three;
    }
  }
}

/** Detects the format of `text` and parses it. */
export const parseKtLog = (text: string): LearnerSequence[] => readKtLog(text).sequences;

const EXTENSIONS = ['.tsv', '.csv', '.txt'] as const;

/** The `train` or `test` file of a data set folder (see the module comment). */
export function datasetFile(dir: string, part: 'train' | 'test'): string {
  for (const ext of EXTENSIONS) {
    const p = path.join(dir, part + ext);
    if (existsSync(p)) return p;
  }
  const names = existsSync(dir) ? readdirSync(dir) : [];
  const pattern = new RegExp(`${part}\\.(tsv|csv|txt)$`, 'i');
  const matches = names.filter((n) => pattern.test(n));
  if (matches.length === 1 && matches[0] !== undefined) return path.join(dir, matches[0]);
  throw new Error(
    matches.length > 1
      ? `several ${part} files in ${dir} (${matches.join(', ')}): keep one, or name it ${part}.csv`
      : `no ${part}.tsv/.csv/.txt (nor *${part}.<ext>) in ${dir}`,
  );
}

/** A loaded data set with the detected format of each file. */
export interface Dataset {
  readonly train: LearnerSequence[];
  readonly test: LearnerSequence[];
  readonly formats: { readonly train: KtFormat; readonly test: KtFormat };
}

/** Reads the `train` and `test` files of a data set folder. */
export function loadDataset(dir: string): Dataset {
  const read = (part: 'train' | 'test'): [LearnerSequence[], KtFormat] => {
    const file = datasetFile(dir, part);
    const text = readFileSync(file, 'utf8');
    try {
      const log = readKtLog(text);
      return [log.sequences, log.format];
    } catch (error) {
      throw new Error(`${file}: ${error instanceof Error ? error.message : String(error)}`, {
        cause: error,
      });
    }
  };
  const [train, trainFormat] = read('train');
  const [test, testFormat] = read('test');
  return { train, test, formats: { train: trainFormat, test: testFormat } };
}

/** Deterministic by-learner split: about `share` of learners go to the second part. */
export function splitByLearner(
  seqs: readonly LearnerSequence[],
  share: number,
): [LearnerSequence[], LearnerSequence[]] {
  const a: LearnerSequence[] = [];
  const b: LearnerSequence[] = [];
  for (const s of seqs) {
    let h = 2166136261;
    for (let i = 0; i < s.userId.length; i++) h = Math.imul(h ^ s.userId.charCodeAt(i), 16777619);
    ((h >>> 0) % 1000 < share * 1000 ? b : a).push(s);
  }
  return [a, b];
}

/** Number of attempts in `seqs`. */
export const rowsOf = (seqs: readonly LearnerSequence[]): number =>
  seqs.reduce((n, s) => n + s.attempts.length, 0);
