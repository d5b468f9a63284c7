/**
 * The dev-mode dashboard (`/dev/lms`): pick a platform, a seeded user and a message, launch the
 * tool into an iframe (or a new window), and read the gradebook, roster and recent activity.
 */
import type { SimulatedPlatform } from './platform.js';
import type { Views } from './views.js';

const roleLabel = {
  instructor: 'Instructor',
  ta: 'Teaching assistant',
  student: 'Student',
} as const;

export function dashboardModel(
  platforms: readonly SimulatedPlatform[],
  selected: SimulatedPlatform,
): Record<string, unknown> {
  const { state } = selected;
  const lineItems = [...state.lineItems.values()];
  const students = state.students;
  const registrations = [...state.registrations.values()];
  return {
    title: `LMS simulator: ${selected.profile}`,
    profile: selected.profile,
    assetBase: selected.urls.base,
    // Platform Storage: a frame at the platform's (auth endpoint's) origin, named as announced in
    // lti_storage_target, next to the tool's frame (the tool addresses it via window.parent).
    storageFrame:
      selected.storageTarget === undefined
        ? undefined
        : { name: selected.storageTarget, src: selected.urls.storageFrame },
    platforms: platforms.map((p) => ({
      profile: p.profile,
      issuer: p.issuer,
      href: `${p.urls.base}/`,
      current: p === selected ? 'page' : 'false',
    })),
    issuer: selected.issuer,
    course: state.course,
    launchUrl: selected.urls.launch,
    registerUrl: selected.urls.startRegistration,
    registrations: registrations.map((r) => ({
      clientId: r.clientId,
      deploymentIds: r.deploymentIds.join(', '),
      name: r.name,
      source: r.source,
      privacy: r.privacy,
      scopes: r.scopes.length,
      loginUrl: r.loginUrl,
    })),
    hasRegistrations: registrations.length > 0,
    users: state.users.map((u) => ({
      key: u.key,
      label: `${u.name} (${roleLabel[u.role]})`,
      selected: u.key === 'student-01',
    })),
    instructors: state.users
      .filter((u) => u.role !== 'student')
      .map((u) => ({ key: u.key, label: `${u.name} (${roleLabel[u.role]})` })),
    links: [...state.resourceLinks.values()].map((l) => ({
      id: l.id,
      title: l.title,
      origin: l.createdBy === 'seed' ? 'seeded' : 'deep link',
      lineItem: state.lineItemsForLink(l.id)[0]?.label ?? '—',
    })),
    lineItems: lineItems.map((li) => ({
      id: li.id,
      label: li.label,
      scoreMaximum: li.scoreMaximum,
    })),
    gradebook: students.map((s) => ({
      name: s.name,
      sub: s.sub,
      cells: lineItems.map((li) => {
        const result = state.resultFor(li.id, s.sub);
        return result === undefined
          ? { empty: true }
          : {
              empty: false,
              score:
                result.scoreGiven === null ? '—' : `${result.scoreGiven} / ${result.scoreMaximum}`,
              progress: `${result.activityProgress}, ${result.gradingProgress}`,
              timestamp: result.timestamp,
              history: state.scoresFor(li.id, s.sub).length,
            };
      }),
    })),
    hasLineItems: lineItems.length > 0,
    roster: state.users.map((u) => ({
      name: u.name,
      email: u.email,
      role: roleLabel[u.role],
      sub: u.sub,
      status: u.status,
    })),
    deepLinkReturns: state.deepLinkReturns
      .slice(-5)
      .reverse()
      .map((d) => ({
        at: d.at,
        ok: d.ok,
        summary: d.ok
          ? `${d.createdResourceLinkIds.length} link(s), ${d.createdLineItemIds.length} line item(s)`
          : d.errors.join('; '),
      })),
    requestCounts: Object.entries(state.requestCounts()).map(([endpoint, count]) => ({
      endpoint,
      count,
    })),
    authErrors: state.authErrors.slice(-5).reverse(),
  };
}

export function renderDashboard(
  views: Views,
  platforms: readonly SimulatedPlatform[],
  selected: SimulatedPlatform,
): string {
  return views.render('index', dashboardModel(platforms, selected));
}
