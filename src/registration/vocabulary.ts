/**
 * Spec and Canvas names used by registration (LTI Dynamic Registration 1.0, Canvas developer keys).
 * Kept here, at the boundary, like the claim URLs in lti/vocabulary.ts; nothing past the
 * registration adapters speaks in these names.
 */
import { SCOPE } from '../lti/vocabulary.js';

export const TOOL_CONFIGURATION = 'https://purl.imsglobal.org/spec/lti-tool-configuration';
export const PLATFORM_CONFIGURATION = 'https://purl.imsglobal.org/spec/lti-platform-configuration';

/** Canvas's registration extensions (canvas-lms doc/api/registration.md). */
export const CANVAS_EXTENSION = {
  privacyLevel: 'https://canvas.instructure.com/lti/privacy_level',
  toolId: 'https://canvas.instructure.com/lti/tool_id',
  courseNavigationDefaultEnabled:
    'https://canvas.instructure.com/lti/course_navigation/default_enabled',
  visibility: 'https://canvas.instructure.com/lti/visibility',
  accountName: 'https://canvas.instructure.com/lti/account_name',
} as const;

/** The `platform` value of Canvas JSON extensions (canvas-lms doc/api/lti_dev_key_config.md). */
export const CANVAS_PLATFORM = 'canvas.instructure.com';

/**
 * Issuers hosted Canvas uses for every institution (production, beta, test), whatever domain the
 * institution's Canvas is served from.
 */
export const CANVAS_SHARED_ISSUERS: readonly string[] = [
  'https://canvas.instructure.com',
  'https://canvas.beta.instructure.com',
  'https://canvas.test.instructure.com',
];

/** Domains Instructure serves hosted Canvas and its SSO endpoints from. */
export const INSTRUCTURE_DOMAINS: readonly string[] = ['instructure.com', 'canvaslms.com'];

export const CANVAS_PLACEMENT = {
  linkSelection: 'link_selection',
  assignmentSelection: 'assignment_selection',
  courseNavigation: 'course_navigation',
} as const;

/** The postMessage subject that tells the platform to close the registration frame. */
export const LTI_CLOSE_SUBJECT = 'org.imsglobal.lti.close';

/** The service scopes Pathwise uses: AGS (grade passback, line items) and NRPS (roster). */
export const TOOL_SCOPES: readonly string[] = [
  SCOPE.lineItem,
  SCOPE.lineItemReadOnly,
  SCOPE.resultReadOnly,
  SCOPE.score,
  SCOPE.nrps,
];

/** Identity claims Pathwise asks for (names for dashboards; Moodle sends them only if asked). */
export const TOOL_CLAIMS: readonly string[] = [
  'iss',
  'sub',
  'name',
  'given_name',
  'family_name',
  'email',
];
