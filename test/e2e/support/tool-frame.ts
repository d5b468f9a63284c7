/**
 * Pathwise inside the LMS simulator's frame: locating the frame, checking it with axe, and
 * answering a question like a person would (right or wrong), shared by the practice e2e tests.
 */
import { expect } from 'chai';
import type { FrameLocator, Page } from 'playwright-core';
import type { AnswerKey } from '../../../src/content/content.model.js';
import { describeViolations, seriousViolations } from './axe.js';

export const toolFrame = (page: Page): FrameLocator =>
  page.frameLocator('iframe[name="tool-frame"]');
export const frameElement = (page: Page) => page.locator('iframe[name="tool-frame"]');

export function liveFrame(page: Page) {
  const frame = page.frame({ name: 'tool-frame' });
  if (frame === null) throw new Error('the simulator page has no tool frame');
  return frame;
}

export async function expectAccessible(page: Page, where: string): Promise<void> {
  const violations = await seriousViolations(liveFrame(page));
  expect(violations, `${where}:\n${describeViolations(violations)}`).to.deep.equal([]);
}

/** Fills in the answer to the question on screen, right or wrong. */
export async function fillAnswer(
  tool: FrameLocator,
  key: AnswerKey,
  correct: boolean,
): Promise<void> {
  switch (key.type) {
    case 'choice-single': {
      const wrong = Object.keys(key.choiceFeedback).find((id) => id !== key.correct) ?? 'B';
      await tool.locator(`input[name="answer"][value="${correct ? key.correct : wrong}"]`).check();
      return;
    }
    case 'choice-multi': {
      const ids = correct ? key.correct : key.choiceIds.filter((id) => !key.correct.includes(id));
      for (const id of ids.slice(0, correct ? ids.length : 1))
        await tool.locator(`input[name="answer"][value="${id}"]`).check();
      return;
    }
    case 'numeric':
      await tool.locator('#answer').fill(String(correct ? key.value : key.value + 97));
      return;
    case 'fraction':
      await tool.locator('#answer').fill(correct ? key.value : '97/98');
      return;
    case 'expression':
      await tool.locator('#answer').fill(correct ? key.expression : `${key.expression}+97`);
      return;
    case 'short-text':
      await tool.locator('#answer').fill(correct ? (key.accepted[0] ?? '') : 'no idea');
      return;
  }
}
