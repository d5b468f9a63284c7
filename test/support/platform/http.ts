/**
 * Small HTTP helpers for tests that talk to real servers on 127.0.0.1:0: start/stop an Express app
 * (closing keep-alive sockets so mocha exits), a minimal cookie jar, and an HTML form reader.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { RequestListener } from 'node:http';

export interface RunningServer {
  readonly url: string;
  readonly server: Server;
  close(): Promise<void>;
}

export async function startServer(handler: RequestListener): Promise<RunningServer> {
  const server = createServer(handler);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    server,
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.close((error) => {
          if (error) reject(error);
          else resolve();
        });
        server.closeAllConnections();
      }),
  };
}

/**
 * A cookie jar keyed by host: stores Set-Cookie values, honours Max-Age=0/Expires in the past,
 * and sends every stored cookie of the host (paths and Secure are ignored: tests run over http).
 */
export class CookieJar {
  readonly #cookies = new Map<string, Map<string, string>>();

  store(url: string, response: Response): void {
    const host = new URL(url).host;
    const jar = this.#cookies.get(host) ?? new Map<string, string>();
    for (const header of response.headers.getSetCookie()) {
      const [pair = '', ...attributes] = header.split(';');
      const eq = pair.indexOf('=');
      if (eq <= 0) continue;
      const name = pair.slice(0, eq).trim();
      const value = pair.slice(eq + 1).trim();
      const expired = attributes.some((a) => {
        const [k = '', v = ''] = a.split('=').map((s) => s.trim());
        if (k.toLowerCase() === 'max-age') return Number(v) <= 0;
        if (k.toLowerCase() === 'expires') return Date.parse(v) < Date.now();
        return false;
      });
      if (expired) jar.delete(name);
      else jar.set(name, value);
    }
    this.#cookies.set(host, jar);
  }

  header(url: string): string | undefined {
    const jar = this.#cookies.get(new URL(url).host);
    if (jar === undefined || jar.size === 0) return undefined;
    return [...jar].map(([k, v]) => `${k}=${v}`).join('; ');
  }

  get(url: string, name: string): string | undefined {
    return this.#cookies.get(new URL(url).host)?.get(name);
  }
}

const ENTITIES: Readonly<Record<string, string>> = {
  amp: '&',
  lt: '<',
  gt: '>',
  quot: '"',
  apos: "'",
  '#x27': "'",
  '#39': "'",
  '#x60': '`',
  '#x3D': '=',
  '#61': '=',
};

export function decodeHtml(text: string): string {
  return text.replace(/&(#x[0-9a-f]+|#\d+|[a-z]+);/gi, (whole, entity: string) => {
    const known = ENTITIES[entity] ?? ENTITIES[entity.toLowerCase()];
    if (known !== undefined) return known;
    if (entity.startsWith('#x') || entity.startsWith('#X'))
      return String.fromCodePoint(parseInt(entity.slice(2), 16));
    if (entity.startsWith('#')) return String.fromCodePoint(parseInt(entity.slice(1), 10));
    return whole;
  });
}

export interface HtmlForm {
  readonly action: string;
  readonly method: string;
  readonly fields: Record<string, string>;
}

/** Reads the first <form> of a page: action, method and its (hidden) input fields. */
export function readForm(html: string): HtmlForm | undefined {
  const form = /<form\b([^>]*)>([\s\S]*?)<\/form>/i.exec(html);
  if (form === null) return undefined;
  const attrs = form[1] ?? '';
  const attr = (source: string, name: string): string | undefined => {
    const m = new RegExp(`\\b${name}\\s*=\\s*("([^"]*)"|'([^']*)')`, 'i').exec(source);
    const raw = m?.[2] ?? m?.[3];
    return raw === undefined ? undefined : decodeHtml(raw);
  };
  const fields: Record<string, string> = {};
  for (const input of (form[2] ?? '').matchAll(/<input\b([^>]*)>/gi)) {
    const source = input[1] ?? '';
    const name = attr(source, 'name');
    // Like a browser: an unticked checkbox or radio button is not submitted.
    const type = attr(source, 'type')?.toLowerCase();
    if ((type === 'checkbox' || type === 'radio') && !/\bchecked\b/i.test(source)) continue;
    if (name !== undefined) fields[name] = attr(source, 'value') ?? '';
  }
  return {
    action: attr(attrs, 'action') ?? '',
    method: (attr(attrs, 'method') ?? 'get').toLowerCase(),
    fields,
  };
}
