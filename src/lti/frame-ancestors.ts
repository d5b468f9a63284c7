/**
 * Who may frame a page of Pathwise (CSP frame-ancestors), decided per response for the platform
 * the page belongs to, never as one list for every platform, and only from what was registered
 * for that platform: its issuer and authorization endpoint, the origins registered with it
 * (Dynamic Registration's configuration URL, or `npm run platform -- frame-origin-add`), and for
 * Canvas's shared issuers the hosts Canvas is served from (*.instructure.com and the configured
 * canvasHosts: Canvas frames tools from the school's domain, not the issuer). Nothing a launch
 * says (launch_presentation.return_url…) widens framing: a signed launch could otherwise name
 * any site. See docs/decisions/0001-framing-and-session-binding.md.
 */
import type { Framing } from '../infra/http/security-headers.js';
import type { PlatformRegistry } from './platforms.js';

export interface PlatformFrameOrigins {
  /** The registered origins of a platform (empty for an unknown one). */
  originsOf(platformId: string): readonly string[];
  /** Framing for a page of this platform. */
  framingFor(platformId: string): Framing;
  /** Re-reads the registry (after a registration changes; also periodically). */
  refresh(): Promise<void>;
  stop(): void;
}

export function originOf(url: string | undefined): string | undefined {
  if (url === undefined) return undefined;
  try {
    const parsed = new URL(url);
    return parsed.protocol === 'https:' || parsed.protocol === 'http:' ? parsed.origin : undefined;
  } catch {
    return undefined;
  }
}

export interface FrameOriginOptions {
  /** Extra frame origins of platforms with a given issuer (Canvas's shared issuers). */
  readonly originsByIssuer?: Readonly<Record<string, readonly string[]>>;
  readonly refreshMs?: number;
}

export function createPlatformFrameOrigins(
  registry: PlatformRegistry,
  options: FrameOriginOptions = {},
): PlatformFrameOrigins {
  const refreshMs = options.refreshMs ?? 60_000;
  let byPlatform = new Map<string, readonly string[]>();
  const refresh = async (): Promise<void> => {
    const next = new Map<string, readonly string[]>();
    // Inactive platforms too: their launches end on an error page, which must show in the frame.
    for (const registration of await registry.list()) {
      const origins = new Set<string>();
      for (const url of [
        registration.issuer,
        registration.authEndpoint,
        ...registration.frameOrigins,
      ]) {
        const origin = originOf(url);
        if (origin !== undefined) origins.add(origin);
      }
      for (const origin of options.originsByIssuer?.[registration.issuer] ?? [])
        origins.add(origin);
      next.set(registration.id, [...origins].sort());
    }
    byPlatform = next;
  };
  // Registrations change from other instances and the CLI: pick them up periodically.
  const timer = setInterval(() => {
    void refresh().catch(() => undefined);
  }, refreshMs);
  timer.unref();
  const originsOf = (platformId: string): readonly string[] => byPlatform.get(platformId) ?? [];
  return {
    originsOf,
    framingFor: (platformId) => ({ kind: 'origins', origins: originsOf(platformId) }),
    refresh,
    stop: () => {
      clearInterval(timer);
    },
  };
}
