/**
 * The question bank as practice reads it: the active bank kept in memory for a few seconds, so
 * an answer does not cost two bank queries. A publish shows up after at most `ttlMs`.
 */
import type { ContentBank, ItemTemplate } from '../content/content.model.js';
import type { ContentRepository } from '../content/content.repository.js';
import type { SkillId } from '../engine/index.js';
import type { Clock } from '../shared/clock.js';
import type { PracticeContent } from './practice.service.js';

export function cachedPracticeContent(
  repository: ContentRepository,
  clock: Clock,
  ttlMs = 5000,
): PracticeContent {
  let cached:
    { bank: ContentBank; byPrimarySkill: Map<string, ItemTemplate[]>; at: number } | undefined;
  let loading: Promise<NonNullable<typeof cached>> | undefined;

  async function bank(): Promise<NonNullable<typeof cached>> {
    const now = clock.now().getTime();
    if (cached !== undefined && now - cached.at < ttlMs) return cached;
    // Concurrent requests share one reload.
    loading ??= repository
      .snapshot()
      .then(({ bank: loaded }) => {
        const byPrimarySkill = new Map<string, ItemTemplate[]>();
        for (const template of loaded.templates) {
          const list = byPrimarySkill.get(template.skills[0]) ?? [];
          list.push(template);
          byPrimarySkill.set(template.skills[0], list);
        }
        cached = { bank: loaded, byPrimarySkill, at: now };
        return cached;
      })
      .finally(() => {
        loading = undefined;
      });
    return loading;
  }

  return {
    skills: async () => (await bank()).bank.skills,
    templatesForSkills: async (skillIds: readonly SkillId[]) => {
      const { byPrimarySkill } = await bank();
      return skillIds.flatMap((id) => byPrimarySkill.get(id) ?? []);
    },
  };
}
