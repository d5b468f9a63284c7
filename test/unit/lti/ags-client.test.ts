import { expect } from 'chai';
import { createAgsClient, scoreProblem, scoresUrl } from '../../../src/lti/ags-client.js';
import { createOutboundHttp } from '../../../src/lti/outbound-http.js';
import type { ServiceTokenClient } from '../../../src/lti/service-token.js';
import { SCOPE } from '../../../src/lti/vocabulary.js';
import { ManualClock } from '../../../src/shared/clock.js';
import { ok } from '../../../src/shared/result.js';
import type { AgsScore } from '../../../src/grading/score.js';

const urlOf = (input: string | URL | Request): string =>
  typeof input === 'string' ? input : input instanceof URL ? input.toString() : input.url;

const clock = new ManualClock(Date.UTC(2026, 2, 1, 12));

/** A token client handing out t1, t2… and recording invalidations. */
function fakeTokens() {
  let n = 0;
  const invalidated: string[] = [];
  let current = '';
  const tokens: ServiceTokenClient = {
    getToken: () => {
      if (current === '') current = `t${++n}`;
      return Promise.resolve(ok({ accessToken: current, scopes: [], expiresAt: new Date(0) }));
    },
    invalidate: (_platformId, _scopes, token) => {
      invalidated.push(token);
      if (token === current) current = '';
    },
    fetchCount: () => n,
  };
  return { tokens, invalidated };
}

/** Routes requests to canned answers; records URL, method and Authorization. */
function fakePlatform(answer: (url: string, auth: string | null, n: number) => Response) {
  const seen: { url: string; method: string; auth: string | null }[] = [];
  const fetchImpl: typeof fetch = (input, init) => {
    const auth = new Headers(init?.headers).get('authorization');
    seen.push({ url: urlOf(input), method: init?.method ?? 'GET', auth });
    return Promise.resolve(answer(urlOf(input), auth, seen.length));
  };
  return { seen, http: createOutboundHttp({ userAgent: 'ua', fetchImpl }) };
}

const grant = {
  platformId: 'p1',
  grantedScopes: [SCOPE.lineItem, SCOPE.score, SCOPE.resultReadOnly],
};
const lineItem = (id: string, extra: Record<string, unknown> = {}) => ({
  id,
  label: 'Practice',
  scoreMaximum: 10,
  ...extra,
});

const score: AgsScore = {
  userId: 'u1',
  scoreGiven: 1,
  scoreMaximum: 2,
  activityProgress: 'Completed',
  gradingProgress: 'FullyGraded',
  timestamp: '2026-03-01T12:00:00.000Z',
};

