/**
 * Every request Pathwise makes to a platform goes through here: a User-Agent on each (Canvas
 * refuses requests without one), a timeout on each (a hung platform must not hold a worker),
 * and a counter per purpose so benchmarks can report outbound requests per 1,000 launches.
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
}

export interface OutboundResponse {
  readonly status: number;
  readonly headers: Headers;
  readonly text: string;
}

export interface OutboundHttp {
  /** Resolves for every HTTP status; rejects on network failure or timeout. */
  send(request: OutboundRequest): Promise<OutboundResponse>;
  /** Requests sent so far, per purpose. */
  counts(): Readonly<Record<OutboundPurpose, number>>;
}

export class OutboundTimeoutError extends Error {
  constructor(url: string, timeoutMs: number) {
    super(`no answer from ${new URL(url).origin} within ${timeoutMs} ms`);
    this.name = 'OutboundTimeoutError';
  }
}

export interface OutboundHttpOptions {
  readonly userAgent: string;
  readonly defaultTimeoutMs?: number;
  /** Injected in tests; the global fetch otherwise. */
  readonly fetchImpl?: typeof fetch;
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
        const text = await response.text();
        return { status: response.status, headers: response.headers, text };
      } catch (error) {
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
