/**
 * Assignment and Grade Services 2.0: line items, scores, results, with the Canvas and Moodle
 * strictness rules of LTI-NOTES §2.1/§2.2.
 */
import type { Request, Response } from 'express';
import { callerOf, isRecord, linkHeader, sendError, type PlatformContext } from './context.js';
import type { LineItemRecord, ResultRecord, ToolRegistration } from './state.js';
import { MEDIA_TYPE } from './vocabulary.js';

const ACTIVITY_PROGRESS = ['Initialized', 'Started', 'InProgress', 'Submitted', 'Completed'];
const GRADING_PROGRESS = ['FullyGraded', 'Pending', 'PendingManual', 'Failed', 'NotReady'];

const str = (value: unknown): string | undefined => (typeof value === 'string' ? value : undefined);
const queryString = (req: Request, name: string): string | undefined => {
  const value: unknown = req.query[name];
  return typeof value === 'string' ? value : undefined;
};
const param = (req: Request, name: string): string => {
  const value: unknown = req.params[name];
  return typeof value === 'string' ? value : '';
};

/** Moodle: every service URL carries ?type_id= of the calling tool. */
function checkTypeId(
  ctx: PlatformContext,
  req: Request,
  res: Response,
  registration: ToolRegistration,
): boolean {
  if (ctx.profile.name !== 'moodle') return true;
  if (queryString(req, 'type_id') !== registration.typeId) {
    sendError(res, 400, 'invalid_request', 'type_id missing or not this tool');
    return false;
  }
  return true;
}

function checkCourse(ctx: PlatformContext, req: Request, res: Response): boolean {
  if (param(req, 'courseId') !== ctx.state.course.id) {
    sendError(res, 404, 'not_found', 'No such course');
    return false;
  }
  return true;
}

export function lineItemJson(item: LineItemRecord): Record<string, unknown> {
  return {
    id: item.url,
    label: item.label,
    scoreMaximum: item.scoreMaximum,
    ...(item.resourceLinkId === undefined ? {} : { resourceLinkId: item.resourceLinkId }),
    ...(item.resourceId === undefined ? {} : { resourceId: item.resourceId }),
    ...(item.tag === undefined ? {} : { tag: item.tag }),
    ...(item.startDateTime === undefined ? {} : { startDateTime: item.startDateTime }),
    ...(item.endDateTime === undefined ? {} : { endDateTime: item.endDateTime }),
  };
}

/** Finds the addressed line item of the caller (404 otherwise). */
function findLineItem(
  ctx: PlatformContext,
  req: Request,
  res: Response,
): LineItemRecord | undefined {
  const { registration } = callerOf(res);
  if (!checkCourse(ctx, req, res) || !checkTypeId(ctx, req, res, registration)) return undefined;
  const item = ctx.state.lineItems.get(param(req, 'lineItemId'));
  if (item?.clientId !== registration.clientId) {
    sendError(res, 404, 'not_found', 'No such line item');
    return undefined;
  }
  return item;
}

export interface NewLineItem {
  readonly clientId: string;
  readonly typeId: string;
  readonly label: string;
  readonly scoreMaximum: number;
  readonly resourceLinkId?: string | undefined;
  readonly resourceId?: string | undefined;
  readonly tag?: string | undefined;
  readonly coupled?: boolean;
}

export function createLineItem(ctx: PlatformContext, input: NewLineItem): LineItemRecord {
  const id = ctx.state.nextId();
  const item: LineItemRecord = {
    id,
    url: ctx.urls.lineItem(ctx.state.course.id, id, input.typeId),
    clientId: input.clientId,
    label: input.label,
    scoreMaximum: input.scoreMaximum,
    resourceLinkId: input.resourceLinkId,
    resourceId: input.resourceId,
    tag: input.tag,
    startDateTime: undefined,
    endDateTime: undefined,
    coupled: input.coupled ?? false,
    createdAt: ctx.clock.now().toISOString(),
  };
  ctx.state.lineItems.set(id, item);
  return item;
}

const validMaximum = (v: unknown): v is number =>
  typeof v === 'number' && Number.isFinite(v) && v > 0;
const validLabel = (v: unknown): v is string => typeof v === 'string' && v.trim() !== '';

