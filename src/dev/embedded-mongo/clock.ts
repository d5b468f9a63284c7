/** Milliseconds since the epoch; injectable so TTL and `$currentDate` can be tested. */
export interface Clock {
  now(): number;
}

/** A clock tests can move forward; it follows `base` plus everything advanced so far. */
export interface AdjustableClock extends Clock {
  advance(ms: number): void;
}

export const systemClock: Clock = { now: () => Date.now() };

export function adjustableClock(base: Clock = systemClock): AdjustableClock {
  let offset = 0;
  return {
    now: () => base.now() + offset,
    advance: (ms: number) => {
      if (!Number.isFinite(ms) || ms < 0)
        throw new RangeError('advance(ms) needs a finite ms >= 0');
      offset += ms;
    },
  };
}
