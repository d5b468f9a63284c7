import { readFileSync } from 'node:fs';
import { expect } from 'chai';
import { parseLaunchClaims, type LaunchContext } from '../../../src/lti/claims.js';
import {
  effectiveLineItemUrl,
  endpointsFromLaunch,
  rosterScopes,
} from '../../../src/lti/service-endpoints.js';
import { SCOPE } from '../../../src/lti/vocabulary.js';

function launchFrom(name: string): LaunchContext {
  const claims = JSON.parse(
    readFileSync(new URL(`../../fixtures/launches/${name}`, import.meta.url), 'utf8'),
  ) as Record<string, unknown>;
  const parsed = parseLaunchClaims(claims, {
    issuer: String(claims['iss']),
    clientId: String(claims['aud']),
  });
  if (!parsed.ok) throw new Error(JSON.stringify(parsed.error));
  return parsed.value;
}

const now = new Date(Date.UTC(2026, 2, 1));

describe('service endpoints from a launch', function () {
  for (const name of ['canvas-resource-link.json', 'moodle-resource-link.json']) {
    it(`${name}: keeps what background grading and roster sync need`, function () {
      const launch = launchFrom(name);
      const endpoints = endpointsFromLaunch('platform-1', launch, now)!;
      expect(endpoints).to.include({
        platformId: 'platform-1',
        contextId: launch.course!.id,
        resourceLinkId: launch.resourceLink!.id,
        deploymentId: launch.deploymentId,
        lineItemsUrl: launch.gradeService!.lineItemsUrl,
        lineItemUrl: launch.gradeService!.lineItemUrl,
        membershipsUrl: launch.rosterService!.membershipsUrl,
        launchedAt: now,
      });
      expect(endpoints.agsScopes).to.deep.equal(launch.gradeService!.scopes);
      expect(
        effectiveLineItemUrl({ ...endpoints, resolvedLineItemUrl: 'https://found.test/li' }),
      ).to.equal(launch.gradeService!.lineItemUrl ?? 'https://found.test/li');
    });
  }

  it('nothing to keep without a resource link, a course, or any service', function () {
    const launch = launchFrom('canvas-resource-link.json');
    expect(endpointsFromLaunch('p', { ...launch, resourceLink: undefined }, now)).to.equal(
      undefined,
    );
    expect(endpointsFromLaunch('p', { ...launch, course: undefined }, now)).to.equal(undefined);
    expect(
      endpointsFromLaunch(
        'p',
        { ...launch, gradeService: undefined, rosterService: undefined },
        now,
      ),
    ).to.equal(undefined);
  });

  it('the NRPS claim grants exactly the membership scope', function () {
    expect(rosterScopes('https://c.test/nr')).to.deep.equal([SCOPE.nrps]);
    expect(rosterScopes(undefined)).to.deep.equal([]);
  });
});
