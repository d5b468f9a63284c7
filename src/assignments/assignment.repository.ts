import type { AssignmentSettings } from './assignment-settings.js';

/**
 * An assignment is what an instructor creates through Deep Linking: one Pathwise activity placed
 * in one course, named in the LMS link's custom parameters (`pathwise_assignment_id`).
 */
export interface Assignment {
  readonly id: string;
  readonly platformId: string;
  readonly deploymentId: string;
  readonly courseId: string;
  readonly title: string;
  /** Points in the LMS gradebook (the line item's scoreMaximum). */
  readonly scoreMaximum: number;
  readonly dueAt: Date | undefined;
  /** What the learners practise and how it is scored. */
  readonly settings: AssignmentSettings;
  readonly createdAt: Date;
  readonly updatedAt: Date;
}

export type NewAssignment = Omit<Assignment, 'id' | 'createdAt' | 'updatedAt' | 'settings'> & {
  readonly settings?: AssignmentSettings;
};

/** What an instructor may change later; learners' progress is kept (it lives in their profiles). */
export type AssignmentChanges = Pick<Assignment, 'title' | 'scoreMaximum' | 'dueAt' | 'settings'>;

export interface AssignmentRepository {
  create(input: NewAssignment): Promise<Assignment>;
  /** Scoped by platform and course: an id from another course or platform finds nothing. */
  find(platformId: string, courseId: string, id: string): Promise<Assignment | undefined>;
  listForCourse(platformId: string, courseId: string): Promise<readonly Assignment[]>;
  /** Scoped like `find`; undefined when there is no such assignment in that course. */
  update(
    platformId: string,
    courseId: string,
    id: string,
    changes: AssignmentChanges,
  ): Promise<Assignment | undefined>;
}
