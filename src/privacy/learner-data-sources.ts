/**
 * Every store that holds data about a learner, as export/erase sources. A new collection with
 * personal data must be added here: the privacy tests export and erase through this list.
 */
import type { GradeOutboxRepository } from '../grading/grade-outbox.js';
import type { LearnerDataSource } from '../learners/learner.service.js';
import type { LtiSessionStore } from '../lti/launch-stores.js';
import type { AttemptRepository, PracticeSetRepository } from '../practice/practice.repository.js';
import type { RosterRepository } from '../roster/roster-sync.js';

export function learnerDataSources(stores: {
  readonly sets: PracticeSetRepository;
  readonly attempts: AttemptRepository;
  readonly outbox: GradeOutboxRepository;
  readonly roster: RosterRepository;
  readonly sessions: LtiSessionStore;
}): LearnerDataSource[] {
  return [
    {
      name: 'practiceSets',
      export: (s) =>
        s.learnerId === undefined ? Promise.resolve([]) : stores.sets.listForLearner(s.learnerId),
      erase: (s) =>
        s.learnerId === undefined ? Promise.resolve(0) : stores.sets.deleteForLearner(s.learnerId),
    },
    {
      name: 'answers',
      export: (s) =>
        s.learnerId === undefined
          ? Promise.resolve([])
          : stores.attempts.listForLearner(s.learnerId),
      erase: (s) =>
        s.learnerId === undefined
          ? Promise.resolve(0)
          : stores.attempts.deleteForLearner(s.learnerId),
    },
    {
      name: 'gradebookScores',
      export: (s) => stores.outbox.listForUser(s.platformId, s.key.userId),
      erase: (s) => stores.outbox.deleteForUser(s.platformId, s.key.userId),
    },
    {
      name: 'courseMemberships',
      export: (s) => stores.roster.membershipsOf(s.platformId, s.key.userId),
      erase: (s) => stores.roster.deleteMember(s.platformId, s.key.userId),
    },
    {
      // Sessions expire within hours; they are erased but not exported (the launch data in
      // them came from the LMS a moment ago).
      name: 'sessions',
      export: () => Promise.resolve('active sessions are not exported; they expire within hours'),
      erase: (s) => stores.sessions.deleteForUser(s.platformId, s.key.userId),
    },
  ];
}
