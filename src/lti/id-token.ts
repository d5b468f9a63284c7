/**
 * Verification of the launch id_token (1EdTech Security Framework §5.1.3, OIDC Core §3.1.3.7),
 * stricter than ltijs 5.9.9: RS256 only with a kid, exp and iat required with a bounded skew and
 * token age, every audience trusted (azp required with several), and the nonce bound to the
 * login that issued the state. It reports every check it ran, so a failed launch can log the
 * whole list (oat-sa's validation result).
 */
import { compactVerify, decodeProtectedHeader } from 'jose';
import { timingSafeEqual } from 'node:crypto';
import type { KeyLookup } from './jwks-cache.js';

export type TokenCheck =
  'format' | 'algorithm' | 'kid' | 'signature' | 'iss' | 'aud' | 'azp' | 'exp' | 'iat' | 'nonce';

export interface CheckOutcome {
  readonly check: TokenCheck;
  readonly passed: boolean;
  readonly detail?: string;
}

export interface IdTokenExpectations {
  readonly issuer: string;
  readonly clientId: string;
  readonly jwksUrl: string;
  /** The nonce this tool issued with the login's state. */
  readonly nonce: string;
  readonly now: Date;
  readonly clockSkewSeconds: number;
  readonly maxAgeSeconds: number;
}

export type KeyResolver = (jwksUrl: string, kid: string) => Promise<KeyLookup>;

export type IdTokenResult =
  | {
      readonly ok: true;
      readonly payload: Readonly<Record<string, unknown>>;
      readonly checks: readonly CheckOutcome[];
    }
  | { readonly ok: false; readonly checks: readonly CheckOutcome[] };

const fail = (check: TokenCheck, detail: string): CheckOutcome => ({
  check,
  passed: false,
  detail,
});
const pass = (check: TokenCheck): CheckOutcome => ({ check, passed: true });

/** Constant-time string comparison for secrets (nonce, state). */
export function sameSecret(a: string, b: string): boolean {
  const left = Buffer.from(a);
  const right = Buffer.from(b);
  return left.length === right.length && timingSafeEqual(left, right);
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

export async function verifyIdToken(
  token: string,
  expected: IdTokenExpectations,
  resolveKey: KeyResolver,
): Promise<IdTokenResult> {
  const checks: CheckOutcome[] = [];
  const parts = token.split('.');
  let header: ReturnType<typeof decodeProtectedHeader>;
  try {
    if (parts.length !== 3) throw new Error(`expected 3 parts, got ${parts.length}`);
    header = decodeProtectedHeader(token);
  } catch (error) {
    checks.push(
      fail(
        'format',
        `not a signed JWT (${error instanceof Error ? error.message : 'undecodable'})`,
      ),
    );
    return { ok: false, checks };
  }
  checks.push(pass('format'));

  // Symmetric and unsigned tokens are forbidden for LTI 1.3 (Cert §4.2).
  if (header.alg !== 'RS256') {
    checks.push(fail('algorithm', `alg ${String(header.alg)} is not RS256`));
    return { ok: false, checks };
  }
  checks.push(pass('algorithm'));
  if (typeof header.kid !== 'string' || header.kid === '') {
    checks.push(fail('kid', 'the token header has no kid'));
    return { ok: false, checks };
  }
  const lookup = await resolveKey(expected.jwksUrl, header.kid);
  if (!lookup.found) {
    checks.push(
      fail(
        'kid',
        lookup.reason === 'unknown-kid'
          ? `kid ${header.kid} is not in the platform's key set`
          : `the platform's key set could not be fetched: ${lookup.detail ?? ''}`,
      ),
    );
    return { ok: false, checks };
  }
  checks.push(pass('kid'));

  let payload: Record<string, unknown>;
  try {
    const verified = await compactVerify(token, lookup.key, { algorithms: ['RS256'] });
    const decoded: unknown = JSON.parse(new TextDecoder().decode(verified.payload));
    if (!isRecord(decoded)) throw new Error('payload is not a JSON object');
    payload = decoded;
  } catch (error) {
    checks.push(
      fail('signature', error instanceof Error ? error.message : 'signature verification failed'),
    );
    return { ok: false, checks };
  }
  checks.push(pass('signature'));

  // From here on every check runs, so the log lists all problems of the token at once.
  checks.push(
    payload.iss === expected.issuer
      ? pass('iss')
      : fail('iss', `iss ${JSON.stringify(payload.iss)} is not the registered issuer`),
  );

  const audiences =
    typeof payload.aud === 'string' ? [payload.aud] : Array.isArray(payload.aud) ? payload.aud : [];
  if (!audiences.includes(expected.clientId)) {
    checks.push(fail('aud', 'aud does not contain our client_id'));
  } else if (audiences.some((aud) => aud !== expected.clientId)) {
    checks.push(fail('aud', 'aud lists an audience we do not trust'));
  } else {
    checks.push(pass('aud'));
  }
  if (payload.azp !== undefined && payload.azp !== expected.clientId) {
    checks.push(fail('azp', 'azp is not our client_id'));
  } else if (audiences.length > 1 && payload.azp === undefined) {
    checks.push(fail('azp', 'several audiences and no azp'));
  } else {
    checks.push(pass('azp'));
  }

  const nowSeconds = Math.floor(expected.now.getTime() / 1000);
  const skew = expected.clockSkewSeconds;
  if (typeof payload.exp !== 'number') checks.push(fail('exp', 'exp is missing'));
  else if (nowSeconds > payload.exp + skew)
    checks.push(fail('exp', `expired ${nowSeconds - payload.exp} s ago`));
  else checks.push(pass('exp'));

  if (typeof payload.iat !== 'number') checks.push(fail('iat', 'iat is missing'));
  else if (payload.iat > nowSeconds + skew)
    checks.push(fail('iat', `issued ${payload.iat - nowSeconds} s in the future`));
  else if (nowSeconds - payload.iat > expected.maxAgeSeconds + skew)
    checks.push(fail('iat', `issued ${nowSeconds - payload.iat} s ago, older than allowed`));
  else checks.push(pass('iat'));

  if (typeof payload.nonce !== 'string' || payload.nonce === '')
    checks.push(fail('nonce', 'nonce is missing'));
  else if (!sameSecret(payload.nonce, expected.nonce))
    checks.push(fail('nonce', 'nonce does not match the one issued at login'));
  else checks.push(pass('nonce'));

  return checks.every((c) => c.passed) ? { ok: true, payload, checks } : { ok: false, checks };
}
