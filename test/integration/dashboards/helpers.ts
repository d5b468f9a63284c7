/**
 * Dashboard test helpers: launches with role or claim changes through the real simulator flow,
 * a student who answers right or wrong on purpose, and a small reader for the dashboard tables.
 */
import { expect } from 'chai';
import {
  CLAIM,
  decodeHtml,
  decodeJwtUnverified,
  driveLaunch,
  type ClaimEdits,
} from '../../support/platform/index.js';
import type { LtiFixture } from '../../support/pathwise.js';
import {
  answerFor,
  launchStudent,
  postForm,
  storedSet,
  userIdOf,
  type Profile,
} from '../../support/practice.js';
// As the browser that launched (session-bound cookies): see test/support/platform/browser.ts.
import { browserFetch as fetch } from '../../support/platform/browser.js';

export { CLAIM };

export interface LaunchedPage {
  readonly session: string;
  readonly url: string;
  readonly status: number;
  readonly html: string;
}

/** A resource-link launch by any seeded user, optionally with edited claims (same nonce). */
export async function launchAs(
  fx: LtiFixture,
  profile: Profile,
  user: string,
  resourceLinkId: string,
  edits?: ClaimEdits,
): Promise<LaunchedPage> {
  const platform = fx.platform(profile);
  const result = await driveLaunch({
    initiation: platform.initiateLogin({ user, resourceLinkId }),
    ...(edits === undefined
      ? {}
      : {
          alterIdTokenForm: (fields: Record<string, string>) => {
            const nonce = decodeJwtUnverified(fields['id_token'] ?? '')?.payload['nonce'];
            const minted = platform.mintIdToken({
              user,
              resourceLinkId,
              ...(typeof nonce === 'string' ? { nonce } : {}),
              edits,
            });
            return { ...fields, id_token: minted.token };
          },
        }),
  });
  const final = result.final!;
  return {
    session: new URL(final.url).searchParams.get('session') ?? '',
    url: final.url,
    status: final.status,
    html: final.body,
  };
}

/** A student launches the link and gives one answer per entry: right (true) or wrong (false). */
export async function practise(
  fx: LtiFixture,
  profile: Profile,
  student: string,
  resourceLinkId: string,
  answers: readonly boolean[],
): Promise<string> {
  const page = await launchStudent(fx, profile, student, resourceLinkId);
  expect(page.status, page.html).to.equal(200);
  const userId = userIdOf(fx, profile, student);
  for (const correct of answers) {
    let set = await storedSet(fx, userId);
    if (set.phase === 'feedback') {
      await postForm(fx, '/practice/next', { session: page.session });
      set = await storedSet(fx, userId);
    }
    if (set.phase !== 'question' || set.current === undefined)
      throw new Error(`${student} has no question on screen (phase ${set.phase})`);
    const answered = await postForm(fx, '/practice/answer', {
      session: page.session,
      step: String(set.current.step),
      answer: answerFor(set.current.instance.key, correct),
    });
    expect(answered.status, answered.html).to.equal(200);
  }
  return page.session;
}

export { waitFor } from '../../support/wait.js';

export async function getHtml(
  fx: LtiFixture,
  path: string,
): Promise<{ status: number; html: string; headers: Headers }> {
  const response = await fetch(`${fx.pathwise.url}${path}`, { headers: { Accept: 'text/html' } });
  return { status: response.status, html: await response.text(), headers: response.headers };
}

/** Posts a form without following the redirect. */
export async function postRaw(
  fx: LtiFixture,
  path: string,
  fields: Record<string, string | readonly string[]>,
): Promise<{ status: number; location: string | null; html: string }> {
  const body = new URLSearchParams();
  for (const [name, value] of Object.entries(fields))
    for (const v of typeof value === 'string' ? [value] : value) body.append(name, v);
  const response = await fetch(`${fx.pathwise.url}${path}`, {
    method: 'POST',
    body,
    redirect: 'manual',
    headers: { Accept: 'text/html' },
  });
  return {
    status: response.status,
    location: response.headers.get('location'),
    html: await response.text(),
  };
}

export const dashboardPath = (page: string, session: string): string =>
  `/dashboard${page}?session=${encodeURIComponent(session)}`;

/** Visible text of an HTML fragment, whitespace collapsed. */
export const textOf = (html: string): string =>
  decodeHtml(
    html
      .replace(/<span class=['"]visually-hidden['"]>[\s\S]*?<\/span>/g, ' ')
      .replace(/<[^>]+>/g, ' '),
  )
    .replace(/\s+/g, ' ')
    .trim();

/** The table with this id. */
export function tableOf(html: string, id: string): string {
  const match = new RegExp(`<table\\b[^>]*id=['"]${id}['"][\\s\\S]*?</table>`).exec(html);
  if (match === null) throw new Error(`no table #${id} in the page`);
  return match[0];
}

/** The body rows of a table, each as its HTML. */
export function bodyRows(table: string): string[] {
  const body = /<tbody>([\s\S]*?)<\/tbody>/.exec(table)?.[1] ?? '';
  return [...body.matchAll(/<tr\b[\s\S]*?<\/tr>/g)].map((m) => m[0]);
}

/** The body row whose row header names `name`. */
export function rowFor(table: string, name: string): string {
  const row = bodyRows(table).find((r) => {
    const header = /<th\b[^>]*>([\s\S]*?)<\/th>/.exec(r)?.[1] ?? '';
    return textOf(header).includes(name);
  });
  if (row === undefined) throw new Error(`no row for ${name}`);
  return row;
}

/** The text of the cell marked `data-col='<col>'`. */
export function cellOf(row: string, col: string): string {
  const match = new RegExp(`<td\\b[^>]*data-col=['"]${col}['"][^>]*>([\\s\\S]*?)</td>`).exec(row);
  if (match === null) throw new Error(`no ${col} cell`);
  return textOf(match[1] ?? '');
}

/** Every data cell of a row, as text. */
export function cellsOf(row: string): string[] {
  return [...row.matchAll(/<td\b[^>]*>([\s\S]*?)<\/td>/g)].map((m) => textOf(m[1] ?? ''));
}

export const nameOf = (fx: LtiFixture, profile: Profile, user: string): string =>
  fx.platform(profile).state.userByKey(user)!.name;
