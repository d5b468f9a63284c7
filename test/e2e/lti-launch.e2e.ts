// A real browser at the LMS simulator (/dev/lms): the tool runs inside the simulator's iframe, on
// another site (localhost vs 127.0.0.1), with the state cookie Secure; SameSite=None as in
// production. With third-party cookies blocked, the launch works only through Platform Storage
// (Canvas) or a new window offered by the login page (Moodle); with them allowed, the cookie does
// the job: the control that shows the block is real.
import { expect } from 'chai';
import type { FrameLocator, Page, Request } from 'playwright-core';
import { submitAssignmentForm } from './support/assignment-form.js';
import { describeViolations, seriousViolations } from './support/axe.js';
import { launchBrowser, screenshot, type E2eBrowser } from './support/browser.js';
import { startDevPathwise, type DevPathwise } from './support/pathwise.js';

const STATE_COOKIE = /(^|;\s*)pw_lti_state_[0-9a-f]{16}=/;

/** What the tool's server received: method, path, and whether the state cookie came along. */
interface ToolHit {
  readonly method: string;
  readonly path: string;
  readonly stateCookie: boolean;
}

function recordToolRequests(page: Page, toolUrl: string): ToolHit[] {
  const hits: ToolHit[] = [];
  const toolOrigin = new URL(toolUrl).origin;
  const onRequest = (request: Request): void => {
    const url = new URL(request.url());
    if (url.origin !== toolOrigin) return;
    // allHeaders() includes the Cookie header the network stack added.
    void request.allHeaders().then((headers) => {
      hits.push({
        method: request.method(),
        path: url.pathname,
        stateCookie: STATE_COOKIE.test(headers['cookie'] ?? ''),
      });
    });
  };
  page.on('request', onRequest);
  return hits;
}

const toolFrame = (page: Page): FrameLocator => page.frameLocator('iframe[name="tool-frame"]');
/** The tool's iframe element on the LMS page (for screenshots of what the person sees). */
const frameElement = (page: Page) => page.locator('iframe[name="tool-frame"]');

/** The tool frame's live Frame (for axe and URLs). */
function frameOf(page: Page) {
  const frame = page.frame({ name: 'tool-frame' });
  if (frame === null) throw new Error('the simulator page has no tool frame');
  return frame;
}

async function expectAccessible(page: Page, where: string): Promise<void> {
  const violations = await seriousViolations(frameOf(page));
  expect(violations, `${where}:\n${describeViolations(violations)}`).to.deep.equal([]);
}

/** Instructor deep-links a new assignment from the dashboard; returns its title. */
async function deepLinkAssignment(page: Page, lmsPlatformUrl: string, title: string) {
  await page.goto(`${lmsPlatformUrl}/`);
  await page.selectOption('#dl-user', 'instructor');
  await page.getByRole('button', { name: 'Deep link in frame' }).click();
  const tool = toolFrame(page);
  await tool.locator('input[name="title"]').waitFor({ timeout: 15_000 });
  await expectAccessible(page, 'the deep-linking form');
  await screenshot(frameElement(page), `${path(lmsPlatformUrl)}-deep-link-form`);
  await tool.locator('input[name="title"]').fill(title);
  await tool.locator('input[name="scoreMaximum"]').fill('20');
  // The question bank's skills: at least one must be chosen when the bank has any.
  const skills = tool.locator('input[name="skills"]');
  if (
    (await skills.count()) > 0 &&
    (await tool.locator('input[name="skills"]:checked').count()) === 0
  )
    await skills.first().check();
  // The tool posts the signed response back to the platform, which shows what it created.
  await submitAssignmentForm(
    tool,
    frameElement(page),
    tool.getByText(title).first(),
    `${path(lmsPlatformUrl)}-deep-link-plan`,
    () => expectAccessible(page, 'the assignment plan'),
  );
  await screenshot(frameElement(page), `${path(lmsPlatformUrl)}-deep-link-returned`);
}

/** Student launches the named activity in the dashboard's frame. */
async function launchActivity(page: Page, lmsPlatformUrl: string, user: string, link?: string) {
  await page.goto(`${lmsPlatformUrl}/`);
  await page.selectOption('#launch-user', user);
  if (link !== undefined) await page.selectOption('#launch-link', { label: `${link} (deep link)` });
  await page.getByRole('button', { name: 'Launch in frame' }).click();
}

const path = (url: string): string => new URL(url).pathname.split('/').filter(Boolean).join('-');

