/**
 * Configuration: the only reader of process.env (CONVENTIONS §F). `loadConfig` is pure: it gets
 * the environment and the parsed `config/*.json` layers, validates everything once with zod and
 * returns a frozen `Config`, or throws a `ConfigError` that names every bad variable, what it is
 * for and how to fix it. Secrets have no defaults.
 */
import { readFileSync, existsSync } from 'node:fs';
import path from 'node:path';
import { z } from 'zod';

export const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];
export type NodeEnv = 'development' | 'test' | 'production';

export interface Config {
  readonly nodeEnv: NodeEnv;
  /** Dev mode: embedded database and the built-in LMS simulator. Never in production. */
  readonly devMode: boolean;
  readonly port: number;
  readonly host: string;
  /** The URL the LMS and browsers reach Pathwise at, without a trailing slash. */
  readonly publicUrl: string;
  /** Undefined only in dev mode, where the embedded server is used instead. */
  readonly mongodbUri: string | undefined;
  /** Undefined only in dev mode, which then keeps a generated key under .data/. */
  readonly encryptionKey: string | undefined;
  readonly logLevel: LogLevel;
  readonly trustProxy: number;
  readonly shutdownGraceMs: number;
  readonly lti: {
    readonly tokenMaxAgeSeconds: number;
    readonly clockSkewSeconds: number;
    readonly sessionTtlMinutes: number;
  };
  readonly embeddedMongo: { readonly snapshotPath: string; readonly devKeyPath: string };
  readonly registration: {
    /** Platforms added by Dynamic Registration launch at once (otherwise after activation). */
    readonly autoActivate: boolean;
    /** Hosts allowed to register under Canvas's shared issuers (custom Canvas domains). */
    readonly canvasHosts: readonly string[];
    /** Inactive, never-activated Dynamic Registrations are removed after this many days. */
    readonly pendingExpiryDays: number;
  };
  /** Per-client-IP limits on the unauthenticated entry points (fixed windows). */
  readonly rateLimits: {
    readonly login: { readonly windowSeconds: number; readonly max: number };
    readonly register: { readonly windowSeconds: number; readonly max: number };
  };
  /** Secure, SameSite=None cookies: required inside an LMS iframe over https. */
  readonly secureCookies: boolean;
  /**
   * Public URL of the built-in LMS simulator (dev mode), always ending in /dev/lms. Defaults to
   * PUBLIC_URL/dev/lms; another host (127.0.0.1 vs localhost) puts the simulator on another site,
   * so launches meet the browser's third-party-cookie rules as they do in a real LMS.
   */
  readonly devLmsUrl: string;
}

/** One configuration problem, phrased for the person starting the service. */
export interface ConfigProblem {
  readonly variable: string;
  readonly problem: string;
  readonly purpose: string;
  readonly fix: string;
}

export class ConfigError extends Error {
  readonly problems: readonly ConfigProblem[];
  constructor(problems: readonly ConfigProblem[]) {
    const lines = problems.map(
      (p) =>
        `  - ${p.variable}: ${p.problem}\n      what it is for: ${p.purpose}\n      how to fix: ${p.fix}`,
    );
    super(
      `Pathwise cannot start: ${problems.length} configuration problem${problems.length === 1 ? '' : 's'}.\n${lines.join('\n')}`,
    );
    this.name = 'ConfigError';
    this.problems = problems;
  }
}

