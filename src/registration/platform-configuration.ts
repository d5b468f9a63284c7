/**
 * The platform's OpenID configuration (LTI Dynamic Registration 1.0 §3.4), parsed with zod into
 * our own names, and the issuer consistency rule of DR §3.5.1.
 *
 * Issuer rule: the issuer must have the same origin (scheme, host, port) as the URL the
 * configuration was fetched from. One documented exception: hosted Canvas uses the shared issuers
 * https://canvas(.beta|.test).instructure.com for every institution while each institution's
 * configuration lives on its own Canvas domain. That pairing is accepted only when the
 * configuration says it is Canvas (`product_family_code: canvas`) and comes from an Instructure
 * domain (*.instructure.com, *.canvaslms.com) or from a host the operator listed (custom Canvas
 * domains, self-hosted Canvas keeping the default issuer, the dev simulator). Registrations made
 * this way are inactive until an administrator activates them, like every other.
 */
import { z } from 'zod';
import { err, ok, type Result } from '../shared/result.js';
import { checkPlatformUrl } from './url-policy.js';
import {
  CANVAS_EXTENSION,
  CANVAS_SHARED_ISSUERS,
  INSTRUCTURE_DOMAINS,
  PLATFORM_CONFIGURATION,
} from './vocabulary.js';

export interface SupportedMessage {
  readonly type: string;
  /** Canvas lists placements per message type; undefined when the platform does not say. */
  readonly placements: readonly string[] | undefined;
}

export interface PlatformConfiguration {
  readonly issuer: string;
  readonly authEndpoint: string;
  readonly tokenEndpoint: string;
  readonly jwksUrl: string;
  readonly registrationEndpoint: string;
  readonly authorizationServer: string | undefined;
  /** `canvas`, `moodle`, … */
  readonly productFamily: string;
  readonly scopesSupported: readonly string[] | undefined;
  readonly claimsSupported: readonly string[] | undefined;
  readonly messagesSupported: readonly SupportedMessage[] | undefined;
  /** Canvas: the account the administrator is installing into. */
  readonly accountName: string | undefined;
}

const stringList = z.array(z.string());

const messageSupported = z.union([
  z.string().min(1),
  z.looseObject({ type: z.string().min(1), placements: stringList.optional() }),
]);

const configurationSchema = z.looseObject({
  issuer: z.string().min(1),
  authorization_endpoint: z.string().min(1),
  token_endpoint: z.string().min(1),
  jwks_uri: z.string().min(1),
  registration_endpoint: z.string().min(1),
  authorization_server: z.string().min(1).optional(),
  token_endpoint_auth_methods_supported: stringList.refine(
    (list) => list.includes('private_key_jwt'),
    'does not include private_key_jwt (LTI service tokens need it)',
  ),
  id_token_signing_alg_values_supported: stringList.refine(
    (list) => list.includes('RS256'),
    'does not include RS256 (LTI 1.3 requires it)',
  ),
  scopes_supported: stringList.optional(),
  claims_supported: stringList.optional(),
  [PLATFORM_CONFIGURATION]: z.looseObject({
    product_family_code: z.string().min(1),
    messages_supported: z.array(messageSupported).optional(),
    [CANVAS_EXTENSION.accountName]: z.string().optional(),
  }),
});

/** Parses and checks the configuration; the problems name the spec fields. */
export function parsePlatformConfiguration(
  json: unknown,
  policy: { readonly devMode: boolean },
): Result<PlatformConfiguration, readonly string[]> {
  const parsed = configurationSchema.safeParse(json);
  if (!parsed.success) {
    return err(
      parsed.error.issues.map((issue) => {
        const field = issue.path.map(String).join('.');
        const missing = issue.code === 'invalid_type' && /received undefined/.test(issue.message);
        return `${field === '' ? 'the document' : field}: ${missing ? 'is missing' : issue.message}`;
      }),
    );
  }
  const c = parsed.data;
  const problems: string[] = [];
  const urls = [
    ['issuer', c.issuer, 'issuer'],
    ['authorization_endpoint', c.authorization_endpoint, 'endpoint'],
    ['token_endpoint', c.token_endpoint, 'endpoint'],
    ['jwks_uri', c.jwks_uri, 'endpoint'],
    ['registration_endpoint', c.registration_endpoint, 'endpoint'],
  ] as const;
  for (const [field, value, role] of urls) {
    const problem = checkPlatformUrl(value, role, policy);
    if (problem !== undefined) problems.push(`${field}: ${problem.problem}`);
  }
  if (problems.length > 0) return err(problems);
  const platform = c[PLATFORM_CONFIGURATION];
  return ok({
    issuer: c.issuer,
    authEndpoint: c.authorization_endpoint,
    tokenEndpoint: c.token_endpoint,
    jwksUrl: c.jwks_uri,
    registrationEndpoint: c.registration_endpoint,
    authorizationServer: c.authorization_server,
    productFamily: platform.product_family_code,
    scopesSupported: c.scopes_supported,
    claimsSupported: c.claims_supported,
    messagesSupported: platform.messages_supported?.map((m) =>
      typeof m === 'string'
        ? { type: m, placements: undefined }
        : { type: m.type, placements: m.placements },
    ),
    accountName: platform[CANVAS_EXTENSION.accountName],
  });
}

export type IssuerMatch = 'same-origin' | 'canvas-shared-issuer';

const isInstructureHost = (hostname: string): boolean =>
  INSTRUCTURE_DOMAINS.some((domain) => hostname === domain || hostname.endsWith(`.${domain}`));

/**
 * DR §3.5.1: is `issuer` consistent with the URL the configuration came from? Undefined when not.
 * `canvasHosts` are extra hosts (host or host:port) trusted to speak for Canvas's shared issuers.
 */
export function matchIssuer(
  issuer: string,
  configurationUrl: URL,
  productFamily: string,
  canvasHosts: readonly string[],
): IssuerMatch | undefined {
  let issuerUrl: URL;
  try {
    issuerUrl = new URL(issuer);
  } catch {
    return undefined;
  }
  if (issuerUrl.origin.toLowerCase() === configurationUrl.origin.toLowerCase())
    return 'same-origin';
  if (productFamily === 'canvas' && CANVAS_SHARED_ISSUERS.includes(issuer)) {
    const host = configurationUrl.host.toLowerCase();
    if (isInstructureHost(configurationUrl.hostname.toLowerCase())) return 'canvas-shared-issuer';
    if (canvasHosts.some((h) => h.toLowerCase() === host)) return 'canvas-shared-issuer';
  }
  return undefined;
}
