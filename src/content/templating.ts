/**
 * `{{name}}` placeholders in template strings (prompt, choices, hints, solution, feedback,
 * expected answers), with an optional filter: `{{f|tex}}` writes a fraction as `\frac{n}{d}`,
 * `{{b|signed}}` writes `+ 3` or `- 3` (for `2x {{b|signed}}`), `{{b|tex-signed}}` the same with
 * TeX fractions, `{{a|coef}}` drops a coefficient 1 and writes -1 as `-` (for `{{a|coef}}x`).
 */
import { formatValue, texValue, toNumber, type TemplateValue } from './math.js';

export const FILTERS = ['tex', 'signed', 'tex-signed', 'coef'] as const;
export type Filter = (typeof FILTERS)[number];

const PLACEHOLDER = /\{\{\s*([A-Za-z][A-Za-z0-9_]*)\s*(?:\|\s*([a-z-]+)\s*)?\}\}/g;

export interface Placeholder {
  readonly name: string;
  readonly filter: string | undefined;
}

/** Every placeholder in a template string, for validation before any rendering. */
export function listPlaceholders(text: string): Placeholder[] {
  return [...text.matchAll(PLACEHOLDER)].map((m) => ({ name: m[1] ?? '', filter: m[2] }));
}

export const isFilter = (name: string): name is Filter =>
  (FILTERS as readonly string[]).includes(name);

function negate(value: TemplateValue): TemplateValue {
  if (typeof value === 'number') return -value;
  if (typeof value === 'object') return value.neg();
  return value;
}

function applyFilter(value: TemplateValue, filter: Filter | undefined): string {
  switch (filter) {
    case undefined:
      return formatValue(value);
    case 'tex':
      return texValue(value);
    case 'signed':
    case 'tex-signed': {
      const negative = toNumber(value) < 0;
      const magnitude = negative ? negate(value) : value;
      return `${negative ? '-' : '+'} ${filter === 'signed' ? formatValue(magnitude) : texValue(magnitude)}`;
    }
    case 'coef': {
      const n = toNumber(value);
      if (n === 1) return '';
      if (n === -1) return '-';
      return formatValue(value);
    }
  }
}

/** Substitutes placeholders. Names and filters are checked at import, so a miss is a bug. */
export function renderTemplate(
  text: string,
  values: Readonly<Record<string, TemplateValue>>,
): string {
  return text.replace(PLACEHOLDER, (_all, name: string, filter: string | undefined) => {
    const value = values[name];
    if (value === undefined) throw new Error(`template placeholder {{${name}}} has no value`);
    if (filter !== undefined && !isFilter(filter))
      throw new Error(`unknown template filter "${filter}"`);
    return applyFilter(value, filter);
  });
}