/** What each environment variable is for and how to set it: used in every error message. */
const VARIABLES = {
  NODE_ENV: {
    purpose:
      'selects the environment (development, test or production) and its config/<env>.json defaults',
    fix: 'set NODE_ENV to development, test or production',
  },
  PATHWISE_DEV_MODE: {
    purpose: 'dev mode: embedded database and the built-in LMS simulator at /dev/lms',
    fix: 'set PATHWISE_DEV_MODE=true for local development, leave it unset (false) in production',
  },
  PORT: {
    purpose: 'the TCP port Pathwise listens on',
    fix: 'set PORT to a whole number from 0 to 65535, e.g. PORT=3000',
  },
  HOST: {
    purpose: 'the network interface Pathwise listens on',
    fix: 'set HOST to an address such as 0.0.0.0 (all) or 127.0.0.1 (this machine only)',
  },
  PUBLIC_URL: {
    purpose:
      'the URL the LMS and browsers use to reach Pathwise (LTI login, launch and JWKS URLs are built from it)',
    fix: 'set PUBLIC_URL to the https URL of this deployment without a trailing slash, e.g. PUBLIC_URL=https://pathwise.example.edu',
  },
  MONGODB_URI: {
    purpose:
      'the MongoDB connection string where Pathwise stores learners, assignments, grades and LTI keys',
    fix: 'set MONGODB_URI=mongodb://host:27017/pathwise (a replica set in production; see docker-compose.yml)',
  },
  LTI_ENCRYPTION_KEY: {
    purpose: 'encrypts the LTI private keys stored in MongoDB and signs session tokens',
    fix: "set LTI_ENCRYPTION_KEY to at least 32 random characters, e.g. the output of: node -e \"console.log(require('crypto').randomBytes(32).toString('base64url'))\"",
  },
  LOG_LEVEL: {
    purpose: 'how much Pathwise logs',
    fix: `set LOG_LEVEL to one of ${LOG_LEVELS.join(', ')}`,
  },
  TRUST_PROXY: {
    purpose:
      'how many reverse proxies sit in front of Pathwise (for client IPs and https detection)',
    fix: 'set TRUST_PROXY to a whole number of hops, e.g. TRUST_PROXY=1 behind one load balancer',
  },
  PATHWISE_SECURE_COOKIES: {
    purpose:
      'marks cookies Secure with SameSite=None so they reach Pathwise inside an LMS iframe (default: on when PUBLIC_URL is https)',
    fix: 'leave it unset; set it to true only for an http://localhost or http://127.0.0.1 PUBLIC_URL (browsers treat those as secure), never false in production',
  },
  PATHWISE_DEV_LMS_URL: {
    purpose:
      'dev mode: the URL of the built-in LMS simulator (default PUBLIC_URL/dev/lms); another host name puts it on another site',
    fix: 'set it to the same server under another host name ending in /dev/lms, e.g. PATHWISE_DEV_LMS_URL=http://127.0.0.1:3000/dev/lms, and only in dev mode',
  },
} as const;
type Variable = keyof typeof VARIABLES;

export const MIN_ENCRYPTION_KEY_LENGTH = 32;

/** Where dev mode mounts the LMS simulator on Pathwise's own server. */
export const DEV_LMS_PATH = '/dev/lms';

const rateLimitRule = z
  .object({
    windowSeconds: z.number().int().positive().max(86_400),
    max: z.number().int().positive(),
  })
  .strict();

const fileLayerSchema = z
  .object({
    port: z.number().int().min(0).max(65535),
    host: z.string().min(1),
    logLevel: z.enum(LOG_LEVELS),
    trustProxy: z.number().int().min(0),
    shutdownGraceMs: z.number().int().positive(),
    lti: z
      .object({
        tokenMaxAgeSeconds: z.number().int().positive().max(600),
        clockSkewSeconds: z.number().int().min(0).max(300),
        sessionTtlMinutes: z.number().int().positive(),
      })
      .strict(),
    embeddedMongo: z
      .object({ snapshotPath: z.string().min(1), devKeyPath: z.string().min(1) })
      .strict(),
    registration: z
      .object({
        autoActivate: z.boolean(),
        canvasHosts: z.array(z.string().min(1)),
        pendingExpiryDays: z.number().positive().max(365).default(7),
      })
      .strict(),
    // Defaults here as well as in defaults.json so older config layers keep validating.
    rateLimits: z
      .object({ login: rateLimitRule, register: rateLimitRule })
      .strict()
      .default({
        login: { windowSeconds: 60, max: 300 },
        register: { windowSeconds: 600, max: 10 },
      }),
  })
  .strict();
type FileSettings = z.infer<typeof fileLayerSchema>;

/** Parsed JSON layers in increasing precedence: defaults.json, then <env>.json. */
export type ConfigFileLayers = readonly Readonly<Record<string, unknown>>[];

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function deepMerge(
  base: Record<string, unknown>,
  over: Record<string, unknown>,
): Record<string, unknown> {
  const out: Record<string, unknown> = { ...base };
  for (const [key, value] of Object.entries(over)) {
    const current = out[key];
    out[key] = isPlainObject(current) && isPlainObject(value) ? deepMerge(current, value) : value;
  }
  return out;
}

const trimmed = (value: string | undefined): string | undefined => {
  const t = value?.trim();
  return t === undefined || t === '' ? undefined : t;
};

function parseBoolean(raw: string | undefined): boolean | 'invalid' | undefined {
  if (raw === undefined) return undefined;
  if (/^(1|true|yes|on)$/i.test(raw)) return true;
  if (/^(0|false|no|off)$/i.test(raw)) return false;
  return 'invalid';
}

