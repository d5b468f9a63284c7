/**
 * Every request Pathwise makes to a platform goes through here: a User-Agent on each (Canvas
 * refuses requests without one), a timeout on each (a hung platform must not hold a worker),
 * a size cap on each answer (a platform, or a stranger's URL handed to Dynamic Registration,
 * must not be able to fill our memory), and a counter per purpose so benchmarks can report
 * outbound requests per 1,000 launches.
 *
 * The body is read as a stream and counted as it arrives (after any Content-Encoding is undone,
 * so a compressed bomb is cut at the same size); past the cap the read is cancelled and the
 * connection aborted, and a Content-Length above the cap is refused before reading anything.
 */
export type OutboundPurpose =
  'jwks' | 'token' | 'ags' | 'nrps' | 'registration' | 'deep-linking' | 'other';

export interface OutboundRequest {
  readonly purpose: OutboundPurpose;
  readonly url: string;
  readonly method?: 'GET' | 'POST' | 'PUT' | 'DELETE';
  readonly headers?: Readonly<Record<string, string>>;
  /** Sent as is (callers encode JSON or form bodies themselves). */
  readonly body?: string;
  readonly timeoutMs?: number;
  /** Largest answer body read, in bytes; RESPONSE_BODY_LIMITS[purpose] when absent. */
  readonly maxBytes?: number;
}

export interface OutboundResponse {
  readonly status: number;
  readonly headers: Headers;
  readonly text: string;
}

export interface OutboundHttp {
  /**
   * Resolves for every HTTP status; rejects on network failure or timeout
   * (OutboundTimeoutError), and on an answer larger than the cap (OutboundTooLargeError).
   */
  send(request: OutboundRequest): Promise<OutboundResponse>;
  /** Requests sent so far, per purpose. */
  counts(): Readonly<Record<OutboundPurpose, number>>;
}

const KB = 1024;
const MB = 1024 * KB;

/**
 * Largest answer body accepted per purpose. Each is far above what Canvas and Moodle send and
 * far below what would hurt a worker process (the whole body is held in memory to parse it):
 * - registration (the openid configuration and the registration answer): 256 KB. Canvas's and
 *   Moodle's configurations are 2-6 KB; the registration answer echoes our own request (~3 KB).
 *   The URL comes from an unauthenticated request, so this is the limit that matters most.
 * - jwks: 256 KB. One RSA-4096 JWK with an x5c chain is ~4 KB; Canvas publishes 3 keys
 *   (previous, current, next). The key count is capped separately (MAX_JWKS_KEYS, 50).
 * - token: 64 KB. An OAuth token answer is one JSON object with a token under 2 KB.
 * - ags: 1 MB. A line item is ~300 bytes, so a page of thousands of columns still fits;
 *   score answers are empty or a few hundred bytes.
 * - nrps: 8 MB per page. We ask for 50 members a page; a member with names, roles and legacy
 *   ids is ~1 KB, so 8 MB also covers a platform that ignores `limit` for a course of several
 *   thousand (Moodle without a limit sends everyone in one page).
 * - deep-linking, other: 256 KB (nothing reads a large answer on these).
 */
export const RESPONSE_BODY_LIMITS: Readonly<Record<OutboundPurpose, number>> = {
  registration: 256 * KB,
  jwks: 256 * KB,
  token: 64 * KB,
  ags: 1 * MB,
  nrps: 8 * MB,
  'deep-linking': 256 * KB,
  other: 256 * KB,
};

/** What a purpose's answer is, for error messages. */
const PURPOSE_NAMES: Readonly<Record<OutboundPurpose, string>> = {
  registration: 'registration answer',
  jwks: 'key set (JWKS)',
  token: 'token answer',
  ags: 'gradebook (AGS) answer',
  nrps: 'roster (NRPS) page',
  'deep-linking': 'deep linking answer',
  other: 'answer',
};

/** 262144 → "256 KB", 8388608 → "8 MB", 1500 → "1500 bytes". */
export function formatBytes(bytes: number): string {
  if (bytes >= MB && bytes % MB === 0) return `${bytes / MB} MB`;
  if (bytes >= KB && bytes % KB === 0) return `${bytes / KB} KB`;
  return `${bytes} bytes`;
}

const originOf = (url: string): string => {
  try {
    return new URL(url).origin;
  } catch {
    return 'the platform';
  }
};

export class OutboundTimeoutError extends Error {
  constructor(url: string, timeoutMs: number) {
    super(`no answer from ${new URL(url).origin} within ${timeoutMs} ms`);
    this.name = 'OutboundTimeoutError';
  }
}

/** The answer was larger than the cap for its purpose; reading stopped there. */
export class OutboundTooLargeError extends Error {
  readonly origin: string;
  readonly purpose: OutboundPurpose;
  readonly limitBytes: number;
  /** The HTTP status and headers of the oversized answer (they were read). */
  readonly status: number;
  readonly headers: Headers;
  /** The Content-Length the answer announced, when that alone gave it away. */
  readonly declaredBytes: number | undefined;

