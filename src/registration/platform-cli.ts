/**
 * The platform administration commands behind `scripts/platform.ts`: parsing (pure, no database)
 * and execution against any PlatformRegistry. Input is validated exactly like
 * config/platforms*.json; every problem names the flag and the fix.
 */
import { parseArgs, type ParseArgsConfig } from 'node:util';
import { AppError, NotFoundError } from '../shared/errors.js';
import { err, ok, type Result } from '../shared/result.js';
import type { PlatformRegistration, PlatformRegistry } from '../lti/platforms.js';
import {
  validatePlatformEntry,
  type PlatformEntry,
  type PlatformEntryField,
} from './platform-entry.js';
import type { PendingRegistrationStore } from './pending-registrations.js';
import type { UrlPolicy } from './url-policy.js';

export const CLI = 'npm run platform --';

export type PlatformCommand =
  | { readonly kind: 'help' }
  | { readonly kind: 'add'; readonly entry: PlatformEntry }
  | { readonly kind: 'list'; readonly json: boolean }
  | { readonly kind: 'keys' }
  | {
      readonly kind: 'remove' | 'activate' | 'deactivate' | 'rotate-key';
      readonly platformId: string;
    }
  | {
      readonly kind: 'deployment-add' | 'deployment-remove';
      readonly platformId: string;
      readonly deploymentId: string;
    }
  | {
      readonly kind: 'frame-origin-add' | 'frame-origin-remove';
      readonly platformId: string;
      readonly origin: string;
    }
  | { readonly kind: 'retire-key'; readonly kid: string };

export const USAGE = `Manage the LMS platforms Pathwise trusts.

Usage: ${CLI} <command> [arguments]
       (or: tsx scripts/platform.ts <command> [arguments])

Commands:
  list [--json]                          every registration, its state and deployments
  add --name <text> --issuer <url> --client-id <id> --auth-endpoint <url>
      --token-endpoint <url> --jwks-url <url> [--authorization-server <aud>]
      [--deployment <id>]... [--inactive]
                                         register a platform (active unless --inactive)
  remove <platformId>                    delete a registration, its deployments and keys
  activate <platformId>                  allow launches (new Dynamic Registrations start inactive)
  deactivate <platformId>                refuse launches and service calls
  deployment-add <platformId> <deploymentId>
  deployment-remove <platformId> <deploymentId>
  frame-origin-add <platformId> <origin>  let pages of this LMS at <origin> frame Pathwise (e.g. a
                                         Canvas or Moodle served at another host than its issuer)
  frame-origin-remove <platformId> <origin>
  keys                                   published tool keys and which one each platform signs with
  rotate-key <platformId>                new signing key; the old one stays published
  retire-key <kid>                       stop publishing a key that is no longer current
  help                                   this text

Environment: MONGODB_URI (required), LTI_ENCRYPTION_KEY (required outside dev mode),
NODE_ENV, PATHWISE_DEV_MODE (dev mode accepts http://localhost platform URLs).`;

/** add's flags and the entry field each one fills. */
const ADD_FLAGS: Readonly<Record<Exclude<PlatformEntryField, 'active' | 'deploymentIds'>, string>> =
  {
    name: 'name',
    issuer: 'issuer',
    clientId: 'client-id',
    authEndpoint: 'auth-endpoint',
    tokenEndpoint: 'token-endpoint',
    authorizationServer: 'authorization-server',
    jwksUrl: 'jwks-url',
  };

const flagOf = (field: string | undefined): string => {
  if (field === undefined) return 'the arguments';
  const top = field.split('.')[0] ?? field;
  if (top === 'deploymentIds') return '--deployment';
  if (top === 'active') return '--inactive';
  const flag = (ADD_FLAGS as Readonly<Record<string, string>>)[top];
  return flag === undefined ? field : `--${flag}`;
};

const ID_COMMANDS = ['remove', 'activate', 'deactivate', 'rotate-key'] as const;
const DEPLOYMENT_COMMANDS = ['deployment-add', 'deployment-remove'] as const;
const FRAME_ORIGIN_COMMANDS = ['frame-origin-add', 'frame-origin-remove'] as const;

/** `https://lms.school.edu` from an origin or a URL; undefined for anything else. */
export function frameOriginOf(text: string, devMode: boolean): string | undefined {
  try {
    const url = new URL(text);
    if (url.protocol !== 'https:' && !(devMode && url.protocol === 'http:')) return undefined;
    return url.origin;
  } catch {
    return undefined;
  }
}

type FlagOptions = NonNullable<ParseArgsConfig['options']>;

