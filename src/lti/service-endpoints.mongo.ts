/**
 * MongoDB adapter of ServiceEndpointsRepository (collection `pw_service_endpoints`), one
 * document per (platform, course, resource link). Plain objects in and out.
 */
import type { Connection } from 'mongoose';
import type {
  CourseServices,
  LaunchedEndpoints,
  ServiceEndpoints,
  ServiceEndpointsKey,
  ServiceEndpointsRepository,
} from './service-endpoints.js';

interface EndpointsDocument {
  platformId: string;
  contextId: string;
  resourceLinkId: string;
  deploymentId: string;
  resourceLinkTitle: string | null;
  lineItemsUrl: string | null;
  lineItemUrl: string | null;
  agsScopes: string[];
  membershipsUrl: string | null;
  launchedAt: Date;
  resolvedLineItemUrl: string | null;
  lineItemLockOwner: string | null;
  /** The epoch when nobody holds the lock. */
  lineItemLockUntil: Date;
}

const NO_LOCK = new Date(0);
const opt = (value: string | null | undefined): string | undefined => value ?? undefined;
const keyFilter = (key: ServiceEndpointsKey) => ({
  platformId: key.platformId,
  contextId: key.contextId,
  resourceLinkId: key.resourceLinkId,
});

function toEndpoints(doc: EndpointsDocument): ServiceEndpoints {
  return {
    platformId: doc.platformId,
    contextId: doc.contextId,
    resourceLinkId: doc.resourceLinkId,
    deploymentId: doc.deploymentId,
    resourceLinkTitle: opt(doc.resourceLinkTitle),
    lineItemsUrl: opt(doc.lineItemsUrl),
    lineItemUrl: opt(doc.lineItemUrl),
    agsScopes: [...doc.agsScopes],
    membershipsUrl: opt(doc.membershipsUrl),
    launchedAt: doc.launchedAt,
    resolvedLineItemUrl: opt(doc.resolvedLineItemUrl),
  };
}

function toCourse(doc: EndpointsDocument): CourseServices | undefined {
  if (doc.membershipsUrl === null) return undefined;
  return {
    platformId: doc.platformId,
    contextId: doc.contextId,
    deploymentId: doc.deploymentId,
    membershipsUrl: doc.membershipsUrl,
    resourceLinkId: doc.resourceLinkId,
    launchedAt: doc.launchedAt,
  };
}

export async function createServiceEndpointsRepository(
  connection: Connection,
): Promise<ServiceEndpointsRepository> {
  const endpoints = connection.collection<EndpointsDocument>('pw_service_endpoints');
  await endpoints.createIndex({ platformId: 1, contextId: 1, resourceLinkId: 1 }, { unique: true });
  await endpoints.createIndex({ platformId: 1, contextId: 1, launchedAt: -1 });

  return {
    async upsert(launched: LaunchedEndpoints) {
      await endpoints.updateOne(
        keyFilter(launched),
        {
          $set: {
            deploymentId: launched.deploymentId,
            resourceLinkTitle: launched.resourceLinkTitle ?? null,
            lineItemsUrl: launched.lineItemsUrl ?? null,
            lineItemUrl: launched.lineItemUrl ?? null,
            agsScopes: [...launched.agsScopes],
            membershipsUrl: launched.membershipsUrl ?? null,
            launchedAt: launched.launchedAt,
          },
          $setOnInsert: {
            resolvedLineItemUrl: null,
            lineItemLockOwner: null,
            lineItemLockUntil: NO_LOCK,
          },
        },
        { upsert: true },
      );
    },

    async find(key) {
      const doc = await endpoints.findOne(keyFilter(key));
      return doc === null ? undefined : toEndpoints(doc);
    },

    async findCourse(platformId, contextId) {
      const doc = await endpoints.findOne(
        { platformId, contextId, membershipsUrl: { $type: 'string' } },
        { sort: { launchedAt: -1 } },
      );
      return doc === null ? undefined : toCourse(doc);
    },

    async listCourses() {
      const docs = await endpoints
        .aggregate<{ latest: EndpointsDocument }>([
          { $match: { membershipsUrl: { $type: 'string' } } },
          { $sort: { launchedAt: -1 } },
          {
            $group: {
              _id: { platformId: '$platformId', contextId: '$contextId' },
              latest: { $first: '$$ROOT' },
            },
          },
        ])
        .toArray();
      return docs.flatMap((d) => toCourse(d.latest) ?? []);
    },

    async setResolvedLineItem(key, lineItemUrl) {
      await endpoints.updateOne(keyFilter(key), { $set: { resolvedLineItemUrl: lineItemUrl } });
    },

    async tryLockLineItem(key, owner, now, until) {
      const locked = await endpoints.findOneAndUpdate(
        {
          ...keyFilter(key),
          $or: [{ lineItemLockUntil: { $lte: now } }, { lineItemLockOwner: owner }],
        },
        { $set: { lineItemLockOwner: owner, lineItemLockUntil: until } },
      );
      return locked !== null;
    },

    async unlockLineItem(key, owner) {
      await endpoints.updateOne(
        { ...keyFilter(key), lineItemLockOwner: owner },
        { $set: { lineItemLockOwner: null, lineItemLockUntil: NO_LOCK } },
      );
    },
  };
}
