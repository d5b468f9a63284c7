import { expect } from 'chai';
import { MEDIA_TYPE, SCOPE, type SimulatedPlatform } from '../../support/platform/index.js';
import { ManualClock } from '../../../src/shared/clock.js';
import { firstRegistration, startFixture, type Fixture } from './helpers.js';

const ALL = [SCOPE.lineItem, SCOPE.lineItemReadOnly, SCOPE.score, SCOPE.resultReadOnly];

describe('LMS simulator: Assignment and Grade Services', function () {
  let fx: Fixture;
  const clock = new ManualClock(Date.UTC(2026, 2, 1, 12, 0, 0));
  const tokens = new Map<string, string>();

  before(async function () {
    fx = await startFixture({ clock });
  });
  after(async function () {
    await fx.close();
  });

  async function call(
    platform: SimulatedPlatform,
    url: string,
    init: { method?: string; body?: unknown; type?: string } = {},
  ): Promise<{ status: number; body: unknown; headers: Headers }> {
    const registration = [...platform.state.registrations.values()][0]!;
    let token = tokens.get(platform.profile);
    if (token === undefined) {
      const now = Math.floor(clock.now().getTime() / 1000);
      const assertion = fx.tool.clientAssertion(registration.clientId, platform.urls.token, {
        nowSeconds: now,
      });
      const result = await fx.tool.accessToken(platform, registration.clientId, ALL, assertion);
      token = String(result.body['access_token']);
      tokens.set(platform.profile, token);
    }
    const response = await fetch(url, {
      method: init.method ?? 'GET',
      headers: {
        Authorization: `Bearer ${token}`,
        'User-Agent': 'Pathwise-test/1.0',
        ...(init.body === undefined ? {} : { 'Content-Type': init.type ?? MEDIA_TYPE.score }),
      },
      ...(init.body === undefined ? {} : { body: JSON.stringify(init.body) }),
    });
    const text = await response.text();
    return {
      status: response.status,
      body: text === '' ? undefined : (JSON.parse(text) as unknown),
      headers: response.headers,
    };
  }

  const lineItemOf = (platform: SimulatedPlatform) => [...platform.state.lineItems.values()][0]!;
  const scoresUrl = (platform: SimulatedPlatform) => {
    const item = lineItemOf(platform);
    const url = new URL(item.url);
    url.pathname += '/scores';
    return url.toString();
  };
  const score = (
    platform: SimulatedPlatform,
    userKey: string,
    extra: Record<string, unknown> = {},
  ) => ({
    userId: platform.state.userByKey(userKey)!.sub,
    scoreGiven: 7,
    scoreMaximum: 10,
    activityProgress: 'Completed',
    gradingProgress: 'FullyGraded',
    timestamp: clock.now().toISOString(),
    ...extra,
  });

  describe('line items', function () {
    it('lists, filters, creates, updates and deletes line items with the AGS media types', async function () {
      const { platform } = firstRegistration(fx, 'canvas');
      const container = platform.urls.lineItems(platform.state.course.id);
      const listed = await call(platform, container);
      expect(listed.status).to.equal(200);
      expect(listed.headers.get('content-type')).to.contain(MEDIA_TYPE.lineItemContainer);
      expect(listed.body).to.have.length(1);
      const link = [...platform.state.resourceLinks.values()][0]!;
      const created = await call(platform, container, {
        method: 'POST',
        type: MEDIA_TYPE.lineItem,
        body: {
          label: 'Quiz 2',
          scoreMaximum: 20,
          resourceLinkId: link.id,
          tag: 'quiz',
          resourceId: 'q2',
        },
      });
      expect(created.status).to.equal(200);
      expect(created.headers.get('content-type')).to.contain(MEDIA_TYPE.lineItem);
      const id = (created.body as Record<string, string>)['id']!;
      expect((await call(platform, `${container}?tag=quiz`)).body).to.have.length(1);
      expect((await call(platform, `${container}?resource_id=q2`)).body).to.have.length(1);
      expect(
        (await call(platform, `${container}?resource_link_id=${link.id}`)).body,
      ).to.have.length(2);
      const paged = await call(platform, `${container}?limit=1`);
      expect(paged.body).to.have.length(1);
      expect(paged.headers.get('link')).to.match(/^<[^>]+page=2[^>]*>; rel="next"$/);
      const updated = await call(platform, id, {
        method: 'PUT',
        type: MEDIA_TYPE.lineItem,
        body: { label: 'Quiz 2b', scoreMaximum: 25 },
      });
      expect(updated.body).to.include({ label: 'Quiz 2b', scoreMaximum: 25 });
      expect((await call(platform, id, { method: 'DELETE' })).status).to.equal(204);
      expect((await call(platform, id)).status).to.equal(404);
    });

    it('refuses a line item without label or with scoreMaximum ≤ 0 (400)', async function () {
      for (const profile of ['canvas', 'moodle'] as const) {
        const { platform, registration } = firstRegistration(fx, profile);
        const container = platform.urls.lineItems(platform.state.course.id, registration.typeId);
        for (const body of [
          { scoreMaximum: 10 },
          { label: ' ', scoreMaximum: 10 },
          { label: 'x', scoreMaximum: 0 },
          { label: 'x' },
        ]) {
          expect(
            (await call(platform, container, { method: 'POST', type: MEDIA_TYPE.lineItem, body }))
              .status,
          ).to.equal(400);
        }
      }
    });

    it("canvas: the assignment's default line item cannot be deleted (401); unknown resourceLinkId → 404", async function () {
      const { platform } = firstRegistration(fx, 'canvas');
      const coupled = [...platform.state.lineItems.values()].find((li) => li.coupled)!;
      expect((await call(platform, coupled.url, { method: 'DELETE' })).status).to.equal(401);
      const container = platform.urls.lineItems(platform.state.course.id);
      const missing = await call(platform, container, {
        method: 'POST',
        type: MEDIA_TYPE.lineItem,
        body: { label: 'x', scoreMaximum: 1, resourceLinkId: 'nope' },
      });
      expect(missing.status).to.equal(404);
    });

    it('moodle: line item ids and scores URLs carry ?type_id=, creation answers 201, Link header uses curly quotes', async function () {
      const { platform, registration } = firstRegistration(fx, 'moodle');
      const container = platform.urls.lineItems(platform.state.course.id, registration.typeId);
      expect(container).to.match(/\/lineitems\?type_id=\d+$/);
      const created = await call(platform, container, {
        method: 'POST',
        type: MEDIA_TYPE.lineItem,
        body: { label: 'Extra', scoreMaximum: 5 },
      });
      expect(created.status).to.equal(201);
      expect((created.body as Record<string, string>)['id']).to.match(
        /\/lineitems\/\d+\/lineitem\?type_id=\d+$/,
      );
      const paged = await call(platform, `${container}&limit=1`);
      expect(paged.status).to.equal(200);
      // The wire carries the UTF-8 bytes of the typographic quotes, as Moodle's PHP sends them.
      const raw = Buffer.from(paged.headers.get('link') ?? '', 'latin1').toString('utf8');
      expect(raw).to.match(/^<[^>]+from=1[^>]*>; rel=“next”$/);
      const withoutType = container.replace(/\?type_id=\d+/, '');
      expect((await call(platform, withoutType)).status).to.equal(400);
    });
  });

  describe('canvas score rules', function () {
    it('accepts a complete score, keeps history, and returns resultUrl', async function () {
      const { platform } = firstRegistration(fx, 'canvas');
      clock.advance(1000);
      const result = await call(platform, scoresUrl(platform), {
        method: 'POST',
        body: score(platform, 'student-01'),
      });
      expect(result.status).to.equal(200);
      expect(result.body).to.have.property('resultUrl');
      const item = lineItemOf(platform);
      const sub = platform.state.userByKey('student-01')!.sub;
      expect(platform.state.resultFor(item.id, sub)).to.include({
        scoreGiven: 7,
        scoreMaximum: 10,
      });
      expect(platform.state.scoresFor(item.id, sub)).to.have.length(1);
      expect(platform.state.scoresFor(item.id, sub)[0]!.userAgent).to.equal('Pathwise-test/1.0');
    });

    for (const field of ['userId', 'activityProgress', 'gradingProgress', 'timestamp']) {
      it(`missing ${field} → 400`, async function () {
        const { platform } = firstRegistration(fx, 'canvas');
        const body = score(platform, 'student-02');
        Reflect.deleteProperty(body, field);
        expect(
          (await call(platform, scoresUrl(platform), { method: 'POST', body })).status,
        ).to.equal(400);
      });
    }

    it('scoreGiven without scoreMaximum → 422; a non-student userId → 422', async function () {
      const { platform } = firstRegistration(fx, 'canvas');
      const noMax = score(platform, 'student-02');
      Reflect.deleteProperty(noMax, 'scoreMaximum');
      expect(
        (await call(platform, scoresUrl(platform), { method: 'POST', body: noMax })).status,
      ).to.equal(422);
      expect(
        (
          await call(platform, scoresUrl(platform), {
            method: 'POST',
            body: score(platform, 'instructor'),
          })
        ).status,
      ).to.equal(422);
      expect(
        (
          await call(platform, scoresUrl(platform), {
            method: 'POST',
            body: { ...score(platform, 'student-02'), userId: 'ghost' },
          })
        ).status,
      ).to.equal(422);
    });

    it('a timestamp older than the last update → 400; same or later → accepted', async function () {
      const { platform } = firstRegistration(fx, 'canvas');
      clock.advance(5000);
      const first = score(platform, 'student-04');
      expect(
        (await call(platform, scoresUrl(platform), { method: 'POST', body: first })).status,
      ).to.equal(200);
      const older = { ...first, timestamp: new Date(clock.now().getTime() - 1000).toISOString() };
      const refused = await call(platform, scoresUrl(platform), { method: 'POST', body: older });
      expect(refused.status).to.equal(400);
      clock.advance(10);
      expect(
        (
          await call(platform, scoresUrl(platform), {
            method: 'POST',
            body: score(platform, 'student-04'),
          })
        ).status,
      ).to.equal(200);
      const item = lineItemOf(platform);
      expect(
        platform.state.scoresFor(item.id, platform.state.userByKey('student-04')!.sub),
      ).to.have.length(2);
    });

    it('Pending grading ignores scoreGiven', async function () {
      const { platform } = firstRegistration(fx, 'canvas');
      clock.advance(1000);
      await call(platform, scoresUrl(platform), {
        method: 'POST',
        body: score(platform, 'student-05', { gradingProgress: 'Pending' }),
      });
      expect(
        platform.state.resultFor(
          lineItemOf(platform).id,
          platform.state.userByKey('student-05')!.sub,
        )?.scoreGiven,
      ).to.equal(null);
    });
  });

  describe('moodle score rules', function () {
    it('same-second second score → 409, next second accepted', async function () {
      const { platform } = firstRegistration(fx, 'moodle');
      clock.set(new Date(Date.UTC(2026, 2, 1, 12, 30, 0, 100)));
      expect(
        (
          await call(platform, scoresUrl(platform), {
            method: 'POST',
            body: score(platform, 'student-01'),
          })
        ).status,
      ).to.equal(200);
      clock.advance(500);
      const conflict = await call(platform, scoresUrl(platform), {
        method: 'POST',
        body: score(platform, 'student-01'),
      });
      expect(conflict.status).to.equal(409);
      clock.advance(500);
      expect(
        (
          await call(platform, scoresUrl(platform), {
            method: 'POST',
            body: score(platform, 'student-01'),
          })
        ).status,
      ).to.equal(200);
      expect(
        platform.state.scoresFor(
          lineItemOf(platform).id,
          platform.state.userByKey('student-01')!.sub,
        ),
      ).to.have.length(2);
    });

    it('scoreMaximum defaults to 1 and scoreGiven is dropped unless FullyGraded', async function () {
      const { platform } = firstRegistration(fx, 'moodle');
      clock.advance(2000);
      const noMax = score(platform, 'student-02', { scoreGiven: 0.5 });
      Reflect.deleteProperty(noMax, 'scoreMaximum');
      expect(
        (await call(platform, scoresUrl(platform), { method: 'POST', body: noMax })).status,
      ).to.equal(200);
      const sub2 = platform.state.userByKey('student-02')!.sub;
      expect(platform.state.resultFor(lineItemOf(platform).id, sub2)).to.include({
        scoreGiven: 0.5,
        scoreMaximum: 1,
      });
      await call(platform, scoresUrl(platform), {
        method: 'POST',
        body: score(platform, 'student-03', { gradingProgress: 'PendingManual' }),
      });
      expect(
        platform.state.resultFor(
          lineItemOf(platform).id,
          platform.state.userByKey('student-03')!.sub,
        )?.scoreGiven,
      ).to.equal(null);
    });

    it('missing fields, a bad timestamp or a non-gradable user → 400 "Incorrect score received"', async function () {
      const { platform } = firstRegistration(fx, 'moodle');
      clock.advance(2000);
      const noProgress = score(platform, 'student-06');
      Reflect.deleteProperty(noProgress, 'activityProgress');
      for (const body of [
        noProgress,
        score(platform, 'student-06', { timestamp: 'yesterday' }),
        score(platform, 'instructor'),
      ]) {
        const result = await call(platform, scoresUrl(platform), { method: 'POST', body });
        expect(result.status).to.equal(400);
        expect(result.body).to.have.property('error_description', 'Incorrect score received');
      }
    });

    it('results list the latest result per user with the result container media type', async function () {
      const { platform } = firstRegistration(fx, 'moodle');
      const item = lineItemOf(platform);
      const url = new URL(item.url);
      url.pathname += '/results';
      const result = await call(platform, url.toString());
      expect(result.status).to.equal(200);
      expect(result.headers.get('content-type')).to.contain(MEDIA_TYPE.resultContainer);
      const sub1 = platform.state.userByKey('student-01')!.sub;
      const mine = (result.body as Record<string, unknown>[]).find((r) => r['userId'] === sub1);
      expect(mine).to.include({ resultScore: 7, resultMaximum: 10, scoreOf: item.url });
    });
  });
});
