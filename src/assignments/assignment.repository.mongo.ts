import { randomUUID } from 'node:crypto';
import type { Connection } from 'mongoose';
import type { Clock } from '../shared/clock.js';
import type { Assignment, AssignmentRepository } from './assignment.repository.js';

interface AssignmentDocument {
  _id: string;
  platformId: string;
  deploymentId: string;
  courseId: string;
  title: string;
  scoreMaximum: number;
  dueAt: Date | null;
  createdAt: Date;
}

const toAssignment = (doc: AssignmentDocument): Assignment => ({
  id: doc._id,
  platformId: doc.platformId,
  deploymentId: doc.deploymentId,
  courseId: doc.courseId,
  title: doc.title,
  scoreMaximum: doc.scoreMaximum,
  dueAt: doc.dueAt ?? undefined,
  createdAt: doc.createdAt,
});

export async function createAssignmentRepository(
  connection: Connection,
  clock: Clock,
): Promise<AssignmentRepository> {
  const assignments = connection.collection<AssignmentDocument>('pw_assignments');
  await assignments.createIndex({ platformId: 1, courseId: 1, createdAt: 1 });
  return {
    async create(input) {
      const doc: AssignmentDocument = {
        _id: randomUUID(),
        ...input,
        dueAt: input.dueAt ?? null,
        createdAt: clock.now(),
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
  };
}
