/**
 * MongoDB adapter of ContentRepository, all-or-nothing without transactions (the embedded dev
 * server's transactions have no isolation, and a replica set is not guaranteed):
 *
 * 1. every publish writes the complete new bank under a fresh revision id (staged documents are
 *    invisible: readers only read the revision named by the pointer document);
 * 2. one atomic single-document update flips the pointer `pw_content_state/{_id: 'active'}` from
 *    the revision the import was validated against to the new one (compare-and-set, so two
 *    concurrent imports cannot both win);
 * 3. if anything fails before the flip, the staged documents are deleted and the error rethrown:
 *    the active bank was never touched. If that clean-up fails too, the leftovers stay invisible
 *    and a later publish sweeps revisions older than an hour that are neither active nor previous.
 *
 * The previous revision is kept until the next publish so a reader that read the pointer just
 * before a flip still finds its documents. Banks are small (thousands of templates), so copying
 * the whole bank per import is cheap and keeps reads to one indexed query.
 */
import { randomBytes } from 'node:crypto';
import type { Connection } from 'mongoose';
import { systemClock, type Clock } from '../shared/clock.js';
import type { ContentBank, ItemId, ItemTemplate, Skill, SkillId } from './content.model.js';
import type { ContentRepository, PublishResult } from './content.repository.js';
import { prerequisiteMap } from './skill-graph.js';

export const CONTENT_COLLECTIONS = {
  skills: 'pw_content_skills',
  templates: 'pw_content_items',
  state: 'pw_content_state',
} as const;

interface SkillDocument {
  _id: string;
  revision: string;
  id: string;
  order: number;
  data: Skill;
}

interface TemplateDocument {
  _id: string;
  revision: string;
  id: string;
  primarySkill: string;
  order: number;
  data: ItemTemplate;
}

interface StateDocument {
  _id: 'active';
  revision: string;
  previous: string | null;
  publishedAt: Date;
}

/** Staged revisions older than this that never became active are abandoned imports. */
const ABANDONED_AFTER_MS = 60 * 60 * 1000;

export interface ContentRepositoryOptions {
  readonly clock?: Clock;
  /** Documents per insertMany. */
  readonly batchSize?: number;
  /**
   * Test seam: called before each batch is written; throwing simulates a write that fails midway
   * (earlier batches are already stored).
   */
  readonly beforeBatch?: (
    collection: 'skills' | 'templates',
    batch: number,
  ) => void | Promise<void>;
}

const isDuplicateKey = (error: unknown): boolean =>
  typeof error === 'object' && error !== null && 'code' in error && error.code === 11000;

/** Sortable by creation time (base-36 milliseconds), unique by its random part. */
const revisionId = (now: Date): string =>
  `${now.getTime().toString(36).padStart(9, '0')}-${randomBytes(6).toString('hex')}`;

const revisionTime = (revision: string): number => parseInt(revision.split('-')[0] ?? '', 36);

function chunks<T>(items: readonly T[], size: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}

