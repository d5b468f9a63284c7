/**
 * The launch token's LTI claims, parsed once with zod into our own LaunchContext. Every problem
 * is reported at once (oat-sa's validation result, Atomic Jolt's error list); no claim URL and
 * no untyped claim bag travels past this module. Signature, iss/aud/azp, exp/iat and nonce are
 * checked before this by the token validator; this module checks the LTI message itself.
 */
import { z } from 'zod';
import { err, ok, type Result } from '../shared/result.js';
import { summariseRoles, type RoleSummary } from './roles.js';
import { CLAIM, LTI_VERSION, MESSAGE_TYPE } from './vocabulary.js';

export type MessageKind = 'resource-link' | 'deep-linking' | 'submission-review';

export interface DeepLinkingRequest {
  readonly returnUrl: string;
  readonly acceptTypes: readonly string[];
  readonly acceptPresentationTargets: readonly string[];
  readonly acceptMultiple: boolean;
  readonly acceptLineItem: boolean;
  readonly autoCreate: boolean;
  /** Opaque platform data that must be echoed byte for byte. */
  readonly data: string | undefined;
  readonly title: string | undefined;
  readonly text: string | undefined;
}

export interface LaunchContext {
  readonly kind: MessageKind;
  readonly issuer: string;
  readonly clientId: string;
  readonly deploymentId: string;
  /** The platform's user id (`sub`); undefined for an anonymous launch. */
  readonly userId: string | undefined;
  readonly roles: RoleSummary;
  readonly rawRoles: readonly string[];
  readonly person: {
    readonly name: string | undefined;
    readonly givenName: string | undefined;
    readonly familyName: string | undefined;
    readonly email: string | undefined;
  };
  readonly course:
    | {
        readonly id: string;
        readonly title: string | undefined;
        readonly label: string | undefined;
      }
    | undefined;
  readonly resourceLink: { readonly id: string; readonly title: string | undefined } | undefined;
  readonly targetLinkUri: string;
  readonly custom: Readonly<Record<string, string>>;
  readonly gradeService:
    | {
        readonly lineItemsUrl: string | undefined;
        readonly lineItemUrl: string | undefined;
        readonly scopes: readonly string[];
      }
    | undefined;
  readonly rosterService:
    { readonly membershipsUrl: string; readonly serviceVersions: readonly string[] } | undefined;
  readonly deepLinking: DeepLinkingRequest | undefined;
  readonly forUserId: string | undefined;
  readonly platform: {
    readonly guid: string | undefined;
    readonly name: string | undefined;
    readonly product: string | undefined;
  };
  readonly returnUrl: string | undefined;
  readonly locale: string | undefined;
}

/** One failed claim check: which claim, what is wrong, phrased for logs. */
export interface ClaimProblem {
  readonly claim: string;
  readonly problem: string;
}

const nonBlank = z.string().trim().min(1);
const httpUrl = z.url({ protocol: /^https?$/ });

const claimSchema = z.object({
  sub: z.string().optional(),
  name: z.string().optional(),
  given_name: z.string().optional(),
  family_name: z.string().optional(),
  email: z.string().optional(),
  [CLAIM.version]: z.literal(LTI_VERSION, { error: `must be "${LTI_VERSION}"` }),
  [CLAIM.messageType]: z.enum(
    [MESSAGE_TYPE.resourceLink, MESSAGE_TYPE.deepLinking, MESSAGE_TYPE.submissionReview],
    {
      error: 'missing or not a message type Pathwise handles',
    },
  ),
  [CLAIM.deploymentId]: nonBlank.max(255),
  [CLAIM.targetLinkUri]: httpUrl,
  [CLAIM.roles]: z.array(z.string()),
  [CLAIM.resourceLink]: z.object({ id: nonBlank.max(255), title: z.string().nullish() }).optional(),
  [CLAIM.context]: z
    .object({ id: nonBlank.max(255), title: z.string().nullish(), label: z.string().nullish() })
    .optional(),
  [CLAIM.custom]: z.record(z.string(), z.unknown()).optional(),
  [CLAIM.ags]: z
    .object({
      scope: z.array(z.string()).default([]),
      lineitems: httpUrl.optional(),
      lineitem: httpUrl.optional(),
    })
    .optional(),
  [CLAIM.nrps]: z
    .object({
      context_memberships_url: httpUrl,
      service_versions: z.array(z.string()).default(['2.0']),
    })
    .optional(),
  [CLAIM.deepLinkingSettings]: z
    .object({
      deep_link_return_url: httpUrl,
      accept_types: z.array(z.string()).min(1),
      accept_presentation_document_targets: z.array(z.string()).default([]),
      accept_multiple: z.boolean().default(true),
      accept_lineitem: z.boolean().optional(),
      auto_create: z.boolean().default(false),
      data: z.string().optional(),
      title: z.string().optional(),
      text: z.string().optional(),
    })
    .optional(),
  [CLAIM.forUser]: z.object({ user_id: nonBlank }).optional(),
  [CLAIM.toolPlatform]: z
    .object({
      guid: z.string().optional(),
      name: z.string().optional(),
      product_family_code: z.string().optional(),
    })
    .optional(),
  [CLAIM.launchPresentation]: z
    .object({ return_url: z.string().optional(), locale: z.string().optional() })
    .optional(),
});

