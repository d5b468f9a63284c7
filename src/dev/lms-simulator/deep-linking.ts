/**
 * Deep Linking 2.0 return endpoint: verifies the tool's LtiDeepLinkingResponse JWT (form field
 * `JWT`) against the tool's JWKS and the request it answers, records the content items (a resource
 * link per ltiResourceLink item, plus a line item bound to it when the item carries `lineItem`),
 * and shows a "content added" page, or an error page listing every failed check.
 */
import { randomUUID } from 'node:crypto';
import type { Request, Response } from 'express';
import { errors as joseErrors, jwtVerify } from 'jose';
import { createLineItem } from './ags.js';
import { firstString, isRecord, type PlatformContext } from './context.js';
import { decodeJwtUnverified } from './jwt.js';
import type { DeepLinkReturnRecord, ResourceLinkRecord } from './state.js';
import { CLAIM, LTI_VERSION, MESSAGE_TYPE } from './vocabulary.js';

const DL_MAX_AGE_SECONDS = 600;

const stringRecord = (value: unknown): Record<string, string> => {
  const out: Record<string, string> = {};
  if (isRecord(value)) {
    for (const [k, v] of Object.entries(value)) if (typeof v === 'string') out[k] = v;
  }
  return out;
};

export async function handleDeepLinkReturn(
  ctx: PlatformContext,
  req: Request,
  res: Response,
): Promise<void> {
  const body: unknown = req.body;
  const jwt = isRecord(body) ? firstString(body['JWT']) : undefined;
  const errors: string[] = [];
  const record = (partial: Partial<DeepLinkReturnRecord>): DeepLinkReturnRecord => {
    const entry: DeepLinkReturnRecord = {
      at: ctx.clock.now().toISOString(),
      ok: false,
      errors,
      clientId: undefined,
      contentItems: [],
      createdResourceLinkIds: [],
      createdLineItemIds: [],
      message: undefined,
      errorMessage: undefined,
      ...partial,
    };
    ctx.state.deepLinkReturns.push(entry);
    return entry;
  };
  const fail = (status: number): void => {
    record({});
    res
      .status(status)
      .type('html')
      .send(
        ctx.views.render('deep-link-result', {
          title: 'Content could not be added',
          ok: false,
          errors,
          profile: ctx.profile.name,
          assetBase: ctx.urls.base,
          backUrl: `${ctx.urls.base}/`,
        }),
      );
  };

  if (jwt === undefined || jwt === '') {
    errors.push('missing form field JWT');
    fail(400);
    return;
  }
  const decoded = decodeJwtUnverified(jwt);
  const iss = decoded?.payload['iss'];
  const registration = typeof iss === 'string' ? ctx.state.registrations.get(iss) : undefined;
  if (decoded === undefined) errors.push('JWT is not a readable JWS');
  else if (registration === undefined) errors.push('iss is not the client_id of a registered tool');
  if (decoded !== undefined && typeof decoded.header['kid'] !== 'string')
    errors.push('JWT header has no kid');
  if (registration === undefined || decoded === undefined || errors.length > 0) {
    fail(401);
    return;
  }
  let payload: Record<string, unknown>;
  try {
    const verified = await jwtVerify(jwt, ctx.toolKeys.get(registration.jwksUrl), {
      algorithms: ['RS256'],
      issuer: registration.clientId,
      audience: ctx.issuer,
      currentDate: ctx.clock.now(),
      clockTolerance: 5,
      maxTokenAge: DL_MAX_AGE_SECONDS,
      requiredClaims: ['exp', 'iat', 'nonce'],
    });
    payload = verified.payload;
  } catch (error) {
    errors.push(
      `signature or claims rejected: ${error instanceof joseErrors.JOSEError ? `${error.code}: ${error.message}` : 'verification failed'}`,
    );
    fail(401);
    return;
  }
  const nonce = payload['nonce'];
  if (typeof nonce !== 'string' || nonce === '') errors.push('nonce missing');
  else if (ctx.state.usedDeepLinkNonces.has(`${registration.clientId} ${nonce}`))
    errors.push('nonce reused');
  if (payload[CLAIM.messageType] !== MESSAGE_TYPE.deepLinkingResponse)
    errors.push(`message_type must be ${MESSAGE_TYPE.deepLinkingResponse}`);
  if (payload[CLAIM.version] !== LTI_VERSION) errors.push(`version must be ${LTI_VERSION}`);
  const deploymentId = payload[CLAIM.deploymentId];
  if (typeof deploymentId !== 'string' || !registration.deploymentIds.includes(deploymentId)) {
    errors.push('deployment_id missing or not a deployment of this tool');
  }
  const data = payload[CLAIM.deepLinkingData];
  if (data !== undefined) {
    const request = typeof data === 'string' ? ctx.state.deepLinkRequests.get(data) : undefined;
    if (request === undefined) errors.push('data does not echo the deep-linking request');
    else if (request.clientId !== registration.clientId || request.deploymentId !== deploymentId) {
      errors.push('data belongs to another tool or deployment');
    }
  } else {
    // Every request the simulator sends carries data, so a response must echo it.
    errors.push('data missing (the request carried data, the response must echo it)');
  }
  const rawItems = payload[CLAIM.deepLinkingContentItems];
  const items = Array.isArray(rawItems) ? rawItems.filter(isRecord) : [];
  if (rawItems !== undefined && (!Array.isArray(rawItems) || items.length !== rawItems.length)) {
    errors.push('content_items must be an array of objects');
  }
  const acceptMultiple = ctx.profile.name === 'moodle';
  if (!acceptMultiple && items.length > 1)
    errors.push('more than one content item but accept_multiple is false');
  for (const [i, item] of items.entries()) {
    if (item['type'] !== 'ltiResourceLink')
      errors.push(`content item ${i}: type ${String(item['type'])} not in accept_types`);
    const lineItem = item['lineItem'];
    if (lineItem !== undefined) {
      if (!isRecord(lineItem)) errors.push(`content item ${i}: lineItem must be an object`);
      else {
        const max = lineItem['scoreMaximum'];
        if (typeof max !== 'number' || !(max > 0))
          errors.push(`content item ${i}: lineItem.scoreMaximum must be > 0`);
        const label = lineItem['label'] ?? item['title'];
        if (typeof label !== 'string' || label.trim() === '')
          errors.push(`content item ${i}: lineItem needs a label`);
      }
    }
  }
  if (errors.length > 0) {
    fail(400);
    return;
  }
  if (typeof nonce === 'string')
    ctx.state.usedDeepLinkNonces.add(`${registration.clientId} ${nonce}`);
  if (typeof data === 'string') ctx.state.deepLinkRequests.delete(data);

  const createdLinks: ResourceLinkRecord[] = [];
  const createdLineItemIds: string[] = [];
  for (const item of items) {
    const id = ctx.profile.name === 'canvas' ? randomUUID() : ctx.state.nextId();
    const title = typeof item['title'] === 'string' ? item['title'] : 'Untitled';
    const link: ResourceLinkRecord = {
      id,
      title,
      description: typeof item['text'] === 'string' ? item['text'] : '',
      clientId: registration.clientId,
      createdBy: 'deep-link',
      url: typeof item['url'] === 'string' ? item['url'] : undefined,
      customParameters: stringRecord(item['custom']),
    };
    ctx.state.resourceLinks.set(id, link);
    createdLinks.push(link);
    const lineItem = item['lineItem'];
    if (isRecord(lineItem) && typeof lineItem['scoreMaximum'] === 'number') {
      const label = typeof lineItem['label'] === 'string' ? lineItem['label'] : title;
      const created = createLineItem(ctx, {
        clientId: registration.clientId,
        typeId: registration.typeId,
        label,
        scoreMaximum: lineItem['scoreMaximum'],
        resourceLinkId: id,
        resourceId: typeof lineItem['resourceId'] === 'string' ? lineItem['resourceId'] : undefined,
        tag: typeof lineItem['tag'] === 'string' ? lineItem['tag'] : undefined,
        coupled: ctx.profile.name === 'canvas',
      });
      createdLineItemIds.push(created.id);
    }
  }
  const message = firstString(payload[CLAIM.deepLinkingMessage]);
  const errorMessage = firstString(payload[CLAIM.deepLinkingErrorMessage]);
  record({
    ok: true,
    clientId: registration.clientId,
    contentItems: items,
    createdResourceLinkIds: createdLinks.map((l) => l.id),
    createdLineItemIds,
    message,
    errorMessage,
  });
  res.type('html').send(
    ctx.views.render('deep-link-result', {
      title: items.length === 0 ? 'Nothing was added' : 'Content added',
      ok: true,
      items: createdLinks.map((l) => ({
        id: l.id,
        title: l.title,
        lineItem: ctx.state.lineItemsForLink(l.id)[0]?.label,
      })),
      message,
      errorMessage,
      profile: ctx.profile.name,
      assetBase: ctx.urls.base,
      backUrl: `${ctx.urls.base}/`,
    }),
  );
}
