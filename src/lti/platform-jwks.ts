/**
 * Fetches a platform's key set through the outbound client (User-Agent, timeout, counted, body
 * capped at RESPONSE_BODY_LIMITS.jwks) and refuses a set with more keys than any platform needs:
 * every key is imported (an RSA parse each) on every refresh, so a 256 KB set of small keys
 * would still cost thousands of imports.
 */
import type { JWK } from 'jose';
import type { OutboundHttp } from './outbound-http.js';

/** Canvas publishes 3 keys (previous, current, next), Moodle 1; 50 leaves room for rotations. */
export const MAX_JWKS_KEYS = 50;

export class JwksTooManyKeysError extends Error {
  readonly keyCount: number;
  readonly limit: number;
  constructor(url: string, keyCount: number, limit: number) {
    let origin = url;
    try {
      origin = new URL(url).origin;
    } catch {
      // Keep the text as given.
    }
    super(
      `the key set (JWKS) from ${origin} lists ${keyCount} keys; Pathwise accepts at most ${limit}`,
    );
    this.name = 'JwksTooManyKeysError';
    this.keyCount = keyCount;
    this.limit = limit;
  }
}

export async function fetchJwks(
  outbound: OutboundHttp,
  url: string,
  options: { readonly maxKeys?: number } = {},
): Promise<readonly JWK[]> {
  const maxKeys = options.maxKeys ?? MAX_JWKS_KEYS;
  const response = await outbound.send({ purpose: 'jwks', url, timeoutMs: 5000 });
  if (response.status !== 200) throw new Error(`JWKS ${url} answered ${response.status}`);
  let body: unknown;
  try {
    body = JSON.parse(response.text);
  } catch {
    throw new Error(`JWKS ${url} is not JSON`);
  }
  const keys =
    typeof body === 'object' && body !== null ? (body as { keys?: unknown }).keys : undefined;
  if (!Array.isArray(keys)) throw new Error(`JWKS ${url} has no keys array`);
  if (keys.length > maxKeys) throw new JwksTooManyKeysError(url, keys.length, maxKeys);
  return keys.filter((key): key is JWK => typeof key === 'object' && key !== null);
}
