/**
 * Roster sync from NRPS: every member of a course, including students who never launched the
 * tool, stored per (platform, course) with status, context roles and a display name, and the
 * time of the last successful sync.
 *
 * Why:
 * - all pages are fetched before anything is written: members missing from a *complete* list
 *   are marked removed; a failed page must never make the whole class look removed;
 * - only what the dashboards need is kept (no email: privacy, and NRPS may not send it anyway);
 *   when the platform stops sending names (privacy setting changed), stored names go too;
 * - syncs run on demand, on a schedule for courses whose last sync is stale, and after an
 *   instructor launch; a lease per course keeps two instances from syncing it at once.
 * - the diff is the pure `planRosterChanges`; NRPS itself is behind the MembershipSource port.
 */
import type { Logger } from '../infra/logger.js';
import type { Clock } from '../shared/clock.js';
import { err, ok, type Result } from '../shared/result.js';

export type MemberStatus = 'Active' | 'Inactive' | 'Deleted';
/** The member's strongest role in the course, as the adapter read it from the role URIs. */
export type MemberRole = 'learner' | 'instructor' | 'admin' | 'none';

export interface FetchedMember {
  readonly userId: string;
  readonly status: MemberStatus;
  /** Context role URIs as the platform sent them. */
  readonly roles: readonly string[];
  readonly role: MemberRole;
  readonly name: string | undefined;
}

export interface MembershipFailure {
  readonly code: string;
  readonly message: string;
  readonly status: number | undefined;
  readonly retryable: boolean;
}

export interface MembershipRequest {
  readonly platformId: string;
  readonly membershipsUrl: string;
  /** Limits the list to members who can see this resource link (NRPS `rlid`). */
  readonly resourceLinkId?: string | undefined;
}

/** The port the NRPS adapter implements: every member, all pages, or a failure. */
export interface MembershipSource {
  fetchMembers(
    request: MembershipRequest,
  ): Promise<
    Result<
      { readonly members: readonly FetchedMember[]; readonly pages: number },
      MembershipFailure
    >
  >;
}

/** A course whose roster service is known (from the launches recorded in lti/). */
export interface RosterCourse {
  readonly platformId: string;
  readonly contextId: string;
  readonly membershipsUrl: string;
  /** The resource link of the latest launch carrying the service. */
  readonly resourceLinkId: string | undefined;
}

export interface RosterCourseSource {
  findCourse(platformId: string, contextId: string): Promise<RosterCourse | undefined>;
  listCourses(): Promise<readonly RosterCourse[]>;
}

export interface RosterMember {
  readonly platformId: string;
  readonly contextId: string;
  readonly userId: string;
  readonly status: MemberStatus;
  readonly roles: readonly string[];
  readonly role: MemberRole;
  readonly name: string | undefined;
  /** Set when the member vanished from a complete NRPS list (status is then Deleted). */
  readonly removedAt: Date | undefined;
  readonly firstSeenAt: Date;
  readonly lastSeenAt: Date;
}

export interface RosterSyncState {
  readonly platformId: string;
  readonly contextId: string;
  readonly lastSyncAt: Date | undefined;
  readonly lastAttemptAt: Date | undefined;
  readonly lastError: string | undefined;
  readonly memberCount: number;
}

export interface RosterRepository {
  members(platformId: string, contextId: string): Promise<RosterMember[]>;
  /** One person's memberships across the platform's courses (data export). */
  membershipsOf(platformId: string, userId: string): Promise<RosterMember[]>;
  /** Erases one person from every roster of the platform; returns how many records went. */
  deleteMember(platformId: string, userId: string): Promise<number>;
  /** Upserts these members (by platform, course, user). */
  saveMembers(members: readonly RosterMember[]): Promise<void>;
  syncState(platformId: string, contextId: string): Promise<RosterSyncState | undefined>;
  listSyncStates(): Promise<RosterSyncState[]>;
  /** Takes the course's sync lease; false when another sync holds it. */
  tryBeginSync(platformId: string, contextId: string, now: Date, until: Date): Promise<boolean>;
  /** Records the outcome and releases the lease. */
  finishSync(
    platformId: string,
    contextId: string,
    outcome: {
      readonly at: Date;
      readonly ok: boolean;
      readonly error?: string;
      readonly memberCount?: number;
    },
  ): Promise<void>;
}

export interface RosterChanges {
  /** Records to write (new, changed, newly removed). */
  readonly writes: RosterMember[];
  readonly added: number;
  readonly updated: number;
  readonly removed: number;
  readonly unchanged: number;
}