export function handleLineItemsGet(ctx: PlatformContext, req: Request, res: Response): void {
  const { registration } = callerOf(res);
  if (!checkCourse(ctx, req, res) || !checkTypeId(ctx, req, res, registration)) return;
  const rlid = queryString(req, 'resource_link_id');
  const resourceId = queryString(req, 'resource_id');
  const tag = queryString(req, 'tag');
  const all = [...ctx.state.lineItems.values()].filter(
    (li) =>
      li.clientId === registration.clientId &&
      (rlid === undefined || li.resourceLinkId === rlid) &&
      (resourceId === undefined || li.resourceId === resourceId) &&
      (tag === undefined || li.tag === tag),
  );
  const limitRaw = Number(queryString(req, 'limit'));
  const limit = Number.isInteger(limitRaw) && limitRaw > 0 ? limitRaw : undefined;
  let page = all;
  if (limit !== undefined) {
    // Canvas pages with `page` (1-based), Moodle with `from` (0-based offset).
    const start =
      ctx.profile.name === 'canvas'
        ? (Math.max(1, Number(queryString(req, 'page') ?? '1') || 1) - 1) * limit
        : Math.max(0, Number(queryString(req, 'from') ?? '0') || 0);
    page = all.slice(start, start + limit);
    if (start + limit < all.length) {
      const next = new URL(req.originalUrl, ctx.urls.base);
      const url = new URL(ctx.urls.lineItems(ctx.state.course.id));
      for (const [k, v] of next.searchParams) url.searchParams.set(k, v);
      if (ctx.profile.name === 'canvas') url.searchParams.set('page', String(start / limit + 2));
      else url.searchParams.set('from', String(start + limit));
      res.set('Link', linkHeader(ctx, [{ url: url.toString(), rel: 'next' }]));
    }
  }
  res.type(MEDIA_TYPE.lineItemContainer).send(JSON.stringify(page.map(lineItemJson)));
}

export function handleLineItemsPost(ctx: PlatformContext, req: Request, res: Response): void {
  const { registration } = callerOf(res);
  if (!checkCourse(ctx, req, res) || !checkTypeId(ctx, req, res, registration)) return;
  const body: unknown = req.body;
  if (!isRecord(body)) {
    sendError(res, 400, 'invalid_request', 'JSON line item body required');
    return;
  }
  if (!validLabel(body['label']) || !validMaximum(body['scoreMaximum'])) {
    sendError(res, 400, 'invalid_request', 'label (non-blank) and scoreMaximum (> 0) are required');
    return;
  }
  const resourceLinkId = str(body['resourceLinkId']);
  if (resourceLinkId !== undefined) {
    const link = ctx.state.resourceLinks.get(resourceLinkId);
    if (link?.clientId !== registration.clientId) {
      if (ctx.profile.name === 'canvas')
        sendError(res, 404, 'not_found', 'resourceLinkId not found');
      else sendError(res, 403, 'forbidden', 'resourceLinkId is not a link of this tool');
      return;
    }
    if (ctx.profile.name === 'canvas' && ctx.state.lineItemsForLink(resourceLinkId).length === 0) {
      sendError(
        res,
        412,
        'precondition_failed',
        'The resource link has no active line items (not an assignment)',
      );
      return;
    }
  }
  const item = createLineItem(ctx, {
    clientId: registration.clientId,
    typeId: registration.typeId,
    label: body['label'],
    scoreMaximum: body['scoreMaximum'],
    resourceLinkId,
    resourceId: str(body['resourceId']),
    tag: str(body['tag']),
  });
  item.startDateTime = str(body['startDateTime']);
  item.endDateTime = str(body['endDateTime']);
  res
    .status(ctx.profile.name === 'moodle' ? 201 : 200)
    .type(MEDIA_TYPE.lineItem)
    .send(JSON.stringify(lineItemJson(item)));
}

export function handleLineItemGet(ctx: PlatformContext, req: Request, res: Response): void {
  const item = findLineItem(ctx, req, res);
  if (item === undefined) return;
  res.type(MEDIA_TYPE.lineItem).send(JSON.stringify(lineItemJson(item)));
}

