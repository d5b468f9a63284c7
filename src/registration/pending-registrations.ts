/**
 * Platforms that Dynamic Registration stored inactive and nobody has activated yet. `/register`
 * needs no login (the LMS frames it before it is trusted), so anyone can make Pathwise store an
 * inactive platform; this list lets the registration use case keep that bounded:
 *
 * - the same issuer + openid_configuration registering again replaces its pending platform
 *   (the LMS now holds the new client id; the old one can never be activated usefully);
 * - a pending platform older than the expiry (config `registration.pendingExpiryDays`) is
 *   removed at the next registration.
 *
 * Only platforms listed here are ever removed, and an entry is dropped (never acted on again) as
 * soon as its platform is seen active or is activated with the platform CLI: active and
 * once-activated platforms are never deleted.
 */
import type { PlatformRegistry } from '../lti/platforms.js';

export interface PendingRegistration {
  readonly platformId: string;
  readonly issuer: string;
  /** The openid_configuration URL exactly as the LMS sent it. */
  readonly configurationUrl: string;
  readonly createdAt: Date;
}

export interface PendingRegistrationStore {
  add(entry: PendingRegistration): Promise<void>;
  /** Entries of the same issuer and configuration URL, oldest first. */
  findSame(issuer: string, configurationUrl: string): Promise<readonly PendingRegistration[]>;
  /** Up to `limit` entries created before `cutoff`, oldest first. */
  createdBefore(cutoff: Date, limit: number): Promise<readonly PendingRegistration[]>;
  /** Stops tracking a platform (activated, removed or replaced). */
  forget(platformId: string): Promise<void>;
}

/**
 * Removes the entry's platform if it is still an inactive Dynamic Registration, and stops
 * tracking it either way (an active platform is never touched again). True when removed.
 */
export async function retirePending(
  registry: PlatformRegistry,
  store: PendingRegistrationStore,
  entry: PendingRegistration,
): Promise<boolean> {
  const platform = await registry.findById(entry.platformId);
  const stillPending = platform !== undefined && !platform.active && platform.source === 'dynamic';
  if (stillPending) await registry.remove(platform.id);
  await store.forget(entry.platformId);
  return stillPending;
}

/** Retires every entry created before `cutoff` (at most `limit` per call); the removed ids. */
export async function expirePending(
  registry: PlatformRegistry,
  store: PendingRegistrationStore,
  cutoff: Date,
  limit = 100,
): Promise<string[]> {
  const removed: string[] = [];
  for (const entry of await store.createdBefore(cutoff, limit)) {
    if (await retirePending(registry, store, entry)) removed.push(entry.platformId);
  }
  return removed;
}