export async function createContentRepository(
  connection: Connection,
  options: ContentRepositoryOptions = {},
): Promise<ContentRepository> {
  const clock = options.clock ?? systemClock;
  const batchSize = options.batchSize ?? 500;
  const skills = connection.collection<SkillDocument>(CONTENT_COLLECTIONS.skills);
  const templates = connection.collection<TemplateDocument>(CONTENT_COLLECTIONS.templates);
  const state = connection.collection<StateDocument>(CONTENT_COLLECTIONS.state);
  await skills.createIndex({ revision: 1, id: 1 }, { unique: true });
  await templates.createIndex({ revision: 1, id: 1 }, { unique: true });
  await templates.createIndex({ revision: 1, primarySkill: 1 });

  const activeRevision = async (): Promise<string | null> =>
    (await state.findOne({ _id: 'active' }))?.revision ?? null;

  const removeRevision = async (revision: string): Promise<void> => {
    await skills.deleteMany({ revision });
    await templates.deleteMany({ revision });
  };

  const sweepAbandoned = async (keep: ReadonlySet<string>): Promise<void> => {
    const cutoff = clock.now().getTime() - ABANDONED_AFTER_MS;
    const revisions = new Set([
      ...(await skills.distinct('revision')),
      ...(await templates.distinct('revision')),
    ]);
    for (const revision of revisions) {
      if (!keep.has(revision) && revisionTime(revision) < cutoff) await removeRevision(revision);
    }
  };

  const stage = async (revision: string, bank: ContentBank): Promise<void> => {
    const skillDocs = bank.skills.map((skill, order) => ({
      _id: `${revision}/${skill.id}`,
      revision,
      id: skill.id,
      order,
      data: skill,
    }));
    const templateDocs = bank.templates.map((template, order) => ({
      _id: `${revision}/${template.id}`,
      revision,
      id: template.id,
      primarySkill: template.skills[0],
      order,
      data: template,
    }));
    for (const [i, batch] of chunks(skillDocs, batchSize).entries()) {
      await options.beforeBatch?.('skills', i);
      await skills.insertMany(batch, { ordered: true });
    }
    for (const [i, batch] of chunks(templateDocs, batchSize).entries()) {
      await options.beforeBatch?.('templates', i);
      await templates.insertMany(batch, { ordered: true });
    }
  };

  /** Compare-and-set of the pointer; returns the replaced state, or undefined on a conflict. */
  const flip = async (
    revision: string,
    basedOn: string | null,
  ): Promise<StateDocument | null | undefined> => {
    const publishedAt = clock.now();
    if (basedOn === null) {
      try {
        await state.insertOne({ _id: 'active', revision, previous: null, publishedAt });
        return null;
      } catch (error) {
        if (isDuplicateKey(error)) return undefined;
        throw error;
      }
    }
    const before = await state.findOneAndUpdate(
      { _id: 'active', revision: basedOn },
      { $set: { revision, previous: basedOn, publishedAt } },
      { returnDocument: 'before' },
    );
    return before ?? undefined;
  };

  const listSkills = async (): Promise<Skill[]> => {
    const revision = await activeRevision();
    if (revision === null) return [];
    return (await skills.find({ revision }).sort({ order: 1 }).toArray()).map((d) => d.data);
  };

  return {
    async snapshot() {
      const revision = await activeRevision();
      if (revision === null) return { revision, bank: { skills: [], templates: [] } };
      const [skillDocs, templateDocs] = await Promise.all([
        skills.find({ revision }).sort({ order: 1 }).toArray(),
        templates.find({ revision }).sort({ order: 1 }).toArray(),
      ]);
      return {
        revision,
        bank: { skills: skillDocs.map((d) => d.data), templates: templateDocs.map((d) => d.data) },
      };
    },

    async publish(bank, basedOn): Promise<PublishResult> {
      const revision = revisionId(clock.now());
      let replaced: StateDocument | null | undefined;
      try {
        await stage(revision, bank);
        replaced = await flip(revision, basedOn);
      } catch (error) {
        await removeRevision(revision).catch(() => undefined);
        throw error;
      }
      if (replaced === undefined) {
        await removeRevision(revision).catch(() => undefined);
        return { status: 'conflict' };
      }
      // Housekeeping after the flip: failures here leave only invisible documents behind.
      try {
        if (replaced?.previous != null) await removeRevision(replaced.previous);
        await sweepAbandoned(new Set([revision, ...(basedOn === null ? [] : [basedOn])]));
      } catch {
        // The new bank is active; leftovers are swept by a later publish.
      }
      return { status: 'published', revision };
    },

    listSkills,

    async getSkill(id: SkillId) {
      const revision = await activeRevision();
      if (revision === null) return undefined;
      return (await skills.findOne({ revision, id }))?.data;
    },

    async listTemplates(skillIds?: readonly SkillId[]) {
      const revision = await activeRevision();
      if (revision === null) return [];
      const filter =
        skillIds === undefined ? { revision } : { revision, primarySkill: { $in: [...skillIds] } };
      return (await templates.find(filter).sort({ order: 1 }).toArray()).map((d) => d.data);
    },

    async getTemplate(id: ItemId) {
      const revision = await activeRevision();
      if (revision === null) return undefined;
      return (await templates.findOne({ revision, id }))?.data;
    },

    async prerequisites() {
      return prerequisiteMap(await listSkills());
    },
  };
}
