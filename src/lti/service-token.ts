/**
 * Service access tokens for AGS and NRPS: OAuth 2 client_credentials with a private_key_jwt
 * client assertion (1EdTech Security Framework §4.1, RFC 7523), checklist items 33-34.
 *
 * Why each rule:
 * - a token is asked only for scopes the launch granted, so a compromised or buggy caller cannot
 *   widen what the platform lets us do (and Canvas/Moodle would refuse anyway, noisily);
 * - tokens are reused until shortly before `expires_in` (one fetch per platform and scope set,
 *   not one per score: Canvas rate-limits the token endpoint);
 * - concurrent callers share one in-flight fetch;
 * - after a 401 the caller invalidates exactly the token that failed, then refetches once.
 *
 * The cache is in process memory: a restart or a second instance costs one extra token fetch,
 * and no access token is ever written to the database (ltijs stores them, weakly encrypted).
 */
import { randomUUID } from 'node:crypto';
import { SignJWT } from 'jose';
import { z } from 'zod';
import type { Clock } from '../shared/clock.js';
import { err, ok, type Result } from '../shared/result.js';
import {
  OutboundTooLargeError,
  type OutboundHttp,
  type OutboundResponse,
} from './outbound-http.js';
import type { PlatformRegistry } from './platforms.js';
import { classifyError, classifyResponse, type ServiceFailure } from './service-failure.js';

export const CLIENT_ASSERTION_TYPE = 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer';

/** Assertion lifetime: short (checklist 33); Canvas and Moodle accept up to an hour. */
const ASSERTION_LIFETIME_SECONDS = 60;
/** When a platform omits expires_in (RFC 6749 says SHOULD), assume the common hour. */
const DEFAULT_EXPIRES_IN_SECONDS = 3600;

export interface ServiceTokenRequest {
  readonly platformId: string;
  /** Scopes needed for the calls about to be made. */
  readonly scopes: readonly string[];
  /** Scopes the platform granted in the launch claims (AGS `scope`, NRPS claim presence). */
  readonly grantedScopes: readonly string[];
}

export interface ServiceToken {
  readonly accessToken: string;
  readonly scopes: readonly string[];
  readonly expiresAt: Date;
}

export interface ServiceTokenClient {
  /** A cached or freshly fetched token; refuses scopes not granted at launch. */
  getToken(request: ServiceTokenRequest): Promise<Result<ServiceToken, ServiceFailure>>;
  /**
   * Forgets `token` (the one the platform just answered 401 to) so the next getToken fetches a
   * new one. A token already replaced by another caller's refetch is left alone.
   */
  invalidate(platformId: string, scopes: readonly string[], token: string): void;
  /** Tokens fetched from platforms so far (the cache-effect figure). */
  fetchCount(): number;
}

export interface ServiceTokenOptions {
  readonly registry: PlatformRegistry;
  readonly http: OutboundHttp;
  readonly clock: Clock;
  /** Refetch this long before expiry (default 60 s, at most half the lifetime). */
  readonly expiryMarginMs?: number;
  readonly timeoutMs?: number;
}

const tokenResponse = z.object({
  access_token: z.string().min(1),
  token_type: z.string().regex(/^bearer$/i),
  expires_in: z.coerce.number().positive().optional(),
  scope: z.string().optional(),
});

const normalise = (scopes: readonly string[]): string[] => [...new Set(scopes)].sort();
const cacheKey = (platformId: string, scopes: readonly string[]): string =>
  JSON.stringify([platformId, normalise(scopes)]);

