/**
 * Which platform URLs Pathwise accepts (LTI-NOTES checklist items 2 and 45). Outside dev mode
 * every issuer, authorization, token, JWKS and registration URL must use https (LTI 1.3 requires
 * TLS). Dev mode allows plain http for this machine only (the LMS simulator), never for another
 * host. An issuer is an exact identifier compared byte for byte with the launch's `iss`: no query,
 * no fragment, and we never normalise it (`new URL('https://canvas.instructure.com').href` adds a
 * trailing slash that Canvas never sends).
 */

export type UrlRole = 'issuer' | 'endpoint';

export interface UrlPolicy {
  readonly devMode: boolean;
}

/** What is wrong with a URL and how to fix it, phrased for the administrator. */
export interface UrlProblem {
  readonly problem: string;
  readonly fix: string;
}

/** localhost, *.localhost, 127.0.0.0/8 and [::1]: the only hosts dev mode reaches over http. */
export function isLoopbackHostname(hostname: string): boolean {
  const host = hostname.toLowerCase();
  return (
    host === 'localhost' ||
    host.endsWith('.localhost') ||
    host === '[::1]' ||
    /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(host)
  );
}

export function checkPlatformUrl(
  raw: string,
  role: UrlRole,
  policy: UrlPolicy,
): UrlProblem | undefined {
  if (raw.trim() !== raw) {
    return {
      problem: 'has leading or trailing spaces',
      fix: 'remove the spaces around the URL',
    };
  }
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    return {
      problem: `"${raw}" is not an absolute URL`,
      fix: 'write the full URL, starting with https://',
    };
  }
  if (url.username !== '' || url.password !== '') {
    return {
      problem: 'contains a user name or password',
      fix: 'remove the "user:password@" part; platforms never need credentials in the URL',
    };
  }
  if (url.protocol === 'http:') {
    if (!policy.devMode) {
      return {
        problem: 'uses http; LTI 1.3 requires https outside dev mode',
        fix: 'use the https:// URL the platform publishes',
      };
    }
    if (!isLoopbackHostname(url.hostname)) {
      return {
        problem: `uses http for ${url.hostname}; dev mode allows http only for localhost`,
        fix: 'use https, or http://localhost / http://127.0.0.1 for a platform on this machine',
      };
    }
  } else if (url.protocol !== 'https:') {
    return {
      problem: `uses ${url.protocol.replace(/:$/, '')}; only https URLs are accepted`,
      fix: 'use the https:// URL the platform publishes',
    };
  }
  if (role === 'issuer') {
    if (raw.includes('?')) {
      return {
        problem: 'contains a query string; an issuer has none',
        fix: 'remove everything from "?" on (the issuer is the exact "iss" value the platform sends)',
      };
    }
    if (raw.includes('#')) {
      return {
        problem: 'contains a fragment; an issuer has none',
        fix: 'remove everything from "#" on (the issuer is the exact "iss" value the platform sends)',
      };
    }
  }
  return undefined;
}
