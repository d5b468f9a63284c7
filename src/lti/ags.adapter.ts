/**
 * Implements grading's ScorePublisher with our AGS client and the endpoints stored at launch,
 * so a score can be sent hours after the launch, from any instance.
 *
 * The line item of a resource link is the launch's `lineitem` when the platform sent one (a
 * graded Canvas assignment); otherwise we look it up by resource link and create it if there is
 * none, once: the lookup is single-flight in process and locked across instances, and the
 * result is stored so later scores skip it.
 */
import { randomUUID } from 'node:crypto';
import type {
  LineItemHint,
  PublishFailure,
  ScoreDestination,
  ScorePublisher,
} from '../grading/grade-outbox.js';
import type { Clock } from '../shared/clock.js';
import { err, ok, type Result } from '../shared/result.js';
import type { AgsClient } from './ags-client.js';
import {
  effectiveLineItemUrl,
  type ServiceEndpoints,
  type ServiceEndpointsRepository,
} from './service-endpoints.js';
import { isRetryable, type ServiceFailure } from './service-failure.js';

export interface AgsScorePublisherOptions {
  readonly endpoints: ServiceEndpointsRepository;
  readonly ags: AgsClient;
  readonly clock: Clock;
  /** Lock owner name for line item creation (default: a random id per process). */
  readonly instanceId?: string;
  /** How long the line item lock holds (default 60 s). */
  readonly lockMs?: number;
  /** Label when neither the caller nor the launch gives one. */
  readonly defaultLabel?: string;
  /** Tag on line items we create, to recognise them later (default `pathwise`). */
  readonly tag?: string;
}

export function toPublishFailure(failure: ServiceFailure): PublishFailure {
  return {
    kind: isRetryable(failure) ? 'retryable' : 'permanent',
    code: failure.kind,
    message: failure.message,
    status: 'status' in failure ? failure.status : undefined,
    retryAfterMs: failure.kind === 'rate-limited' ? failure.retryAfterMs : undefined,
  };
}

const noGradeService = (message: string): Result<never, PublishFailure> =>
  err({ kind: 'permanent', code: 'no-grade-service', message });

export function createAgsScorePublisher(options: AgsScorePublisherOptions): ScorePublisher {
  const { endpoints, ags, clock } = options;
  const owner = options.instanceId ?? randomUUID();
  const lockMs = options.lockMs ?? 60_000;
  const tag = options.tag ?? 'pathwise';
  const inFlight = new Map<string, Promise<Result<string, PublishFailure>>>();

  async function load(
    destination: ScoreDestination,
  ): Promise<Result<ServiceEndpoints, PublishFailure>> {
    const found = await endpoints.find(destination);
    return found === undefined
      ? noGradeService('no launch with grade services was recorded for this resource link')
      : ok(found);
  }

  async function findOrCreate(
    destination: ScoreDestination,
    hint: LineItemHint & { readonly scoreMaximum: number },
  ): Promise<Result<string, PublishFailure>> {
    const now = clock.now();
    const locked = await endpoints.tryLockLineItem(
      destination,
      owner,
      now,
      new Date(now.getTime() + lockMs),
    );
    if (!locked) {
      return err({
        kind: 'busy',
        code: 'line-item-locked',
        message: 'another worker is setting up the line item',
      });
    }
    try {
      // Read again under the lock: the previous holder may have stored it.
      const current = await load(destination);
      if (!current.ok) return current;
      const known = effectiveLineItemUrl(current.value);
      if (known !== undefined) return ok(known);
      const lineItemsUrl = current.value.lineItemsUrl;
      if (lineItemsUrl === undefined)
        return noGradeService('the platform gave no line items service for this link');
      const result = await ags.findOrCreateLineItem(
        { platformId: destination.platformId, grantedScopes: current.value.agsScopes },
        lineItemsUrl,
        {
          label:
            hint.label ??
            current.value.resourceLinkTitle ??
            options.defaultLabel ??
            'Pathwise practice',
          scoreMaximum: hint.scoreMaximum,
          resourceLinkId: destination.resourceLinkId,
          // Always present (Moodle stores it as the grade item's idnumber, unique per course).
          resourceId: hint.resourceId ?? destination.resourceLinkId,
          tag: hint.tag ?? tag,
        },
      );
      if (!result.ok) return err(toPublishFailure(result.error));
      await endpoints.setResolvedLineItem(destination, result.value.lineItem.id);
      return ok(result.value.lineItem.id);
    } finally {
      await endpoints.unlockLineItem(destination, owner);
    }
  }

  return {
    async resolveLineItem(destination, hint) {
      const loaded = await load(destination);
      if (!loaded.ok) return loaded;
      const known = effectiveLineItemUrl(loaded.value);
      if (known !== undefined) return ok(known);
      const key = JSON.stringify([
        destination.platformId,
        destination.contextId,
        destination.resourceLinkId,
      ]);
      const pending = inFlight.get(key);
      if (pending !== undefined) return pending;
      const promise = findOrCreate(destination, hint).finally(() => inFlight.delete(key));
      inFlight.set(key, promise);
      return promise;
    },

    async publish(destination, lineItemUrl, score) {
      const loaded = await load(destination);
      if (!loaded.ok) return loaded;
      const result = await ags.postScore(
        { platformId: destination.platformId, grantedScopes: loaded.value.agsScopes },
        lineItemUrl,
        score,
      );
      return result.ok ? ok(undefined) : err(toPublishFailure(result.error));
    },
  };
}