export function handleLineItemPut(ctx: PlatformContext, req: Request, res: Response): void {
  const item = findLineItem(ctx, req, res);
  if (item === undefined) return;
  const body: unknown = req.body;
  if (!isRecord(body)) {
    sendError(res, 400, 'invalid_request', 'JSON line item body required');
    return;
  }
  if (
    ('label' in body && !validLabel(body['label'])) ||
    ('scoreMaximum' in body && !validMaximum(body['scoreMaximum']))
  ) {
    sendError(res, 400, 'invalid_request', 'label must be non-blank and scoreMaximum > 0');
    return;
  }
  if (validLabel(body['label'])) item.label = body['label'];
  if (validMaximum(body['scoreMaximum'])) item.scoreMaximum = body['scoreMaximum'];
  if ('resourceId' in body) item.resourceId = str(body['resourceId']);
  if ('tag' in body) item.tag = str(body['tag']);
  if ('startDateTime' in body) item.startDateTime = str(body['startDateTime']);
  if ('endDateTime' in body) item.endDateTime = str(body['endDateTime']);
  res.type(MEDIA_TYPE.lineItem).send(JSON.stringify(lineItemJson(item)));
}

export function handleLineItemDelete(ctx: PlatformContext, req: Request, res: Response): void {
  const item = findLineItem(ctx, req, res);
  if (item === undefined) return;
  if (ctx.profile.name === 'canvas' && item.coupled) {
    sendError(res, 401, 'unauthorized', "The assignment's default line item cannot be deleted");
    return;
  }
  ctx.state.lineItems.delete(item.id);
  for (const key of [...ctx.state.results.keys()]) {
    if (key.startsWith(`${item.id} `)) ctx.state.results.delete(key);
  }
  res.status(204).end();
}

const parseTimestamp = (value: unknown): number | undefined => {
  if (typeof value !== 'string') return undefined;
  // ISO 8601 date-time with a time zone (Z or ±hh:mm).
  if (!/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:?\d{2})$/.test(value))
    return undefined;
  const ms = Date.parse(value);
  return Number.isNaN(ms) ? undefined : ms;
};

const optionalNumber = (v: unknown): v is number | undefined | null =>
  v === undefined || v === null || (typeof v === 'number' && Number.isFinite(v));