const KIND: Record<string, MessageKind> = {
  [MESSAGE_TYPE.resourceLink]: 'resource-link',
  [MESSAGE_TYPE.deepLinking]: 'deep-linking',
  [MESSAGE_TYPE.submissionReview]: 'submission-review',
};

const shortClaim = (key: string): string =>
  key.replace(/^https:\/\/purl\.imsglobal\.org\/spec\//, '');
const orUndefined = (value: string | null | undefined): string | undefined =>
  value === null || value === '' ? undefined : value;

/**
 * Parses the verified id_token payload into a LaunchContext, or lists every problem.
 * `issuer` and `clientId` come from the registration the token was verified against.
 */
export function parseLaunchClaims(
  payload: Readonly<Record<string, unknown>>,
  registration: { readonly issuer: string; readonly clientId: string },
): Result<LaunchContext, readonly ClaimProblem[]> {
  const parsed = claimSchema.safeParse(payload);
  const problems: ClaimProblem[] = [];
  if (!parsed.success) {
    for (const issue of parsed.error.issues) {
      const [first, ...rest] = issue.path.map(String);
      const claim = [first === undefined ? 'token' : shortClaim(first), ...rest].join('.');
      const missing = issue.code === 'invalid_type' && issue.input === undefined;
      problems.push({ claim, problem: missing ? 'missing' : issue.message });
    }
    return err(problems);
  }
  const claims = parsed.data;
  const kind = KIND[claims[CLAIM.messageType]] ?? 'resource-link';
  const resourceLink = claims[CLAIM.resourceLink];
  const deepLinking = claims[CLAIM.deepLinkingSettings];
  const forUser = claims[CLAIM.forUser];
  const ags = claims[CLAIM.ags];

  // Core §5.3.6: sub may be absent (anonymous launch) but never empty.
  if (claims.sub !== undefined && claims.sub.trim() === '')
    problems.push({ claim: 'sub', problem: 'present but empty' });
  if (claims.sub !== undefined && claims.sub.length > 255)
    problems.push({ claim: 'sub', problem: 'longer than 255 characters' });
  if (kind === 'resource-link' && resourceLink === undefined) {
    problems.push({
      claim: 'lti/claim/resource_link',
      problem: 'missing (required for a resource link launch)',
    });
  }
  if (kind === 'deep-linking' && deepLinking === undefined) {
    problems.push({
      claim: 'lti-dl/claim/deep_linking_settings',
      problem: 'missing (required for a deep linking request)',
    });
  }
  if (kind === 'submission-review') {
    if (forUser === undefined)
      problems.push({
        claim: 'lti/claim/for_user',
        problem: 'missing (required for a submission review)',
      });
    if (ags === undefined)
      problems.push({
        claim: 'lti-ags/claim/endpoint',
        problem: 'missing (required for a submission review)',
      });
  }
  if (problems.length > 0) return err(problems);

  const custom: Record<string, string> = {};
  for (const [key, value] of Object.entries(claims[CLAIM.custom] ?? {})) {
    // Custom values are strings by spec; platforms sometimes send numbers or booleans.
    if (typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean')
      custom[key] = String(value);
  }
  const context = claims[CLAIM.context];
  const nrps = claims[CLAIM.nrps];
  const platform = claims[CLAIM.toolPlatform];
  const presentation = claims[CLAIM.launchPresentation];
  const rawRoles = claims[CLAIM.roles];

  return ok({
    kind,
    issuer: registration.issuer,
    clientId: registration.clientId,
    deploymentId: claims[CLAIM.deploymentId],
    userId: claims.sub,
    roles: summariseRoles(rawRoles),
    rawRoles,
    person: {
      name: orUndefined(claims.name),
      givenName: orUndefined(claims.given_name),
      familyName: orUndefined(claims.family_name),
      email: orUndefined(claims.email),
    },
    course:
      context === undefined
        ? undefined
        : { id: context.id, title: orUndefined(context.title), label: orUndefined(context.label) },
    resourceLink:
      resourceLink === undefined
        ? undefined
        : { id: resourceLink.id, title: orUndefined(resourceLink.title) },
    targetLinkUri: claims[CLAIM.targetLinkUri],
    custom,
    gradeService:
      ags === undefined
        ? undefined
        : { lineItemsUrl: ags.lineitems, lineItemUrl: ags.lineitem, scopes: ags.scope },
    rosterService:
      nrps === undefined
        ? undefined
        : { membershipsUrl: nrps.context_memberships_url, serviceVersions: nrps.service_versions },
    deepLinking:
      deepLinking === undefined
        ? undefined
        : {
            returnUrl: deepLinking.deep_link_return_url,
            acceptTypes: deepLinking.accept_types,
            acceptPresentationTargets: deepLinking.accept_presentation_document_targets,
            acceptMultiple: deepLinking.accept_multiple,
            // Absent: the platform makes no promise either way (DL 2.0); a line item it ignores does no harm.
            acceptLineItem: deepLinking.accept_lineitem ?? true,
            autoCreate: deepLinking.auto_create,
            data: deepLinking.data,
            title: deepLinking.title,
            text: deepLinking.text,
          },
    forUserId: forUser?.user_id,
    platform: {
      guid: platform?.guid,
      name: platform?.name,
      product: platform?.product_family_code,
    },
    returnUrl: orUndefined(presentation?.return_url),
    locale: orUndefined(presentation?.locale),
  });
}
