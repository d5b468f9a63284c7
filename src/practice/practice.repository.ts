import type { ItemStats } from '../engine/index.js';
import type { AttemptRecord, PracticeSet } from './practice-set.js';

export interface PracticeSetRepository {
  find(id: string): Promise<PracticeSet | undefined>;
  /** Inserts a new set; returns the stored one if a parallel request created it first. */
  create(set: PracticeSet): Promise<PracticeSet>;
  /** Stores `next` if the stored version is `next.version - 1`. */
  save(next: PracticeSet): Promise<'saved' | 'conflict'>;
  listForAssignment(assignmentId: string): Promise<PracticeSet[]>;
  listForLearner(learnerId: string): Promise<PracticeSet[]>;
  deleteForLearner(learnerId: string): Promise<number>;
}

export interface AttemptRepository {
  /** 'duplicate' when this step was already answered (a form posted twice). */
  insert(attempt: AttemptRecord): Promise<'inserted' | 'duplicate'>;
  find(id: string): Promise<AttemptRecord | undefined>;
  listForAssignment(assignmentId: string): Promise<AttemptRecord[]>;
  listForLearner(learnerId: string): Promise<AttemptRecord[]>;
  deleteForLearner(learnerId: string): Promise<number>;
}

/** Running statistics per item template, shared by every learner (never personal data). */
export interface ItemStatsRepository {
  statsFor(templateIds: readonly string[]): Promise<Map<string, ItemStats>>;
  increment(templateId: string, skillId: string, increment: ItemStats): Promise<void>;
}
