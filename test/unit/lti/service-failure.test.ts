import { expect } from 'chai';
import { OutboundTimeoutError } from '../../../src/lti/outbound-http.js';
import {
  classifyError,
  classifyResponse,
  isRetryable,
  platformMessage,
} from '../../../src/lti/service-failure.js';

const now = new Date(Date.UTC(2026, 2, 1, 12));
const response = (status: number, text = '', headers: Record<string, string> = {}) => ({
  status,
  text,
  headers: new Headers(headers),
});

describe('service failure classification', function () {
  it('2xx is no failure; 401, 409, 429, 5xx, 408 and other 4xx each get their kind', function () {
    expect(classifyResponse(response(200), now)).to.equal(undefined);
    expect(classifyResponse(response(204), now)).to.equal(undefined);
    const kinds = [401, 409, 429, 500, 503, 408, 400, 404, 412, 422, 302].map(
      (status) => classifyResponse(response(status), now)?.kind,
    );
    expect(kinds).to.deep.equal([
      'unauthorized',
      'conflict',
      'rate-limited',
      'unavailable',
      'unavailable',
      'unavailable',
      'rejected',
      'rejected',
      'rejected',
      'rejected',
      'rejected',
    ]);
  });

  it('429 carries Retry-After in seconds or as an HTTP date', function () {
    const seconds = classifyResponse(response(429, '', { 'Retry-After': '12' }), now);
    expect(seconds).to.include({ kind: 'rate-limited', retryAfterMs: 12_000 });
    const date = classifyResponse(
      response(429, '', { 'Retry-After': new Date(now.getTime() + 30_000).toUTCString() }),
      now,
    );
    expect(date).to.include({ kind: 'rate-limited', retryAfterMs: 30_000 });
    expect(classifyResponse(response(429), now)).to.include({ retryAfterMs: undefined });
  });

  it("keeps the platform's own message (OAuth, Canvas errors[], plain text)", function () {
    expect(
      platformMessage('{"error":"invalid_request","error_description":"Incorrect score received"}'),
    ).to.equal('Incorrect score received');
    expect(platformMessage('{"errors":[{"message":"ScoreMaximum must be present"}]}')).to.equal(
      'ScoreMaximum must be present',
    );
    expect(
      platformMessage(
        '{"errors":{"type":"not_found","message":"The specified resource does not exist."}}',
      ),
    ).to.equal('The specified resource does not exist.');
    expect(platformMessage('Service Unavailable')).to.equal('Service Unavailable');
    expect(platformMessage('')).to.equal('no details given');
    expect(platformMessage('x'.repeat(1000))).to.have.length(300);
    expect(
      classifyResponse(response(422, '{"errors":[{"message":"not a student"}]}'), now)?.message,
    ).to.equal('HTTP 422: not a student');
  });

  it('timeouts and network errors are retryable; rejected and local refusals are not', function () {
    expect(classifyError(new OutboundTimeoutError('https://x.test/a', 100)).kind).to.equal(
      'unavailable',
    );
    expect(classifyError(new TypeError('fetch failed')).message).to.contain('fetch failed');
    expect(isRetryable({ kind: 'unavailable', message: '' })).to.equal(true);
    expect(isRetryable({ kind: 'conflict', message: '', status: 409 })).to.equal(true);
    expect(isRetryable({ kind: 'rejected', message: '', status: 400 })).to.equal(false);
    expect(isRetryable({ kind: 'not-permitted', message: '' })).to.equal(false);
    expect(isRetryable({ kind: 'invalid-request', message: '' })).to.equal(false);
  });
});
