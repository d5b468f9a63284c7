/** Fetches a platform's key set through the outbound client (User-Agent, timeout, counted). */
import type { JWK } from 'jose';
import type { OutboundHttp } from './outbound-http.js';

export async function fetchJwks(outbound: OutboundHttp, url: string): Promise<readonly JWK[]> {
  const response = await outbound.send({ purpose: 'jwks', url, timeoutMs: 5000 });
  if (response.status !== 200) throw new Error(`JWKS ${url} answered ${response.status}`);
  const body: unknown = JSON.parse(response.text);
  const keys =
    typeof body === 'object' && body !== null ? (body as { keys?: unknown }).keys : undefined;
  if (!Array.isArray(keys)) throw new Error(`JWKS ${url} has no keys array`);
  return keys.filter((key): key is JWK => typeof key === 'object' && key !== null);
}
