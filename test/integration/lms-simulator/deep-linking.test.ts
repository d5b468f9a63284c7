import { expect } from 'chai';
import {
  CLAIM,
  MESSAGE_TYPE,
  driveLaunch,
  type ClaimEdits,
  type SignJwtOptions,
} from '../../support/platform/index.js';
import { firstRegistration, startFixture, type Fixture } from './helpers.js';

describe('LMS simulator: Deep Linking return', function () {
  let fx: Fixture;
  before(async function () {
    fx = await startFixture();
  });
  after(async function () {
    await fx.close();
  });

  async function deepLinkRequest(profile: 'canvas' | 'moodle') {
    const { platform } = firstRegistration(fx, profile);
    await driveLaunch({
      initiation: platform.initiateLogin({
        user: 'instructor',
        messageType: MESSAGE_TYPE.deepLinking,
      }),
    });
    const issued = platform.state.issuedIdTokens.at(-1)!;
    expect(issued.messageType).to.equal(MESSAGE_TYPE.deepLinking);
    const settings = issued.claims[CLAIM.deepLinkingSettings] as Record<string, string>;
    return { platform, claims: issued.claims, returnUrl: settings['deep_link_return_url']! };
  }

  async function post(url: string, jwt: string | undefined) {
    const response = await fetch(url, {
      method: 'POST',
      headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
      body: jwt === undefined ? '' : new URLSearchParams({ JWT: jwt }).toString(),
    });
    return { status: response.status, html: await response.text() };
  }

  const item = {
    type: 'ltiResourceLink',
    title: 'Adaptive practice: <fractions>',
    url: 'https://pathwise.example.edu/lti/launch',
    custom: { activity: 'fractions' },
    lineItem: {
      label: 'Fractions mastery',
      scoreMaximum: 100,
      resourceId: 'act-1',
      tag: 'mastery',
    },
  };

  it('verifies a good response, creates the resource link and its bound line item, and escapes titles', async function () {
    for (const profile of ['canvas', 'moodle'] as const) {
      const { platform, claims, returnUrl } = await deepLinkRequest(profile);
      const jwt = fx.tool.deepLinkingResponse(claims, [item], {
        edits: { set: { [CLAIM.deepLinkingMessage]: 'Added one activity' } },
      });
      const result = await post(returnUrl, jwt);
      expect(result.status, result.html).to.equal(200);
      expect(result.html).to.contain('Content added');
      expect(result.html).to.contain('Adaptive practice: &lt;fractions&gt;');
      const record = platform.state.deepLinkReturns.at(-1)!;
      expect(record.ok).to.equal(true);
      expect(record.message).to.equal('Added one activity');
      const link = platform.state.resourceLinks.get(record.createdResourceLinkIds[0]!)!;
      expect(link).to.include({ title: item.title, createdBy: 'deep-link', url: item.url });
      expect(link.customParameters).to.deep.equal({ activity: 'fractions' });
      const lineItem = platform.state.lineItems.get(record.createdLineItemIds[0]!)!;
      expect(lineItem).to.include({
        label: 'Fractions mastery',
        scoreMaximum: 100,
        resourceLinkId: link.id,
        tag: 'mastery',
      });
      // The new link launches with its own line item.
      const { claims: launch } = platform.mintIdToken({
        user: 'student-01',
        resourceLinkId: link.id,
      });
      expect((launch[CLAIM.ags] as Record<string, string>)['lineitem']).to.equal(lineItem.url);
    }
  });

  const tampered: [string, { edits?: ClaimEdits; sign?: Partial<SignJwtOptions> }, RegExp][] = [
    ['tampered signature', { sign: { tamper: 'signature' } }, /signature/],
    ['wrong aud', { edits: { set: { aud: 'https://someone.example' } } }, /aud/],
    [
      'wrong message_type',
      { edits: { set: { [CLAIM.messageType]: 'LtiResourceLinkRequest' } } },
      /message_type/,
    ],
    ['wrong version', { edits: { set: { [CLAIM.version]: '1.1' } } }, /version/],
    [
      'unknown deployment_id',
      { edits: { set: { [CLAIM.deploymentId]: 'other' } } },
      /deployment_id/,
    ],
    ['data not echoed', { edits: { set: { [CLAIM.deepLinkingData]: 'forged' } } }, /data/],
    ['missing data', { edits: { omit: [CLAIM.deepLinkingData] } }, /data missing/],
    ['missing nonce', { edits: { omit: ['nonce'] } }, /nonce/],
    ['alg none', { sign: { signWith: 'none' } }, /signature or claims rejected/],
    ['no kid', { sign: { omitHeader: ['kid'] } }, /kid/],
  ];
  for (const [name, breakage, message] of tampered) {
    it(`refuses a response with ${name}, shows the error and records it`, async function () {
      const { platform, claims, returnUrl } = await deepLinkRequest('canvas');
      const links = platform.state.resourceLinks.size;
      const result = await post(returnUrl, fx.tool.deepLinkingResponse(claims, [item], breakage));
      expect(result.status).to.be.within(400, 401);
      expect(result.html).to.contain('refused');
      const record = platform.state.deepLinkReturns.at(-1)!;
      expect(record.ok).to.equal(false);
      expect(record.errors.join(' ')).to.match(message);
      expect(platform.state.resourceLinks.size).to.equal(links);
    });
  }

  it('refuses items outside accept_types, too many items, a bad lineItem, and a missing JWT field', async function () {
    const { platform, claims, returnUrl } = await deepLinkRequest('canvas');
    expect(
      (await post(returnUrl, fx.tool.deepLinkingResponse(claims, [{ type: 'file', url: 'x' }])))
        .status,
    ).to.equal(400);
    expect(
      (await post(returnUrl, fx.tool.deepLinkingResponse(claims, [item, item]))).status,
    ).to.equal(400);
    expect(platform.state.deepLinkReturns.at(-1)!.errors.join(' ')).to.match(/accept_multiple/);
    const bad = { ...item, lineItem: { label: 'x', scoreMaximum: 0 } };
    expect((await post(returnUrl, fx.tool.deepLinkingResponse(claims, [bad]))).status).to.equal(
      400,
    );
    expect((await post(returnUrl, undefined)).status).to.equal(400);
  });

  it('a replayed response (same nonce) is refused', async function () {
    const { claims, returnUrl } = await deepLinkRequest('moodle');
    const jwt = fx.tool.deepLinkingResponse(claims, [item]);
    expect((await post(returnUrl, jwt)).status).to.equal(200);
    const replay = await post(returnUrl, jwt);
    expect(replay.status).to.equal(400);
    expect(replay.html).to.match(/nonce reused|data does not echo/);
  });
});
