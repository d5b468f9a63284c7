/**
 * Drives the practice experience over real HTTP: an instructor deep-links an assignment in the
 * simulator, students launch it, and answers are posted like the browser's forms would.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { driveLaunch, MESSAGE_TYPE, readForm } from './platform/index.js';
import { startLtiFixture, type LtiFixture } from './pathwise.js';
import type { AnswerKey } from '../../src/content/content.model.js';
import type { PracticeSet } from '../../src/practice/practice-set.js';
// As the browser that launched (session-bound cookies): see test/support/platform/browser.ts.
import { browserFetch as fetch } from './platform/browser.js';

export type Profile = 'canvas' | 'moodle';

/** What driving the simulator needs (the test fixture, or the benchmark's). */
type PlatformSource = Pick<LtiFixture, 'platform'>;

const FIXTURES = path.resolve(path.dirname(new URL(import.meta.url).pathname), '../fixtures');

export async function importMiniBank(fx: LtiFixture): Promise<void> {
  const file = path.join(FIXTURES, 'content/mini-bank.json');
  const imported = await fx.pathwise.application.content.importSources([
    { name: 'mini-bank.json', format: 'json', text: readFileSync(file, 'utf8') },
  ]);
  if (!imported.ok) throw new Error(`mini bank refused: ${JSON.stringify(imported.error)}`);
}

/**
 * A practice test's usual start: Pathwise with the simulator, the mini bank, and one assignment
 * deep-linked on Moodle (no minimum, `fields` for the rest of the form). Close `fx` after.
 */
export async function startPracticeFixture(
  fields: Record<string, string | readonly string[]>,
): Promise<{ fx: LtiFixture; link: string }> {
  const fx = await startLtiFixture();
  await importMiniBank(fx);
  const link = await deepLinkAssignment(fx, 'moodle', {
    scoreMaximum: '10',
    skills: ['add-small', 'add-big'],
    minItems: '0',
    ...fields,
  });
  return { fx, link };
}

/** An instructor adds a Pathwise assignment through Deep Linking; returns the new link id. */
export async function deepLinkAssignment(
  fx: PlatformSource,
  profile: Profile,
  fields: Record<string, string | readonly string[]>,
): Promise<string> {
  const platform = fx.platform(profile);
  const result = await driveLaunch({
    initiation: platform.initiateLogin({
      user: 'instructor',
      messageType: MESSAGE_TYPE.deepLinking,
    }),
  });
  const form = readForm(result.final!.body);
  if (form === undefined) throw new Error(`no deep-linking form: ${result.final?.body ?? ''}`);
  const body = new URLSearchParams(form.fields);
  for (const [name, value] of Object.entries(fields)) {
    body.delete(name);
    for (const v of typeof value === 'string' ? [value] : value) body.append(name, v);
  }
  const { page } = await submitAssignmentForm(new URL(form.action, result.final!.url), body);
  const back = readForm(page);
  if (back === undefined) throw new Error(`deep-linking form refused: ${page.slice(0, 300)}`);
  await fetch(back.action, { method: 'POST', body: new URLSearchParams(back.fields) });
  const linkId = platform.state.deepLinkReturns.at(-1)?.createdResourceLinkIds[0];
  if (linkId === undefined) throw new Error('the platform created no resource link');
  return linkId;
}

/**
 * Posts the assignment form like an instructor who accepts the review step: when Pathwise shows
 * its plan first (prerequisites it adds, expected questions, a limit too low), post it again.
 */
export async function submitAssignmentForm(
  url: URL | string,
  body: URLSearchParams,
): Promise<{ status: number; page: string; headers: Headers; reviewed: boolean }> {
  const first = await fetch(url, { method: 'POST', body });
  const page = await first.text();
  const reviewed = /name='reviewed' value='([0-9a-f]+)'/.exec(page)?.[1];
  if (reviewed === undefined)
    return { status: first.status, page, headers: first.headers, reviewed: false };
  const again = new URLSearchParams(body);
  again.set('reviewed', reviewed);
  const second = await fetch(url, { method: 'POST', body: again });
  return {
    status: second.status,
    page: await second.text(),
    headers: second.headers,
    reviewed: true,
  };
}

export interface StudentPage {
  readonly session: string;
  readonly url: string;
  readonly status: number;
  readonly html: string;
}

export async function launchStudent(
  fx: PlatformSource,
  profile: Profile,
  user: string,
  resourceLinkId: string,
): Promise<StudentPage> {
  const result = await driveLaunch({
    initiation: fx.platform(profile).initiateLogin({ user, resourceLinkId }),
  });
  const final = result.final!;
  const session = new URL(final.url).searchParams.get('session') ?? '';
  return { session, url: final.url, status: final.status, html: final.body };
}

/** Posts a practice form like the browser does and follows the redirect. */
export async function postForm(
  fx: LtiFixture,
  action: string,
  fields: Record<string, string | readonly string[]>,
): Promise<{ status: number; html: string; url: string }> {
  const body = new URLSearchParams();
  for (const [name, value] of Object.entries(fields)) {
    for (const v of typeof value === 'string' ? [value] : value) body.append(name, v);
  }
  const response = await fetch(`${fx.pathwise.url}${action}`, { method: 'POST', body });
  return { status: response.status, html: await response.text(), url: response.url };
}

export async function getPage(fx: LtiFixture, session: string): Promise<StudentPage> {
  const response = await fetch(
    `${fx.pathwise.url}/practice?session=${encodeURIComponent(session)}`,
  );
  return { session, url: response.url, status: response.status, html: await response.text() };
}

/** The learner's stored set for an assignment link (tests peek at the key of the question). */
export async function storedSet(fx: LtiFixture, userId: string): Promise<PracticeSet> {
  const doc = await fx.pathwise.database.connection
    .collection('pw_practice_sets')
    .find({ userId })
    .sort({ updatedAt: -1 })
    .limit(1)
    .next();
  if (doc === null) throw new Error(`no practice set for ${userId}`);
  return { ...(doc as unknown as PracticeSet), id: String(doc['_id']) };
}

/** The right (or a wrong) answer to the question on screen, as the form would send it. */
export function answerFor(key: AnswerKey, correct: boolean): string | string[] {
  switch (key.type) {
    case 'numeric':
      return String(correct ? key.value : key.value + 1000);
    case 'fraction':
      return correct ? key.value : '999/1000';
    case 'choice-single':
      return correct
        ? key.correct
        : (Object.keys(key.choiceFeedback).find((id) => id !== key.correct) ?? 'zzz');
    case 'choice-multi':
      return correct
        ? [...key.correct]
        : key.choiceIds.filter((id) => !key.correct.includes(id)).slice(0, 1);
    case 'expression':
      return correct ? key.expression : `${key.expression} + 1000`;
    case 'short-text':
      return correct ? (key.accepted[0] ?? '') : 'certainly not this';
  }
}

export const userIdOf = (fx: LtiFixture, profile: Profile, user: string): string =>
  fx.platform(profile).state.userByKey(user)!.sub;
