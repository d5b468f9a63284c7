import { readFileSync } from 'node:fs';
import { expect } from 'chai';
import { createLocalJWKSet, decodeProtectedHeader, jwtVerify } from 'jose';
import { buildScore } from '../../../src/grading/score.js';
import { createAgsClient, type AgsGrant } from '../../../src/lti/ags-client.js';
import { createServiceTokenClient } from '../../../src/lti/service-token.js';
import { SCOPE, MEDIA_TYPE } from '../../../src/lti/vocabulary.js';
import type { ProfileName } from '../../../src/dev/lms-simulator/index.js';
import {
  startServicesFixture,
  TEST_USER_AGENT,
  type ServicesFixture,
} from '../../support/lti/services-fixture.js';

const fixture = (name: string): Record<string, unknown> =>
  JSON.parse(
    readFileSync(new URL(`../../fixtures/ags/${name}`, import.meta.url), 'utf8'),
  ) as Record<string, unknown>;

/** Same keys as the spec-shaped fixture, each value of the same JSON type. */
function expectSpecShaped(actual: Record<string, unknown>, expected: Record<string, unknown>) {
  expect(Object.keys(actual).sort()).to.deep.equal(Object.keys(expected).sort());
  for (const [key, value] of Object.entries(expected))
    expect(typeof actual[key], key).to.equal(typeof value);
}

const ISO_MS = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;

