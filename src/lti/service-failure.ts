/**
 * How a call to a platform service (token, AGS, NRPS) failed, as a value. The grade outbox and
 * the roster sync decide what to do from `kind` alone: retry later, wait as the platform asked,
 * refetch the token, or give up and show the platform's own message to a person.
 */
import { parseRetryAfter } from '../grading/retry-policy.js';
import { OutboundTimeoutError, type OutboundResponse } from './outbound-http.js';

export type ServiceFailure =
  /** 5xx, network error or timeout: worth retrying with backoff. */
  | { readonly kind: 'unavailable'; readonly message: string; readonly status?: number }
  /** 429: retry no sooner than the platform asked (Retry-After), when it said. */
  | {
      readonly kind: 'rate-limited';
      readonly message: string;
      readonly status: 429;
      readonly retryAfterMs: number | undefined;
    }
  /** 409: Moodle refuses a score whose timestamp is not newer (whole seconds) than the stored one. */
  | { readonly kind: 'conflict'; readonly message: string; readonly status: 409 }
  /** Still 401 after one token refetch. */
  | { readonly kind: 'unauthorized'; readonly message: string; readonly status: 401 }
  /** The token endpoint refused us (4xx): key not trusted yet, client disabled, scope refused. */
  | { readonly kind: 'token-refused'; readonly message: string; readonly status: number }
  /** Any other 4xx: the request itself is wrong; retrying the same request cannot help. */
  | { readonly kind: 'rejected'; readonly message: string; readonly status: number }
  /** Refused before any request: scope not granted at launch, platform unknown or inactive. */
  | { readonly kind: 'not-permitted'; readonly message: string }
  /** Refused before any request because the platform would reject it (blank label, no userId). */
  | { readonly kind: 'invalid-request'; readonly message: string }
  /** 2xx with a body we could not read (a proxy page, a truncated answer). */
  | { readonly kind: 'invalid-response'; readonly message: string; readonly status: number };

export type ServiceFailureKind = ServiceFailure['kind'];

const MAX_MESSAGE_LENGTH = 300;

/**
 * The platform's own explanation from an error body: OAuth's `error_description`/`error`,
 * Canvas's `errors[].message` or `errors.message`, a plain `message`, else the start of the text.
 */
export function platformMessage(text: string): string {
  const trimmed = text.trim();
  let parsed: unknown;
  try {
    parsed = JSON.parse(trimmed);
  } catch {
    parsed = undefined;
  }
  const pick = (value: unknown): string | undefined =>
    typeof value === 'string' && value.trim() !== '' ? value.trim() : undefined;
  if (typeof parsed === 'object' && parsed !== null) {
    const body = parsed as Record<string, unknown>;
    const errors = body['errors'];
    const fromErrors = Array.isArray(errors)
      ? pick((errors[0] as Record<string, unknown> | undefined)?.['message'])
      : typeof errors === 'object' && errors !== null
        ? pick((errors as Record<string, unknown>)['message'])
        : undefined;
    const found =
      pick(body['error_description']) ?? fromErrors ?? pick(body['message']) ?? pick(body['error']);
    if (found !== undefined) return found.slice(0, MAX_MESSAGE_LENGTH);
  }
  return trimmed === '' ? 'no details given' : trimmed.slice(0, MAX_MESSAGE_LENGTH);
}

/** undefined for 2xx; otherwise what kind of failure the status means. */
export function classifyResponse(
  response: OutboundResponse,
  now: Date,
): ServiceFailure | undefined {
  const { status } = response;
  if (status >= 200 && status < 300) return undefined;
  const message = `HTTP ${status}: ${platformMessage(response.text)}`;
  if (status === 429) {
    return {
      kind: 'rate-limited',
      message,
      status,
      retryAfterMs: parseRetryAfter(response.headers.get('retry-after'), now),
    };
  }
  if (status === 401) return { kind: 'unauthorized', message, status };
  if (status === 409) return { kind: 'conflict', message, status };
  // 408 (request timeout) is the platform saying "try again", not "your request is wrong".
  if (status >= 500 || status === 408) return { kind: 'unavailable', message, status };
  // 3xx included: service endpoints do not redirect; following one would leak the token.
  return { kind: 'rejected', message, status };
}

/** A request that never got an answer: network failure or our own timeout. */
export function classifyError(error: unknown): ServiceFailure {
  if (error instanceof OutboundTimeoutError) return { kind: 'unavailable', message: error.message };
  const message = error instanceof Error ? error.message : String(error);
  return { kind: 'unavailable', message: `request failed: ${message}` };
}

/** Whether the same request may succeed later without anyone changing anything. */
export function isRetryable(failure: ServiceFailure): boolean {
  switch (failure.kind) {
    case 'unavailable':
    case 'rate-limited':
    case 'conflict':
    case 'unauthorized':
    case 'token-refused':
    case 'invalid-response':
      return true;
    case 'rejected':
    case 'not-permitted':
    case 'invalid-request':
      return false;
  }
}
