import { expect } from 'chai';
import { planRetry, streamKeyOf, type PublishFailure } from '../../../src/grading/grade-outbox.js';
import type { RetryPolicy } from '../../../src/grading/retry-policy.js';

const policy: RetryPolicy = { baseDelayMs: 1000, maxDelayMs: 60_000, maxAttempts: 5 };
const now = new Date(Date.UTC(2026, 2, 1, 12));
const failure = (
  kind: PublishFailure['kind'],
  extra: Partial<PublishFailure> = {},
): PublishFailure => ({
  kind,
  code: 'unavailable',
  message: 'HTTP 500',
  ...extra,
});
const delay = (plan: ReturnType<typeof planRetry>): number =>
  plan.action === 'dead' ? Number.NaN : plan.dueAt.getTime() - now.getTime();

describe('grade outbox: planRetry', function () {
  it('backs off exponentially with equal jitter and counts the attempt', function () {
    const first = planRetry(0, failure('retryable'), now, policy, 0, 500);
    expect(first).to.deep.include({ action: 'retry', attempts: 1 });
    expect(delay(first)).to.equal(500); // half of 1 s with random 0
    expect(delay(planRetry(1, failure('retryable'), now, policy, 0.999, 500))).to.be.within(
      1900,
      2000,
    );
    expect(delay(planRetry(3, failure('retryable'), now, policy, 0, 500))).to.equal(4000);
  });

  it('waits at least the Retry-After the platform asked for', function () {
    const plan = planRetry(0, failure('retryable', { retryAfterMs: 30_000 }), now, policy, 0, 500);
    expect(delay(plan)).to.equal(30_000);
  });

  it('dead-letters permanent failures at once and retryable ones at maxAttempts', function () {
    expect(planRetry(0, failure('permanent'), now, policy, 0, 500)).to.deep.equal({
      action: 'dead',
      attempts: 1,
    });
    expect(planRetry(3, failure('retryable'), now, policy, 0, 500).action).to.equal('retry');
    expect(planRetry(4, failure('retryable'), now, policy, 0, 500)).to.deep.equal({
      action: 'dead',
      attempts: 5,
    });
  });

  it('a busy line item defers without using an attempt', function () {
    const plan = planRetry(4, failure('busy'), now, policy, 0, 250);
    expect(plan).to.deep.equal({ action: 'defer', dueAt: new Date(now.getTime() + 250) });
  });

  it('streams are per (platform, course, link, learner) and unambiguous', function () {
    const a = streamKeyOf({ platformId: 'p', contextId: 'c|1', resourceLinkId: 'l' }, 'u');
    const b = streamKeyOf({ platformId: 'p', contextId: 'c', resourceLinkId: '1|l' }, 'u');
    expect(a).not.to.equal(b);
  });
});
