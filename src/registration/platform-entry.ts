/**
 * One platform registration as an administrator writes it (config/platforms*.json or the CLI's
 * `add`), validated in one place with zod. Every problem is reported at once, each naming the
 * field, what is wrong and how to fix it. Callers add where the entry came from (file and index,
 * or the CLI flag).
 */
import { z } from 'zod';
import { err, ok, type Result } from '../shared/result.js';
import { checkPlatformUrl, type UrlPolicy, type UrlRole } from './url-policy.js';

export interface PlatformEntry {
  readonly name: string;
  /** Exact `iss` string, kept byte for byte. */
  readonly issuer: string;
  readonly clientId: string;
  readonly authEndpoint: string;
  readonly tokenEndpoint: string;
  /** `aud` of client assertions when it is not the token endpoint. */
  readonly authorizationServer: string | undefined;
  readonly jwksUrl: string;
  readonly active: boolean;
  readonly deploymentIds: readonly string[];
}

export type PlatformEntryField = keyof PlatformEntry;

export interface FieldProblem {
  /** `jwksUrl`, `deploymentIds.1`; undefined when the entry itself is not an object. */
  readonly field: string | undefined;
  readonly problem: string;
  readonly fix: string;
}

export const PLATFORM_ENTRY_FIELDS: readonly PlatformEntryField[] = [
  'name',
  'issuer',
  'clientId',
  'authEndpoint',
  'tokenEndpoint',
  'authorizationServer',
  'jwksUrl',
  'active',
  'deploymentIds',
];

/** How to fill each field: used as the fix of every problem that names it. */
export const FIELD_FIXES: Readonly<Record<PlatformEntryField, string>> = {
  name: 'set a short label for administrators, e.g. "Example University Canvas"',
  issuer:
    'set the exact "iss" the platform sends: https://canvas.instructure.com for hosted Canvas, the site URL (e.g. https://moodle.example.edu) for Moodle',
  clientId:
    'set the client id the platform issued (Canvas: the developer key id; Moodle: the tool\'s "Client ID")',
  authEndpoint:
    'set the OIDC authorization URL, e.g. https://sso.canvaslms.com/api/lti/authorize_redirect or https://moodle.example.edu/mod/lti/auth.php',
  tokenEndpoint:
    'set the OAuth2 token URL, e.g. https://sso.canvaslms.com/login/oauth2/token or https://moodle.example.edu/mod/lti/token.php',
  authorizationServer:
    'leave it out unless the platform documents a separate client-assertion audience',
  jwksUrl:
    "set the platform's public key set URL, e.g. https://sso.canvaslms.com/api/lti/security/jwks or https://moodle.example.edu/mod/lti/certs.php",
  active: 'write true or false (without quotes); it defaults to true',
  deploymentIds:
    'list the deployment ids as strings, e.g. ["1:8865aa05b4b79b64a91a86042e43af5ea8ae79eb"]; Canvas shows them per deployment, Moodle uses the tool type id',
};

const MAX_ID = 255;

const identifier = z
  .string()
  .min(1, 'is empty')
  .max(MAX_ID, `is longer than ${MAX_ID} characters`)
  .refine((v) => v.trim() === v, 'has leading or trailing spaces');

function urlField(role: UrlRole, policy: UrlPolicy) {
  return z
    .string()
    .min(1, 'is empty')
    .max(2048, 'is longer than 2048 characters')
    .superRefine((value, ctx) => {
      const problem = checkPlatformUrl(value, role, policy);
      if (problem !== undefined) {
        ctx.addIssue({ code: 'custom', message: problem.problem, params: { fix: problem.fix } });
      }
    });
}

function entrySchema(policy: UrlPolicy) {
  return z.strictObject({
    name: z.string().trim().min(1, 'is empty').max(200, 'is longer than 200 characters'),
    issuer: urlField('issuer', policy),
    clientId: identifier,
    authEndpoint: urlField('endpoint', policy),
    tokenEndpoint: urlField('endpoint', policy),
    authorizationServer: z
      .string()
      .min(1, 'is empty')
      .max(2048, 'is longer than 2048 characters')
      .refine((v) => v.trim() === v, 'has leading or trailing spaces')
      .optional(),
    jwksUrl: urlField('endpoint', policy),
    active: z.boolean().default(true),
    deploymentIds: z
      .array(identifier)
      .default([])
      .superRefine((ids, ctx) => {
        ids.forEach((id, index) => {
          if (ids.indexOf(id) !== index) {
            ctx.addIssue({
              code: 'custom',
              path: [index],
              message: `repeats deployment id "${id}"`,
              params: { fix: 'list each deployment id once' },
            });
          }
        });
      }),
  });
}

const TYPE_WORDS: Readonly<Record<string, string>> = {
  string: 'a text value in double quotes',
  boolean: 'true or false (without quotes)',
  array: 'a list in square brackets',
  object: 'a JSON object',
};

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

const isKnownField = (key: unknown): key is PlatformEntryField =>
  typeof key === 'string' && (PLATFORM_ENTRY_FIELDS as readonly string[]).includes(key);

function problemsOf(error: z.ZodError, raw: Record<string, unknown>): FieldProblem[] {
  const problems: FieldProblem[] = [];
  for (const issue of error.issues) {
    const top = issue.path[0];
    const field = issue.path.length === 0 ? undefined : issue.path.map(String).join('.');
    const fieldFix = isKnownField(top) ? FIELD_FIXES[top] : 'correct the value';
    if (issue.code === 'unrecognized_keys') {
      for (const key of issue.keys) {
        problems.push({
          field: key,
          problem: 'is not a known field',
          fix: `remove it or correct its spelling; the fields are ${PLATFORM_ENTRY_FIELDS.join(', ')}`,
        });
      }
    } else if (issue.code === 'invalid_type') {
      const missing = issue.path.length === 1 && typeof top === 'string' && !(top in raw);
      problems.push({
        field,
        problem: missing
          ? 'is missing'
          : `must be ${TYPE_WORDS[issue.expected] ?? `of type ${issue.expected}`}`,
        fix: fieldFix,
      });
    } else if (issue.code === 'custom') {
      const fix: unknown = issue.params?.['fix'];
      problems.push({
        field,
        problem: issue.message,
        fix: typeof fix === 'string' ? fix : fieldFix,
      });
    } else {
      problems.push({ field, problem: issue.message, fix: fieldFix });
    }
  }
  return problems;
}

/** Validates one entry; every problem at once. */
export function validatePlatformEntry(
  raw: unknown,
  policy: UrlPolicy,
): Result<PlatformEntry, readonly FieldProblem[]> {
  if (!isPlainObject(raw)) {
    return err([
      {
        field: undefined,
        problem: 'is not a JSON object',
        fix: 'write each platform as an object: { "name": …, "issuer": …, "clientId": …, … }',
      },
    ]);
  }
  const parsed = entrySchema(policy).safeParse(raw);
  if (!parsed.success) return err(problemsOf(parsed.error, raw));
  const value = parsed.data;
  return ok({
    name: value.name,
    issuer: value.issuer,
    clientId: value.clientId,
    authEndpoint: value.authEndpoint,
    tokenEndpoint: value.tokenEndpoint,
    authorizationServer: value.authorizationServer,
    jwksUrl: value.jwksUrl,
    active: value.active,
    deploymentIds: value.deploymentIds,
  });
}
