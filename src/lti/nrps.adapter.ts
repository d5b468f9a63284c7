/**
 * Names and Role Provisioning Services 2.0 client implementing roster's MembershipSource.
 *
 * Why:
 * - every page is fetched (ltijs stops after one by default): `limit=50` because Canvas caps
 *   pages at 50 whatever is asked, and Moodle pages only when a limit is given;
 * - `next` links are followed exactly as sent, Moodle's typographic quotes included;
 * - only the fields roster keeps are read (no email), statuses outside the spec read as Active;
 * - the token asks for the NRPS scope only, which the launch granted by sending the claim.
 */
import { z } from 'zod';
import { err, ok, type Result } from '../shared/result.js';
import type {
  FetchedMember,
  MemberStatus,
  MembershipFailure,
  MembershipSource,
} from '../roster/roster-sync.js';
import { nextPageUrl } from './link-header.js';
import { summariseRoles } from './roles.js';
import { callService, readLinkHeader, type ServiceCallDeps } from './service-call.js';
import { isRetryable, type ServiceFailure } from './service-failure.js';
import { rosterScopes } from './service-endpoints.js';
import { MEDIA_TYPE } from './vocabulary.js';

export interface NrpsOptions extends ServiceCallDeps {
  /** Page size asked for (default 50, Canvas's cap). */
  readonly pageLimit?: number;
  /** Loop guard (default 1000 pages). */
  readonly maxPages?: number;
}

// Lenient on everything but the id: a member with odd roles or names is still a member, and
// leaving one out of a complete list would mark them removed.
const memberSchema = z.object({
  user_id: z.string().min(1),
  status: z.string().optional().catch(undefined),
  roles: z.array(z.string()).default([]).catch([]),
  name: z.string().optional().catch(undefined),
  given_name: z.string().optional().catch(undefined),
  family_name: z.string().optional().catch(undefined),
});

const containerSchema = z.object({ members: z.array(z.unknown()) });

const STATUSES: readonly MemberStatus[] = ['Active', 'Inactive', 'Deleted'];

function toMember(raw: z.infer<typeof memberSchema>): FetchedMember {
  const status = STATUSES.find((s) => s === raw.status) ?? 'Active';
  const joined = [raw.given_name, raw.family_name]
    .filter((p): p is string => p !== undefined && p.trim() !== '')
    .join(' ');
  const name = raw.name?.trim() !== undefined && raw.name.trim() !== '' ? raw.name.trim() : joined;
  return {
    userId: raw.user_id,
    status,
    roles: raw.roles,
    role: summariseRoles(raw.roles).primary,
    name: name === '' ? undefined : name,
  };
}

export function toMembershipFailure(failure: ServiceFailure): MembershipFailure {
  return {
    code: failure.kind,
    message: failure.message,
    status: 'status' in failure ? failure.status : undefined,
    retryable: isRetryable(failure),
  };
}

export function createNrpsMembershipSource(options: NrpsOptions): MembershipSource {
  const pageLimit = options.pageLimit ?? 50;
  const maxPages = options.maxPages ?? 1000;
  return {
    async fetchMembers(
      request,
    ): Promise<Result<{ members: FetchedMember[]; pages: number }, MembershipFailure>> {
      const scopes = rosterScopes(request.membershipsUrl);
      const grant = { platformId: request.platformId, grantedScopes: scopes, tokenScopes: scopes };
      const first = new URL(request.membershipsUrl);
      first.searchParams.set('limit', String(pageLimit));
      if (request.resourceLinkId !== undefined)
        first.searchParams.set('rlid', request.resourceLinkId);
      const members: FetchedMember[] = [];
      const seenUsers = new Set<string>();
      const seenPages = new Set<string>();
      let url: string | undefined = first.toString();
      while (url !== undefined) {
        if (seenPages.has(url) || seenPages.size >= maxPages) {
          return err({
            code: 'invalid-response',
            message: `membership paging did not end after ${seenPages.size} pages`,
            status: undefined,
            retryable: true,
          });
        }
        seenPages.add(url);
        const result = await callService(options, grant, {
          purpose: 'nrps',
          url,
          accept: MEDIA_TYPE.membershipContainer,
        });
        if (!result.ok) return err(toMembershipFailure(result.error));
        let body: unknown;
        try {
          body = JSON.parse(result.value.text);
        } catch {
          body = undefined;
        }
        const container = containerSchema.safeParse(body);
        if (!container.success) {
          return err({
            code: 'invalid-response',
            message: 'membership container has no members list',
            status: result.value.status,
            retryable: true,
          });
        }
        for (const raw of container.data.members) {
          // Without a user_id an entry can be neither stored nor matched: skipped.
          const member = memberSchema.safeParse(raw);
          if (!member.success || seenUsers.has(member.data.user_id)) continue;
          seenUsers.add(member.data.user_id);
          members.push(toMember(member.data));
        }
        url = nextPageUrl(readLinkHeader(result.value.headers));
      }
      return ok({ members, pages: seenPages.size });
    },
  };
}
