import { expect } from 'chai';
import { createNrpsMembershipSource } from '../../../src/lti/nrps.adapter.js';
import { createServicesLaunchHook } from '../../../src/lti/service-endpoints.js';
import { createRosterRepository } from '../../../src/roster/roster.mongo.js';
import { createRosterSync, type RosterSync } from '../../../src/roster/roster-sync.js';
import type { ProfileName, SeedUser } from '../../../src/dev/lms-simulator/index.js';
import { startServicesFixture, type ServicesFixture } from '../../support/lti/services-fixture.js';

describe('roster sync from NRPS against the simulated Canvas and Moodle', function () {
  let fx: ServicesFixture;

  before(async function () {
    fx = await startServicesFixture();
  });
  after(async function () {
    await fx.close();
  });

  async function rosterSync(pageLimit?: number): Promise<RosterSync> {
    return createRosterSync({
      source: createNrpsMembershipSource({
        http: fx.http,
        tokens: fx.tokens,
        clock: fx.clock,
        ...(pageLimit === undefined ? {} : { pageLimit }),
      }),
      courses: fx.endpoints,
      repository: await createRosterRepository(fx.connection),
      clock: fx.clock,
    });
  }

  const courseOf = (profile: ProfileName) => ({
    platformId: fx.platformId(profile),
    contextId: fx.platform(profile).state.course.contextId,
  });

  for (const profile of ['canvas', 'moodle'] as const) {
    it(`${profile}: all 30 students (never launched) arrive across pages, with roles and names but no email`, async function () {
      const sync = await rosterSync(10);
      const platform = fx.platform(profile);
      // Only the instructor ever launched.
      await fx.launch(profile, { user: 'instructor', resourceLinkId: fx.links(profile).graded });
      const from = fx.requests.length;
      const result = await sync.syncCourse(courseOf(profile));
      expect(result.ok, JSON.stringify(result)).to.equal(true);
      if (!result.ok) return;
      expect(result.value.pages).to.equal(4);
      expect(result.value.total).to.equal(32);

      const pages = fx.requests
        .slice(from)
        .filter((r) => r.url.includes('memberships') || r.url.includes('names_and_roles'));
      expect(pages).to.have.length(4);
      const first = new URL(pages[0]!.url);
      expect(first.searchParams.get('limit')).to.equal('10');
      expect(first.searchParams.get('rlid')).to.equal(fx.links(profile).graded);
      // Every later page is the platform's own next link, used as given.
      for (const page of pages.slice(1))
        expect(new URL(page.url).searchParams.get('limit')).to.equal('10');

      const members = await sync.members(courseOf(profile));
      expect(members).to.have.length(32);
      const learners = new Set(members.filter((m) => m.role === 'learner').map((m) => m.userId));
      for (const student of platform.state.students)
        expect(learners.has(student.sub)).to.equal(true);
      expect(platform.state.students).to.have.length(30);
      const ana = members.find((m) => m.userId === platform.state.userByKey('student-01')!.sub)!;
      expect(ana).to.include({ status: 'Active', name: 'Ana Lopez', role: 'learner' });
      expect(ana.roles).to.deep.equal([
        'http://purl.imsglobal.org/vocab/lis/v2/membership#Learner',
      ]);
      const instructor = members.find(
        (m) => m.userId === platform.state.userByKey('instructor')!.sub,
      )!;
      expect(instructor).to.include({ role: 'instructor', name: 'Grace Hopkins' });
      const raw = await fx.connection.collection('pw_roster_members').find({}).toArray();
      expect(raw.some((doc) => 'email' in doc)).to.equal(false);
      const state = await sync.syncState(courseOf(profile));
      expect(state?.lastSyncAt?.getTime()).to.equal(fx.clock.now().getTime());
      expect(state?.memberCount).to.equal(32);
    });
  }

  describe('page size 50 (the Canvas cap)', function () {
    let big: ServicesFixture;
    before(async function () {
      big = await startServicesFixture({
        platforms: [
          { profile: 'canvas', studentCount: 120 },
          { profile: 'moodle', studentCount: 120 },
        ],
      });
    });
    after(async function () {
      await big.close();
    });

    for (const profile of ['canvas', 'moodle'] as const) {
      it(`${profile}: asks for limit=50 and follows every next link (122 members, 3 pages)`, async function () {
        const sync = createRosterSync({
          source: createNrpsMembershipSource({
            http: big.http,
            tokens: big.tokens,
            clock: big.clock,
          }),
          courses: big.endpoints,
          repository: await createRosterRepository(big.connection),
          clock: big.clock,
        });
        await big.launch(profile, { user: 'instructor' });
        const from = big.requests.length;
        const result = await sync.syncCourse({
          platformId: big.platformId(profile),
          contextId: big.platform(profile).state.course.contextId,
        });
        expect(result.ok, JSON.stringify(result)).to.equal(true);
        if (result.ok) {
          expect(result.value.pages).to.equal(3);
          expect(result.value.total).to.equal(122);
        }
        const pages = big.requests
          .slice(from)
          .filter((r) => r.url.includes('memberships') || r.url.includes('names_and_roles'));
        expect(pages).to.have.length(3);
        expect(new URL(pages[0]!.url).searchParams.get('limit')).to.equal('50');
      });
    }
  });

  it('members who leave the course are marked removed; a failed page marks nobody', async function () {
    const sync = await rosterSync(10);
    const platform = fx.platform('canvas');
    await fx.launch('canvas', { user: 'instructor' });
    expect((await sync.syncCourse(courseOf('canvas'))).ok).to.equal(true);

    // The simulator has no unenrol API: take a student out of its roster array, as Canvas would.
    const users = platform.state.users as SeedUser[];
    const index = users.findIndex((u) => u.key === 'student-30');
    const [gone] = users.splice(index, 1);
    try {
      // Page 3 fails (pages 1-2 pass after a 1 ms delay): the sync fails and keeps everyone.
      const pagesBefore = platform.state.countRequests('memberships');
      platform.faults.inject('memberships', { kind: 'delay', ms: 1 }, 2);
      platform.faults.inject('memberships', { kind: 'error', status: 500 }, 1);
      fx.clock.advance(60_000);
      const failed = await sync.syncCourse(courseOf('canvas'));
      expect(failed.ok).to.equal(false);
      if (!failed.ok) expect(failed.error.type).to.equal('fetch-failed');
      expect(platform.state.countRequests('memberships') - pagesBefore).to.equal(3);
      let members = await sync.members(courseOf('canvas'));
      expect(members.filter((m) => m.removedAt !== undefined)).to.have.length(0);
      expect((await sync.syncState(courseOf('canvas')))?.lastError).to.match(/500/);

      fx.clock.advance(60_000);
      const ok = await sync.syncCourse(courseOf('canvas'));
      expect(ok.ok).to.equal(true);
      if (ok.ok) expect(ok.value.removed).to.equal(1);
      members = await sync.members(courseOf('canvas'));
      const removed = members.find((m) => m.userId === gone!.sub)!;
      expect(removed.status).to.equal('Deleted');
      expect(removed.removedAt?.getTime()).to.equal(fx.clock.now().getTime());
      expect(members.filter((m) => m.status !== 'Deleted')).to.have.length(31);
    } finally {
      users.splice(index, 0, gone!);
    }
    fx.clock.advance(60_000);
    const back = await sync.syncCourse(courseOf('canvas'));
    expect(back.ok && back.value.updated).to.equal(1);
    const returned = (await sync.members(courseOf('canvas'))).find((m) => m.userId === gone!.sub)!;
    expect(returned).to.include({ status: 'Active', removedAt: undefined });
  });

  it('the launch hook stores endpoints and syncs on an instructor launch, at most every 10 minutes', async function () {
    const sync = await rosterSync();
    const platform = fx.platform('moodle');
    const pending: Promise<unknown>[] = [];
    const hook = createServicesLaunchHook({
      endpoints: fx.endpoints,
      clock: fx.clock,
      onInstructorLaunch: (course) => {
        const run = sync.onInstructorLaunch(course);
        pending.push(run);
        return run;
      },
    });
    const registration = (await fx.registry.findById(fx.platformId('moodle')))!;
    const launchAs = async (user: string) => {
      const launch = await fx.launch('moodle', { user });
      await hook({ registration, session: { launch } });
    };
    fx.clock.advance(60 * 60_000);
    const before = platform.state.countRequests('memberships');
    await launchAs('student-05');
    expect(pending).to.have.length(0);
    await launchAs('instructor');
    expect(pending).to.have.length(1);
    const first = await pending[0];
    expect(first).to.have.property('ok', true);
    fx.clock.advance(5 * 60_000);
    await launchAs('instructor');
    expect(await pending[1]).to.equal('skipped');
    fx.clock.advance(6 * 60_000);
    await launchAs('instructor');
    expect(await pending[2]).to.have.property('ok', true);
    expect(platform.state.countRequests('memberships') - before).to.equal(2);
  });

  it('scheduleRosterSync: runDue syncs only courses whose last sync is stale', async function () {
    const sync = await rosterSync();
    await fx.launch('canvas', { user: 'instructor' });
    await fx.launch('moodle', { user: 'instructor' });
    const scheduler = sync.scheduleRosterSync({ intervalMs: 60 * 60_000 });
    try {
      fx.clock.advance(2 * 60 * 60_000);
      const first = await scheduler.runDue();
      expect(first).to.have.length(2);
      expect(first.every((r) => r.ok)).to.equal(true);
      fx.clock.advance(30 * 60_000);
      expect(await scheduler.runDue()).to.have.length(0);
      fx.clock.advance(30 * 60_000);
      expect(await scheduler.runDue()).to.have.length(2);
    } finally {
      await scheduler.stop();
    }
  });

  it('a course without a roster service is reported, not synced', async function () {
    const sync = await rosterSync();
    const result = await sync.syncCourse({
      platformId: fx.platformId('canvas'),
      contextId: 'nope',
    });
    expect(result.ok).to.equal(false);
    if (!result.ok) expect(result.error.type).to.equal('no-roster-service');
  });
});
