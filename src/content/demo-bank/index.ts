/**
 * The demo bank written for Pathwise, bundled as JSON modules so it ships with the compiled app
 * (tsc copies imported JSON into dist/) and loads in dev mode without reading src/ at run time.
 * Each file is in the bank format of src/content/FORMAT.md and is validated like any import.
 */
import equations from './equations.json' with { type: 'json' };
import fractions from './fractions.json' with { type: 'json' };
import integers from './integers.json' with { type: 'json' };
import ratiosPercentages from './ratios-percentages.json' with { type: 'json' };

export interface DemoBankFile {
  readonly name: string;
  readonly value: unknown;
}

/** In prerequisite order (the import checks references across all files anyway). */
export const DEMO_BANK_FILES: readonly DemoBankFile[] = [
  { name: 'demo-bank/integers.json', value: integers },
  { name: 'demo-bank/fractions.json', value: fractions },
  { name: 'demo-bank/ratios-percentages.json', value: ratiosPercentages },
  { name: 'demo-bank/equations.json', value: equations },
];
