/**
 * Platform JWKS cache. ltijs fetches the platform's key set on every launch (slow launches,
 * TOKEN_TOO_OLD on slow platforms); we keep each set for a TTL and refetch early only when a
 * token names a kid we have not seen (key rotation), at most once per `minRefetchMs` so a flood
 * of made-up kids cannot turn us into a request amplifier.
 */
import { importJWK, type JWK } from 'jose';
import type { Clock } from '../shared/clock.js';
import { JwksTooManyKeysError, MAX_JWKS_KEYS } from './platform-jwks.js';

export type VerificationKey = Awaited<ReturnType<typeof importJWK>>;

export interface JwksFetcher {
  /** Fetches and returns the `keys` array of a JWKS document; throws on network/HTTP errors. */
  (url: string): Promise<readonly JWK[]>;
}

export interface JwksCacheOptions {
  readonly fetchKeys: JwksFetcher;
  readonly clock: Clock;
  readonly ttlMs?: number;
  readonly minRefetchMs?: number;
  /**
   * Most keys imported from one set (default MAX_JWKS_KEYS): checked here as well as in
   * fetchJwks, so a fetcher that skips the check still cannot make us import thousands of keys.
   */
  readonly maxKeys?: number;
}

interface CachedSet {
  readonly fetchedAt: number;
  readonly keys: ReadonlyMap<string, VerificationKey>;
}

export type KeyLookup =
  | { readonly found: true; readonly key: VerificationKey }
  | {
      readonly found: false;
      readonly reason: 'unknown-kid' | 'fetch-failed';
      readonly detail?: string;
    };

export class JwksCache {
  readonly #options: Required<JwksCacheOptions>;
  readonly #sets = new Map<string, CachedSet>();
  readonly #inFlight = new Map<string, Promise<CachedSet>>();
  #fetches = 0;

  constructor(options: JwksCacheOptions) {
    this.#options = {
      ttlMs: 10 * 60_000,
      minRefetchMs: 30_000,
      maxKeys: MAX_JWKS_KEYS,
      ...options,
    };
  }

  /** How many times a key set was fetched (for the cache-effect benchmark). */
  get fetchCount(): number {
    return this.#fetches;
  }

  async keyFor(jwksUrl: string, kid: string): Promise<KeyLookup> {
    const now = this.#options.clock.now().getTime();
    let set = this.#sets.get(jwksUrl);
    try {
      if (set === undefined || now - set.fetchedAt > this.#options.ttlMs) {
        set = await this.#refresh(jwksUrl);
      } else if (!set.keys.has(kid) && now - set.fetchedAt >= this.#options.minRefetchMs) {
        // Unknown kid: the platform may have rotated its key. One refetch, then give up.
        set = await this.#refresh(jwksUrl);
      }
    } catch (error) {
      return {
        found: false,
        reason: 'fetch-failed',
        detail: error instanceof Error ? error.message : String(error),
      };
    }
    const key = set.keys.get(kid);
    return key === undefined ? { found: false, reason: 'unknown-kid' } : { found: true, key };
  }

  #refresh(jwksUrl: string): Promise<CachedSet> {
    // Concurrent launches share one fetch.
    const pending = this.#inFlight.get(jwksUrl);
    if (pending !== undefined) return pending;
    const promise = this.#load(jwksUrl).finally(() => this.#inFlight.delete(jwksUrl));
    this.#inFlight.set(jwksUrl, promise);
    return promise;
  }

  async #load(jwksUrl: string): Promise<CachedSet> {
    this.#fetches += 1;
    const jwks = await this.#options.fetchKeys(jwksUrl);
    if (jwks.length > this.#options.maxKeys)
      throw new JwksTooManyKeysError(jwksUrl, jwks.length, this.#options.maxKeys);
    const keys = new Map<string, VerificationKey>();
    for (const jwk of jwks) {
      // Only RSA signing keys are acceptable for LTI 1.3 (RS256).
      if (
        jwk.kid === undefined ||
        jwk.kty !== 'RSA' ||
        (jwk.use !== undefined && jwk.use !== 'sig')
      )
        continue;
      if (jwk.alg !== undefined && jwk.alg !== 'RS256') continue;
      try {
        keys.set(jwk.kid, await importJWK({ ...jwk, alg: 'RS256' }, 'RS256'));
      } catch {
        // A malformed key in the set must not hide the good ones.
      }
    }
    const set = { fetchedAt: this.#options.clock.now().getTime(), keys };
    this.#sets.set(jwksUrl, set);
    return set;
  }
}
