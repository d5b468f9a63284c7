import { expect } from 'chai';
import {
  DEFAULT_RETRY_POLICY,
  parseRetryAfter,
  retryDelayMs,
} from '../../../src/grading/retry-policy.js';

const policy = { baseDelayMs: 1000, maxDelayMs: 60_000, maxAttempts: 5 };
const now = new Date('2026-03-01T10:00:00Z');

describe('retry policy', () => {
  it('grows exponentially within the jitter band and stays under the cap', () => {
    expect(retryDelayMs(1, policy, 0, undefined)).to.equal(500);
    expect(retryDelayMs(1, policy, 0.999, undefined)).to.be.within(999, 1000);
    expect(retryDelayMs(3, policy, 0, undefined)).to.equal(2000);
    expect(retryDelayMs(30, policy, 0.999, undefined)).to.be.at.most(60_000);
  });

  it('waits at least as long as Retry-After asks', () => {
    expect(retryDelayMs(1, policy, 0, 30_000)).to.equal(30_000);
    expect(retryDelayMs(5, policy, 0.5, 100)).to.be.greaterThan(100);
  });

  it('reads Retry-After as seconds or as an HTTP date', () => {
    expect(parseRetryAfter('120', now)).to.equal(120_000);
    expect(parseRetryAfter('Sun, 01 Mar 2026 10:00:30 GMT', now)).to.equal(30_000);
    expect(parseRetryAfter('soon', now)).to.equal(undefined);
    expect(parseRetryAfter(undefined, now)).to.equal(undefined);
  });

  it('has a bounded number of attempts by default', () => {
    expect(DEFAULT_RETRY_POLICY.maxAttempts).to.be.within(3, 20);
  });
});
