/**
 * Debian's Chromium (never a downloaded browser) driven by playwright-core: headless, a fresh
 * profile per context, third-party cookies allowed or blocked through the profile's own setting
 * (the same switch as chrome://settings/cookies), screenshots under test-output/e2e/.
 */
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { chromium, type BrowserContext, type Locator, type Page } from 'playwright-core';
import { PROJECT_ROOT } from '../../../src/app.js';

export const CHROMIUM_PATH = process.env['CHROMIUM_PATH'] ?? '/usr/bin/chromium';

export const CHROMIUM_FLAGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
] as const;

export const SCREENSHOT_DIR = path.join(PROJECT_ROOT, 'test-output', 'e2e');

export interface BrowserOptions {
  /** Block third-party cookies (Chrome's "Block third-party cookies", Safari's default). */
  readonly blockThirdPartyCookies: boolean;
}

export interface E2eBrowser {
  readonly context: BrowserContext;
  /** The page the browser opened with. */
  readonly page: Page;
  close(): Promise<void>;
}

export async function launchBrowser(options: BrowserOptions): Promise<E2eBrowser> {
  if (!existsSync(CHROMIUM_PATH))
    throw new Error(
      `Chromium not found at ${CHROMIUM_PATH}: install it (apt-get install -y chromium) or set CHROMIUM_PATH.`,
    );
  const profile = mkdtempSync(path.join(tmpdir(), 'pathwise-e2e-'));
  // cookie_controls_mode 1 = block third-party cookies, 0 = allow them (Chromium's own prefs).
  mkdirSync(path.join(profile, 'Default'));
  writeFileSync(
    path.join(profile, 'Default', 'Preferences'),
    JSON.stringify({
      profile: {
        cookie_controls_mode: options.blockThirdPartyCookies ? 1 : 0,
        block_third_party_cookies: options.blockThirdPartyCookies,
      },
    }),
  );
  let context: BrowserContext;
  try {
    context = await chromium.launchPersistentContext(profile, {
      executablePath: CHROMIUM_PATH,
      headless: true,
      args: [...CHROMIUM_FLAGS],
      viewport: { width: 1280, height: 900 },
    });
  } catch (error) {
    rmSync(profile, { recursive: true, force: true });
    throw error;
  }
  const page = context.pages()[0] ?? (await context.newPage());
  return {
    context,
    page,
    close: async () => {
      await context.close();
      rmSync(profile, { recursive: true, force: true });
    },
  };
}

/**
 * Saves test-output/e2e/<name>.png: the whole page, or one element (the LMS's tool frame);
 * returns the path.
 */
export async function screenshot(target: Page | Locator, name: string): Promise<string> {
  mkdirSync(SCREENSHOT_DIR, { recursive: true });
  const file = path.join(SCREENSHOT_DIR, `${name.replace(/[^a-z0-9-]+/gi, '-')}.png`);
  if ('goto' in target) await target.screenshot({ path: file, fullPage: true });
  else await target.screenshot({ path: file });
  return file;
}
