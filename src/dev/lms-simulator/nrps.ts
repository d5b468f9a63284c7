/**
 * Names and Role Provisioning Services 2.0. Canvas: pages of at most 50 (`limit` ≤ 50, `page`),
 * standard Link header. Moodle: everything in one answer unless `limit`; then `from` paging with
 * a Link header quoted with typographic quotes (rel=“next”), as the real service does.
 */
import type { Request, Response } from 'express';
import { rolesFor } from './claims.js';
import { callerOf, linkHeader, sendError, type PlatformContext } from './context.js';
import type { SeedUser } from './seed.js';
import { MEDIA_TYPE } from './vocabulary.js';

const queryString = (req: Request, name: string): string | undefined => {
  const value: unknown = req.query[name];
  return typeof value === 'string' ? value : undefined;
};

/** Context-level roles only (institution/system roles are launch-only). */
function memberRoles(ctx: PlatformContext, user: SeedUser): string[] {
  return rolesFor(ctx.profile.name, user.role).filter((r) => r.includes('/membership'));
}

export function handleMemberships(ctx: PlatformContext, req: Request, res: Response): void {
  const { registration } = callerOf(res);
  const courseId: unknown = req.params['courseId'];
  if (courseId !== ctx.state.course.id) {
    sendError(res, 404, 'not_found', 'No such course');
    return;
  }
  if (ctx.profile.name === 'moodle' && req.params['typeId'] !== registration.typeId) {
    sendError(res, 403, 'forbidden', 'binding is not this tool');
    return;
  }
  const rlid = queryString(req, 'rlid');
  if (rlid !== undefined) {
    const link = ctx.state.resourceLinks.get(rlid);
    if (link?.clientId !== registration.clientId) {
      sendError(res, 400, 'invalid_request', 'rlid is not a resource link of this tool');
      return;
    }
  }
  const role = queryString(req, 'role');
  const privacy = registration.privacy;
  const names = privacy === 'public' || privacy === 'name_only';
  const email = privacy === 'public' || privacy === 'email_only';
  const all = ctx.state.users
    .filter(
      (u) =>
        role === undefined || memberRoles(ctx, u).some((r) => r === role || r.endsWith(`#${role}`)),
    )
    .map((u) => ({
      status: u.status,
      user_id: u.sub,
      roles: memberRoles(ctx, u),
      ...(names ? { name: u.name, given_name: u.givenName, family_name: u.familyName } : {}),
      ...(email ? { email: u.email } : {}),
      ...(ctx.profile.name === 'canvas' ? { lti11_legacy_user_id: u.legacyUserId } : {}),
    }));

  const requested = Number(queryString(req, 'limit'));
  const hasLimit = Number.isInteger(requested) && requested > 0;
  const cap = ctx.profile.membershipPageCap;
  const limit =
    cap === undefined
      ? hasLimit
        ? requested
        : undefined
      : Math.min(hasLimit ? requested : cap, cap);
  const self = ctx.urls.memberships(ctx.state.course.id, registration.typeId);
  let members = all;
  if (limit !== undefined) {
    const start =
      ctx.profile.name === 'canvas'
        ? (Math.max(1, Number(queryString(req, 'page') ?? '1') || 1) - 1) * limit
        : Math.max(0, Number(queryString(req, 'from') ?? '0') || 0);
    members = all.slice(start, start + limit);
    if (start + limit < all.length) {
      const next = new URL(self);
      const incoming = new URL(req.originalUrl, ctx.urls.base);
      for (const [k, v] of incoming.searchParams) next.searchParams.set(k, v);
      if (ctx.profile.name === 'canvas') {
        next.searchParams.set('page', String(start / limit + 2));
        next.searchParams.set('limit', String(limit));
      } else {
        next.searchParams.set('from', String(start + limit));
      }
      res.set('Link', linkHeader(ctx, [{ url: next.toString(), rel: 'next' }]));
    }
  }
  const course = ctx.state.course;
  res.type(MEDIA_TYPE.membershipContainer).send(
    JSON.stringify({
      id: new URL(req.originalUrl, ctx.urls.base).toString(),
      context: { id: course.contextId, label: course.label, title: course.title },
      members,
    }),
  );
}
