/**
 * Pure builder of launch (id_token) claims, shaped like real Canvas and Moodle launches
 * (test/fixtures/launches). Used by the simulator for real launches and by tests to mint tokens.
 */
import type { ProfileName } from './profiles.js';
import type { CourseRole, SeedCourse, SeedUser } from './seed.js';
import type { PrivacyLevel } from './state.js';
import { CLAIM, LTI_VERSION, MESSAGE_TYPE, ROLE, type LaunchMessageType } from './vocabulary.js';
import type { JwtClaims } from './jwt.js';

export function rolesFor(profile: ProfileName, role: CourseRole): string[] {
  if (profile === 'canvas') {
    switch (role) {
      case 'instructor':
        return [ROLE.institutionInstructor, ROLE.instructor, ROLE.systemUser];
      case 'ta':
        return [ROLE.teachingAssistant, ROLE.instructor, ROLE.systemUser];
      case 'student':
        return [ROLE.institutionStudent, ROLE.learner, ROLE.systemUser];
    }
  }
  switch (role) {
    case 'instructor':
      return [ROLE.instructor];
    case 'ta':
    case 'student':
      // Moodle maps anyone without mod/lti:manage (incl. non-editing teachers) to Learner.
      return [ROLE.learner];
  }
}

export interface DeepLinkingSettingsInput {
  readonly returnUrl: string;
  readonly acceptTypes?: readonly string[];
  readonly acceptPresentationDocumentTargets?: readonly string[];
  readonly acceptMultiple?: boolean;
  readonly acceptLineItem?: boolean;
  readonly autoCreate?: boolean;
  readonly data?: string;
  readonly title?: string;
  readonly text?: string;
}

export interface LaunchClaimsInput {
  readonly profile: ProfileName;
  readonly issuer: string;
  readonly clientId: string;
  readonly deploymentId: string;
  /** Undefined → anonymous launch (no `sub`). */
  readonly user: SeedUser | undefined;
  readonly roles: readonly string[];
  readonly messageType: LaunchMessageType;
  readonly targetLinkUri: string;
  readonly nonce: string;
  readonly nowSeconds: number;
  readonly lifetimeSeconds: number;
  readonly privacy: PrivacyLevel;
  readonly course: SeedCourse;
  readonly resourceLink?: {
    readonly id: string;
    readonly title: string;
    readonly description: string;
  };
  readonly ags?: {
    readonly scopes: readonly string[];
    readonly lineItemsUrl: string;
    readonly lineItemUrl?: string;
  };
  readonly membershipsUrl?: string;
  readonly deepLinking?: DeepLinkingSettingsInput;
  readonly custom?: Readonly<Record<string, string | number>>;
  readonly platformName?: string;
  readonly returnUrl?: string;
}

export function buildLaunchClaims(input: LaunchClaimsInput): JwtClaims {
  const canvas = input.profile === 'canvas';
  const { user, course } = input;
  const claims: JwtClaims = {
    iss: input.issuer,
    aud: input.clientId,
    azp: input.clientId,
    iat: input.nowSeconds,
    exp: input.nowSeconds + input.lifetimeSeconds,
    nonce: input.nonce,
    [CLAIM.version]: LTI_VERSION,
    [CLAIM.messageType]: input.messageType,
    [CLAIM.deploymentId]: input.deploymentId,
    [CLAIM.targetLinkUri]: input.targetLinkUri,
    [CLAIM.roles]: [...input.roles],
    [CLAIM.context]: {
      id: course.contextId,
      label: course.label,
      title: course.title,
      type: canvas
        ? ['http://purl.imsglobal.org/vocab/lis/v2/course#CourseOffering']
        : ['CourseSection'],
    },
    [CLAIM.toolPlatform]: canvas
      ? {
          guid: 'VCZ0QB3lhmlGzGkEnyBfC2xGCEtEmOVn8qCHsOYg:canvas-lms',
          name: input.platformName ?? 'Pathwise Simulated Canvas',
          version: 'cloud',
          product_family_code: 'canvas',
        }
      : {
          guid: new URL(input.issuer).host,
          name: input.platformName ?? 'Pathwise Simulated Moodle',
          version: '2024100700',
          product_family_code: 'moodle',
          description: 'Simulated Moodle site',
        },
    [CLAIM.launchPresentation]: {
      document_target: 'iframe',
      return_url: input.returnUrl ?? `${input.issuer}/return`,
      locale: 'en',
      ...(canvas ? { height: 400, width: 800 } : {}),
    },
    [CLAIM.custom]: { ...input.custom },
  };
  if (canvas) claims['locale'] = 'en';
  if (user !== undefined) {
    claims['sub'] = user.sub;
    const names = input.privacy === 'public' || input.privacy === 'name_only';
    const email = input.privacy === 'public' || input.privacy === 'email_only';
    if (names) {
      claims['name'] = user.name;
      claims['given_name'] = user.givenName;
      claims['family_name'] = user.familyName;
    }
    if (email) claims['email'] = user.email;
    if (canvas && input.privacy === 'public') {
      claims['picture'] = 'https://canvas.instructure.com/images/messages/avatar-50.png';
    }
    claims[CLAIM.lis] = canvas
      ? { person_sourcedid: user.sourcedId, course_offering_sourcedid: 'MATH-101-2026' }
      : { person_sourcedid: '', course_section_sourcedid: '' };
    if (canvas) {
      claims[CLAIM.lti11LegacyUserId] = user.legacyUserId;
      claims[CLAIM.lti1p1] = { user_id: user.legacyUserId };
    } else {
      claims[CLAIM.ext] = { user_username: user.email.split('@')[0] ?? '', lms: 'moodle-2' };
    }
  }
  if (input.resourceLink !== undefined && input.messageType === MESSAGE_TYPE.resourceLink) {
    claims[CLAIM.resourceLink] = {
      id: input.resourceLink.id,
      title: input.resourceLink.title,
      description: input.resourceLink.description,
    };
  }
  if (input.ags !== undefined && input.ags.scopes.length > 0) {
    claims[CLAIM.ags] = {
      scope: [...input.ags.scopes],
      lineitems: input.ags.lineItemsUrl,
      ...(input.ags.lineItemUrl === undefined ? {} : { lineitem: input.ags.lineItemUrl }),
    };
  }
  if (input.membershipsUrl !== undefined) {
    claims[CLAIM.nrps] = {
      context_memberships_url: input.membershipsUrl,
      service_versions: canvas ? ['2.0'] : ['1.0', '2.0'],
    };
  }
  if (input.deepLinking !== undefined && input.messageType === MESSAGE_TYPE.deepLinking) {
    const dl = input.deepLinking;
    claims[CLAIM.deepLinkingSettings] = {
      deep_link_return_url: dl.returnUrl,
      accept_types: [...(dl.acceptTypes ?? ['ltiResourceLink'])],
      accept_presentation_document_targets: [
        ...(dl.acceptPresentationDocumentTargets ?? ['iframe', 'window']),
      ],
      accept_multiple: dl.acceptMultiple ?? true,
      accept_lineitem: dl.acceptLineItem ?? true,
      auto_create: dl.autoCreate ?? true,
      ...(dl.title === undefined ? {} : { title: dl.title }),
      ...(dl.text === undefined ? {} : { text: dl.text }),
      ...(dl.data === undefined ? {} : { data: dl.data }),
    };
  }
  if (canvas) {
    claims[CLAIM.canvasPlacement] =
      input.messageType === MESSAGE_TYPE.deepLinking ? 'assignment_selection' : null;
  }
  return claims;
}