export function createServiceTokenClient(options: ServiceTokenOptions): ServiceTokenClient {
  const { registry, http, clock } = options;
  const marginMs = options.expiryMarginMs ?? 60_000;
  const cache = new Map<string, ServiceToken>();
  const inFlight = new Map<string, Promise<Result<ServiceToken, ServiceFailure>>>();
  let fetches = 0;

  async function fetchToken(
    platformId: string,
    scopes: readonly string[],
  ): Promise<Result<ServiceToken, ServiceFailure>> {
    const registration = await registry.findById(platformId);
    if (registration === undefined)
      return err({ kind: 'not-permitted', message: `unknown platform ${platformId}` });
    if (!registration.active) {
      return err({
        kind: 'not-permitted',
        message: `platform ${registration.name} is not active; service calls are paused`,
      });
    }
    const key = await registry.signingKey(platformId);
    const now = clock.now();
    const iat = Math.floor(now.getTime() / 1000);
    // aud: the platform's authorization server when it names one (Canvas DR), else the endpoint.
    const audience = registration.authorizationServer ?? registration.tokenEndpoint;
    const assertion = await new SignJWT({})
      .setProtectedHeader({ alg: 'RS256', kid: key.kid, typ: 'JWT' })
      .setIssuer(registration.clientId)
      .setSubject(registration.clientId)
      .setAudience(audience)
      .setIssuedAt(iat)
      .setExpirationTime(iat + ASSERTION_LIFETIME_SECONDS)
      // randomUUID is a CSPRNG (ltijs uses Math.random for jti).
      .setJti(randomUUID())
      .sign(key.privateKey);
    fetches += 1;
    let response: OutboundResponse;
    try {
      response = await http.send({
        purpose: 'token',
        url: registration.tokenEndpoint,
        method: 'POST',
        headers: {
          'Content-Type': 'application/x-www-form-urlencoded',
          Accept: 'application/json',
        },
        body: new URLSearchParams({
          grant_type: 'client_credentials',
          client_assertion_type: CLIENT_ASSERTION_TYPE,
          client_assertion: assertion,
          scope: scopes.join(' '),
        }).toString(),
        ...(options.timeoutMs === undefined ? {} : { timeoutMs: options.timeoutMs }),
      });
    } catch (error) {
      if (!(error instanceof OutboundTooLargeError)) return err(classifyError(error));
      // Larger than RESPONSE_BODY_LIMITS.token: a 2xx is unusable, a refusal keeps its status.
      if (error.successful) {
        return err({
          kind: 'invalid-response',
          message: `token endpoint: ${error.message}`,
          status: error.status,
        });
      }
      response = error.asResponse();
    }
    const failure = classifyResponse(response, clock.now());
    if (failure !== undefined) {
      // 429 and 5xx keep their kind; any other refusal of the token endpoint is token-refused.
      if (failure.kind === 'rate-limited' || failure.kind === 'unavailable') return err(failure);
      return err({
        kind: 'token-refused',
        message: `token endpoint: ${failure.message}`,
        status: response.status,
      });
    }
    let body: unknown;
    try {
      body = JSON.parse(response.text);
    } catch {
      body = undefined;
    }
    const parsed = tokenResponse.safeParse(body);
    if (!parsed.success) {
      return err({
        kind: 'invalid-response',
        message: 'token endpoint answered without a usable bearer token',
        status: response.status,
      });
    }
    const lifetimeMs = (parsed.data.expires_in ?? DEFAULT_EXPIRES_IN_SECONDS) * 1000;
    const margin = Math.min(marginMs, lifetimeMs / 2);
    return ok({
      accessToken: parsed.data.access_token,
      scopes,
      expiresAt: new Date(now.getTime() + lifetimeMs - margin),
    });
  }

  return {
    async getToken(request) {
      const scopes = normalise(request.scopes);
      if (scopes.length === 0) return err({ kind: 'not-permitted', message: 'no scope requested' });
      const missing = scopes.filter((s) => !request.grantedScopes.includes(s));
      if (missing.length > 0) {
        return err({
          kind: 'not-permitted',
          message: `scope not granted by the platform at launch: ${missing.join(' ')}`,
        });
      }
      const key = cacheKey(request.platformId, scopes);
      const cached = cache.get(key);
      if (cached !== undefined && cached.expiresAt.getTime() > clock.now().getTime())
        return ok(cached);
      const pending = inFlight.get(key);
      if (pending !== undefined) return pending;
      const promise = fetchToken(request.platformId, scopes)
        .then((result) => {
          if (result.ok) cache.set(key, result.value);
          return result;
        })
        .finally(() => inFlight.delete(key));
      inFlight.set(key, promise);
      return promise;
    },
    invalidate(platformId, scopes, token) {
      const key = cacheKey(platformId, scopes);
      if (cache.get(key)?.accessToken === token) cache.delete(key);
    },
    fetchCount: () => fetches,
  };
}
