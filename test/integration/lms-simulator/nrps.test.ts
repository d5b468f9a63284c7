import { expect } from 'chai';
import { MEDIA_TYPE, ROLE, SCOPE, type SimulatedPlatform } from '../../support/platform/index.js';
import { firstRegistration, startFixture, type Fixture } from './helpers.js';

interface Container {
  readonly id: string;
  readonly context: Record<string, unknown>;
  readonly members: Record<string, unknown>[];
}

describe('LMS simulator: Names and Role Provisioning Services', function () {
  let fx: Fixture;
  before(async function () {
    fx = await startFixture();
  });
  after(async function () {
    await fx.close();
  });

  async function get(platform: SimulatedPlatform, url: string, clientId?: string) {
    const registration =
      clientId === undefined
        ? [...platform.state.registrations.values()][0]!
        : platform.state.registrations.get(clientId)!;
    const token = await fx.tool.accessToken(platform, registration.clientId, [SCOPE.nrps]);
    const response = await fetch(url, {
      headers: {
        Authorization: `Bearer ${String(token.body['access_token'])}`,
        'User-Agent': 'Pathwise-test/1.0',
        Accept: MEDIA_TYPE.membershipContainer,
      },
    });
    const link = response.headers.get('link');
    return {
      status: response.status,
      type: response.headers.get('content-type'),
      link: link === null ? null : Buffer.from(link, 'latin1').toString('utf8'),
      body: (await response.json()) as Container,
    };
  }

  it('seeded course: 1 instructor, 1 TA, 30 students with deterministic ids', function () {
    const { platform } = firstRegistration(fx, 'canvas');
    expect(platform.state.users).to.have.length(32);
    expect(platform.state.students).to.have.length(30);
    expect(platform.state.users.filter((u) => u.role === 'instructor')).to.have.length(1);
    const moodle = fx.sim.simulator.platform('moodle');
    expect(moodle.state.userByKey('student-01')!.sub).to.equal('5');
  });

  it('canvas: pages of 50 at most with rel="next"; limit overrides below the cap', async function () {
    const { platform, registration } = firstRegistration(fx, 'canvas');
    const url = platform.urls.memberships(platform.state.course.id, registration.typeId);
    const all = await get(platform, url);
    expect(all.status).to.equal(200);
    expect(all.type).to.contain(MEDIA_TYPE.membershipContainer);
    expect(all.body.members).to.have.length(32);
    expect(all.link).to.equal(null);
    const capped = await get(platform, `${url}?limit=500`);
    expect(capped.body.members).to.have.length(32);
    const first = await get(platform, `${url}?limit=20`);
    expect(first.body.members).to.have.length(20);
    const next = /^<([^>]+)>; rel="next"$/.exec(first.link ?? '')?.[1];
    expect(next).to.be.a('string');
    const second = await get(platform, next!);
    expect(second.body.members).to.have.length(12);
    expect(second.link).to.equal(null);
    const member = first.body.members.find(
      (m) => m['user_id'] === platform.state.userByKey('student-01')!.sub,
    )!;
    expect(member).to.include({
      status: 'Active',
      name: 'Ana Lopez',
      email: 'ana.lopez@example.edu',
    });
    expect(member['roles']).to.deep.equal([ROLE.learner]);
    expect(member['lti11_legacy_user_id']).to.be.a('string');
    expect(all.body.context).to.include({ id: platform.state.course.contextId });
  });

  it('canvas: a 60-student course comes back as 50 + 12 members (MAX_PAGE_SIZE 50)', async function () {
    const big = await startFixture({ platforms: [{ profile: 'canvas', studentCount: 60 }] });
    try {
      const platform = big.sim.simulator.platform('canvas');
      const registration = [...platform.state.registrations.values()][0]!;
      const token = await big.tool.accessToken(platform, registration.clientId, [SCOPE.nrps]);
      const headers = {
        Authorization: `Bearer ${String(token.body['access_token'])}`,
        'User-Agent': 'Pathwise-test/1.0',
      };
      const first = await fetch(
        platform.urls.memberships(platform.state.course.id, registration.typeId),
        { headers },
      );
      expect(((await first.json()) as Container).members).to.have.length(50);
      const next = /^<([^>]+)>; rel="next"$/.exec(first.headers.get('link') ?? '')?.[1];
      const second = await fetch(next!, { headers });
      expect(((await second.json()) as Container).members).to.have.length(12);
      expect(second.headers.get('link')).to.equal(null);
    } finally {
      await big.close();
    }
  });

  it('moodle: everything without limit; with limit, from-paging and a Link header with typographic quotes', async function () {
    const { platform, registration } = firstRegistration(fx, 'moodle');
    const url = platform.urls.memberships(platform.state.course.id, registration.typeId);
    const all = await get(platform, url);
    expect(all.body.members).to.have.length(32);
    expect(all.link).to.equal(null);
    const seen: string[] = [];
    let next: string | undefined = `${url}?limit=10`;
    let pages = 0;
    while (next !== undefined) {
      const page = await get(platform, next);
      pages += 1;
      seen.push(...page.body.members.map((m) => String(m['user_id'])));
      if (page.link !== null) expect(page.link).to.match(/rel=“next”$/);
      next = /^<([^>]+)>; rel=“next”$/.exec(page.link ?? '')?.[1];
    }
    expect(pages).to.equal(4);
    expect(new Set(seen).size).to.equal(32);
  });

  it('names and email follow the privacy setting; rlid must be a link of this tool', async function () {
    const platform = fx.sim.simulator.platform('canvas');
    const anonymous = platform.registerTool({ ...fx.tool.toolOptions(), privacy: 'anonymous' });
    const url = platform.urls.memberships(platform.state.course.id, anonymous.typeId);
    const page = await get(platform, url, anonymous.clientId);
    for (const member of page.body.members)
      expect(member).to.not.have.any.keys('name', 'email', 'given_name', 'family_name');
    const link = [...platform.state.resourceLinks.values()].find(
      (l) => l.clientId === anonymous.clientId,
    )!;
    expect((await get(platform, `${url}?rlid=${link.id}`, anonymous.clientId)).status).to.equal(
      200,
    );
    expect((await get(platform, `${url}?rlid=forged`, anonymous.clientId)).status).to.equal(400);
  });
});
