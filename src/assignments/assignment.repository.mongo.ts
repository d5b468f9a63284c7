import { randomUUID } from 'node:crypto';
import type { Connection } from 'mongoose';
import type { Clock } from '../shared/clock.js';
import { DEFAULT_ASSIGNMENT_SETTINGS, type AssignmentSettings } from './assignment-settings.js';
import type { Assignment, AssignmentRepository } from './assignment.repository.js';

/** MongoDB keeps null, not undefined. */
type StoredSettings = Omit<AssignmentSettings, 'maxItems'> & { maxItems: number | null };

interface AssignmentDocument {
  _id: string;
  platformId: string;
  deploymentId: string;
  courseId: string;
  title: string;
  scoreMaximum: number;
  dueAt: Date | null;
  /** Absent on assignments created before settings existed. */
  settings?: StoredSettings;
  createdAt: Date;
  updatedAt?: Date;
}

const toAssignment = (doc: AssignmentDocument): Assignment => ({
  id: doc._id,
  platformId: doc.platformId,
  deploymentId: doc.deploymentId,
  courseId: doc.courseId,
  title: doc.title,
  scoreMaximum: doc.scoreMaximum,
  dueAt: doc.dueAt ?? undefined,
  settings:
    doc.settings === undefined
      ? DEFAULT_ASSIGNMENT_SETTINGS
      : { ...doc.settings, maxItems: doc.settings.maxItems ?? undefined },
  createdAt: doc.createdAt,
  updatedAt: doc.updatedAt ?? doc.createdAt,
});

const storedSettings = (settings: AssignmentSettings): StoredSettings => ({
  ...settings,
  maxItems: settings.maxItems ?? null,
});

export async function createAssignmentRepository(
  connection: Connection,
  clock: Clock,
): Promise<AssignmentRepository> {
  const assignments = connection.collection<AssignmentDocument>('pw_assignments');
  await assignments.createIndex({ platformId: 1, courseId: 1, createdAt: 1 });
  return {
    async create(input) {
      const now = clock.now();
      const doc: AssignmentDocument = {
        _id: randomUUID(),
        platformId: input.platformId,
        deploymentId: input.deploymentId,
        courseId: input.courseId,
        title: input.title,
        scoreMaximum: input.scoreMaximum,
        dueAt: input.dueAt ?? null,
        settings: storedSettings(input.settings ?? DEFAULT_ASSIGNMENT_SETTINGS),
        createdAt: now,
        updatedAt: now,
      };
      await assignments.insertOne(doc);
      return toAssignment(doc);
    },
    async find(platformId, courseId, id) {
      const doc = await assignments.findOne({ _id: id, platformId, courseId });
      return doc === null ? undefined : toAssignment(doc);
    },
    async listForCourse(platformId, courseId) {
      const docs = await assignments
        .find({ platformId, courseId })
        .sort({ createdAt: 1 })
        .toArray();
      return docs.map(toAssignment);
    },
    async update(platformId, courseId, id, changes) {
      const doc = await assignments.findOneAndUpdate(
        { _id: id, platformId, courseId },
        {
          $set: {
            title: changes.title,
            scoreMaximum: changes.scoreMaximum,
            dueAt: changes.dueAt ?? null,
            settings: storedSettings(changes.settings),
            updatedAt: clock.now(),
          },
        },
        { returnDocument: 'after' },
      );
      return doc === null ? undefined : toAssignment(doc);
    },
  };
}
