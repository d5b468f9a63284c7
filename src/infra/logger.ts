import { pino, type Logger } from 'pino';
import type { LogLevel } from './config.js';

export type { Logger };

/** Paths that may carry secrets or tokens: never written to logs. */
const REDACT = [
  'req.headers.authorization',
  'req.headers.cookie',
  'res.headers["set-cookie"]',
  '*.encryptionKey',
  '*.password',
  '*.id_token',
  '*.client_assertion',
  '*.access_token',
];

/** Query parameters that carry a credential: their values never reach a log line. */
const SECRET_PARAMS = ['session', 'id_token', 'state', 'nonce', 'registration_token', 'token'];

/**
 * A URL or path with its credential parameters' values replaced, the rest kept byte for byte.
 * Used for request URLs and Location headers in the access log.
 */
export function redactUrl(url: string): string {
  const queryAt = url.indexOf('?');
  if (queryAt === -1) return url;
  const query = url
    .slice(queryAt + 1)
    .split('&')
    .map((pair) => {
      const eq = pair.indexOf('=');
      const name = eq === -1 ? pair : pair.slice(0, eq);
      return SECRET_PARAMS.includes(name) ? `${name}=[redacted]` : pair;
    })
    .join('&');
  return `${url.slice(0, queryAt)}?${query}`;
}

interface SerializedRequest {
  url?: unknown;
  query?: unknown;
  [key: string]: unknown;
}

interface SerializedResponse {
  headers?: Record<string, unknown>;
  [key: string]: unknown;
}

/** pino-http serializers that keep session tokens out of the access log (URL, query, Location). */
export const accessLogSerializers = {
  req: (req: SerializedRequest): SerializedRequest => {
    const out = { ...req };
    if (typeof out.url === 'string') out.url = redactUrl(out.url);
    // Also here, not only in the logger's redact paths: any logger given to the app is safe.
    if (typeof out['headers'] === 'object' && out['headers'] !== null) {
      const headers: Record<string, unknown> = { ...(out['headers'] as Record<string, unknown>) };
      for (const name of ['authorization', 'cookie'])
        if (name in headers) headers[name] = '[redacted]';
      out['headers'] = headers;
    }
    if (typeof out.query === 'object' && out.query !== null) {
      const query: Record<string, unknown> = { ...(out.query as Record<string, unknown>) };
      for (const name of SECRET_PARAMS) if (name in query) query[name] = '[redacted]';
      out.query = query;
    }
    return out;
  },
  res: (res: SerializedResponse): SerializedResponse => {
    if (res.headers === undefined) return res;
    const headers: Record<string, unknown> = { ...res.headers };
    if (typeof headers['location'] === 'string')
      headers['location'] = redactUrl(headers['location']);
    if ('set-cookie' in headers) headers['set-cookie'] = '[redacted]';
    return { ...res, headers };
  },
};

export function createLogger(level: LogLevel, base: Record<string, unknown> = {}): Logger {
  return pino({
    level,
    base: { service: 'pathwise', ...base },
    redact: { paths: REDACT, censor: '[redacted]' },
  });
}
