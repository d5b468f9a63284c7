// The whole practice experience in a real browser, with Pathwise inside the LMS simulator's
// iframe: an instructor deep-links an assignment, three students (one reaches mastery, one
// struggles, one never launches), the simulator's gradebook shows the right scores, and the
// instructor's dashboard shows all three correctly. Axe checks the practice and dashboard pages;
// screenshots go to test-output/e2e/.
import { expect } from 'chai';
import type { Page } from 'playwright-core';
import type { AnswerKey } from '../../src/content/content.model.js';
import { submitAssignmentForm } from './support/assignment-form.js';
import { launchBrowser, screenshot, type E2eBrowser } from './support/browser.js';
import { startDevPathwise, type DevPathwise } from './support/pathwise.js';
import {
  expectAccessible,
  fillAnswer,
  frameElement,
  liveFrame,
  toolFrame,
} from './support/tool-frame.js';

const TITLE = 'Integer practice';
const POINTS = 20;

describe('e2e: practice from deep link to gradebook and dashboard (Chromium, canvas)', function () {
  this.timeout(180_000);
  let pathwise: DevPathwise;
  let browser: E2eBrowser;
  let lms: string;

  /** The stored question on screen for a student (the test plays a student who knows or not). */
  async function currentKey(userKey: string): Promise<AnswerKey | undefined> {
    const sim = pathwise.application.devSimulator!.platforms.find((p) => p.profile === 'canvas')!;
    const sub = sim.state.userByKey(userKey)!.sub;
    const set = await pathwise.database.connection
      .collection('pw_practice_sets')
      .findOne({ userId: sub }, { sort: { updatedAt: -1 } });
    const current = set?.['current'] as { instance: { key: AnswerKey } } | null | undefined;
    return current?.instance.key;
  }

  /** Answers the question in the frame, right or wrong, like a person would. */
  async function answer(page: Page, key: AnswerKey, correct: boolean): Promise<void> {
    const tool = toolFrame(page);
    await fillAnswer(tool, key, correct);
    await tool.getByRole('button', { name: 'Check answer' }).click();
    await tool.locator('#result').waitFor({ timeout: 15_000 });
  }

  async function launch(page: Page, user: string): Promise<void> {
    await page.goto(`${lms}/`);
    await page.selectOption('#launch-user', user);
    await page.selectOption('#launch-link', { label: `${TITLE} (deep link)` });
    await page.getByRole('button', { name: 'Launch in frame' }).click();
  }

  before(async function () {
    pathwise = await startDevPathwise();
    browser = await launchBrowser({ blockThirdPartyCookies: false });
    lms = `${pathwise.lmsUrl}/canvas`;
  });
  after(async function () {
    await browser.close();
    await pathwise.close();
  });

  it('an instructor deep-links an assignment with chosen skills and rules', async function () {
    const { page } = browser;
    await page.goto(`${lms}/`);
    await page.selectOption('#dl-user', 'instructor');
    await page.getByRole('button', { name: 'Deep link in frame' }).click();
    const tool = toolFrame(page);
    await tool.locator('input[name="title"]').waitFor({ timeout: 15_000 });
    await tool.locator('input[name="title"]').fill(TITLE);
    await tool.locator('input[name="scoreMaximum"]').fill(String(POINTS));
    // Two skills without prerequisites; three right in a row masters a skill.
    await tool.locator('input[name="skills"]').nth(0).check();
    await tool.locator('input[name="skills"]').nth(1).check();
    await tool.locator('select[name="mastery"]').selectOption('streak3');
    await tool.locator('input[name="minItems"]').fill('0');
    await expectAccessible(page, 'the assignment form');
    await screenshot(frameElement(page), 'flow-1-deep-link-form');
    await submitAssignmentForm(
      tool,
      frameElement(page),
      tool.getByText(TITLE).first(),
      'flow-1b-assignment-plan',
      () => expectAccessible(page, 'the assignment plan'),
    );
  });

  it('student 1 practises to mastery and completes the set', async function () {
    const { page } = browser;
    await launch(page, 'student-01');
    const tool = toolFrame(page);
    await tool.locator('#question').waitFor({ timeout: 15_000 });
    await expectAccessible(page, 'a practice question');
    await screenshot(frameElement(page), 'flow-2-practice-question');
    for (let i = 0; i < 40; i++) {
      const key = await currentKey('student-01');
      if (key === undefined) break;
      await answer(page, key, true);
      if (i === 0) {
        await expectAccessible(page, 'the feedback after an answer');
        await screenshot(frameElement(page), 'flow-3-feedback');
      }
      await tool.getByRole('button', { name: 'Next question' }).click();
      await tool.locator('#question, #summary').first().waitFor({ timeout: 15_000 });
      if ((await tool.locator('#summary').count()) > 0) break;
    }
    await tool.getByRole('heading', { name: 'Set complete' }).waitFor();
    expect(await tool.locator('#summary').innerText()).to.contain('Skills mastered: 2 of 2');
    await expectAccessible(page, 'the end-of-set summary');
    await screenshot(frameElement(page), 'flow-4-set-complete');
  });

  it('student 2 struggles: every answer wrong, mastery explained as falling', async function () {
    const { page } = browser;
    await launch(page, 'student-02');
    const tool = toolFrame(page);
    await tool.locator('#question').waitFor({ timeout: 15_000 });
    for (let i = 0; i < 6; i++) {
      const key = await currentKey('student-02');
      if (key === undefined) break;
      await answer(page, key, false);
      expect(await tool.getByRole('heading', { name: 'Not quite' }).count()).to.equal(1);
      await tool.getByRole('button', { name: 'Next question' }).click();
      await tool.locator('#question').waitFor({ timeout: 15_000 });
    }
    await screenshot(frameElement(page), 'flow-5-struggling-student');
  });

  it("the simulator's gradebook shows full marks for student 1 and a low score for student 2", async function () {
    const sim = pathwise.application.devSimulator!.platforms.find((p) => p.profile === 'canvas')!;
    const link = [...sim.state.resourceLinks.values()].find((l) => l.title === TITLE)!;
    const [lineItem] = sim.state.lineItemsForLink(link.id);
    const sub = (key: string) => sim.state.userByKey(key)!.sub;
    const deadline = Date.now() + 15_000;
    while (sim.state.resultFor(lineItem!.id, sub('student-01'))?.scoreGiven !== POINTS) {
      if (Date.now() > deadline)
        throw new Error('student 1 full score never reached the gradebook');
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    const struggling = sim.state.resultFor(lineItem!.id, sub('student-02'));
    expect(struggling?.scoreGiven ?? 0).to.be.below(POINTS / 2);
    expect(sim.state.resultFor(lineItem!.id, sub('student-03'))).to.equal(undefined);
    const { page } = browser;
    await page.goto(`${lms}/`);
    await page.locator('#gradebook-heading').scrollIntoViewIfNeeded();
    expect(await page.getByText(`${POINTS} / ${POINTS}`).count()).to.be.greaterThan(0);
    await screenshot(page, 'flow-6-simulator-gradebook');
  });

  it('the instructor dashboard shows all three correctly', async function () {
    const { page } = browser;
    await launch(page, 'instructor');
    const tool = toolFrame(page);
    await tool.locator('#roster').waitFor({ timeout: 15_000 });
    // The roster sync runs on this launch: reload until the whole class is listed.
    for (let i = 0; i < 30 && (await tool.locator('#roster tbody tr').count()) < 30; i++) {
      await page.waitForTimeout(300);
      await liveFrame(page).goto(liveFrame(page).url());
      await tool.locator('#roster').waitFor();
    }
    const rows = tool.locator('#roster tbody tr');
    expect(await rows.count()).to.be.at.least(30);
    const sim = pathwise.application.devSimulator!.platforms.find((p) => p.profile === 'canvas')!;
    const rowOf = (key: string) =>
      rows.filter({ has: tool.getByRole('rowheader', { name: sim.state.userByKey(key)!.name }) });
    expect(await rowOf('student-01').locator('[data-col="mastered"]').innerText()).to.match(/2/);
    expect(await rowOf('student-02').locator('[data-col="answered"]').innerText()).to.match(/6/);
    expect(await rowOf('student-03').locator('[data-col="progress"]').innerText()).to.match(
      /not started/i,
    );
    await expectAccessible(page, 'the dashboard overview');
    await screenshot(frameElement(page), 'flow-7-dashboard-overview');

    await tool.getByRole('link', { name: /struggling/i }).click();
    await tool.getByRole('heading', { level: 2 }).first().waitFor();
    expect(await tool.getByText(sim.state.userByKey('student-02')!.name).count()).to.be.greaterThan(
      0,
    );
    expect(await tool.getByText(sim.state.userByKey('student-01')!.name).count()).to.equal(0);
    await expectAccessible(page, 'the struggling students page');
    await screenshot(frameElement(page), 'flow-8-dashboard-struggling');

    await tool.getByRole('link', { name: /heatmap/i }).click();
    await tool.locator('table').first().waitFor();
    await expectAccessible(page, 'the mastery heatmap');
    await screenshot(frameElement(page), 'flow-9-dashboard-heatmap');
  });
});
