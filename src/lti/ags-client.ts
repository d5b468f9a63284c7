/**
 * Assignment and Grade Services 2.0 over HTTP: line items (find by resource link, else create)
 * and scores. Spec names stay here (`lineitems`, `resource_link_id`, media types); callers speak
 * in line item URLs and AgsScore values (checklist 39-44).
 *
 * Why:
 * - the scores URL is the line item URL + `/scores` with its query kept (Moodle's `?type_id=`);
 * - line item lists are paged by following `Link rel="next"` exactly as given, never rebuilding
 *   the query (AGS §3.2.4), and Moodle's typographic quotes are understood;
 * - a score that Canvas or Moodle would refuse is never sent (refused here, with the reason);
 * - every call goes through callService: one token per platform, one refetch after a 401.
 */
import { z } from 'zod';
import type { AgsScore } from '../grading/score.js';
import { err, ok, type Result } from '../shared/result.js';
import { nextPageUrl } from './link-header.js';
import type { OutboundResponse } from './outbound-http.js';
import { callService, readLinkHeader, type ServiceCallDeps } from './service-call.js';
import type { ServiceFailure } from './service-failure.js';
import { MEDIA_TYPE, SCOPE } from './vocabulary.js';

export interface LineItem {
  /** The line item URL (its `id`). */
  readonly id: string;
  readonly label: string;
  readonly scoreMaximum: number;
  readonly resourceLinkId: string | undefined;
  readonly resourceId: string | undefined;
  readonly tag: string | undefined;
}

export interface NewLineItem {
  readonly label: string;
  readonly scoreMaximum: number;
  /** Only a resource link id received in a launch of this context (AGS §3.2.9). */
  readonly resourceLinkId: string;
  readonly resourceId?: string | undefined;
  readonly tag?: string | undefined;
}

export interface LineItemFilter {
  readonly resourceLinkId?: string;
  readonly resourceId?: string;
  readonly tag?: string;
}

/** Which platform to call and what the launch granted. */
export interface AgsGrant {
  readonly platformId: string;
  readonly grantedScopes: readonly string[];
}

export interface AgsClient {
  listLineItems(
    grant: AgsGrant,
    lineItemsUrl: string,
    filter: LineItemFilter,
  ): Promise<Result<LineItem[], ServiceFailure>>;
  createLineItem(
    grant: AgsGrant,
    lineItemsUrl: string,
    item: NewLineItem,
  ): Promise<Result<LineItem, ServiceFailure>>;
  /**
   * The line item of a resource link: the one with our tag/resourceId if several, else the
   * first listed (Canvas: the assignment's own column); created only when there is none.
   */
  findOrCreateLineItem(
    grant: AgsGrant,
    lineItemsUrl: string,
    item: NewLineItem,
  ): Promise<Result<{ readonly lineItem: LineItem; readonly created: boolean }, ServiceFailure>>;
  postScore(
    grant: AgsGrant,
    lineItemUrl: string,
    score: AgsScore,
  ): Promise<Result<void, ServiceFailure>>;
}

export interface AgsClientOptions extends ServiceCallDeps {
  /** Stop following `next` links after this many pages (a loop guard; default 100). */
  readonly maxPages?: number;
}

/** AGS scopes this client uses; the token asks for those of them the launch granted. */
const AGS_SCOPES = [SCOPE.lineItem, SCOPE.lineItemReadOnly, SCOPE.score] as const;

const lineItemSchema = z.object({
  id: z.string().min(1),
  label: z.string(),
  scoreMaximum: z.number(),
  resourceLinkId: z.string().optional(),
  resourceId: z.string().optional(),
  tag: z.string().optional(),
});

const toLineItem = (item: z.infer<typeof lineItemSchema>): LineItem => ({
  id: item.id,
  label: item.label,
  scoreMaximum: item.scoreMaximum,
  resourceLinkId: item.resourceLinkId,
  resourceId: item.resourceId,
  tag: item.tag,
});

/** `<line item URL>/scores`, query string kept (Moodle's `?type_id=`), checklist 42. */
export function scoresUrl(lineItemUrl: string): string {
  const url = new URL(lineItemUrl);
  url.pathname = `${url.pathname.replace(/\/+$/, '')}/scores`;
  return url.toString();
}

/** Why a score must not be sent, or undefined when Canvas and Moodle would both accept it. */
export function scoreProblem(score: AgsScore): string | undefined {
  if (score.userId.trim() === '') return 'userId is blank';
  if (score.activityProgress.trim() === '') return 'activityProgress is missing';
  if (score.gradingProgress.trim() === '') return 'gradingProgress is missing';
  // ISO 8601 with a zone designator (AGS §3.4.9); Moodle refuses anything strtotime cannot read.
  if (!/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$/.test(score.timestamp))
    return `timestamp ${score.timestamp} is not ISO 8601 with a time zone`;
  if (!Number.isFinite(score.scoreMaximum) || score.scoreMaximum <= 0)
    return 'scoreMaximum must be greater than 0';
  if (!Number.isFinite(score.scoreGiven) || score.scoreGiven < 0)
    return 'scoreGiven must be zero or more';
  return undefined;
}