function parseFlags(
  args: readonly string[],
  options: FlagOptions,
): Result<{ values: Record<string, unknown>; positionals: string[] }, string> {
  try {
    const parsed = parseArgs({
      args: [...args],
      options,
      strict: true,
      allowPositionals: true,
    });
    return ok({ values: parsed.values, positionals: parsed.positionals });
  } catch (error) {
    return err(error instanceof Error ? error.message : 'the arguments could not be read');
  }
}

const positionalsExactly = (
  command: string,
  positionals: readonly string[],
  names: readonly string[],
): Result<string[], readonly string[]> => {
  const problems: string[] = [];
  names.forEach((name, i) => {
    const value = positionals[i];
    if (value === undefined || value.trim() === '')
      problems.push(
        `${command} needs <${name}>: ${CLI} ${command} ${names.map((n) => `<${n}>`).join(' ')}`,
      );
  });
  if (positionals.length > names.length) {
    problems.push(
      `${command} takes ${names.length} argument${names.length === 1 ? '' : 's'}; unexpected: ${positionals.slice(names.length).join(' ')}`,
    );
  }
  return problems.length === 0 ? ok(positionals.slice(0, names.length)) : err(problems);
};

/** Reads the command line; every problem names the flag or argument and the fix. */
export function parsePlatformCommand(
  argv: readonly string[],
  policy: UrlPolicy,
): Result<PlatformCommand, readonly string[]> {
  const [command, ...rest] = argv;
  if (command === undefined) return err([`a command is required; run "${CLI} help"`]);
  if (command === 'help' || command === '--help' || command === '-h') return ok({ kind: 'help' });

  if (command === 'list') {
    const flags = parseFlags(rest, { json: { type: 'boolean' } });
    if (!flags.ok) return err([`list: ${flags.error}`]);
    if (flags.value.positionals.length > 0)
      return err([`list takes no arguments; unexpected: ${flags.value.positionals.join(' ')}`]);
    return ok({ kind: 'list', json: flags.value.values['json'] === true });
  }

  if (command === 'keys') {
    const flags = parseFlags(rest, {});
    if (!flags.ok) return err([`keys: ${flags.error}`]);
    const none = positionalsExactly('keys', flags.value.positionals, []);
    return none.ok ? ok({ kind: 'keys' }) : err(none.error);
  }

  if (command === 'add') {
    const options: FlagOptions = {
      deployment: { type: 'string', multiple: true },
      inactive: { type: 'boolean' },
    };
    for (const flag of Object.values(ADD_FLAGS)) options[flag] = { type: 'string' };
    const flags = parseFlags(rest, options);
    if (!flags.ok) return err([`add: ${flags.error}`]);
    if (flags.value.positionals.length > 0) {
      return err([
        `add takes only flags; unexpected: ${flags.value.positionals.join(' ')} (quote values with spaces, e.g. --name "Example Canvas")`,
      ]);
    }
    const values = flags.value.values;
    const raw: Record<string, unknown> = {};
    for (const [field, flag] of Object.entries(ADD_FLAGS)) {
      if (values[flag] !== undefined) raw[field] = values[flag];
    }
    if (values['deployment'] !== undefined) raw['deploymentIds'] = values['deployment'];
    raw['active'] = values['inactive'] !== true;
    const entry = validatePlatformEntry(raw, policy);
    if (!entry.ok) {
      return err(
        entry.error.map(
          (p) => `${flagOf(p.field)}: ${p.problem}; fix: ${p.fix.replace(/^set /, 'pass ')}`,
        ),
      );
    }
    return ok({ kind: 'add', entry: entry.value });
  }

  const idCommand = ID_COMMANDS.find((c) => c === command);
  if (idCommand !== undefined) {
    const flags = parseFlags(rest, {});
    if (!flags.ok) return err([`${command}: ${flags.error}`]);
    const args = positionalsExactly(command, flags.value.positionals, ['platformId']);
    if (!args.ok) return err(args.error);
    return ok({ kind: idCommand, platformId: args.value[0] ?? '' });
  }

  const deploymentCommand = DEPLOYMENT_COMMANDS.find((c) => c === command);
  if (deploymentCommand !== undefined) {
    const flags = parseFlags(rest, {});
    if (!flags.ok) return err([`${command}: ${flags.error}`]);
    const args = positionalsExactly(command, flags.value.positionals, [
      'platformId',
      'deploymentId',
    ]);
    if (!args.ok) return err(args.error);
    return ok({
      kind: deploymentCommand,
      platformId: args.value[0] ?? '',
      deploymentId: args.value[1] ?? '',
    });
  }

  const frameCommand = FRAME_ORIGIN_COMMANDS.find((c) => c === command);
  if (frameCommand !== undefined) {
    const flags = parseFlags(rest, {});
    if (!flags.ok) return err([`${command}: ${flags.error}`]);
    const args = positionalsExactly(command, flags.value.positionals, ['platformId', 'origin']);
    if (!args.ok) return err(args.error);
    const origin = frameOriginOf(args.value[1] ?? '', policy.devMode);
    if (origin === undefined)
      return err([
        `${command}: "${args.value[1] ?? ''}" is not an https origin; give one like https://lms.school.edu`,
      ]);
    return ok({ kind: frameCommand, platformId: args.value[0] ?? '', origin });
  }

  if (command === 'retire-key') {
    const flags = parseFlags(rest, {});
    if (!flags.ok) return err([`retire-key: ${flags.error}`]);
    const args = positionalsExactly('retire-key', flags.value.positionals, ['kid']);
    if (!args.ok) return err(args.error);
    return ok({ kind: 'retire-key', kid: args.value[0] ?? '' });
  }

  return err([`unknown command "${command}"; run "${CLI} help" for the list`]);
}