export function handleScorePost(ctx: PlatformContext, req: Request, res: Response): void {
  const item = findLineItem(ctx, req, res);
  if (item === undefined) return;
  const { registration } = callerOf(res);
  const body: unknown = req.body;
  if (!isRecord(body)) {
    sendError(res, 400, 'invalid_request', `a ${MEDIA_TYPE.score} body is required`);
    return;
  }
  const canvas = ctx.profile.name === 'canvas';
  const userId = str(body['userId']);
  const activityProgress = str(body['activityProgress']);
  const gradingProgress = str(body['gradingProgress']);
  const timestampMs = parseTimestamp(body['timestamp']);
  const { scoreGiven, scoreMaximum } = body;
  const user = userId === undefined ? undefined : ctx.state.userBySub(userId);
  const gradable = user?.role === 'student' && user.status === 'Active';

  if (canvas) {
    const missing = ['userId', 'activityProgress', 'gradingProgress', 'timestamp'].filter(
      (f) => body[f] === undefined || body[f] === null || body[f] === '',
    );
    if (missing.length > 0) {
      sendError(
        res,
        400,
        'invalid_request',
        `missing required score fields: ${missing.join(', ')}`,
      );
      return;
    }
    if (timestampMs === undefined) {
      sendError(res, 400, 'invalid_request', 'timestamp must be an ISO 8601 date-time');
      return;
    }
    if (
      !ACTIVITY_PROGRESS.includes(activityProgress ?? '') ||
      !GRADING_PROGRESS.includes(gradingProgress ?? '')
    ) {
      sendError(res, 400, 'invalid_request', 'invalid activityProgress or gradingProgress');
      return;
    }
    if (!optionalNumber(scoreGiven) || !optionalNumber(scoreMaximum)) {
      sendError(res, 400, 'invalid_request', 'scoreGiven and scoreMaximum must be numbers');
      return;
    }
    if (!gradable) {
      sendError(res, 422, 'unprocessable_entity', 'User not found in course or is not a student');
      return;
    }
    if (typeof scoreGiven === 'number' && typeof scoreMaximum !== 'number') {
      sendError(
        res,
        422,
        'unprocessable_entity',
        'ScoreMaximum must be present and greater than or equal to 0',
      );
      return;
    }
    if (
      (typeof scoreGiven === 'number' && scoreGiven < 0) ||
      (typeof scoreMaximum === 'number' && scoreMaximum < 0)
    ) {
      sendError(res, 400, 'invalid_request', 'scores must be non-negative');
      return;
    }
    const previous = ctx.state.resultFor(item.id, userId ?? '');
    if (previous !== undefined && timestampMs < Date.parse(previous.updatedAt)) {
      sendError(
        res,
        400,
        'invalid_request',
        'Score timestamp is older than the last update of the result',
      );
      return;
    }
    const submission = body['https://canvas.instructure.com/lti/submission'];
    if (isRecord(submission) && typeof submission['submitted_at'] === 'string') {
      const at = Date.parse(submission['submitted_at']);
      if (Number.isNaN(at) || at > ctx.clock.now().getTime() + 60_000) {
        sendError(
          res,
          400,
          'invalid_request',
          'submitted_at is invalid or more than a minute in the future',
        );
        return;
      }
    }
  } else {
    const incorrect =
      userId === undefined ||
      timestampMs === undefined ||
      gradingProgress === undefined ||
      activityProgress === undefined ||
      !ACTIVITY_PROGRESS.includes(activityProgress) ||
      !GRADING_PROGRESS.includes(gradingProgress) ||
      !optionalNumber(scoreGiven) ||
      !optionalNumber(scoreMaximum) ||
      !gradable;
    if (incorrect) {
      sendError(res, 400, 'bad_request', 'Incorrect score received');
      return;
    }
    const previous = ctx.state.resultFor(item.id, userId);
    if (
      previous !== undefined &&
      Math.floor(previous.timestampMs / 1000) >= Math.floor(timestampMs / 1000)
    ) {
      sendError(res, 409, 'conflict', 'Refusing score with an earlier timestamp for item');
      return;
    }
  }

  const graded = canvas
    ? gradingProgress === 'FullyGraded' || gradingProgress === 'PendingManual'
    : gradingProgress === 'FullyGraded';
  const maximum = typeof scoreMaximum === 'number' ? scoreMaximum : canvas ? item.scoreMaximum : 1;
  const stored: ResultRecord = {
    lineItemId: item.id,
    userId: userId ?? '',
    scoreGiven: graded && typeof scoreGiven === 'number' ? scoreGiven : null,
    scoreMaximum: maximum,
    comment: str(body['comment']),
    activityProgress: activityProgress ?? '',
    gradingProgress: gradingProgress ?? '',
    timestamp: str(body['timestamp']) ?? '',
    timestampMs,
    updatedAt: ctx.clock.now().toISOString(),
  };
  ctx.state.results.set(`${item.id} ${stored.userId}`, stored);
  ctx.state.scoreHistory.push({
    lineItemId: item.id,
    userId: stored.userId,
    received: { ...body },
    stored,
    clientId: registration.clientId,
    userAgent: req.get('user-agent'),
  });
  if (canvas) {
    res.json({ resultUrl: resultUrl(ctx, item, stored.userId, registration.typeId) });
  } else {
    res.status(200).json({});
  }
}

function resultUrl(
  ctx: PlatformContext,
  item: LineItemRecord,
  userId: string,
  typeId: string,
): string {
  const base = ctx.urls.results(ctx.state.course.id, item.id);
  const typeQuery = ctx.profile.name === 'moodle' ? `&type_id=${encodeURIComponent(typeId)}` : '';
  return ctx.profile.name === 'moodle'
    ? `${base}?user_id=${encodeURIComponent(userId)}${typeQuery}`
    : `${base}/${encodeURIComponent(userId)}`;
}

export function handleResultsGet(ctx: PlatformContext, req: Request, res: Response): void {
  const item = findLineItem(ctx, req, res);
  if (item === undefined) return;
  const { registration } = callerOf(res);
  const userFilter = queryString(req, 'user_id');
  const results = [...ctx.state.results.values()].filter(
    (r) => r.lineItemId === item.id && (userFilter === undefined || r.userId === userFilter),
  );
  const limitRaw = Number(queryString(req, 'limit'));
  const page = Number.isInteger(limitRaw) && limitRaw > 0 ? results.slice(0, limitRaw) : results;
  const body = page.map((r) => ({
    id: resultUrl(ctx, item, r.userId, registration.typeId),
    scoreOf: item.url,
    userId: r.userId,
    ...(r.scoreGiven === null ? {} : { resultScore: r.scoreGiven }),
    resultMaximum: r.scoreMaximum,
    ...(r.comment === undefined ? {} : { comment: r.comment }),
  }));
  res.type(MEDIA_TYPE.resultContainer).send(JSON.stringify(body));
}
