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

export function createLogger(level: LogLevel, base: Record<string, unknown> = {}): Logger {
  return pino({
    level,
    base: { service: 'pathwise', ...base },
    redact: { paths: REDACT, censor: '[redacted]' },
  });
}
