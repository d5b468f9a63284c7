/**
 * The LtiDeepLinkingResponse (Deep Linking 2.0 §4.2), built and signed by us rather than by
 * ltijs's createDeepLinkingMessage: that one draws its nonce from Math.random, misspells the
 * errormsg claim (trailing space) and ignores accept_lineitem. Items the platform said it does
 * not accept are dropped here, never sent (checklist 37).
 */
import { randomBytes } from 'node:crypto';
import { SignJWT } from 'jose';
import type { DeepLinkingRequest } from './claims.js';
import type { ToolSigningKey } from './platforms.js';
import { CLAIM, LTI_VERSION, MESSAGE_TYPE } from './vocabulary.js';

export interface LineItemRequest {
  readonly scoreMaximum: number;
  readonly label: string;
  readonly resourceId: string;
  readonly tag: string;
}

export interface ResourceLinkItem {
  readonly type: 'ltiResourceLink';
  readonly title: string;
  readonly text?: string;
  readonly url: string;
  readonly custom: Readonly<Record<string, string>>;
  readonly lineItem?: LineItemRequest;
}

export interface DeepLinkingResponseInput {
  readonly request: DeepLinkingRequest;
  readonly issuer: string;
  readonly clientId: string;
  readonly deploymentId: string;
  readonly items: readonly ResourceLinkItem[];
  readonly message?: string;
  readonly errorMessage?: string;
  readonly now: Date;
}

export interface FilteredItems {
  readonly items: readonly ResourceLinkItem[];
  /** Why items or line items were left out (shown to the instructor, logged). */
  readonly dropped: readonly string[];
}

/** Applies accept_types, accept_multiple and accept_lineitem (checklist 37). */
export function filterItemsForPlatform(
  request: DeepLinkingRequest,
  items: readonly ResourceLinkItem[],
): FilteredItems {
  const dropped: string[] = [];
  let kept = items.filter((item) => {
    const accepted = request.acceptTypes.includes(item.type);
    if (!accepted) dropped.push(`${item.title}: the LMS does not accept ${item.type} items here`);
    return accepted;
  });
  if (!request.acceptMultiple && kept.length > 1) {
    dropped.push(...kept.slice(1).map((item) => `${item.title}: the LMS accepts one item only`));
    kept = kept.slice(0, 1);
  }
  kept = kept.map((item) => {
    if (item.lineItem === undefined || request.acceptLineItem) return item;
    dropped.push(`${item.title}: the LMS does not accept a gradebook column from this placement`);
    const { lineItem: _omitted, ...rest } = item;
    return rest;
  });
  for (const item of kept) {
    if (item.lineItem === undefined) continue;
    if (!(item.lineItem.scoreMaximum > 0)) throw new Error('lineItem.scoreMaximum must be > 0');
    if (item.lineItem.label.trim() === '') throw new Error('lineItem.label must not be blank');
  }
  return { items: kept, dropped };
}

export async function signDeepLinkingResponse(
  input: DeepLinkingResponseInput,
  key: ToolSigningKey,
): Promise<string> {
  const filtered = filterItemsForPlatform(input.request, input.items);
  const payload: Record<string, unknown> = {
    nonce: randomBytes(16).toString('base64url'),
    [CLAIM.deploymentId]: input.deploymentId,
    [CLAIM.messageType]: MESSAGE_TYPE.deepLinkingResponse,
    [CLAIM.version]: LTI_VERSION,
    [CLAIM.deepLinkingContentItems]: filtered.items,
  };
  if (input.request.data !== undefined) payload[CLAIM.deepLinkingData] = input.request.data;
  if (input.message !== undefined) payload[CLAIM.deepLinkingMessage] = input.message;
  if (input.errorMessage !== undefined) payload[CLAIM.deepLinkingErrorMessage] = input.errorMessage;
  const issuedAt = Math.floor(input.now.getTime() / 1000);
  return new SignJWT(payload)
    .setProtectedHeader({ alg: 'RS256', kid: key.kid, typ: 'JWT' })
    .setIssuer(input.clientId)
    .setAudience(input.issuer)
    .setIssuedAt(issuedAt)
    .setExpirationTime(issuedAt + 300)
    .sign(key.privateKey);
}