function sameRoles(a: readonly string[], b: readonly string[]): boolean {
  const x = [...a].sort();
  const y = [...b].sort();
  return x.length === y.length && x.every((r, i) => r === y[i]);
}

/** Pure diff of the stored roster against a complete fetched list. */
export function planRosterChanges(
  platformId: string,
  contextId: string,
  existing: readonly RosterMember[],
  fetched: readonly FetchedMember[],
  now: Date,
): RosterChanges {
  const byId = new Map(existing.map((m) => [m.userId, m]));
  const seen = new Set<string>();
  const writes: RosterMember[] = [];
  let added = 0;
  let updated = 0;
  let unchanged = 0;
  for (const member of fetched) {
    if (seen.has(member.userId)) continue;
    seen.add(member.userId);
    const previous = byId.get(member.userId);
    const record: RosterMember = {
      platformId,
      contextId,
      userId: member.userId,
      status: member.status,
      roles: [...member.roles],
      role: member.role,
      name: member.name,
      removedAt: undefined,
      firstSeenAt: previous?.firstSeenAt ?? now,
      lastSeenAt: now,
    };
    writes.push(record);
    if (previous === undefined) added += 1;
    else if (
      previous.status !== record.status ||
      previous.role !== record.role ||
      previous.name !== record.name ||
      previous.removedAt !== undefined ||
      !sameRoles(previous.roles, record.roles)
    )
      updated += 1;
    else unchanged += 1;
  }
  let removed = 0;
  for (const member of existing) {
    if (seen.has(member.userId) || member.removedAt !== undefined) continue;
    writes.push({ ...member, status: 'Deleted', removedAt: now });
    removed += 1;
  }
  return { writes, added, updated, removed, unchanged };
}

export interface RosterSyncResult {
  readonly platformId: string;
  readonly contextId: string;
  readonly syncedAt: Date;
  readonly pages: number;
  readonly total: number;
  readonly added: number;
  readonly updated: number;
  readonly removed: number;
  readonly unchanged: number;
}

export type RosterSyncError =
  | { readonly type: 'no-roster-service'; readonly platformId: string; readonly contextId: string }
  | { readonly type: 'sync-in-progress'; readonly platformId: string; readonly contextId: string }
  | { readonly type: 'fetch-failed'; readonly failure: MembershipFailure };

export interface RosterCourseKey {
  readonly platformId: string;
  readonly contextId: string;
}

export interface RosterScheduler {
  /** Syncs every known course whose last attempt is older than `staleAfterMs`, one at a time. */
  runDue(): Promise<readonly Result<RosterSyncResult, RosterSyncError>[]>;
  stop(): Promise<void>;
}

export interface RosterSync {
  syncCourse(course: RosterCourseKey): Promise<Result<RosterSyncResult, RosterSyncError>>;
  /** The stored roster of a course (removed members included, marked). */
  members(course: RosterCourseKey): Promise<RosterMember[]>;
  syncState(course: RosterCourseKey): Promise<RosterSyncState | undefined>;
  /**
   * Call after recording an instructor's launch: syncs in the background when the course's
   * last attempt is older than `launchSyncAfterMs`. Never rejects; resolves with what happened.
   */
  onInstructorLaunch(
    course: RosterCourseKey,
  ): Promise<Result<RosterSyncResult, RosterSyncError> | 'skipped'>;
  scheduleRosterSync(options: {
    readonly intervalMs: number;
    readonly staleAfterMs?: number;
  }): RosterScheduler;
}

export interface RosterSyncOptions {
  readonly source: MembershipSource;
  readonly courses: RosterCourseSource;
  readonly repository: RosterRepository;
  readonly clock: Clock;
  /** Ask NRPS for the members of the latest launched link (`rlid`) (default true). */
  readonly useResourceLink?: boolean;
  /** Minimum age of the last attempt before an instructor launch triggers a sync (10 min). */
  readonly launchSyncAfterMs?: number;
  /** Sync lease per course (default 5 min). */
  readonly leaseMs?: number;
  readonly logger?: Pick<Logger, 'info' | 'warn' | 'error'>;
}

