/**
 * 1EdTech LTI Platform Storage (Client Side postMessages lti-cs-pm, postMessage Storage lti-pm-s,
 * OIDC login guide lti-cs-oidc): when third-party cookies are blocked the login state cannot live
 * in a cookie of the framed tool, so the browser stores it in the platform's window instead
 * (`lti.put_data` at login, `lti.get_data` at launch). This module holds the spec-facing values the
 * pages need; the postMessage exchange itself runs in public/js/lti-postmessage.js.
 *
 * - The platform signals support with `lti_storage_target` (Canvas: `post_message_forwarding`, a
 *   sibling frame served from its OIDC auth domain; `_parent`: the parent window itself).
 * - Messages go to that frame with the platform's OIDC authorization endpoint origin as target
 *   origin (never `*`), and only replies from that origin with our message_id count.
 * - Keys carry the value (`state-<state>`), as Canvas recommends, so parallel logins never collide.
 */

/** `lti_storage_target` naming the platform's parent (or opener) window itself. */
export const PARENT_FRAME = '_parent';

/** How long the login page waits for each platform reply before falling back to the cookie. */
export const STORAGE_REPLY_TIMEOUT_MS = 2000;
/** How long the login page waits for an `lti.capabilities` reply (optional in the spec). */
export const CAPABILITIES_TIMEOUT_MS = 1000;

const FRAME_NAME = /^[A-Za-z0-9_.-]{1,64}$/;
// Names that would address another window property instead of a child frame.
const RESERVED_NAMES = new Set([
  'opener',
  'top',
  'parent',
  'self',
  'window',
  'frames',
  'location',
  'length',
  'name',
  'constructor',
  'prototype',
  '__proto__',
]);

/** The frame named by a login's `lti_storage_target`, or undefined when absent or not a safe name. */
export function storageTargetFrom(raw: string | undefined): string | undefined {
  if (raw === undefined) return undefined;
  if (raw === PARENT_FRAME) return raw;
  return FRAME_NAME.test(raw) && !RESERVED_NAMES.has(raw) && !raw.startsWith('_') ? raw : undefined;
}

/** The postMessage target origin: the origin of the platform's OIDC authorization endpoint. */
export function storageOrigin(authEndpoint: string): string | undefined {
  try {
    const url = new URL(authEndpoint);
    return url.protocol === 'https:' || url.protocol === 'http:' ? url.origin : undefined;
  } catch {
    return undefined;
  }
}

export const stateStorageKey = (state: string): string => `state-${state}`;
export const nonceStorageKey = (nonce: string): string => `nonce-${nonce}`;

/** What the login page stores in the platform before it continues to the authorization endpoint. */
export interface PlatformStoragePut {
  readonly target: string;
  readonly origin: string;
  readonly stateKey: string;
  readonly state: string;
  readonly nonceKey: string;
  readonly nonce: string;
}

/** What the launch page reads back from the platform. */
export interface PlatformStorageGet {
  readonly target: string;
  readonly origin: string;
  readonly stateKey: string;
}
