/**
 * The simulator's own pages: Handlebars compiled directly (an isolated instance, so the app's
 * helpers and partials never leak in). Every value is rendered with `{{ }}` (HTML-escaped); the
 * only script is a static file served next to the pages.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import Handlebars from 'handlebars';

/** Repository root from src/dev/lms-simulator (tsx) or dist/dev/lms-simulator (build). */
export const DEFAULT_PROJECT_ROOT = path.resolve(
  path.dirname(fileURLToPath(import.meta.url)),
  '..',
  '..',
  '..',
);

export type PageName =
  'layout' | 'autopost' | 'message' | 'deep-link-result' | 'index' | 'register' | 'storage-frame';

export interface Views {
  render(page: Exclude<PageName, 'layout'>, context: Record<string, unknown>): string;
  asset(name: AssetName): string;
}

export type AssetName =
  'dev-lms-autosubmit.js' | 'dev-lms-register.js' | 'dev-lms-platform-storage.js' | 'dev-lms.css';

const ASSET_PATHS: Readonly<Record<AssetName, string>> = {
  'dev-lms-autosubmit.js': 'public/js/dev-lms-autosubmit.js',
  'dev-lms-register.js': 'public/js/dev-lms-register.js',
  'dev-lms-platform-storage.js': 'public/js/dev-lms-platform-storage.js',
  'dev-lms.css': 'public/css/dev-lms.css',
};

export function loadViews(projectRoot: string = DEFAULT_PROJECT_ROOT): Views {
  const hbs = Handlebars.create();
  hbs.registerHelper('eq', (a: unknown, b: unknown) => a === b);
  hbs.registerHelper('json', (value: unknown) => JSON.stringify(value, null, 2));
  const dir = path.join(projectRoot, 'views', 'dev', 'lms');
  const read = (name: PageName): string => readFileSync(path.join(dir, `${name}.hbs`), 'utf8');
  const layout = hbs.compile(read('layout'), { strict: false });
  const pages = new Map<string, HandlebarsTemplateDelegate>();
  for (const name of [
    'autopost',
    'message',
    'deep-link-result',
    'index',
    'register',
    'storage-frame',
  ] as const) {
    pages.set(name, hbs.compile(read(name)));
  }
  const assets = new Map<AssetName, string>();
  for (const [name, file] of Object.entries(ASSET_PATHS) as [AssetName, string][]) {
    assets.set(name, readFileSync(path.join(projectRoot, file), 'utf8'));
  }
  return {
    render(page, context) {
      const template = pages.get(page);
      if (template === undefined) throw new Error(`unknown simulator page ${page}`);
      const body = template(context);
      // The doctype lives here: Prettier's Handlebars printer drops it from templates.
      return `<!doctype html>\n${layout({ ...context, body: new hbs.SafeString(body) })}`;
    },
    asset(name) {
      return assets.get(name) ?? '';
    },
  };
}
