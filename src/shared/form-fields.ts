/**
 * Reading fields of a parsed request body or query (urlencoded forms give strings, or arrays
 * for repeated names; anything else may come from JSON), without trusting its shape.
 */
export function formValue(source: unknown, name: string): unknown {
  return typeof source === 'object' && source !== null
    ? (source as Record<string, unknown>)[name]
    : undefined;
}

/** The field when it is a single string. */
export function formText(source: unknown, name: string): string | undefined {
  const value = formValue(source, name);
  return typeof value === 'string' ? value : undefined;
}

/** A repeatable field (checkboxes) as its non-empty string values. */
export function formList(source: unknown, name: string): string[] {
  const value = formValue(source, name);
  return (Array.isArray(value) ? value : [value]).filter(
    (v): v is string => typeof v === 'string' && v !== '',
  );
}
