/**
 * Submits the assignment form in the tool's frame like an instructor who accepts Pathwise's
 * review step: when the plan appears (prerequisites added, expected questions, a limit too low),
 * it is checked for accessibility, captured, and the form is submitted again.
 */
import type { FrameLocator, Locator } from 'playwright-core';
import { screenshot } from './browser.js';

export async function submitAssignmentForm(
  tool: FrameLocator,
  frame: Locator,
  done: Locator,
  shot: string,
  checkAccessible: () => Promise<void>,
): Promise<{ reviewed: boolean }> {
  await tool.locator('form button[type="submit"]').first().click();
  const plan = tool.locator('#assignment-plan');
  await Promise.race([done.waitFor({ timeout: 15_000 }), plan.waitFor({ timeout: 15_000 })]);
  if ((await plan.count()) === 0) return { reviewed: false };
  await checkAccessible();
  await screenshot(frame, shot);
  await tool.locator('form button[type="submit"]').first().click();
  await done.waitFor({ timeout: 15_000 });
  return { reviewed: true };
}