describe('AGS client', function () {
  it('scoresUrl appends /scores to the path and keeps the query (Moodle type_id)', function () {
    expect(
      scoresUrl('https://m.test/mod/lti/services.php/2/lineitems/7/lineitem?type_id=3'),
    ).to.equal('https://m.test/mod/lti/services.php/2/lineitems/7/lineitem/scores?type_id=3');
    expect(scoresUrl('https://c.test/api/lti/courses/1/line_items/9/')).to.equal(
      'https://c.test/api/lti/courses/1/line_items/9/scores',
    );
  });

  it('scoreProblem refuses what Canvas or Moodle would reject (checklist 39-41)', function () {
    expect(scoreProblem(score)).to.equal(undefined);
    expect(scoreProblem({ ...score, userId: ' ' })).to.match(/userId/);
    expect(scoreProblem({ ...score, timestamp: '2026-03-01 12:00' })).to.match(/timestamp/);
    expect(scoreProblem({ ...score, scoreMaximum: 0 })).to.match(/scoreMaximum/);
    expect(scoreProblem({ ...score, scoreGiven: -1 })).to.match(/scoreGiven/);
  });

  it("follows every next link as given, including Moodle's curly quotes arriving as latin1 bytes", async function () {
    const base = 'https://m.test/mod/lti/services.php/2/lineitems?type_id=3';
    const page2 =
      'https://m.test/mod/lti/services.php/2/lineitems?type_id=3&resource_link_id=L&limit=1&from=1';
    const page3 = 'https://c.test/other?page=3';
    // What fetch hands over for Moodle's UTF-8 header bytes: a latin1-decoded string.
    const moodleLink = Buffer.from(`<${page2}>; rel=“next”`, 'utf8').toString('latin1');
    const { seen, http } = fakePlatform((url) => {
      if (url === page2)
        return new Response(JSON.stringify([lineItem('b', { resourceLinkId: 'L' })]), {
          headers: { Link: `<${page3}>; rel="next"` },
        });
      if (url === page3)
        return new Response(JSON.stringify([lineItem('c', { resourceLinkId: 'L' })]));
      return new Response(JSON.stringify([lineItem('a', { resourceLinkId: 'L' })]), {
        headers: { Link: moodleLink },
      });
    });
    const ags = createAgsClient({ http, tokens: fakeTokens().tokens, clock });
    const listed = await ags.listLineItems(grant, base, { resourceLinkId: 'L' });
    expect(listed.ok && listed.value.map((li) => li.id)).to.deep.equal(['a', 'b', 'c']);
    expect(seen.map((s) => s.url)).to.deep.equal([
      'https://m.test/mod/lti/services.php/2/lineitems?type_id=3&resource_link_id=L',
      page2,
      page3,
    ]);
  });

  it('a paging loop is cut off instead of spinning', async function () {
    const url = 'https://c.test/items';
    const { http } = fakePlatform(
      () => new Response('[]', { headers: { Link: `<${url}?resource_link_id=L>; rel="next"` } }),
    );
    const ags = createAgsClient({ http, tokens: fakeTokens().tokens, clock });
    const listed = await ags.listLineItems(grant, url, { resourceLinkId: 'L' });
    expect(listed.ok).to.equal(false);
    if (!listed.ok) expect(listed.error.kind).to.equal('invalid-response');
  });

  it("find-or-create prefers our tag, never takes another link's column, creates when none", async function () {
    const items = [
      lineItem('other-link', { resourceLinkId: 'X' }),
      lineItem('plain', { resourceLinkId: 'L' }),
      lineItem('ours', { resourceLinkId: 'L', tag: 'pathwise' }),
    ];
    const { http } = fakePlatform(() => new Response(JSON.stringify(items)));
    const ags = createAgsClient({ http, tokens: fakeTokens().tokens, clock });
    const input = { label: 'P', scoreMaximum: 10, resourceLinkId: 'L', tag: 'pathwise' };
    const found = await ags.findOrCreateLineItem(grant, 'https://c.test/items', input);
    expect(found.ok && found.value.lineItem.id).to.equal('ours');

    const created = fakePlatform((_url, _auth, n) =>
      n === 1
        ? new Response(JSON.stringify([lineItem('other-link', { resourceLinkId: 'X' })]))
        : new Response(JSON.stringify(lineItem('new', { resourceLinkId: 'M' })), { status: 201 }),
    );
    const result = await createAgsClient({
      http: created.http,
      tokens: fakeTokens().tokens,
      clock,
    }).findOrCreateLineItem(grant, 'https://c.test/items', { ...input, resourceLinkId: 'M' });
    expect(result.ok && result.value).to.deep.include({ created: true });
    expect(created.seen.map((s) => s.method)).to.deep.equal(['GET', 'POST']);
  });

  it('refuses a blank label or scoreMaximum 0 without calling the platform', async function () {
    const { seen, http } = fakePlatform(() => new Response('{}'));
    const ags = createAgsClient({ http, tokens: fakeTokens().tokens, clock });
    for (const bad of [
      { label: ' ', scoreMaximum: 1, resourceLinkId: 'L' },
      { label: 'x', scoreMaximum: 0, resourceLinkId: 'L' },
    ]) {
      const result = await ags.createLineItem(grant, 'https://c.test/items', bad);
      expect(result.ok).to.equal(false);
      if (!result.ok) expect(result.error.kind).to.equal('invalid-request');
    }
    expect(seen).to.have.length(0);
  });

  it('401: invalidates that token and retries once with a fresh one; a second 401 fails', async function () {
    const { tokens, invalidated } = fakeTokens();
    const once = fakePlatform((_url, auth) =>
      auth === 'Bearer t1' ? new Response('', { status: 401 }) : new Response('{}'),
    );
    const ags = createAgsClient({ http: once.http, tokens, clock });
    const posted = await ags.postScore(grant, 'https://c.test/items/1', score);
    expect(posted.ok).to.equal(true);
    expect(once.seen.map((s) => s.auth)).to.deep.equal(['Bearer t1', 'Bearer t2']);
    expect(invalidated).to.deep.equal(['t1']);

    const always = fakePlatform(() => new Response('{"error":"invalid_token"}', { status: 401 }));
    const failing = createAgsClient({ http: always.http, tokens: fakeTokens().tokens, clock });
    const result = await failing.postScore(grant, 'https://c.test/items/1', score);
    expect(result.ok).to.equal(false);
    if (!result.ok) expect(result.error.kind).to.equal('unauthorized');
    expect(always.seen).to.have.length(2);
  });
});
