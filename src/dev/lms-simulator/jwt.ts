/**
 * Pure JWT minting for the simulated platform and for security tests. Signing is done by hand
 * (node:crypto) rather than through jose so a test can produce exactly the broken token it needs:
 * no `kid`, a wrong `kid`, `alg: none`, HS256 keyed with the public key (algorithm confusion),
 * a tampered payload or signature, deleted or extra claims.
 */
import { createHmac, createSign, generateKeyPair, randomUUID, type KeyObject } from 'node:crypto';
import type { JWK } from 'jose';

export type JwtClaims = Record<string, unknown>;

export interface SigningKey {
  readonly kid: string;
  readonly privateKey: KeyObject;
  readonly publicKey: KeyObject;
  /** Public JWK with `kid`, `alg: RS256`, `use: sig`; never private members. */
  readonly publicJwk: JWK;
}

/** A fresh RSA-2048 key for RS256 (async: key generation takes tens of milliseconds). */
export async function generateSigningKey(kid: string = randomUUID()): Promise<SigningKey> {
  const { privateKey, publicKey } = await new Promise<{
    privateKey: KeyObject;
    publicKey: KeyObject;
  }>((resolve, reject) => {
    generateKeyPair('rsa', { modulusLength: 2048 }, (error, pub, priv) => {
      if (error !== null) reject(error);
      else resolve({ privateKey: priv, publicKey: pub });
    });
  });
  const exported = publicKey.export({ format: 'jwk' });
  const publicJwk: JWK = {
    kty: 'RSA',
    ...(exported.n === undefined ? {} : { n: exported.n }),
    ...(exported.e === undefined ? {} : { e: exported.e }),
    kid,
    alg: 'RS256',
    use: 'sig',
  };
  return { kid, privateKey, publicKey, publicJwk };
}

export function jwksDocument(keys: readonly SigningKey[]): { keys: JWK[] } {
  return { keys: keys.map((k) => ({ ...k.publicJwk })) };
}

/** How to sign; everything defaults to a correct RS256 token with the key's `kid`. */
export interface SignJwtOptions {
  readonly key: SigningKey;
  /** Header members to add or replace (e.g. `{ kid: 'unknown' }`, `{ alg: 'RS512' }`). */
  readonly header?: Readonly<Record<string, unknown>>;
  /** Header members to delete (e.g. `['kid']`). */
  readonly omitHeader?: readonly string[];
  /**
   * The signature actually produced: `RS256` (default), `none` (empty signature),
   * `HS256` (HMAC keyed with `hmacSecret`, by default the public key's PEM: the classic
   * algorithm-confusion attack). The header `alg` follows unless `header.alg` overrides it.
   */
  readonly signWith?: 'RS256' | 'none' | 'HS256';
  readonly hmacSecret?: string;
  /** Corrupt the result after signing: flip a signature byte, or change the payload. */
  readonly tamper?: 'signature' | 'payload';
}

const b64url = (data: string | Buffer): string => Buffer.from(data).toString('base64url');

export function signJwt(claims: JwtClaims, options: SignJwtOptions): string {
  const signWith = options.signWith ?? 'RS256';
  const header: Record<string, unknown> = {
    typ: 'JWT',
    alg: signWith,
    kid: options.key.kid,
    ...options.header,
  };
  for (const name of options.omitHeader ?? []) Reflect.deleteProperty(header, name);
  const signingInput = `${b64url(JSON.stringify(header))}.${b64url(JSON.stringify(claims))}`;
  let signature: string;
  switch (signWith) {
    case 'RS256':
      signature = createSign('RSA-SHA256')
        .update(signingInput)
        .sign(options.key.privateKey, 'base64url');
      break;
    case 'HS256': {
      const secret =
        options.hmacSecret ??
        options.key.publicKey.export({ format: 'pem', type: 'spki' }).toString();
      signature = createHmac('sha256', secret).update(signingInput).digest('base64url');
      break;
    }
    case 'none':
      signature = '';
      break;
  }
  if (options.tamper === 'signature') {
    const bytes = Buffer.from(signature, 'base64url');
    if (bytes.length > 0) bytes[0] = (bytes[0] ?? 0) ^ 0xff;
    signature = bytes.toString('base64url');
  }
  if (options.tamper === 'payload') {
    const tampered = { ...claims, tampered: true };
    const [encodedHeader] = signingInput.split('.');
    return `${encodedHeader ?? ''}.${b64url(JSON.stringify(tampered))}.${signature}`;
  }
  return `${signingInput}.${signature}`;
}

/** A claim path: a top-level claim name, or a path into nested objects (`[CLAIM.resourceLink, 'id']`). */
export type ClaimPath = string | readonly string[];

export interface ClaimEdits {
  /** Deep-merged over the claims (objects merge, everything else replaces). */
  readonly set?: JwtClaims;
  /** Claims or nested members to delete after `set`. */
  readonly omit?: readonly ClaimPath[];
}

const isPlainObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

function deepMerge(base: JwtClaims, patch: JwtClaims): JwtClaims {
  const out: JwtClaims = { ...base };
  for (const [name, value] of Object.entries(patch)) {
    const current = out[name];
    out[name] = isPlainObject(current) && isPlainObject(value) ? deepMerge(current, value) : value;
  }
  return out;
}

function omitPath(claims: JwtClaims, path: readonly string[]): JwtClaims {
  const [head, ...rest] = path;
  if (head === undefined || !(head in claims)) return claims;
  const out: JwtClaims = { ...claims };
  if (rest.length === 0) {
    Reflect.deleteProperty(out, head);
    return out;
  }
  const inner = out[head];
  if (isPlainObject(inner)) out[head] = omitPath(inner, rest);
  return out;
}

/** Returns new claims with `edits` applied; the input is never mutated. */
export function editClaims(claims: JwtClaims, edits: ClaimEdits = {}): JwtClaims {
  let out = edits.set === undefined ? { ...claims } : deepMerge(claims, edits.set);
  for (const path of edits.omit ?? []) {
    out = omitPath(out, typeof path === 'string' ? [path] : path);
  }
  return out;
}

/** Decodes a JWT's parts without verifying (for tests and error messages). */
export function decodeJwtUnverified(
  token: string,
): { header: Record<string, unknown>; payload: JwtClaims } | undefined {
  const [h, p] = token.split('.');
  if (h === undefined || p === undefined) return undefined;
  try {
    const header: unknown = JSON.parse(Buffer.from(h, 'base64url').toString('utf8'));
    const payload: unknown = JSON.parse(Buffer.from(p, 'base64url').toString('utf8'));
    if (!isPlainObject(header) || !isPlainObject(payload)) return undefined;
    return { header, payload };
  } catch {
    return undefined;
  }
}
