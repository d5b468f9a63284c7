/**
 * What background work needs from a launch, kept in our own store (LTI-NOTES §3 "background
 * grade passback, roster sync"): ltijs's idtoken/contexttoken copies expire after 24 h and are
 * overwritten across tabs, but a score retried after an outage, or a nightly roster sync, must
 * still know where the platform's services live and which scopes it granted.
 *
 * One record per (platform, course, resource link), upserted on every launch of that link, so
 * the newest launch wins when a platform moves an endpoint.
 */
import type { Clock } from '../shared/clock.js';
import type { LaunchContext } from './claims.js';
import { SCOPE } from './vocabulary.js';

export interface ServiceEndpointsKey {
  readonly platformId: string;
  readonly contextId: string;
  readonly resourceLinkId: string;
}

/** The launch's view of the services (what `recordLaunchEndpoints` writes). */
export interface LaunchedEndpoints extends ServiceEndpointsKey {
  readonly deploymentId: string;
  readonly resourceLinkTitle: string | undefined;
  /** AGS `lineitems` (the course's line item container). */
  readonly lineItemsUrl: string | undefined;
  /** AGS `lineitem` (the link's own column), when the platform made one. */
  readonly lineItemUrl: string | undefined;
  readonly agsScopes: readonly string[];
  /** NRPS `context_memberships_url`. */
  readonly membershipsUrl: string | undefined;
  readonly launchedAt: Date;
}

export interface ServiceEndpoints extends LaunchedEndpoints {
  /** The line item we found or created for the link when the launch named none. */
  readonly resolvedLineItemUrl: string | undefined;
}

/** A course's roster service, from its most recent launch that carried one. */
export interface CourseServices {
  readonly platformId: string;
  readonly contextId: string;
  readonly deploymentId: string;
  readonly membershipsUrl: string;
  /** The resource link of that launch (NRPS `rlid`). */
  readonly resourceLinkId: string;
  readonly launchedAt: Date;
}

export interface ServiceEndpointsRepository {
  /** Inserts or replaces the launch fields; keeps the resolved line item. */
  upsert(endpoints: LaunchedEndpoints): Promise<void>;
  find(key: ServiceEndpointsKey): Promise<ServiceEndpoints | undefined>;
  findCourse(platformId: string, contextId: string): Promise<CourseServices | undefined>;
  /** Every course with a roster service, one entry each. */
  listCourses(): Promise<readonly CourseServices[]>;
  setResolvedLineItem(key: ServiceEndpointsKey, lineItemUrl: string): Promise<void>;
  /**
   * Takes the right to find-or-create the line item of a link until `until`, atomically across
   * instances (two workers creating a column each would leave a duplicate in the gradebook).
   */
  tryLockLineItem(
    key: ServiceEndpointsKey,
    owner: string,
    now: Date,
    until: Date,
  ): Promise<boolean>;
  unlockLineItem(key: ServiceEndpointsKey, owner: string): Promise<void>;
}

/** The launch's service endpoints, or undefined when the launch has no link or no services. */
export function endpointsFromLaunch(
  platformId: string,
  launch: LaunchContext,
  now: Date,
): LaunchedEndpoints | undefined {
  if (launch.course === undefined || launch.resourceLink === undefined) return undefined;
  if (launch.gradeService === undefined && launch.rosterService === undefined) return undefined;
  return {
    platformId,
    contextId: launch.course.id,
    resourceLinkId: launch.resourceLink.id,
    deploymentId: launch.deploymentId,
    resourceLinkTitle: launch.resourceLink.title,
    lineItemsUrl: launch.gradeService?.lineItemsUrl,
    lineItemUrl: launch.gradeService?.lineItemUrl,
    agsScopes: [...(launch.gradeService?.scopes ?? [])],
    membershipsUrl: launch.rosterService?.membershipsUrl,
    launchedAt: now,
  };
}

/** Called by the launch code after a successful launch; true when something was stored. */
export async function recordLaunchEndpoints(
  repository: ServiceEndpointsRepository,
  platformId: string,
  launch: LaunchContext,
  clock: Clock,
): Promise<boolean> {
  const endpoints = endpointsFromLaunch(platformId, launch, clock.now());
  if (endpoints === undefined) return false;
  await repository.upsert(endpoints);
  return true;
}

/** The line item scores go to: the launch's own, else the one we found or created. */
export function effectiveLineItemUrl(endpoints: ServiceEndpoints): string | undefined {
  return endpoints.lineItemUrl ?? endpoints.resolvedLineItemUrl;
}

/** NRPS grants no scope list in its claim: the claim itself is the grant of its one scope. */
export function rosterScopes(membershipsUrl: string | undefined): readonly string[] {
  return membershipsUrl === undefined ? [] : [SCOPE.nrps];
}

/** What the launch hook needs of a completed launch (structurally lti.routes' CompletedLaunch). */
export interface LaunchForServices {
  readonly registration: { readonly id: string };
  readonly session: { readonly launch: LaunchContext };
}

export interface ServicesLaunchHookDeps {
  readonly endpoints: ServiceEndpointsRepository;
  readonly clock: Clock;
  /** Roster sync's instructor-launch trigger (runs in the background, never rejects). */
  readonly onInstructorLaunch?: (course: {
    readonly platformId: string;
    readonly contextId: string;
  }) => Promise<unknown>;
}

/**
 * The launch hook to register in composition: stores the service endpoints (awaited, so a score
 * enqueued right after the launch finds them), then starts a roster sync for instructors
 * without making the launch wait for it.
 */
export function createServicesLaunchHook(
  deps: ServicesLaunchHookDeps,
): (completed: LaunchForServices) => Promise<void> {
  return async (completed) => {
    const { launch } = completed.session;
    const platformId = completed.registration.id;
    const stored = await recordLaunchEndpoints(deps.endpoints, platformId, launch, deps.clock);
    if (
      stored &&
      launch.roles.isInstructor &&
      launch.course !== undefined &&
      launch.rosterService !== undefined &&
      deps.onInstructorLaunch !== undefined
    ) {
      void deps.onInstructorLaunch({ platformId, contextId: launch.course.id });
    }
  };
}