describe('AGS client and service tokens against the simulated Canvas and Moodle', function () {
  let fx: ServicesFixture;

  before(async function () {
    fx = await startServicesFixture();
  });
  after(async function () {
    await fx.close();
  });

  const grantFor = async (profile: ProfileName, resourceLinkId?: string): Promise<AgsGrant> => {
    const launch = await fx.launch(profile, {
      ...(resourceLinkId === undefined ? {} : { resourceLinkId }),
    });
    return { platformId: fx.platformId(profile), grantedScopes: launch.gradeService!.scopes };
  };

  for (const profile of ['canvas', 'moodle'] as const) {
    describe(profile, function () {
      it('posts a spec-shaped score to <line item>/scores (query kept) and it lands in the gradebook', async function () {
        const launch = await fx.launch(profile, { resourceLinkId: fx.links(profile).graded });
        const lineItemUrl = launch.gradeService!.lineItemUrl!;
        const grant = {
          platformId: fx.platformId(profile),
          grantedScopes: launch.gradeService!.scopes,
        };
        const platform = fx.platform(profile);
        const student = platform.state.userByKey('student-03')!;
        fx.clock.advance(5000);
        const score = buildScore(
          {
            userId: student.sub,
            scoreGiven: 8,
            scoreMaximum: 10,
            activityProgress: 'Completed',
            gradingProgress: 'FullyGraded',
          },
          fx.clock.now(),
        );
        const from = fx.requests.length;
        const result = await fx.ags.postScore(grant, lineItemUrl, score);
        expect(result.ok, JSON.stringify(result)).to.equal(true);

        const sent = fx.requests.slice(from).find((r) => r.url.includes('/scores'))!;
        const expectedUrl = new URL(lineItemUrl);
        expectedUrl.pathname += '/scores';
        expect(sent.url).to.equal(expectedUrl.toString());
        if (profile === 'moodle') expect(sent.url).to.match(/\/lineitem\/scores\?type_id=\d+$/);
        expect(sent.method).to.equal('POST');
        expect(sent.headers['content-type']).to.equal(MEDIA_TYPE.score);
        expect(sent.headers['authorization']).to.match(/^Bearer \S+$/);
        expect(sent.headers['user-agent']).to.equal(TEST_USER_AGENT);
        const body = JSON.parse(sent.body!) as Record<string, unknown>;
        expectSpecShaped(body, fixture('score.json'));
        expect(body['timestamp']).to.match(ISO_MS);

        const item = [...platform.state.lineItems.values()].find((li) => li.url === lineItemUrl)!;
        const history = platform.state.scoresFor(item.id, student.sub);
        expect(history).to.have.length(1);
        expect(history[0]!.received).to.deep.equal(body);
        expect(history[0]!.userAgent).to.equal(TEST_USER_AGENT);
        expect(platform.state.resultFor(item.id, student.sub)).to.include({
          scoreGiven: 8,
          scoreMaximum: 10,
          gradingProgress: 'FullyGraded',
        });
      });

      it('reuses one token for many scores (N scores → 1 token fetch)', async function () {
        const launch = await fx.launch(profile, { resourceLinkId: fx.links(profile).graded });
        const grant = {
          platformId: fx.platformId(profile),
          grantedScopes: launch.gradeService!.scopes,
        };
        const platform = fx.platform(profile);
        // Fresh clients: an empty token cache.
        const tokens = createServiceTokenClient({
          registry: fx.registry,
          http: fx.http,
          clock: fx.clock,
        });
        const ags = createAgsClient({ http: fx.http, tokens, clock: fx.clock });
        const simTokensBefore = platform.state.countRequests('token');
        const outboundTokensBefore = fx.http.counts().token;
        const scoresBefore = platform.state.countRequests('scores', { status: 200 });
        const students = ['student-10', 'student-11', 'student-12', 'student-13', 'student-14'];
        fx.clock.advance(2000);
        const results = await Promise.all(
          students.map((key) =>
            ags.postScore(
              grant,
              launch.gradeService!.lineItemUrl!,
              buildScore(
                {
                  userId: platform.state.userByKey(key)!.sub,
                  scoreGiven: 5,
                  scoreMaximum: 10,
                  activityProgress: 'Completed',
                  gradingProgress: 'FullyGraded',
                },
                fx.clock.now(),
              ),
            ),
          ),
        );
        expect(results.every((r) => r.ok)).to.equal(true);
        // Five concurrent scores share one token fetch.
        expect(tokens.fetchCount()).to.equal(1);
        expect(fx.http.counts().token - outboundTokensBefore).to.equal(1);
        expect(platform.state.countRequests('token') - simTokensBefore).to.equal(1);
        expect(platform.state.countRequests('scores', { status: 200 }) - scoresBefore).to.equal(5);
      });

      it('a revoked token (401) is refetched exactly once and the score goes through', async function () {
        const launch = await fx.launch(profile, { resourceLinkId: fx.links(profile).graded });
        const grant = {
          platformId: fx.platformId(profile),
          grantedScopes: launch.gradeService!.scopes,
        };
        const platform = fx.platform(profile);
        const lineItemUrl = launch.gradeService!.lineItemUrl!;
        const score = (key: string) =>
          buildScore(
            {
              userId: platform.state.userByKey(key)!.sub,
              scoreGiven: 3,
              scoreMaximum: 10,
              activityProgress: 'Completed',
              gradingProgress: 'FullyGraded',
            },
            fx.clock.now(),
          );
        fx.clock.advance(2000);
        expect((await fx.ags.postScore(grant, lineItemUrl, score('student-20'))).ok).to.equal(true);
        platform.state.accessTokens.clear();
        const before = platform.state.countRequests('token');
        const scoresBefore = platform.state.countRequests('scores');
        expect((await fx.ags.postScore(grant, lineItemUrl, score('student-21'))).ok).to.equal(true);
        expect(platform.state.countRequests('token') - before).to.equal(1);
        expect(platform.state.countRequests('scores') - scoresBefore).to.equal(2);
        expect(platform.state.countRequests('scores', { status: 401 })).to.be.at.least(1);

        // Still 401 after the refetch: one refetch only, then a failure for the outbox to retry.
        platform.faults.inject('scores', { kind: 'error', status: 401 }, 2);
        const tokensBefore = platform.state.countRequests('token');
        const failed = await fx.ags.postScore(grant, lineItemUrl, score('student-22'));
        expect(failed.ok).to.equal(false);
        if (!failed.ok) expect(failed.error.kind).to.equal('unauthorized');
        expect(platform.state.countRequests('token') - tokensBefore).to.equal(1);
      });

      it('refuses scopes the launch did not grant without calling the platform', async function () {
        const launch = await fx.launch(profile, { resourceLinkId: fx.links(profile).graded });
        const from = fx.requests.length;
        const result = await fx.ags.postScore(
          {
            platformId: fx.platformId(profile),
            grantedScopes: launch.gradeService!.scopes.filter((s) => s !== SCOPE.score),
          },
          launch.gradeService!.lineItemUrl!,
          buildScore(
            {
              userId: fx.platform(profile).state.userByKey('student-01')!.sub,
              scoreGiven: 1,
              scoreMaximum: 1,
              activityProgress: 'Completed',
              gradingProgress: 'FullyGraded',
            },
            fx.clock.now(),
          ),
        );
        expect(result.ok).to.equal(false);
        if (!result.ok) expect(result.error.kind).to.equal('not-permitted');
        expect(fx.requests.length).to.equal(from);
        const token = await fx.tokens.getToken({
          platformId: fx.platformId(profile),
          scopes: [SCOPE.nrps, SCOPE.score],
          grantedScopes: [SCOPE.score],
        });
        expect(token.ok).to.equal(false);
        expect(fx.requests.length).to.equal(from);
      });

      it('sends a client assertion with the checklist-33 claims, signed with our key', async function () {
        const platform = fx.platform(profile);
        const from = fx.requests.length;
        // A scope set not used elsewhere forces a fresh token request.
        const result = await fx.tokens.getToken({
          platformId: fx.platformId(profile),
          scopes: [SCOPE.resultReadOnly],
          grantedScopes: [SCOPE.resultReadOnly],
        });
        expect(result.ok, JSON.stringify(result)).to.equal(true);
        const request = fx.requests.slice(from).find((r) => r.url === platform.urls.token)!;
        expect(request.method).to.equal('POST');
        expect(request.headers['content-type']).to.equal('application/x-www-form-urlencoded');
        expect(request.headers['user-agent']).to.equal(TEST_USER_AGENT);
        const form = new URLSearchParams(request.body);
        expect(form.get('grant_type')).to.equal('client_credentials');
        expect(form.get('client_assertion_type')).to.equal(
          'urn:ietf:params:oauth:client-assertion-type:jwt-bearer',
        );
        expect(form.get('scope')).to.equal(SCOPE.resultReadOnly);
        const assertion = form.get('client_assertion')!;
        const header = decodeProtectedHeader(assertion);
        const signing = await fx.registry.signingKey(fx.platformId(profile));
        expect(header).to.include({ alg: 'RS256', kid: signing.kid });
        const keys = createLocalJWKSet({ keys: [...(await fx.registry.publishedKeys())] });
        const registration = (await fx.registry.findById(fx.platformId(profile)))!;
        const { payload } = await jwtVerify(assertion, keys, {
          algorithms: ['RS256'],
          issuer: registration.clientId,
          subject: registration.clientId,
          audience: platform.urls.token,
          currentDate: fx.clock.now(),
        });
        expect(payload.iat).to.equal(Math.floor(fx.clock.now().getTime() / 1000));
        expect(payload.exp! - payload.iat!).to.be.within(1, 300);
        expect(payload.jti).to.match(/^[0-9a-f-]{36}$/);
        // A second assertion never reuses the jti.
        fx.tokens.invalidate(
          fx.platformId(profile),
          [SCOPE.resultReadOnly],
          result.ok ? result.value.accessToken : '',
        );
        await fx.tokens.getToken({
          platformId: fx.platformId(profile),
          scopes: [SCOPE.resultReadOnly],
          grantedScopes: [SCOPE.resultReadOnly],
        });
        const assertions = fx.requests
          .slice(from)
          .filter((r) => r.url === platform.urls.token)
          .map((r) => new URLSearchParams(r.body).get('client_assertion')!);
        expect(assertions).to.have.length(2);
        const jtis = await Promise.all(
          assertions.map(
            async (a) => (await jwtVerify(a, keys, { currentDate: fx.clock.now() })).payload.jti,
          ),
        );
        expect(jtis[0]).not.to.equal(jtis[1]);
      });
    });
  }

  it('canvas: the line item of a graded link is found by resource_link_id (no POST)', async function () {
    const grant = await grantFor('canvas', fx.links('canvas').graded);
    const platform = fx.platform('canvas');
    const lineItems = platform.urls.lineItems(platform.state.course.id);
    const posts = platform.state.countRequests('lineItems', { method: 'POST' });
    const found = await fx.ags.findOrCreateLineItem(grant, lineItems, {
      label: 'Fractions practice',
      scoreMaximum: 10,
      resourceLinkId: fx.links('canvas').graded,
      resourceId: 'asg-fractions-1',
      tag: 'pathwise',
    });
    expect(found.ok, JSON.stringify(found)).to.equal(true);
    if (found.ok) {
      expect(found.value.created).to.equal(false);
      expect(found.value.lineItem.resourceLinkId).to.equal(fx.links('canvas').graded);
    }
    expect(platform.state.countRequests('lineItems', { method: 'POST' })).to.equal(posts);
  });

  it('canvas: creating a line item for a link that is not an assignment is refused with the platform message (412)', async function () {
    const grant = await grantFor('canvas', fx.links('canvas').ungraded);
    const platform = fx.platform('canvas');
    const result = await fx.ags.findOrCreateLineItem(
      grant,
      platform.urls.lineItems(platform.state.course.id),
      { label: 'Warm-up', scoreMaximum: 10, resourceLinkId: fx.links('canvas').ungraded },
    );
    expect(result.ok).to.equal(false);
    if (!result.ok) {
      expect(result.error.kind).to.equal('rejected');
      expect(result.error.message).to.match(/412.*no active line items/);
    }
  });

  it('moodle: a link without a line item gets one created once (spec-shaped POST), then reused', async function () {
    const launch = await fx.launch('moodle', { resourceLinkId: fx.links('moodle').ungraded });
    expect(launch.gradeService?.lineItemUrl).to.equal(undefined);
    const grant = {
      platformId: fx.platformId('moodle'),
      grantedScopes: launch.gradeService!.scopes,
    };
    const platform = fx.platform('moodle');
    const input = {
      label: 'Warm-up',
      scoreMaximum: 20,
      resourceLinkId: fx.links('moodle').ungraded,
      resourceId: 'warm-up',
      tag: 'pathwise',
    };
    const from = fx.requests.length;
    const first = await fx.ags.findOrCreateLineItem(
      grant,
      launch.gradeService!.lineItemsUrl!,
      input,
    );
    expect(first.ok, JSON.stringify(first)).to.equal(true);
    const second = await fx.ags.findOrCreateLineItem(
      grant,
      launch.gradeService!.lineItemsUrl!,
      input,
    );
    expect(second.ok).to.equal(true);
    if (first.ok && second.ok) {
      expect(first.value.created).to.equal(true);
      expect(second.value.created).to.equal(false);
      expect(second.value.lineItem.id).to.equal(first.value.lineItem.id);
      expect(first.value.lineItem.id).to.match(/\/lineitem\?type_id=\d+$/);
    }
    const posts = fx.requests
      .slice(from)
      .filter((r) => r.method === 'POST' && r.url === launch.gradeService!.lineItemsUrl);
    expect(posts).to.have.length(1);
    expect(posts[0]!.headers['content-type']).to.equal(MEDIA_TYPE.lineItem);
    const body = JSON.parse(posts[0]!.body!) as Record<string, unknown>;
    expectSpecShaped(body, fixture('lineitem-create.json'));
    expect(body).to.deep.equal(input);
    // Lookups filter by resource_link_id and keep Moodle's type_id.
    const gets = fx.requests.slice(from).filter((r) => r.method === 'GET');
    for (const get of gets) {
      const url = new URL(get.url);
      expect(url.searchParams.get('resource_link_id')).to.equal(input.resourceLinkId);
      expect(url.searchParams.get('type_id')).to.match(/^\d+$/);
    }
    expect(platform.state.lineItemsForLink(input.resourceLinkId)).to.have.length(1);
  });
});
