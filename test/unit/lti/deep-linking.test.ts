import { expect } from 'chai';
import { generateKeyPairSync } from 'node:crypto';
import { decodeJwt, decodeProtectedHeader } from 'jose';
import type { DeepLinkingRequest } from '../../../src/lti/claims.js';
import {
  filterItemsForPlatform,
  signDeepLinkingResponse,
  type ResourceLinkItem,
} from '../../../src/lti/deep-linking.js';
import { CLAIM } from '../../../src/lti/vocabulary.js';

const request = (overrides: Partial<DeepLinkingRequest> = {}): DeepLinkingRequest => ({
  returnUrl: 'https://canvas.school.example/courses/1/deep_linking_response',
  acceptTypes: ['ltiResourceLink'],
  acceptPresentationTargets: ['iframe'],
  acceptMultiple: true,
  acceptLineItem: true,
  autoCreate: false,
  data: 'opaque "data" ✓ 42',
  title: undefined,
  text: undefined,
  ...overrides,
});

const item = (title: string): ResourceLinkItem => ({
  type: 'ltiResourceLink',
  title,
  url: 'https://pathwise.example/lti/launch',
  custom: { pathwise_assignment_id: title },
  lineItem: { scoreMaximum: 10, label: title, resourceId: title, tag: 'pathwise' },
});

describe('deep linking response (unit)', function () {
  it('#37 drops item types the platform does not accept', function () {
    const filtered = filterItemsForPlatform(request({ acceptTypes: ['link'] }), [item('A')]);
    expect(filtered.items).to.deep.equal([]);
    expect(filtered.dropped[0]).to.contain('does not accept ltiResourceLink');
  });

  it('#37 sends one item when accept_multiple is false', function () {
    const filtered = filterItemsForPlatform(request({ acceptMultiple: false }), [
      item('A'),
      item('B'),
    ]);
    expect(filtered.items.map((i) => i.title)).to.deep.equal(['A']);
  });

  it('#37 removes the line item when accept_lineitem is false', function () {
    const filtered = filterItemsForPlatform(request({ acceptLineItem: false }), [item('A')]);
    expect(filtered.items[0]).to.not.have.property('lineItem');
  });

  it('#37 refuses a line item without points or label', function () {
    const bad = { ...item('A'), lineItem: { ...item('A').lineItem!, scoreMaximum: 0 } };
    expect(() => filterItemsForPlatform(request(), [bad])).to.throw('scoreMaximum');
    const blank = { ...item('A'), lineItem: { ...item('A').lineItem!, label: ' ' } };
    expect(() => filterItemsForPlatform(request(), [blank])).to.throw('label');
  });

  it('#36/#38 the JWT carries every required claim, echoes data byte for byte, uses the exact errormsg key', async function () {
    const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
    const now = new Date('2026-11-23T10:00:00Z');
    const jwt = await signDeepLinkingResponse(
      {
        request: request(),
        issuer: 'https://canvas.instructure.com',
        clientId: '10000000000042',
        deploymentId: 'dep-1',
        items: [item('A')],
        errorMessage: 'nothing chosen',
        now,
      },
      { kid: 'kid-1', privateKey },
    );
    const header = decodeProtectedHeader(jwt);
    expect(header).to.include({ alg: 'RS256', kid: 'kid-1' });
    const claims = decodeJwt(jwt);
    expect(claims.iss).to.equal('10000000000042');
    expect(claims.aud).to.equal('https://canvas.instructure.com');
    expect(claims.iat).to.equal(now.getTime() / 1000);
    expect(claims.exp! - claims.iat!).to.be.within(1, 600);
    expect(claims.nonce).to.be.a('string').with.length.greaterThan(15);
    expect(claims[CLAIM.deploymentId]).to.equal('dep-1');
    expect(claims[CLAIM.messageType]).to.equal('LtiDeepLinkingResponse');
    expect(claims[CLAIM.version]).to.equal('1.3.0');
    expect(claims[CLAIM.deepLinkingData]).to.equal('opaque "data" ✓ 42');
    expect(claims).to.have.property('https://purl.imsglobal.org/spec/lti-dl/claim/errormsg');
    expect(Object.keys(claims).some((k) => k.endsWith(' '))).to.equal(false);
  });

  it('#36 each response gets a fresh nonce', async function () {
    const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
    const input = {
      request: request(),
      issuer: 'https://moodle.example',
      clientId: 'c',
      deploymentId: 'd',
      items: [item('A')],
      now: new Date(),
    };
    const a = decodeJwt(await signDeepLinkingResponse(input, { kid: 'k', privateKey }));
    const b = decodeJwt(await signDeepLinkingResponse(input, { kid: 'k', privateKey }));
    expect(a.nonce).to.not.equal(b.nonce);
  });
});