export function createRosterSync(options: RosterSyncOptions): RosterSync {
  const { source, courses, repository, clock, logger } = options;
  const useResourceLink = options.useResourceLink ?? true;
  const launchSyncAfterMs = options.launchSyncAfterMs ?? 10 * 60_000;
  const leaseMs = options.leaseMs ?? 5 * 60_000;

  async function syncCourse(
    key: RosterCourseKey,
  ): Promise<Result<RosterSyncResult, RosterSyncError>> {
    const course = await courses.findCourse(key.platformId, key.contextId);
    if (course === undefined) return err({ type: 'no-roster-service', ...key });
    const now = clock.now();
    if (
      !(await repository.tryBeginSync(
        key.platformId,
        key.contextId,
        now,
        new Date(now.getTime() + leaseMs),
      ))
    )
      return err({ type: 'sync-in-progress', ...key });
    try {
      const fetched = await source.fetchMembers({
        platformId: course.platformId,
        membershipsUrl: course.membershipsUrl,
        resourceLinkId: useResourceLink ? course.resourceLinkId : undefined,
      });
      if (!fetched.ok) {
        logger?.warn(
          { ...key, code: fetched.error.code, status: fetched.error.status },
          `roster sync failed: ${fetched.error.message}`,
        );
        await repository.finishSync(key.platformId, key.contextId, {
          at: clock.now(),
          ok: false,
          error: fetched.error.message,
        });
        return err({ type: 'fetch-failed', failure: fetched.error });
      }
      const existing = await repository.members(key.platformId, key.contextId);
      const syncedAt = clock.now();
      const changes = planRosterChanges(
        key.platformId,
        key.contextId,
        existing,
        fetched.value.members,
        syncedAt,
      );
      await repository.saveMembers(changes.writes);
      const total = changes.added + changes.updated + changes.unchanged;
      await repository.finishSync(key.platformId, key.contextId, {
        at: syncedAt,
        ok: true,
        memberCount: total,
      });
      logger?.info(
        {
          ...key,
          pages: fetched.value.pages,
          total,
          added: changes.added,
          removed: changes.removed,
        },
        'roster synced',
      );
      return ok({
        ...key,
        syncedAt,
        pages: fetched.value.pages,
        total,
        added: changes.added,
        updated: changes.updated,
        removed: changes.removed,
        unchanged: changes.unchanged,
      });
    } catch (error) {
      await repository
        .finishSync(key.platformId, key.contextId, {
          at: clock.now(),
          ok: false,
          error: error instanceof Error ? error.message : String(error),
        })
        .catch(() => undefined);
      throw error;
    }
  }

  const isStale = (state: RosterSyncState | undefined, afterMs: number): boolean =>
    state?.lastAttemptAt === undefined ||
    clock.now().getTime() - state.lastAttemptAt.getTime() >= afterMs;

  return {
    syncCourse,
    members: (key) => repository.members(key.platformId, key.contextId),
    syncState: (key) => repository.syncState(key.platformId, key.contextId),

    async onInstructorLaunch(key) {
      try {
        const state = await repository.syncState(key.platformId, key.contextId);
        if (!isStale(state, launchSyncAfterMs)) return 'skipped';
        return await syncCourse(key);
      } catch (error) {
        logger?.error({ ...key, err: error }, 'roster sync after instructor launch failed');
        return 'skipped';
      }
    },

    scheduleRosterSync({ intervalMs, staleAfterMs = intervalMs }) {
      let stopped = false;
      let timer: NodeJS.Timeout | undefined;
      let current: Promise<unknown> | undefined;

      async function runDue(): Promise<Result<RosterSyncResult, RosterSyncError>[]> {
        const [known, states] = await Promise.all([
          courses.listCourses(),
          repository.listSyncStates(),
        ]);
        const stateOf = new Map(
          states.map((s) => [JSON.stringify([s.platformId, s.contextId]), s]),
        );
        const results: Result<RosterSyncResult, RosterSyncError>[] = [];
        for (const course of known) {
          if (stopped) break;
          const state = stateOf.get(JSON.stringify([course.platformId, course.contextId]));
          if (!isStale(state, staleAfterMs)) continue;
          try {
            results.push(await syncCourse(course));
          } catch (error) {
            logger?.error(
              { platformId: course.platformId, contextId: course.contextId, err: error },
              'scheduled roster sync failed',
            );
          }
        }
        return results;
      }

      const tick = (): void => {
        timer = undefined;
        current = runDue()
          .catch((error: unknown) => {
            logger?.error({ err: error }, 'roster sync round failed');
          })
          .finally(() => {
            current = undefined;
            if (!stopped) timer = setTimeout(tick, intervalMs);
          });
      };
      timer = setTimeout(tick, intervalMs);

      return {
        runDue,
        async stop() {
          stopped = true;
          if (timer !== undefined) clearTimeout(timer);
          timer = undefined;
          await current;
        },
      };
    },
  };
}
