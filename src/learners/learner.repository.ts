import type { LearnerKey, LearnerProfile } from './learner.js';

export interface LearnerRepository {
  /** The learner's profile, created on first sight (safe when two requests race). */
  findOrCreate(platformId: string, key: LearnerKey, now: Date): Promise<LearnerProfile>;
  findByKey(key: LearnerKey): Promise<LearnerProfile | undefined>;
  findById(id: string): Promise<LearnerProfile | undefined>;
  /** Profiles of these platform users (dashboards); unknown users are simply absent. */
  listByUsers(
    issuer: string,
    clientId: string,
    userIds: readonly string[],
  ): Promise<LearnerProfile[]>;
  /**
   * Stores `next` if the stored version is still `next.version - 1`; 'conflict' when another
   * request wrote in between (the caller reloads and retries).
   */
  save(next: LearnerProfile): Promise<'saved' | 'conflict'>;
  delete(id: string): Promise<boolean>;
}
