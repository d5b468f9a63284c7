/**
 * axe-core in a page or frame: returns the serious and critical violations. The script is
 * evaluated through the DevTools protocol, so the page's CSP (script-src 'self') stays in force.
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import type { Frame, Page } from 'playwright-core';

const AXE_SOURCE = readFileSync(
  createRequire(import.meta.url).resolve('axe-core/axe.min.js'),
  'utf8',
);

export interface AxeViolation {
  readonly id: string;
  readonly impact: string;
  readonly help: string;
  /** CSS selectors of the offending elements. */
  readonly nodes: readonly string[];
}

export async function seriousViolations(target: Page | Frame): Promise<AxeViolation[]> {
  const loaded = await target.evaluate(`typeof window.axe === 'object'`);
  if (loaded !== true) await target.evaluate(AXE_SOURCE);
  const violations: unknown = await target.evaluate(`
    window.axe
      .run(document, { resultTypes: ['violations'] })
      .then((result) =>
        result.violations
          .filter((v) => v.impact === 'serious' || v.impact === 'critical')
          .map((v) => ({
            id: v.id,
            impact: v.impact,
            help: v.help,
            nodes: v.nodes.map((n) => n.target.join(' ')),
          })),
      )
  `);
  return violations as AxeViolation[];
}

/** One line per violation, for assertion messages. */
export function describeViolations(violations: readonly AxeViolation[]): string {
  return violations.map((v) => `${v.impact} ${v.id}: ${v.help} (${v.nodes.join(', ')})`).join('\n');
}
