import { expect } from 'chai';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import {
  parseLaunchClaims,
  type ClaimProblem,
  type LaunchContext,
} from '../../../src/lti/claims.js';
import { PROJECT_ROOT } from '../../../src/app.js';

type Payload = Record<string, unknown>;
const fixture = (name: string): Payload =>
  JSON.parse(
    readFileSync(path.join(PROJECT_ROOT, 'test/fixtures/launches', `${name}.json`), 'utf8'),
  ) as Payload;

const CANVAS = { issuer: 'https://canvas.instructure.com', clientId: '10000000000042' };
const MOODLE = { issuer: 'https://moodle.example.org', clientId: 'xk3P0q9rT2mVb7n' };
const C = 'https://purl.imsglobal.org/spec/lti/claim/';

function parsed(payload: Payload, registration = CANVAS): LaunchContext {
  const result = parseLaunchClaims(payload, registration);
  if (!result.ok) throw new Error(`expected a valid launch, got ${JSON.stringify(result.error)}`);
  return result.value;
}
function problems(payload: Payload): readonly ClaimProblem[] {
  const result = parseLaunchClaims(payload, CANVAS);
  if (result.ok) throw new Error('expected the launch to be refused');
  return result.error;
}
const without = (payload: Payload, key: string): Payload =>
  Object.fromEntries(Object.entries(payload).filter(([k]) => k !== key));

describe('parseLaunchClaims', () => {
  it('maps a real-shaped Canvas student launch to a LaunchContext', () => {
    const ctx = parsed(fixture('canvas-resource-link'));
    expect(ctx.kind).to.equal('resource-link');
    expect(ctx.userId).to.equal('535fa085-f8d8-4c8b-bb56-1d5bbd6e0b0f');
    expect(ctx.roles.primary).to.equal('learner');
    expect(ctx.course).to.deep.equal({
      id: '4dde05e8ca1973bcca9bffc13e1548820eee93a3',
      title: 'Algebra Foundations',
      label: 'MATH 101',
    });
    expect(ctx.resourceLink?.id).to.equal('8c1a1b5e-6b0a-4f0e-9c50-2d2d5b6f7a11');
    expect(ctx.gradeService?.lineItemUrl).to.equal(
      'https://example.instructure.com/api/lti/courses/42/line_items/7',
    );
    expect(ctx.rosterService?.membershipsUrl).to.equal(
      'https://example.instructure.com/api/lti/courses/42/names_and_roles',
    );
    // Canvas sends numbers in custom; they arrive as strings.
    expect(ctx.custom).to.deep.equal({
      assignment: 'asg-fractions-1',
      canvas_course_id: '42',
      canvas_user_id: '1017',
    });
    expect(ctx.platform.product).to.equal('canvas');
  });

  it('maps a Moodle launch and keeps the ?type_id= query on AGS URLs', () => {
    const ctx = parsed(fixture('moodle-resource-link'), MOODLE);
    expect(ctx.userId).to.equal('27');
    expect(ctx.deploymentId).to.equal('3');
    expect(ctx.gradeService?.lineItemUrl).to.match(/\?type_id=3$/);
    expect(ctx.rosterService?.serviceVersions).to.deep.equal(['1.0', '2.0']);
  });

  it('maps a Canvas deep linking request with its settings and opaque data', () => {
    const ctx = parsed(fixture('canvas-deep-link'));
    expect(ctx.kind).to.equal('deep-linking');
    expect(ctx.roles.primary).to.equal('instructor');
    expect(ctx.deepLinking).to.deep.include({
      acceptMultiple: false,
      acceptLineItem: true,
      acceptTypes: ['ltiResourceLink'],
    });
    expect(ctx.deepLinking?.data).to.equal(
      'eyJhbGciOiJIUzI1NiJ9.eyJwbGFjZW1lbnQiOiJhc3NpZ25tZW50X3NlbGVjdGlvbiJ9.sig',
    );
    expect(ctx.resourceLink).to.equal(undefined);
  });

  const missing: [string, string][] = [
    [`${C}version`, 'lti/claim/version'],
    [`${C}message_type`, 'lti/claim/message_type'],
    [`${C}deployment_id`, 'lti/claim/deployment_id'],
    [`${C}roles`, 'lti/claim/roles'],
    [`${C}resource_link`, 'lti/claim/resource_link'],
    [`${C}target_link_uri`, 'lti/claim/target_link_uri'],
  ];
  for (const [key, claim] of missing) {
    it(`a resource link launch without ${claim} is refused naming that claim`, () => {
      const found = problems(without(fixture('canvas-resource-link'), key));
      expect(found.map((p) => p.claim)).to.include(claim);
    });
  }

  it('a wrong LTI version is refused', () => {
    const found = problems({ ...fixture('canvas-resource-link'), [`${C}version`]: '1.1.0' });
    expect(found[0]).to.deep.include({ claim: 'lti/claim/version' });
  });

  it('an unknown message type is refused', () => {
    const found = problems({
      ...fixture('canvas-resource-link'),
      [`${C}message_type`]: 'LtiStartProctoring',
    });
    expect(found[0]?.claim).to.equal('lti/claim/message_type');
  });

  it('a deep linking request without a return URL is refused', () => {
    const payload = fixture('canvas-deep-link');
    const settingsKey = 'https://purl.imsglobal.org/spec/lti-dl/claim/deep_linking_settings';
    const settings = { ...(payload[settingsKey] as Payload) };
    delete settings.deep_link_return_url;
    expect(problems({ ...payload, [settingsKey]: settings }).map((p) => p.claim)).to.include(
      'lti-dl/claim/deep_linking_settings.deep_link_return_url',
    );
    expect(problems(without(payload, settingsKey)).map((p) => p.claim)).to.include(
      'lti-dl/claim/deep_linking_settings',
    );
  });

  it('a submission review without for_user is refused', () => {
    const found = problems({
      ...fixture('canvas-resource-link'),
      [`${C}message_type`]: 'LtiSubmissionReviewRequest',
    });
    expect(found.map((p) => p.claim)).to.include('lti/claim/for_user');
  });

  it('an anonymous launch (no sub) is accepted with no user id; an empty sub is refused', () => {
    expect(parsed(without(fixture('canvas-resource-link'), 'sub')).userId).to.equal(undefined);
    expect(
      problems({ ...fixture('canvas-resource-link'), sub: '' }).map((p) => p.claim),
    ).to.include('sub');
  });

  it('an empty roles list is accepted (Cert "No Role") and unknown extra claims are ignored', () => {
    const ctx = parsed({
      ...fixture('canvas-resource-link'),
      [`${C}roles`]: [],
      'https://example.edu/claim/x': { y: 1 },
    });
    expect(ctx.roles.primary).to.equal('none');
  });

  it('reports several problems at once', () => {
    const payload = without(
      without(fixture('canvas-resource-link'), `${C}deployment_id`),
      `${C}roles`,
    );
    expect(problems(payload)).to.have.length(2);
  });
});
