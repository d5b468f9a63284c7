import { expect } from 'chai';
import {
  planRosterChanges,
  type FetchedMember,
  type RosterMember,
} from '../../../src/roster/roster-sync.js';

const LEARNER = 'http://purl.imsglobal.org/vocab/lis/v2/membership#Learner';
const earlier = new Date(Date.UTC(2026, 1, 1));
const now = new Date(Date.UTC(2026, 2, 1));

const stored = (userId: string, extra: Partial<RosterMember> = {}): RosterMember => ({
  platformId: 'p',
  contextId: 'c',
  userId,
  status: 'Active',
  roles: [LEARNER],
  role: 'learner',
  name: `Name ${userId}`,
  removedAt: undefined,
  firstSeenAt: earlier,
  lastSeenAt: earlier,
  ...extra,
});
const fetched = (userId: string, extra: Partial<FetchedMember> = {}): FetchedMember => ({
  userId,
  status: 'Active',
  roles: [LEARNER],
  role: 'learner',
  name: `Name ${userId}`,
  ...extra,
});

describe('roster: planRosterChanges', function () {
  it('adds new members, updates changed ones, keeps first-seen, marks the missing removed', function () {
    const plan = planRosterChanges(
      'p',
      'c',
      [
        stored('same'),
        stored('renamed'),
        stored('gone'),
        stored('left-before', { status: 'Deleted', removedAt: earlier }),
      ],
      [
        fetched('same'),
        fetched('renamed', { name: 'New Name' }),
        fetched('new'),
        fetched('inactive', { status: 'Inactive' }),
      ],
      now,
    );
    expect(plan).to.include({ added: 2, updated: 1, removed: 1, unchanged: 1 });
    const byId = new Map(plan.writes.map((m) => [m.userId, m]));
    expect(byId.get('renamed')).to.include({
      name: 'New Name',
      firstSeenAt: earlier,
      lastSeenAt: now,
    });
    expect(byId.get('new')).to.include({ firstSeenAt: now });
    expect(byId.get('inactive')?.status).to.equal('Inactive');
    expect(byId.get('gone')).to.include({ status: 'Deleted', removedAt: now });
    expect(byId.has('left-before')).to.equal(false);
  });

  it('a member who comes back is active again; a name the platform stops sending is dropped', function () {
    const plan = planRosterChanges(
      'p',
      'c',
      [stored('back', { status: 'Deleted', removedAt: earlier }), stored('private')],
      [fetched('back'), fetched('private', { name: undefined })],
      now,
    );
    expect(plan).to.include({ updated: 2, removed: 0 });
    const byId = new Map(plan.writes.map((m) => [m.userId, m]));
    expect(byId.get('back')).to.include({ status: 'Active', removedAt: undefined });
    expect(byId.get('private')?.name).to.equal(undefined);
  });

  it('duplicates in the fetched list count once; role order does not matter', function () {
    const roles = [LEARNER, 'http://purl.imsglobal.org/vocab/lis/v2/membership#Mentor'];
    const plan = planRosterChanges(
      'p',
      'c',
      [stored('a', { roles })],
      [fetched('a', { roles: [...roles].reverse() }), fetched('a')],
      now,
    );
    expect(plan).to.include({ unchanged: 1, added: 0, updated: 0 });
    expect(plan.writes).to.have.length(1);
  });
});
