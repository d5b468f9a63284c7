/**
 * One authorised call to a platform service (AGS, NRPS): Bearer token from the token client,
 * sent through OutboundHttp (User-Agent, timeout, counts), a 401 answered by invalidating that
 * token and retrying exactly once with a fresh one (checklist 34), the answer classified.
 */
import type { Clock } from '../shared/clock.js';
import { err, ok, type Result } from '../shared/result.js';
import {
  OutboundTooLargeError,
  type OutboundHttp,
  type OutboundPurpose,
  type OutboundResponse,
} from './outbound-http.js';
import { classifyError, classifyResponse, type ServiceFailure } from './service-failure.js';
import type { ServiceTokenClient } from './service-token.js';

export interface ServiceCallDeps {
  readonly http: OutboundHttp;
  readonly tokens: ServiceTokenClient;
  readonly clock: Clock;
  readonly timeoutMs?: number;
}

/** Who is calling and with which token scopes. */
export interface ServiceGrant {
  readonly platformId: string;
  /** Scopes granted at launch. */
  readonly grantedScopes: readonly string[];
  /** Scopes to put in the token (the same set for every call of a client, so one token serves all). */
  readonly tokenScopes: readonly string[];
}

export interface ServiceRequest {
  readonly purpose: Extract<OutboundPurpose, 'ags' | 'nrps'>;
  readonly url: string;
  readonly method?: 'GET' | 'POST' | 'PUT' | 'DELETE';
  readonly accept: string;
  readonly contentType?: string;
  readonly body?: string;
}

export async function callService(
  deps: ServiceCallDeps,
  grant: ServiceGrant,
  request: ServiceRequest,
): Promise<Result<OutboundResponse, ServiceFailure>> {
  const tokenRequest = {
    platformId: grant.platformId,
    scopes: grant.tokenScopes,
    grantedScopes: grant.grantedScopes,
  };
  const send = async (accessToken: string): Promise<Result<OutboundResponse, ServiceFailure>> => {
    try {
      return ok(
        await deps.http.send({
          purpose: request.purpose,
          url: request.url,
          method: request.method ?? 'GET',
          headers: {
            Authorization: `Bearer ${accessToken}`,
            Accept: request.accept,
            ...(request.contentType === undefined ? {} : { 'Content-Type': request.contentType }),
          },
          ...(request.body === undefined ? {} : { body: request.body }),
          ...(deps.timeoutMs === undefined ? {} : { timeoutMs: deps.timeoutMs }),
        }),
      );
    } catch (error) {
      if (error instanceof OutboundTooLargeError) return tooLargeAnswer(error);
      return err(classifyError(error));
    }
  };

  const first = await deps.tokens.getToken(tokenRequest);
  if (!first.ok) return first;
  let sent = await send(first.value.accessToken);
  if (sent.ok && sent.value.status === 401) {
    // The platform may have revoked or expired the token early: one refetch, then give up.
    deps.tokens.invalidate(grant.platformId, grant.tokenScopes, first.value.accessToken);
    const second = await deps.tokens.getToken(tokenRequest);
    if (!second.ok) return second;
    sent = await send(second.value.accessToken);
  }
  if (!sent.ok) return sent;
  const failure = classifyResponse(sent.value, deps.clock.now());
  return failure === undefined ? ok(sent.value) : err(failure);
}

/**
 * An answer larger than its cap (RESPONSE_BODY_LIMITS): a 2xx whose body we needed is an
 * invalid response (retried later like a truncated one); a refusal keeps its status and headers
 * (401 refetch, 429 Retry-After, 5xx backoff) with the size problem as its text.
 */
export function tooLargeAnswer(
  error: OutboundTooLargeError,
): Result<OutboundResponse, ServiceFailure> {
  if (error.successful)
    return err({ kind: 'invalid-response', message: error.message, status: error.status });
  return ok(error.asResponse());
}

/**
 * The Link header as text. HTTP headers are bytes; fetch hands them over decoded as latin1, so
 * Moodle's UTF-8 typographic quotes (rel=“next”) arrive as mojibake that no parser recognises.
 * Re-decoding as UTF-8 restores them; a header that is not valid UTF-8 is returned unchanged.
 */
export function readLinkHeader(headers: Headers): string | undefined {
  const raw = headers.get('link');
  if (raw === null) return undefined;
  if (!/[\u0080-\u00ff]/.test(raw)) return raw;
  const decoded = Buffer.from(raw, 'latin1').toString('utf8');
  return decoded.includes('\ufffd') ? raw : decoded;
}
