/**
 * Loaders for knowledge-tracing logs (I/O lives here, not in the engine). Two formats:
 * - row per attempt, tab- or comma-separated with a header naming at least
 *   `user_id`, `item_id`, `correct`, `skill_id` (rows of one learner in attempt order);
 * - the three-line sequence format: per learner a line with the attempt count, a line of
 *   comma-separated skill ids and a line of comma-separated 0/1 answers (item id = skill id).
 */
import { readFileSync, existsSync } from 'node:fs';
import path from 'node:path';
import { asItemId, asSkillId, type ItemId, type SkillId } from '../../src/engine/types.js';

/** One attempt. */
export interface Attempt {
  readonly itemId: ItemId;
  readonly skillId: SkillId;
  readonly correct: boolean;
}

/** A learner's attempts in order. */
export interface LearnerSequence {
  readonly userId: string;
  readonly attempts: readonly Attempt[];
}

/** Parses a row-per-attempt table (TSV or CSV with a header). */
export function parseRowFormat(text: string): LearnerSequence[] {
  const lines = text.split(/\r?\n/).filter((l) => l.trim() !== '');
  const headerLine = lines[0] ?? '';
  const sep = headerLine.includes('\t') ? '\t' : ',';
  const header = headerLine.split(sep).map((h) => h.trim());
  const col = (name: string): number => {
    const i = header.indexOf(name);
    if (i < 0) throw new Error(`missing column "${name}" in header: ${headerLine}`);
    return i;
  };
  const [cu, ci, cc, cs] = [col('user_id'), col('item_id'), col('correct'), col('skill_id')];
  const byUser = new Map<string, Attempt[]>();
  for (let i = 1; i < lines.length; i++) {
    const f = (lines[i] ?? '').split(sep);
    const user = f[cu] ?? '';
    let list = byUser.get(user);
    if (list === undefined) {
      list = [];
      byUser.set(user, list);
    }
    list.push({
      itemId: asItemId(f[ci] ?? ''),
      skillId: asSkillId(f[cs] ?? ''),
      correct: (f[cc] ?? '').trim() === '1',
    });
  }
  return [...byUser].map(([userId, attempts]) => ({ userId, attempts }));
}

/** Parses the three-line sequence format (count / skill ids / answers per learner). */
export function parseThreeLineFormat(text: string): LearnerSequence[] {
  const lines = text.split(/\r?\n/).filter((l) => l.trim() !== '');
  if (lines.length % 3 !== 0) {
    throw new Error(`three-line format needs a multiple of 3 lines, got ${lines.length}`);
  }
  const out: LearnerSequence[] = [];
  for (let i = 0; i < lines.length; i += 3) {
    const count = Number((lines[i] ?? '').trim());
    const skills = (lines[i + 1] ?? '').split(',').map((s) => s.trim());
    const answers = (lines[i + 2] ?? '').split(',').map((s) => s.trim());
    if (skills.length !== count || answers.length !== count) {
      throw new Error(
        `learner ${i / 3}: count ${count} but ${skills.length} skills, ${answers.length} answers`,
      );
    }
    out.push({
      userId: String(i / 3),
      attempts: skills.map((s, k) => ({
        itemId: asItemId(s),
        skillId: asSkillId(s),
        correct: answers[k] === '1',
      })),
    });
  }
  return out;
}

/** Detects the format of `text` and parses it. */
export function parseKtLog(text: string): LearnerSequence[] {
  const first = text.slice(0, text.indexOf('\n') >>> 0).trim();
  return /^\d+$/.test(first) ? parseThreeLineFormat(text) : parseRowFormat(text);
}

/** Reads `train` and `test` files of a dataset folder (`.tsv`, `.csv` or `.txt`). */
export function loadDataset(dir: string): { train: LearnerSequence[]; test: LearnerSequence[] } {
  const find = (base: string): string => {
    for (const ext of ['.tsv', '.csv', '.txt']) {
      const p = path.join(dir, base + ext);
      if (existsSync(p)) return p;
    }
    throw new Error(`no ${base}.tsv/.csv/.txt in ${dir}`);
  };
  return {
    train: parseKtLog(readFileSync(find('train'), 'utf8')),
    test: parseKtLog(readFileSync(find('test'), 'utf8')),
  };
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