function parseWhole(
  raw: string | undefined,
  min: number,
  max: number,
): number | 'invalid' | undefined {
  if (raw === undefined) return undefined;
  if (!/^\d+$/.test(raw)) return 'invalid';
  const n = Number(raw);
  return n >= min && n <= max ? n : 'invalid';
}

/**
 * Validates the environment and config file layers. Throws ConfigError listing every problem.
 */
export function loadConfig(
  env: Readonly<Record<string, string | undefined>>,
  layers: ConfigFileLayers,
): Config {
  const problems: ConfigProblem[] = [];
  const bad = (variable: Variable, problem: string): void => {
    problems.push({ variable, problem, ...VARIABLES[variable] });
  };

  const nodeEnvRaw = trimmed(env.NODE_ENV) ?? 'development';
  let nodeEnv: NodeEnv = 'development';
  if (nodeEnvRaw === 'development' || nodeEnvRaw === 'test' || nodeEnvRaw === 'production') {
    nodeEnv = nodeEnvRaw;
  } else {
    bad('NODE_ENV', `"${nodeEnvRaw}" is not a known environment`);
  }
  const production = nodeEnv === 'production';

  const merged = layers.reduce<Record<string, unknown>>(
    (acc, layer) => deepMerge(acc, { ...layer }),
    {},
  );
  const fileResult = fileLayerSchema.safeParse(merged);
  if (!fileResult.success) {
    // A broken config/*.json is a deployment bug: report each field like a variable.
    for (const issue of fileResult.error.issues) {
      problems.push({
        variable: `config file field "${issue.path.join('.')}"`,
        problem: issue.message,
        purpose: 'non-secret defaults shipped in config/defaults.json and config/<env>.json',
        fix: 'correct the value in config/<env>.json (see config/defaults.json for the expected shape)',
      });
    }
  }
  const files: FileSettings | undefined = fileResult.success ? fileResult.data : undefined;

  const devMode = parseBoolean(trimmed(env.PATHWISE_DEV_MODE));
  if (devMode === 'invalid') bad('PATHWISE_DEV_MODE', 'must be true or false');
  if (devMode === true && production) {
    bad(
      'PATHWISE_DEV_MODE',
      'dev mode (embedded database, LMS simulator) is refused in production',
    );
  }

  const port = parseWhole(trimmed(env.PORT), 0, 65535);
  if (port === 'invalid') bad('PORT', `"${env.PORT ?? ''}" is not a port number`);

  const host = trimmed(env.HOST);

  const logLevelRaw = trimmed(env.LOG_LEVEL);
  const logLevel = LOG_LEVELS.find((l) => l === logLevelRaw);
  if (logLevelRaw !== undefined && logLevel === undefined) {
    bad('LOG_LEVEL', `"${logLevelRaw}" is not a log level`);
  }

  const trustProxy = parseWhole(trimmed(env.TRUST_PROXY), 0, 32);
  if (trustProxy === 'invalid')
    bad('TRUST_PROXY', `"${env.TRUST_PROXY ?? ''}" is not a whole number of proxies`);

  const resolvedPort = typeof port === 'number' ? port : (files?.port ?? 3000);
  const publicUrlRaw = trimmed(env.PUBLIC_URL);
  let publicUrl = `http://localhost:${resolvedPort}`;
  if (publicUrlRaw === undefined) {
    if (production) bad('PUBLIC_URL', 'missing (required in production)');
  } else {
    let parsed: URL | undefined;
    try {
      parsed = new URL(publicUrlRaw);
    } catch {
      bad('PUBLIC_URL', `"${publicUrlRaw}" is not a URL`);
    }
    if (parsed !== undefined) {
      if (parsed.protocol !== 'https:' && parsed.protocol !== 'http:') {
        bad('PUBLIC_URL', 'must be an http(s) URL');
      } else if (production && parsed.protocol !== 'https:') {
        bad('PUBLIC_URL', 'must use https in production (LTI 1.3 requires TLS)');
      } else if (parsed.search !== '' || parsed.hash !== '') {
        bad('PUBLIC_URL', 'must not contain a query string or fragment');
      } else {
        publicUrl = parsed.toString().replace(/\/+$/, '');
      }
    }
  }

  const mongodbUri = trimmed(env.MONGODB_URI);
  if (mongodbUri === undefined) {
    if (devMode !== true) {
      bad(
        'MONGODB_URI',
        'missing (required outside dev mode: the embedded database is for dev mode and tests only)',
      );
    }
  } else if (!/^mongodb(\+srv)?:\/\/[^/?#]+/.test(mongodbUri)) {
    bad('MONGODB_URI', 'is not a mongodb:// or mongodb+srv:// connection string');
  }

  const encryptionKey = env.LTI_ENCRYPTION_KEY;
  if (encryptionKey === undefined || encryptionKey === '') {
    if (devMode !== true) {
      bad('LTI_ENCRYPTION_KEY', 'missing (required outside dev mode; it has no default)');
    }
  } else if (encryptionKey.length < MIN_ENCRYPTION_KEY_LENGTH) {
    // Never echo the secret itself, only its length.
    bad(
      'LTI_ENCRYPTION_KEY',
      `is ${encryptionKey.length} characters long; at least ${MIN_ENCRYPTION_KEY_LENGTH} are required`,
    );
  }

  const secureOverride = parseBoolean(trimmed(env.PATHWISE_SECURE_COOKIES));
  const publicHost = new URL(publicUrl).hostname;
  const loopback = ['localhost', '127.0.0.1', '[::1]'].includes(publicHost);
  if (secureOverride === 'invalid') bad('PATHWISE_SECURE_COOKIES', 'must be true or false');
  else if (secureOverride === false && production)
    bad('PATHWISE_SECURE_COOKIES', 'insecure cookies are refused in production');
  else if (secureOverride === true && !publicUrl.startsWith('https:') && !loopback)
    bad(
      'PATHWISE_SECURE_COOKIES',
      'browsers drop Secure cookies from a plain-http site other than localhost or 127.0.0.1',
    );

  const devLmsRaw = trimmed(env.PATHWISE_DEV_LMS_URL);
  let devLmsUrl = `${publicUrl}${DEV_LMS_PATH}`;
  if (devLmsRaw !== undefined) {
    let parsed: URL | undefined;
    try {
      parsed = new URL(devLmsRaw);
    } catch {
      bad('PATHWISE_DEV_LMS_URL', `"${devLmsRaw}" is not a URL`);
    }
    if (parsed !== undefined) {
      const path = parsed.pathname.replace(/\/+$/, '');
      if (devMode !== true) bad('PATHWISE_DEV_LMS_URL', 'only means something in dev mode');
      else if (parsed.protocol !== 'https:' && parsed.protocol !== 'http:')
        bad('PATHWISE_DEV_LMS_URL', 'must be an http(s) URL');
      else if (path !== DEV_LMS_PATH || parsed.search !== '' || parsed.hash !== '')
        bad('PATHWISE_DEV_LMS_URL', `must end in ${DEV_LMS_PATH}, without a query or fragment`);
      else devLmsUrl = `${parsed.origin}${DEV_LMS_PATH}`;
    }
  }

  if (problems.length > 0 || files === undefined) throw new ConfigError(problems);

  return deepFreeze({
    nodeEnv,
    devMode: devMode === true,
    port: resolvedPort,
    host: host ?? files.host,
    publicUrl,
    mongodbUri,
    encryptionKey: encryptionKey === '' ? undefined : encryptionKey,
    logLevel: logLevel ?? files.logLevel,
    trustProxy: typeof trustProxy === 'number' ? trustProxy : files.trustProxy,
    shutdownGraceMs: files.shutdownGraceMs,
    lti: files.lti,
    embeddedMongo: files.embeddedMongo,
    registration: files.registration,
    rateLimits: files.rateLimits,
    secureCookies:
      typeof secureOverride === 'boolean' ? secureOverride : publicUrl.startsWith('https:'),
    devLmsUrl,
  });
}

function deepFreeze<T extends object>(value: T): T {
  for (const child of Object.values(value)) {
    if (typeof child === 'object' && child !== null) deepFreeze(child as object);
  }
  return Object.freeze(value);
}

/** Reads config/defaults.json and config/<NODE_ENV>.json (missing env file = no overrides). */
export function readConfigFiles(
  configDir: string,
  env: Readonly<Record<string, string | undefined>>,
): ConfigFileLayers {
  const nodeEnv = trimmed(env.NODE_ENV) ?? 'development';
  const names = ['defaults.json', `${nodeEnv}.json`];
  return names
    .map((name) => path.join(configDir, name))
    .filter((file) => existsSync(file))
    .map((file) => {
      const parsed: unknown = JSON.parse(readFileSync(file, 'utf8'));
      if (!isPlainObject(parsed))
        throw new ConfigError([
          {
            variable: file,
            problem: 'is not a JSON object',
            purpose: 'non-secret defaults',
            fix: 'make the file a JSON object',
          },
        ]);
      return parsed;
    });
}

/** The process environment, read in exactly one place. */
export const processEnv = (): Readonly<Record<string, string | undefined>> => process.env;
