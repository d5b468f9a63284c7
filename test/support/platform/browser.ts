/**
 * The browser a test launched in. A session made by a launch whose browser kept Pathwise's
 * cookies is bound to that browser (its key cookie); tests that go on with `fetch` after a launch
 * act as that same browser through browserFetch, which sends the launch's cookies with every
 * request naming the session (query, form body or Bearer header). A request for a session that
 * no launch here made goes out with no cookie at all, like another browser.
 */
import { CookieJar } from './http.js';

const browsers = new Map<string, CookieJar>();

/** Remembers the jar of the browser that landed on `url` (a page carrying `?session=`). */
export function rememberBrowser(url: string, jar: CookieJar): void {
  const session = new URL(url).searchParams.get('session');
  if (session !== null && session !== '') browsers.set(session, jar);
}

/** The cookie jar of the browser that launched this session, if a test launched it. */
export function browserOfSession(session: string): CookieJar | undefined {
  return browsers.get(session);
}

function sessionNamedBy(url: URL, init: RequestInit | undefined): string | undefined {
  const fromQuery = url.searchParams.get('session');
  if (fromQuery !== null) return fromQuery;
  const body = init?.body;
  if (body instanceof URLSearchParams) return body.get('session') ?? undefined;
  if (typeof body === 'string') {
    try {
      const json: unknown = JSON.parse(body);
      if (typeof json === 'object' && json !== null && 'session' in json)
        return String(json.session);
    } catch {
      return new URLSearchParams(body).get('session') ?? undefined;
    }
  }
  const headers = new Headers(init?.headers);
  const auth = headers.get('authorization');
  return auth?.startsWith('Bearer ') === true ? auth.slice(7) : undefined;
}

/** fetch, as the browser that launched the session the request names. */
export async function browserFetch(input: string | URL, init?: RequestInit): Promise<Response> {
  const url = new URL(String(input));
  const session = sessionNamedBy(url, init);
  const jar = session === undefined ? undefined : browsers.get(session);
  if (jar === undefined) return fetch(input, init);
  const headers = new Headers(init?.headers);
  const cookie = jar.header(url.toString());
  if (cookie !== undefined && !headers.has('cookie')) headers.set('cookie', cookie);
  const response = await fetch(input, { ...init, headers });
  jar.store(url.toString(), response);
  return response;
}