function lineItemProblem(item: NewLineItem): string | undefined {
  if (item.label.trim() === '') return 'line item label is blank';
  if (!Number.isFinite(item.scoreMaximum) || item.scoreMaximum <= 0)
    return 'line item scoreMaximum must be greater than 0';
  if (item.resourceLinkId.trim() === '') return 'line item resourceLinkId is blank';
  return undefined;
}

function readJson(response: OutboundResponse): unknown {
  try {
    return JSON.parse(response.text);
  } catch {
    return undefined;
  }
}

export function createAgsClient(options: AgsClientOptions): AgsClient {
  const maxPages = options.maxPages ?? 100;

  const grantOf = (grant: AgsGrant) => ({
    platformId: grant.platformId,
    grantedScopes: grant.grantedScopes,
    tokenScopes: AGS_SCOPES.filter((s) => grant.grantedScopes.includes(s)),
  });
  const requireScope = (
    grant: AgsGrant,
    anyOf: readonly string[],
    what: string,
  ): ServiceFailure | undefined =>
    anyOf.some((s) => grant.grantedScopes.includes(s))
      ? undefined
      : { kind: 'not-permitted', message: `the platform did not grant the scope to ${what}` };

  const client: AgsClient = {
    async listLineItems(grant, lineItemsUrl, filter) {
      const refused = requireScope(
        grant,
        [SCOPE.lineItem, SCOPE.lineItemReadOnly],
        'read line items',
      );
      if (refused !== undefined) return err(refused);
      const first = new URL(lineItemsUrl);
      if (filter.resourceLinkId !== undefined)
        first.searchParams.set('resource_link_id', filter.resourceLinkId);
      if (filter.resourceId !== undefined) first.searchParams.set('resource_id', filter.resourceId);
      if (filter.tag !== undefined) first.searchParams.set('tag', filter.tag);
      const items: LineItem[] = [];
      const seen = new Set<string>();
      let url: string | undefined = first.toString();
      while (url !== undefined) {
        if (seen.has(url) || seen.size >= maxPages) {
          return err({
            kind: 'invalid-response',
            message: `line item paging did not end after ${seen.size} pages`,
            status: 200,
          });
        }
        seen.add(url);
        const result = await callService(options, grantOf(grant), {
          purpose: 'ags',
          url,
          accept: MEDIA_TYPE.lineItemContainer,
        });
        if (!result.ok) return result;
        const page = z.array(lineItemSchema).safeParse(readJson(result.value));
        if (!page.success) {
          return err({
            kind: 'invalid-response',
            message: 'line item container is not a list of line items',
            status: result.value.status,
          });
        }
        items.push(...page.data.map(toLineItem));
        // The next link is used as given: it already carries the filters (AGS §3.2.4).
        url = nextPageUrl(readLinkHeader(result.value.headers));
      }
      return ok(items);
    },

    async createLineItem(grant, lineItemsUrl, item) {
      const refused = requireScope(grant, [SCOPE.lineItem], 'create line items');
      if (refused !== undefined) return err(refused);
      const problem = lineItemProblem(item);
      if (problem !== undefined) return err({ kind: 'invalid-request', message: problem });
      const body = {
        label: item.label,
        scoreMaximum: item.scoreMaximum,
        resourceLinkId: item.resourceLinkId,
        ...(item.resourceId === undefined ? {} : { resourceId: item.resourceId }),
        ...(item.tag === undefined ? {} : { tag: item.tag }),
      };
      const result = await callService(options, grantOf(grant), {
        purpose: 'ags',
        url: lineItemsUrl,
        method: 'POST',
        accept: MEDIA_TYPE.lineItem,
        contentType: MEDIA_TYPE.lineItem,
        body: JSON.stringify(body),
      });
      if (!result.ok) return result;
      const created = lineItemSchema.safeParse(readJson(result.value));
      if (!created.success) {
        return err({
          kind: 'invalid-response',
          message: 'the created line item has no id',
          status: result.value.status,
        });
      }
      return ok(toLineItem(created.data));
    },

    async findOrCreateLineItem(grant, lineItemsUrl, item) {
      const listed = await client.listLineItems(grant, lineItemsUrl, {
        resourceLinkId: item.resourceLinkId,
      });
      if (!listed.ok) return listed;
      // Even if a platform ignored the filter, another link's column is never used.
      const ofLink = listed.value.filter((li) => li.resourceLinkId === item.resourceLinkId);
      const ours = ofLink.find(
        (li) =>
          (item.tag !== undefined && li.tag === item.tag) ||
          (item.resourceId !== undefined && li.resourceId === item.resourceId),
      );
      const existing = ours ?? ofLink[0];
      if (existing !== undefined) return ok({ lineItem: existing, created: false });
      const created = await client.createLineItem(grant, lineItemsUrl, item);
      return created.ok ? ok({ lineItem: created.value, created: true }) : created;
    },

    async postScore(grant, lineItemUrl, score) {
      const refused = requireScope(grant, [SCOPE.score], 'publish scores');
      if (refused !== undefined) return err(refused);
      const problem = scoreProblem(score);
      if (problem !== undefined) return err({ kind: 'invalid-request', message: problem });
      const result = await callService(options, grantOf(grant), {
        purpose: 'ags',
        url: scoresUrl(lineItemUrl),
        method: 'POST',
        accept: 'application/json',
        contentType: MEDIA_TYPE.score,
        body: JSON.stringify(score),
      });
      return result.ok ? ok(undefined) : result;
    },
  };
  return client;
}
