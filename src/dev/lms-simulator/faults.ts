/**
 * Injectable faults per endpoint: the next N requests answer 500 (or another status), 429 with
 * Retry-After, hang past any sane client timeout, or are delayed (a slow JWKS). Every timer is
 * tracked and released on close() so mocha can exit without --exit.
 */
import type { NextFunction, Request, RequestHandler, Response } from 'express';
import type { EndpointName } from './state.js';

export type Fault =
  | { readonly kind: 'error'; readonly status?: number }
  | { readonly kind: 'rateLimit'; readonly retryAfterSeconds: number }
  /** No answer for `ms` (default 120 s), then 504; the client is expected to time out first. */
  | { readonly kind: 'hang'; readonly ms?: number }
  /** Answer normally after `ms`. */
  | { readonly kind: 'delay'; readonly ms: number };

interface Pending {
  readonly fault: Fault;
  remaining: number;
}

export type FaultPlan = Partial<Record<EndpointName, Fault & { readonly times?: number }>>;

export class FaultInjector {
  readonly #pending = new Map<EndpointName, Pending[]>();
  readonly #timers = new Set<NodeJS.Timeout>();
  readonly #hanging = new Set<Response>();
  #closed = false;

  constructor(plan: FaultPlan = {}) {
    for (const [endpoint, fault] of Object.entries(plan) as [
      EndpointName,
      Fault & { times?: number },
    ][]) {
      this.inject(endpoint, fault, fault.times ?? 1);
    }
  }

  /** The next `times` requests to `endpoint` suffer `fault` (Infinity: until cleared). */
  inject(endpoint: EndpointName, fault: Fault, times = 1): void {
    const list = this.#pending.get(endpoint) ?? [];
    list.push({ fault, remaining: times });
    this.#pending.set(endpoint, list);
  }

  clear(endpoint?: EndpointName): void {
    if (endpoint === undefined) this.#pending.clear();
    else this.#pending.delete(endpoint);
  }

  pendingFor(endpoint: EndpointName): number {
    return (this.#pending.get(endpoint) ?? []).reduce((n, p) => n + p.remaining, 0);
  }

  #take(endpoint: EndpointName): Fault | undefined {
    const list = this.#pending.get(endpoint);
    const first = list?.[0];
    if (list === undefined || first === undefined) return undefined;
    first.remaining -= 1;
    if (first.remaining <= 0) list.shift();
    return first.fault;
  }

  #later(ms: number, run: () => void, res: Response): void {
    const timer = setTimeout(() => {
      this.#timers.delete(timer);
      this.#hanging.delete(res);
      run();
    }, ms);
    this.#timers.add(timer);
    res.on('close', () => {
      clearTimeout(timer);
      this.#timers.delete(timer);
      this.#hanging.delete(res);
    });
  }

  middleware(endpoint: EndpointName): RequestHandler {
    return (_req: Request, res: Response, next: NextFunction) => {
      const fault = this.#closed ? undefined : this.#take(endpoint);
      if (fault === undefined) {
        next();
        return;
      }
      res.locals['faulted'] = true;
      switch (fault.kind) {
        case 'error':
          res.status(fault.status ?? 500).json({ error: 'injected_fault', endpoint });
          return;
        case 'rateLimit':
          res
            .status(429)
            .set('Retry-After', String(fault.retryAfterSeconds))
            .json({ error: 'rate_limited', endpoint });
          return;
        case 'hang':
          this.#hanging.add(res);
          this.#later(
            fault.ms ?? 120_000,
            () => {
              if (!res.headersSent) res.status(504).json({ error: 'injected_timeout', endpoint });
            },
            res,
          );
          return;
        case 'delay':
          this.#later(
            fault.ms,
            () => {
              next();
            },
            res,
          );
          return;
      }
    };
  }

  /** Cancels every pending timer and drops hanging connections. */
  close(): void {
    this.#closed = true;
    for (const timer of this.#timers) clearTimeout(timer);
    this.#timers.clear();
    for (const res of this.#hanging) res.socket?.destroy();
    this.#hanging.clear();
    this.#pending.clear();
  }
}
