/**
 * The `next` page URL from an HTTP Link header (RFC 8288), as AGS and NRPS page with it.
 * Moodle's memberships and line items services quote the relation with typographic quotes
 * (rel=“next”), which a strict parser misses and so silently stops at page one.
 */
export function nextPageUrl(linkHeader: string | null | undefined): string | undefined {
  if (linkHeader === null || linkHeader === undefined) return undefined;
  for (const part of linkHeader.split(/,(?=\s*<)/)) {
    const match = /^\s*<([^>]*)>\s*;(.*)$/.exec(part);
    if (match === null) continue;
    const [, url, params] = match;
    if (url === undefined || params === undefined) continue;
    const rel = /rel\s*=\s*["“”']?([^"“”';]+)["“”']?/i.exec(params)?.[1];
    if (rel !== undefined && rel.trim().split(/\s+/).includes('next')) return url;
  }
  return undefined;
}
