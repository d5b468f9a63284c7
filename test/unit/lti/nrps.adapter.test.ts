import { expect } from 'chai';
import { createNrpsMembershipSource } from '../../../src/lti/nrps.adapter.js';
import { createOutboundHttp } from '../../../src/lti/outbound-http.js';
import type { ServiceTokenClient } from '../../../src/lti/service-token.js';
import { ManualClock } from '../../../src/shared/clock.js';
import { ok } from '../../../src/shared/result.js';

const urlOf = (input: string | URL | Request): string =>
  typeof input === 'string' ? input : input instanceof URL ? input.toString() : input.url;

const LEARNER = 'http://purl.imsglobal.org/vocab/lis/v2/membership#Learner';
const INSTRUCTOR = 'http://purl.imsglobal.org/vocab/lis/v2/membership#Instructor';

const tokens: ServiceTokenClient = {
  getToken: () => Promise.resolve(ok({ accessToken: 't', scopes: [], expiresAt: new Date(0) })),
  invalidate: () => undefined,
  fetchCount: () => 1,
};

function source(pages: Record<string, { members: unknown[]; next?: string }>) {
  const seen: string[] = [];
  const fetchImpl: typeof fetch = (input) => {
    seen.push(urlOf(input));
    const page = pages[urlOf(input)];
    if (page === undefined) return Promise.resolve(new Response('missing', { status: 404 }));
    return Promise.resolve(
      new Response(JSON.stringify({ id: urlOf(input), members: page.members }), {
        headers: page.next === undefined ? {} : { Link: `<${page.next}>; rel="next"` },
      }),
    );
  };
  return {
    seen,
    nrps: createNrpsMembershipSource({
      http: createOutboundHttp({ userAgent: 'ua', fetchImpl }),
      tokens,
      clock: new ManualClock(),
      pageLimit: 2,
    }),
  };
}

describe('NRPS membership source', function () {
  it('asks with limit and rlid, follows next, reads status, roles and a name, never email', async function () {
    const first = 'https://c.test/names_and_roles?limit=2&rlid=L';
    const second = 'https://c.test/names_and_roles?page=2&limit=2&rlid=L';
    const { seen, nrps } = source({
      [first]: {
        members: [
          {
            user_id: 'a',
            status: 'Active',
            roles: [LEARNER],
            name: 'Ana Lopez',
            email: 'a@x.test',
          },
          {
            user_id: 'b',
            status: 'Inactive',
            roles: [LEARNER],
            given_name: 'Sam',
            family_name: 'Okafor',
          },
        ],
        next: second,
      },
      [second]: {
        members: [
          { user_id: 'c', roles: [INSTRUCTOR] },
          { user_id: 'a', roles: [LEARNER] },
          { user_id: 'd', status: 'Weird', roles: 'not-a-list' },
          { name: 'no id' },
        ],
      },
    });
    const result = await nrps.fetchMembers({
      platformId: 'p',
      membershipsUrl: 'https://c.test/names_and_roles',
      resourceLinkId: 'L',
    });
    expect(seen).to.deep.equal([first, second]);
    expect(result.ok).to.equal(true);
    if (!result.ok) return;
    expect(result.value.pages).to.equal(2);
    expect(result.value.members).to.deep.equal([
      { userId: 'a', status: 'Active', roles: [LEARNER], role: 'learner', name: 'Ana Lopez' },
      { userId: 'b', status: 'Inactive', roles: [LEARNER], role: 'learner', name: 'Sam Okafor' },
      { userId: 'c', status: 'Active', roles: [INSTRUCTOR], role: 'instructor', name: undefined },
      { userId: 'd', status: 'Active', roles: [], role: 'none', name: undefined },
    ]);
  });

  it('a failed page fails the whole fetch (so nobody is marked removed)', async function () {
    const first = 'https://c.test/nr?limit=2';
    const { nrps } = source({
      [first]: { members: [{ user_id: 'a', roles: [] }], next: 'https://c.test/nr?page=2' },
    });
    const result = await nrps.fetchMembers({
      platformId: 'p',
      membershipsUrl: 'https://c.test/nr',
    });
    expect(result.ok).to.equal(false);
    if (!result.ok)
      expect(result.error).to.include({ code: 'rejected', status: 404, retryable: false });
  });
});
