// The learning loop's product rules in a real browser, inside the LMS simulator's frame: a
// placement check, a wrong first answer, a hint, a skill switch and a set that ends at its
// question limit. On every feedback screen the heading agrees with the answer, the mastery text
// never credits a rise to a wrong answer (or a fall to a right one), and at the end the page,
// the stored set and the LMS gradebook agree (Completed, same score).
import { expect } from 'chai';
import type { AnswerKey } from '../../src/content/content.model.js';
import { submitAssignmentForm } from './support/assignment-form.js';
import { launchBrowser, screenshot, type E2eBrowser } from './support/browser.js';
import { startDevPathwise, type DevPathwise } from './support/pathwise.js';
import { expectAccessible, fillAnswer, frameElement, toolFrame } from './support/tool-frame.js';

const TITLE = 'Equations with placement';
const POINTS = 10;
const LIMIT = 16;

interface StoredCurrent {
  readonly instance: { readonly key: AnswerKey; readonly skillId: string };
  readonly reason: { readonly code: string; readonly why: string };
  readonly hintsShown: number;
}

describe('e2e: the learning loop keeps its word (Chromium, canvas frame)', function () {
  this.timeout(240_000);
  let pathwise: DevPathwise;
  let browser: E2eBrowser;
  let lms: string;

  const sim = () =>
    pathwise.application.devSimulator!.platforms.find((p) => p.profile === 'canvas')!;
  const subOf = (key: string) => sim().state.userByKey(key)!.sub;

  async function storedSet(userKey: string) {
    return pathwise.database.connection
      .collection('pw_practice_sets')
      .findOne({ userId: subOf(userKey) }, { sort: { updatedAt: -1 } });
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

  it('an instructor adds an assignment with a placement check and a question limit', async function () {
    const { page } = browser;
    await page.goto(`${lms}/`);
    await page.selectOption('#dl-user', 'instructor');
    await page.getByRole('button', { name: 'Deep link in frame' }).click();
    const tool = toolFrame(page);
    await tool.locator('input[name="title"]').waitFor({ timeout: 15_000 });
    await tool.locator('input[name="title"]').fill(TITLE);
    await tool.locator('input[name="scoreMaximum"]').fill(String(POINTS));
    await tool.locator('input[name="skills"][value="expressions-simplify"]').check();
    await tool.locator('input[name="skills"][value="equations-one-step"]').check();
    await tool.locator('input[name="minItems"]').fill('0');
    await tool.locator('input[name="maxItems"]').fill(String(LIMIT));
    await tool.locator('input[name="placement"]').check();
    const { reviewed } = await submitAssignmentForm(
      tool,
      frameElement(page),
      tool.getByText(TITLE).first(),
      'loop-1-assignment-plan',
      () => expectAccessible(page, 'the assignment plan'),
    );
    // Two prerequisites are added (and the limit may be below what students need): reviewed.
    expect(reviewed).to.equal(true);
  });

  it('a student: placement, a wrong first answer, a hint, a skill switch, and the end at the limit all agree', async function () {
    const { page } = browser;
    await page.goto(`${lms}/`);
    await page.selectOption('#launch-user', 'student-07');
    await page.selectOption('#launch-link', { label: `${TITLE} (deep link)` });
    await page.getByRole('button', { name: 'Launch in frame' }).click();
    const tool = toolFrame(page);
    await tool.locator('#question').waitFor({ timeout: 15_000 });
    // Inside the closed "Why this question?" disclosure.
    expect(await tool.locator('.why-item p').textContent()).to.contain('Placement check:');
    let switched = false;
    let hinted = false;
    let firstProbe: string | undefined;
    let practised = 0;
    for (let step = 1; step <= LIMIT + 2; step++) {
      const set = await storedSet('student-07');
      const current = set?.['current'] as StoredCurrent | null | undefined;
      if (current === null || current === undefined) break;
      // A skill switch once two skills are ready (after the placement found the basics known).
      const options = await tool.locator('#skill-choice option').count();
      if (!switched && options >= 3 && current.reason.code !== 'PLACEMENT') {
        const values: string[] = [];
        for (let i = 0; i < options; i++)
          values.push(
            (await tool.locator('#skill-choice option').nth(i).getAttribute('value')) ?? '',
          );
        const other = values.find((v) => v !== '' && v !== current.instance.skillId);
        if (other !== undefined) {
          await tool.locator('#skill-choice').selectOption(other);
          await tool.getByRole('button', { name: 'Practise this' }).click();
          await tool.locator('#question').waitFor({ timeout: 15_000 });
          const after = (await storedSet('student-07'))?.['current'] as StoredCurrent;
          expect(after.instance.skillId).to.equal(other);
          await screenshot(frameElement(page), 'loop-3-skill-switch');
          switched = true;
          continue;
        }
      }
      // Placement: a miss first, then the first probed skill answered right (so it and its
      // prerequisites are known), the other probes missed (so two skills stay to learn).
      const placing = current.reason.code === 'PLACEMENT';
      firstProbe ??= current.instance.skillId;
      const correct = placing ? step !== 1 && current.instance.skillId === firstProbe : true;
      if (!placing) practised++;
      // From the second practice question on, the first one that has hints: ask for one first.
      let hintedNow = false;
      if (
        !hinted &&
        practised >= 2 &&
        (await tool.getByRole('button', { name: /^Show hint 1 of/ }).count()) > 0
      ) {
        hintedNow = true;
        await tool.getByRole('button', { name: /^Show hint 1 of/ }).click();
        await tool.locator('#hints ol li').first().waitFor({ timeout: 15_000 });
        expect(await tool.locator('#hint-cost').innerText()).to.contain(
          'A hint costs the credit of this question only',
        );
        hinted = true;
      }
      const fresh = (await storedSet('student-07'))?.['current'] as StoredCurrent;
      await fillAnswer(tool, fresh.instance.key, correct);
      await tool.getByRole('button', { name: 'Check answer' }).click();
      await tool.locator('#result').waitFor({ timeout: 15_000 });
      const heading = await tool.locator('#result-heading').innerText();
      expect(heading).to.equal(correct ? 'Correct!' : 'Not quite');
      const changes = await tool.locator('.mastery-change').allInnerTexts();
      for (const text of changes) {
        if (correct) expect(text).not.to.match(/fell|because this answer was wrong/);
        else expect(text).not.to.match(/rose|because you answered correctly/);
      }
      if (step === 1) {
        expect(changes.join(' ')).to.match(/not started → first estimate \d+%/);
        await expectAccessible(page, 'the feedback of a wrong first answer');
        await screenshot(frameElement(page), 'loop-2-wrong-first-answer');
      }
      if (hintedNow) expect(changes.join(' ')).to.contain('counts as practice');
      await tool.getByRole('button', { name: 'Next question' }).click();
      await tool.locator('#question, #summary').first().waitFor({ timeout: 15_000 });
      if ((await tool.locator('#summary').count()) > 0) break;
    }
    expect(hinted, 'a hint was used').to.equal(true);
    expect(switched, 'a skill switch happened').to.equal(true);
    await tool.getByRole('heading', { name: 'Set complete' }).waitFor({ timeout: 15_000 });
    const summary = await tool.locator('#summary').innerText();
    expect(summary).to.match(/answered the 16 questions of this set|completes this assignment/);
    await expectAccessible(page, 'the end of the set');
    await screenshot(frameElement(page), 'loop-4-set-complete');

    // Page, stored set and gradebook agree: Completed, the same score.
    const set = await storedSet('student-07');
    const lastScore = set?.['lastScore'] as { scoreGiven: number; activityProgress: string };
    expect(lastScore.activityProgress).to.equal('Completed');
    const grade = await tool.locator('.score').innerText();
    expect(grade).to.contain(`${String(lastScore.scoreGiven)} / ${String(POINTS)}`);
    expect(grade).to.contain('(assignment complete)');
    const link = [...sim().state.resourceLinks.values()].find((l) => l.title === TITLE)!;
    const [lineItem] = sim().state.lineItemsForLink(link.id);
    const deadline = Date.now() + 15_000;
    for (;;) {
      const last = sim().state.scoresFor(lineItem!.id, subOf('student-07')).at(-1);
      if (last?.stored.activityProgress === 'Completed') {
        expect(last.stored.scoreGiven).to.equal(lastScore.scoreGiven);
        break;
      }
      if (Date.now() > deadline) throw new Error('the Completed score never reached the gradebook');
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    // The skill bars and the placement agree: placed skills read as mastered, none as 0 % unstarted.
    const statuses = await tool.locator('.skill-status').allInnerTexts();
    for (const status of statuses) expect(status).not.to.match(/^Learning: 0%$/);
  });
});