export interface CliOutput {
  line(text?: string): void;
}

async function requirePlatform(
  registry: PlatformRegistry,
  platformId: string,
): Promise<PlatformRegistration> {
  const found = await registry.findById(platformId);
  if (found === undefined) {
    throw new NotFoundError(`No platform registration with id ${platformId}.`, {
      code: 'PLATFORM_NOT_FOUND',
      help: `Run "${CLI} list" to see the ids.`,
    });
  }
  return found;
}

const SOURCE_LABELS: Readonly<Record<string, string>> = {
  static: 'config/platforms*.json',
  dynamic: 'Dynamic Registration',
  cli: 'platform CLI',
  simulator: 'dev LMS simulator',
};

function stateLabel(p: PlatformRegistration): string {
  if (p.active) return 'ACTIVE';
  return p.source === 'dynamic'
    ? `INACTIVE - awaiting approval (Dynamic Registration): ${CLI} activate ${p.id}`
    : `INACTIVE: ${CLI} activate ${p.id}`;
}

async function list(registry: PlatformRegistry, json: boolean, out: CliOutput): Promise<void> {
  const platforms = await registry.list();
  const withDeployments = await Promise.all(
    platforms.map(async (p) => ({
      platform: p,
      deployments: (await registry.deployments(p.id)).map((d) => d.deploymentId),
    })),
  );
  if (json) {
    out.line(
      JSON.stringify(
        withDeployments.map(({ platform, deployments }) => ({ ...platform, deployments })),
        null,
        2,
      ),
    );
    return;
  }
  const waiting = platforms.filter((p) => !p.active && p.source === 'dynamic').length;
  out.line(
    `${platforms.length} platform registration${platforms.length === 1 ? '' : 's'}${waiting > 0 ? `, ${waiting} from Dynamic Registration awaiting activation` : ''}.`,
  );
  for (const { platform: p, deployments } of withDeployments) {
    out.line();
    out.line(`${p.name}  [${stateLabel(p)}]`);
    out.line(`  id:           ${p.id}`);
    out.line(`  issuer:       ${p.issuer}`);
    out.line(`  client id:    ${p.clientId}`);
    out.line(`  source:       ${SOURCE_LABELS[p.source] ?? p.source}`);
    out.line(`  auth:         ${p.authEndpoint}`);
    out.line(`  token:        ${p.tokenEndpoint}`);
    if (p.authorizationServer !== undefined) out.line(`  assertion aud: ${p.authorizationServer}`);
    out.line(`  jwks:         ${p.jwksUrl}`);
    if (p.frameOrigins.length > 0) out.line(`  frame origins: ${p.frameOrigins.join(', ')}`);
    out.line(
      `  deployments:  ${deployments.length === 0 ? `(none: ${CLI} deployment-add ${p.id} <deploymentId>)` : deployments.join(', ')}`,
    );
  }
}

async function keys(registry: PlatformRegistry, out: CliOutput): Promise<void> {
  const published = await registry.publishedKeys();
  const current = new Map<string, string[]>();
  for (const p of await registry.list()) {
    const key = await registry.signingKey(p.id);
    current.set(key.kid, [...(current.get(key.kid) ?? []), `${p.name} (${p.id})`]);
  }
  out.line(`${published.length} published key${published.length === 1 ? '' : 's'}.`);
  for (const key of published) {
    const users = current.get(key.kid);
    out.line(
      users === undefined
        ? `  ${key.kid}  previous key, still published: ${CLI} retire-key ${key.kid}`
        : `  ${key.kid}  current for ${users.join(', ')}`,
    );
  }
}

export interface PlatformCommandOptions {
  /**
   * Dynamic Registrations awaiting activation: an activated or removed platform stops being
   * tracked there, so the expiry of stale pending registrations can never remove it later.
   */
  readonly pending?: PendingRegistrationStore;
}

