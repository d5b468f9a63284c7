/** A value or an expected failure: services return these instead of throwing (CONVENTIONS §C.2). */
export type Result<T, E> =
  { readonly ok: true; readonly value: T } | { readonly ok: false; readonly error: E };

export const ok = <T>(value: T): Result<T, never> => ({ ok: true, value });
export const err = <E>(error: E): Result<never, E> => ({ ok: false, error });
export const isErr = <T, E>(result: Result<T, E>): result is { ok: false; error: E } => !result.ok;

/** Exhaustiveness guard for discriminated unions in `switch` statements. */
export function assertNever(value: never): never {
  throw new Error(`Unexpected value: ${JSON.stringify(value)}`);
}
