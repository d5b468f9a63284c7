/**
 * The origins allowed to frame Pathwise (CSP frame-ancestors). Canvas frames tools from the
 * school's own domain (school.instructure.com), which is neither the issuer nor the auth
 * endpoint, so we also learn origins from launches (launch_presentation return URL, deep-link
 * return URL) and remember them per registration. The CSP middleware reads the set synchronously.
 */
import type { Clock } from '../shared/clock.js';
import type { LaunchContext } from './claims.js';
import type { PlatformRegistry } from './platforms.js';

export interface FrameAncestors {
  origins(): readonly string[];
  refresh(): Promise<void>;
  learnFromLaunch(platformId: string, launch: LaunchContext): Promise<void>;
  stop(): void;
}

function originOf(url: string | undefined): string | undefined {
  if (url === undefined) return undefined;
  try {
    const parsed = new URL(url);
    return parsed.protocol === 'https:' || parsed.protocol === 'http:' ? parsed.origin : undefined;
  } catch {
    return undefined;
  }
}

export function createFrameAncestors(
  registry: PlatformRegistry,
  _clock: Clock,
  refreshMs = 60_000,
): FrameAncestors {
  let current: readonly string[] = [];
  const refresh = async (): Promise<void> => {
    const origins = new Set<string>();
    for (const registration of await registry.list()) {
      if (!registration.active) continue;
      for (const url of [
        registration.issuer,
        registration.authEndpoint,
        ...registration.frameOrigins,
      ]) {
        const origin = originOf(url);
        if (origin !== undefined) origins.add(origin);
      }
    }
    current = [...origins].sort();
  };
  // Registrations change from other instances and the CLI: pick them up periodically.
  const timer = setInterval(() => {
    void refresh().catch(() => undefined);
  }, refreshMs);
  timer.unref();
  return {
    origins: () => current,
    refresh,
    async learnFromLaunch(platformId, launch) {
      const learned = [launch.returnUrl, launch.deepLinking?.returnUrl]
        .map(originOf)
        .filter((origin): origin is string => origin !== undefined);
      const fresh = learned.filter((origin) => !current.includes(origin));
      if (fresh.length === 0) return;
      for (const origin of fresh) await registry.addFrameOrigin(platformId, origin);
      await refresh();
    },
    stop: () => {
      clearInterval(timer);
    },
  };
}
