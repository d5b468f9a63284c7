/**
 * Launch-claims builder with defaulted arguments (oat-sa's createTestRegistration style): every
 * argument has a sensible default, so a test names only what it is about. Produces the claims of a
 * correct Canvas- or Moodle-shaped launch; pair it with `signJwt`/`editClaims` to break one thing.
 */
import { randomUUID } from 'node:crypto';
import {
  buildLaunchClaims,
  CANVAS_ISSUER,
  MESSAGE_TYPE,
  rolesFor,
  seedCourse,
  seedUsers,
  signJwt,
  editClaims,
  ALL_SCOPES,
  type ClaimEdits,
  type CourseRole,
  type JwtClaims,
  type LaunchClaimsInput,
  type ProfileName,
  type SignJwtOptions,
  type SigningKey,
} from './exports.js';

export interface TestLaunchInput extends Partial<Omit<LaunchClaimsInput, 'user' | 'roles'>> {
  readonly profile?: ProfileName;
  /** Seeded user key (`student-01`, `instructor`); `null` for an anonymous launch. */
  readonly userKey?: string | null;
  /** Roles; default from the user's course role. */
  readonly roles?: readonly string[];
  readonly role?: CourseRole;
}

export function createTestLaunchClaims(input: TestLaunchInput = {}, edits?: ClaimEdits): JwtClaims {
  const profile = input.profile ?? 'canvas';
  const users = seedUsers(profile);
  const user =
    input.userKey === null
      ? undefined
      : users.find((u) => u.key === (input.userKey ?? 'student-01'));
  const course = input.course ?? seedCourse(profile);
  const issuer = input.issuer ?? (profile === 'canvas' ? CANVAS_ISSUER : 'http://127.0.0.1/moodle');
  const base = buildLaunchClaims({
    profile,
    issuer,
    clientId: input.clientId ?? (profile === 'canvas' ? '10000000000042' : 'pwTestClient01'),
    deploymentId:
      input.deploymentId ??
      (profile === 'canvas' ? '17:8865aa05b4b79b64a91a86042e43af5ea8ae79eb' : '3'),
    user,
    roles: input.roles ?? rolesFor(profile, input.role ?? user?.role ?? 'student'),
    messageType: input.messageType ?? MESSAGE_TYPE.resourceLink,
    targetLinkUri: input.targetLinkUri ?? 'https://pathwise.example.edu/lti/launch',
    nonce: input.nonce ?? randomUUID(),
    nowSeconds: input.nowSeconds ?? Math.floor(Date.now() / 1000),
    lifetimeSeconds: input.lifetimeSeconds ?? (profile === 'canvas' ? 3600 : 60),
    privacy: input.privacy ?? 'public',
    course,
    resourceLink: input.resourceLink ?? {
      id: randomUUID(),
      title: 'Fractions practice',
      description: '',
    },
    ags: input.ags ?? {
      scopes: ALL_SCOPES.filter((s) => s.includes('lti-ags')),
      lineItemsUrl: `${issuer}/api/lti/courses/${course.id}/line_items`,
      lineItemUrl: `${issuer}/api/lti/courses/${course.id}/line_items/7`,
    },
    membershipsUrl:
      input.membershipsUrl ?? `${issuer}/api/lti/courses/${course.id}/names_and_roles`,
    ...(input.deepLinking === undefined
      ? input.messageType === MESSAGE_TYPE.deepLinking
        ? {
            deepLinking: {
              returnUrl: `${issuer}/courses/${course.id}/deep_linking_response`,
              data: 'test-data',
            },
          }
        : {}
      : { deepLinking: input.deepLinking }),
    custom: input.custom ?? { assignment: 'asg-fractions-1' },
  });
  return editClaims(base, edits);
}

/** Signs test claims; `sign` breaks the signature/header on purpose (wrong kid, alg none…). */
export function mintTestIdToken(
  key: SigningKey,
  input: TestLaunchInput = {},
  options: { edits?: ClaimEdits; sign?: Partial<SignJwtOptions> } = {},
): { token: string; claims: JwtClaims } {
  const claims = createTestLaunchClaims(input, options.edits);
  return { token: signJwt(claims, { key, ...options.sign }), claims };
}
