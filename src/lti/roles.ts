/**
 * LTI roles → app roles. Accepts full URIs (context, sub-roles, institution, system) and the
 * short names LTI 1.3 allows for context roles; unknown roles are ignored, not errors (Cert
 * "Unknown Role"). Institution-level Instructor/Faculty do not make someone a course instructor:
 * only context roles decide that, so a faculty member who is a student elsewhere stays a learner.
 */
import { ROLE_PREFIX } from './vocabulary.js';

export type AppRole = 'learner' | 'instructor' | 'admin';

export interface RoleSummary {
  /** The strongest role in this course: admin > instructor > learner. */
  readonly primary: AppRole | 'none';
  readonly isLearner: boolean;
  readonly isInstructor: boolean;
  readonly isAdmin: boolean;
}

const CONTEXT_INSTRUCTOR = new Set([
  'Instructor',
  'TeachingAssistant',
  'ContentDeveloper',
  'Administrator',
]);
const CONTEXT_LEARNER = new Set(['Learner', 'Student']);
const INSTITUTION_ADMIN = new Set(['Administrator', 'SysAdmin']);
const SYSTEM_ADMIN = new Set(['Administrator', 'SysAdmin']);

/** Returns the context role name of a role string, or undefined when it is not a context role. */
function contextRoleName(role: string): string | undefined {
  if (role.startsWith(ROLE_PREFIX.context)) return role.slice(ROLE_PREFIX.context.length);
  if (role.startsWith(ROLE_PREFIX.contextSub)) {
    // Sub-roles such as membership/Instructor#TeachingAssistant count as their parent role.
    const rest = role.slice(ROLE_PREFIX.contextSub.length);
    const [parent, sub] = rest.split('#');
    if (parent === 'Instructor' && sub !== undefined) return 'TeachingAssistant';
    return parent;
  }
  // LTI 1.3 allows short context role names ("Instructor").
  return /^[A-Za-z]+$/.test(role) ? role : undefined;
}

export function summariseRoles(roles: readonly string[]): RoleSummary {
  let isLearner = false;
  let isInstructor = false;
  let isAdmin = false;
  for (const role of roles) {
    if (role.startsWith(ROLE_PREFIX.institution)) {
      if (INSTITUTION_ADMIN.has(role.slice(ROLE_PREFIX.institution.length))) isAdmin = true;
      continue;
    }
    if (role.startsWith(ROLE_PREFIX.system)) {
      if (SYSTEM_ADMIN.has(role.slice(ROLE_PREFIX.system.length))) isAdmin = true;
      continue;
    }
    const name = contextRoleName(role);
    if (name === undefined) continue;
    if (CONTEXT_INSTRUCTOR.has(name)) isInstructor = true;
    else if (CONTEXT_LEARNER.has(name)) isLearner = true;
  }
  const primary: RoleSummary['primary'] = isAdmin
    ? 'admin'
    : isInstructor
      ? 'instructor'
      : isLearner
        ? 'learner'
        : 'none';
  return { primary, isLearner, isInstructor, isAdmin };
}
