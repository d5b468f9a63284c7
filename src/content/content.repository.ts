/**
 * Storage of the question bank (port). The bank changes only as a whole: `publish` makes a
 * complete new bank active in one step or changes nothing, so readers never see half an import.
 */
import type { ContentBank, ItemId, ItemTemplate, Skill, SkillId } from './content.model.js';

export interface ContentSnapshot {
  /** The active revision, null while the bank is empty and was never published. */
  readonly revision: string | null;
  readonly bank: ContentBank;
}

export type PublishResult =
  | { readonly status: 'published'; readonly revision: string }
  /** Another import published since `basedOn` was read: nothing was changed. */
  | { readonly status: 'conflict' };

export interface ContentRepository {
  /** The whole active bank and its revision (the base of the next publish). */
  snapshot(): Promise<ContentSnapshot>;
  /**
   * Makes `bank` the active bank if the active revision is still `basedOn`. All or nothing: on
   * any failure (thrown) or conflict the previously active bank stays as it was.
   */
  publish(bank: ContentBank, basedOn: string | null): Promise<PublishResult>;

  listSkills(): Promise<Skill[]>;
  getSkill(id: SkillId): Promise<Skill | undefined>;
  /** Templates whose primary skill is one of `skillIds` (all templates when omitted). */
  listTemplates(skillIds?: readonly SkillId[]): Promise<ItemTemplate[]>;
  getTemplate(id: ItemId): Promise<ItemTemplate | undefined>;
  /** skill id → its direct prerequisites (the engine's `Assignment.prerequisites`). */
  prerequisites(): Promise<Record<string, readonly SkillId[]>>;
}