describe('e2e: launches inside the LMS frame (Chromium)', function () {
  this.timeout(90_000);
  let pathwise: DevPathwise;
  before(async function () {
    pathwise = await startDevPathwise();
  });
  after(async function () {
    await pathwise.close();
  });

  describe('third-party cookies blocked', function () {
    let browser: E2eBrowser;
    before(async function () {
      browser = await launchBrowser({ blockThirdPartyCookies: true });
    });
    after(async function () {
      await browser.close();
    });

    it('canvas: an instructor deep-links an assignment and a student opens it, both through Platform Storage', async function () {
      const { page } = browser;
      const hits = recordToolRequests(page, pathwise.toolUrl);
      const canvas = `${pathwise.lmsUrl}/canvas`;
      const title = 'Ratios in the frame';
      await deepLinkAssignment(page, canvas, title);

      await launchActivity(page, canvas, 'student-04', title);
      const tool = toolFrame(page);
      await tool
        .getByRole('heading', { level: 1 })
        .filter({ hasText: title })
        .or(tool.locator('.assignment-title', { hasText: title }))
        .first()
        .waitFor({ timeout: 15_000 });
      expect(frameOf(page).url()).to.match(/\/(lti\/home|practice)\?session=/);
      await expectAccessible(page, "the student's assignment page");
      await screenshot(frameElement(page), 'canvas-student-assignment');

      // The block was real: no launch carried the state cookie; the state came from the platform.
      const launches = hits.filter((h) => h.method === 'POST' && h.path === '/lti/launch');
      expect(launches).to.have.length(2);
      expect(launches.every((h) => !h.stateCookie)).to.equal(true);
      expect(hits.filter((h) => h.path === '/lti/login/storage')).to.have.length(2);
      expect(hits.filter((h) => h.path === '/lti/launch/storage')).to.have.length(2);
    });

    it('moodle (no Platform Storage): the login page finds the cookie blocked and offers a new window, which opens the activity', async function () {
      const { page, context } = browser;
      const hits = recordToolRequests(page, pathwise.toolUrl);
      const moodle = `${pathwise.lmsUrl}/moodle`;
      await launchActivity(page, moodle, 'student-05');
      const tool = toolFrame(page);
      const open = tool.getByRole('button', { name: 'Open Pathwise in a new window' });
      await open.waitFor({ timeout: 15_000 });
      expect(await tool.getByText('does not keep the cookie').count()).to.equal(1);
      // The login asked whether its cookie came back (it did not) and stopped before the platform
      // used up the launch: nothing was posted to /lti/launch.
      expect(hits.filter((h) => h.path === '/lti/login/check')).to.have.length(1);
      expect(hits.filter((h) => h.path === '/lti/launch')).to.deep.equal([]);
      await expectAccessible(page, 'the new-window offer');
      await screenshot(frameElement(page), 'moodle-cookies-blocked');

      const [popup] = await Promise.all([context.waitForEvent('page'), open.click()]);
      await popup.waitForURL(/\/lti\/home\?session=/, { timeout: 15_000 });
      await popup.getByRole('heading', { name: /Welcome/ }).waitFor();
      await screenshot(popup, 'moodle-new-window-home');
      const accessible = await seriousViolations(popup);
      expect(accessible, describeViolations(accessible)).to.deep.equal([]);
      await popup.close();
    });
  });

  describe('third-party cookies allowed (control: the cookie alone is enough)', function () {
    let browser: E2eBrowser;
    before(async function () {
      browser = await launchBrowser({ blockThirdPartyCookies: false });
    });
    after(async function () {
      await browser.close();
    });

    it('moodle: the same launch in the frame completes with the state cookie', async function () {
      const { page } = browser;
      const hits = recordToolRequests(page, pathwise.toolUrl);
      await launchActivity(page, `${pathwise.lmsUrl}/moodle`, 'student-05');
      const tool = toolFrame(page);
      await tool.getByRole('heading', { name: /Welcome/ }).waitFor({ timeout: 15_000 });
      expect(frameOf(page).url()).to.match(/\/lti\/home\?session=/);
      expect(hits.filter((h) => h.path === '/lti/login/check')).to.have.length(1);
      const launch = hits.find((h) => h.method === 'POST' && h.path === '/lti/launch');
      expect(launch?.stateCookie).to.equal(true);
      await screenshot(frameElement(page), 'moodle-cookie-allowed-home');
    });
  });
});