  constructor(options: {
    readonly url: string;
    readonly purpose: OutboundPurpose;
    readonly limitBytes: number;
    readonly status: number;
    readonly headers: Headers;
    readonly declaredBytes?: number | undefined;
  }) {
    const origin = originOf(options.url);
    super(
      `the ${PURPOSE_NAMES[options.purpose]} from ${origin} is larger than ${formatBytes(options.limitBytes)}` +
        (options.declaredBytes === undefined
          ? ' (reading stopped there)'
          : ` (Content-Length ${options.declaredBytes})`),
    );
    this.name = 'OutboundTooLargeError';
    this.origin = origin;
    this.purpose = options.purpose;
    this.limitBytes = options.limitBytes;
    this.status = options.status;
    this.headers = options.headers;
    this.declaredBytes = options.declaredBytes;
  }

  /** Whether the oversized answer was a success (2xx): then its body was what we needed. */
  get successful(): boolean {
    return this.status >= 200 && this.status < 300;
  }

  /**
   * The answer as if its body were this error's message: for a refusal (4xx/5xx) the status and
   * headers (Retry-After) are all a caller needs, and the message says why the body is missing.
   */
  asResponse(): OutboundResponse {
    return { status: this.status, headers: this.headers, text: this.message };
  }
}

export interface OutboundHttpOptions {
  readonly userAgent: string;
  readonly defaultTimeoutMs?: number;
  /** Injected in tests; the global fetch otherwise. */
  readonly fetchImpl?: typeof fetch;
}

/** A Content-Length that counts the bytes we will read (none when a Content-Encoding applies). */
function declaredLength(headers: Headers): number | undefined {
  const encoding = headers.get('content-encoding');
  if (encoding !== null && encoding.trim().toLowerCase() !== 'identity') return undefined;
  const raw = headers.get('content-length');
  if (raw === null || !/^\d+$/.test(raw.trim())) return undefined;
  return Number(raw.trim());
}

/**
 * Reads the body as UTF-8 (as Response.text() does), at most `limit` bytes. Past the limit the
 * stream is cancelled and `tooLarge` is called (which aborts the connection and throws).
 */
async function readCapped(
  response: Response,
  limit: number,
  tooLarge: () => never,
): Promise<string> {
  const body = response.body;
  if (body === null) return '';
  // fetch bodies are byte streams (the DOM-less typings leave the chunk type open).
  const reader: ReadableStreamDefaultReader<Uint8Array> = body.getReader();
  const decoder = new TextDecoder('utf-8');
  const parts: string[] = [];
  let received = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    received += value.byteLength;
    if (received > limit) {
      // Cancel first so the stream releases what it buffered; the caller then aborts the socket.
      await reader.cancel().catch(() => undefined);
      tooLarge();
    }
    parts.push(decoder.decode(value, { stream: true }));
  }
  parts.push(decoder.decode());
  return parts.join('');
}

export function createOutboundHttp(options: OutboundHttpOptions): OutboundHttp {
  const fetchImpl = options.fetchImpl ?? fetch;
  const defaultTimeoutMs = options.defaultTimeoutMs ?? 10_000;
  const counts: Record<OutboundPurpose, number> = {
    jwks: 0,
    token: 0,
    ags: 0,
    nrps: 0,
    registration: 0,
    'deep-linking': 0,
    other: 0,
  };
  return {
    async send(request) {
      counts[request.purpose] += 1;
      const timeoutMs = request.timeoutMs ?? defaultTimeoutMs;
      const limit = request.maxBytes ?? RESPONSE_BODY_LIMITS[request.purpose];
      const controller = new AbortController();
      const timer = setTimeout(() => {
        controller.abort();
      }, timeoutMs);
      try {
        const response = await fetchImpl(request.url, {
          method: request.method ?? 'GET',
          headers: { 'User-Agent': options.userAgent, ...request.headers },
          ...(request.body === undefined ? {} : { body: request.body }),
          signal: controller.signal,
          redirect: 'manual',
        });
        const refuse = (declaredBytes?: number): never => {
          controller.abort();
          throw new OutboundTooLargeError({
            url: request.url,
            purpose: request.purpose,
            limitBytes: limit,
            status: response.status,
            headers: response.headers,
            declaredBytes,
          });
        };
        const declared = declaredLength(response.headers);
        if (declared !== undefined && declared > limit) {
          await response.body?.cancel().catch(() => undefined);
          refuse(declared);
        }
        const text = await readCapped(response, limit, () => refuse());
        return { status: response.status, headers: response.headers, text };
      } catch (error) {
        if (error instanceof OutboundTooLargeError) throw error;
        if (controller.signal.aborted) throw new OutboundTimeoutError(request.url, timeoutMs);
        throw error;
      } finally {
        clearTimeout(timer);
      }
    },
    counts() {
      return { ...counts };
    },
  };
}
