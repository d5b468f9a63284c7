/**
 * The learner service over the real stores, for the administration CLI (the server builds the
 * same from the repositories it already holds, in composition.ts).
 */
import type { Connection } from 'mongoose';
import { createGradeOutboxRepository } from '../grading/grade-outbox.mongo.js';
import { createLearnerRepository } from '../learners/learner.repository.mongo.js';
import { createLearnerService, type LearnerService } from '../learners/learner.service.js';
import { createLtiSessionStore } from '../lti/launch-stores.mongo.js';
import {
  createAttemptRepository,
  createPracticeSetRepository,
} from '../practice/practice.repository.mongo.js';
import { createRosterRepository } from '../roster/roster.mongo.js';
import type { Clock } from '../shared/clock.js';
import { learnerDataSources } from './learner-data-sources.js';

export async function createLearnerPrivacyService(
  connection: Connection,
  clock: Clock,
): Promise<LearnerService> {
  return createLearnerService({
    learners: await createLearnerRepository(connection),
    sources: learnerDataSources({
      sets: await createPracticeSetRepository(connection),
      attempts: await createAttemptRepository(connection),
      outbox: await createGradeOutboxRepository(connection),
      roster: await createRosterRepository(connection),
      sessions: await createLtiSessionStore(connection),
    }),
    clock,
  });
}