/** Runs one command. Expected failures are AppErrors (message + help); anything else is a bug. */
export async function executePlatformCommand(
  command: PlatformCommand,
  registry: PlatformRegistry,
  out: CliOutput,
  options: PlatformCommandOptions = {},
): Promise<void> {
  switch (command.kind) {
    case 'help':
      out.line(USAGE);
      return;
    case 'list':
      await list(registry, command.json, out);
      return;
    case 'keys':
      await keys(registry, out);
      return;
    case 'add': {
      const e = command.entry;
      const stored = await registry.register({
        issuer: e.issuer,
        clientId: e.clientId,
        name: e.name,
        authEndpoint: e.authEndpoint,
        tokenEndpoint: e.tokenEndpoint,
        authorizationServer: e.authorizationServer,
        jwksUrl: e.jwksUrl,
        active: e.active,
        source: 'cli',
        deploymentIds: e.deploymentIds,
      });
      out.line(
        `Registered ${stored.name} as ${stored.id} (${stored.active ? 'active' : 'inactive'}).`,
      );
      if (e.deploymentIds.length === 0)
        out.line(`No deployments yet: ${CLI} deployment-add ${stored.id} <deploymentId>`);
      return;
    }
    case 'remove': {
      const p = await requirePlatform(registry, command.platformId);
      await registry.remove(p.id);
      await options.pending?.forget(p.id);
      out.line(`Removed ${p.name} (${p.id}): its deployments and keys are gone.`);
      return;
    }
    case 'activate':
    case 'deactivate': {
      const p = await requirePlatform(registry, command.platformId);
      const active = command.kind === 'activate';
      if (active) await options.pending?.forget(p.id);
      if (p.active === active) {
        out.line(`${p.name} (${p.id}) is already ${active ? 'active' : 'inactive'}.`);
        return;
      }
      await registry.setActive(p.id, active);
      out.line(
        active
          ? `Activated ${p.name} (${p.id}): launches from it are accepted.`
          : `Deactivated ${p.name} (${p.id}): launches and service calls are refused.`,
      );
      return;
    }
    case 'deployment-add': {
      const p = await requirePlatform(registry, command.platformId);
      if (await registry.hasDeployment(p.id, command.deploymentId)) {
        out.line(`Deployment ${command.deploymentId} of ${p.name} is already registered.`);
        return;
      }
      await registry.addDeployment(p.id, command.deploymentId);
      out.line(`Added deployment ${command.deploymentId} to ${p.name} (${p.id}).`);
      return;
    }
    case 'deployment-remove': {
      const p = await requirePlatform(registry, command.platformId);
      if (!(await registry.hasDeployment(p.id, command.deploymentId))) {
        throw new NotFoundError(`${p.name} (${p.id}) has no deployment ${command.deploymentId}.`, {
          code: 'DEPLOYMENT_NOT_FOUND',
          help: `Run "${CLI} list" to see its deployments.`,
        });
      }
      await registry.removeDeployment(p.id, command.deploymentId);
      out.line(`Removed deployment ${command.deploymentId} from ${p.name} (${p.id}).`);
      return;
    }
    case 'frame-origin-add': {
      const p = await requirePlatform(registry, command.platformId);
      await registry.addFrameOrigin(p.id, command.origin);
      out.line(`Pages of ${p.name} (${p.id}) at ${command.origin} may now frame Pathwise.`);
      return;
    }
    case 'frame-origin-remove': {
      const p = await requirePlatform(registry, command.platformId);
      if (!p.frameOrigins.includes(command.origin))
        throw new NotFoundError(`${p.name} (${p.id}) has no frame origin ${command.origin}.`, {
          code: 'FRAME_ORIGIN_NOT_FOUND',
          help: `Run "${CLI} list" to see its frame origins.`,
        });
      await registry.removeFrameOrigin(p.id, command.origin);
      out.line(`Removed frame origin ${command.origin} from ${p.name} (${p.id}).`);
      return;
    }
    case 'rotate-key': {
      const p = await requirePlatform(registry, command.platformId);
      const { previousKid, kid } = await registry.rotateKey(p.id);
      out.line(`New signing key ${kid} is now current for ${p.name} (${p.id}).`);
      out.line(
        `The previous key ${previousKid} stays published at /lti/keys, so anything signed with it still verifies.`,
      );
      out.line(
        'Once the platforms have fetched the new key set (allow a day: LMSs cache tool keys), retire it:',
      );
      out.line(`  ${CLI} retire-key ${previousKid}`);
      return;
    }
    case 'retire-key':
      await registry.retireKey(command.kid);
      out.line(`Key ${command.kid} is no longer published.`);
      return;
  }
}

/** `error: …` and `what to do: …` lines for an expected failure. */
export function describeCliError(error: unknown): string[] | undefined {
  if (!(error instanceof AppError)) return undefined;
  return [
    `error: ${error.message}`,
    ...(error.help === undefined ? [] : [`what to do: ${error.help}`]),
  ];
}
