/**
 * Built-in LTI 1.3 platform (LMS) simulator for dev mode and tests. NEVER mounted in production:
 * only main.ts/composition.ts (dev mode) and tests import it.
 *
 * createLmsSimulator({ baseUrl, platforms: ['canvas', 'moodle'], tool }) hosts one simulated
 * platform per profile under `${baseUrl}/${profile}`, each with its own issuer, keys and state,
 * plus the dashboard at `${baseUrl}/`.
 */
import express, { type Router } from 'express';
import type { Clock } from '../../shared/clock.js';
import type { FaultPlan } from './faults.js';
import type { SigningKey } from './jwt.js';
import { renderDashboard } from './pages.js';
import { createPlatform, type SimulatedPlatform, type ToolOptions } from './platform.js';
import type { ProfileName } from './profiles.js';
import { loadViews } from './views.js';

export interface PlatformSetup {
  readonly profile: ProfileName;
  /** Launch `iss` (default: canvas.instructure.com for canvas, the platform URL for moodle). */
  readonly issuer?: string;
  /** Mount path under baseUrl (default `/${profile}`). */
  readonly path?: string;
  /** Overrides the simulator-wide tool for this platform (`null`: no manual registration). */
  readonly tool?: ToolOptions | null;
  readonly faults?: FaultPlan;
  readonly signingKey?: SigningKey;
  /** Seeded students (default 30). */
  readonly studentCount?: number;
  /** Platform Storage on or off (default: Canvas on, Moodle off, as the real platforms). */
  readonly platformStorage?: boolean;
}

export interface LmsSimulatorOptions {
  /** Public URL of the simulator incl. its mount path, e.g. `http://localhost:3000/dev/lms`. */
  readonly baseUrl: string;
  /** Platforms to host (default both profiles). */
  readonly platforms?: readonly (ProfileName | PlatformSetup)[];
  /** The tool registered by hand on every platform (ids differ per platform). */
  readonly tool?: ToolOptions;
  readonly clock?: Clock;
  /** Faults armed at start on every platform without its own `faults`. */
  readonly faults?: FaultPlan;
  /** Timeout of the simulator's fetch of the tool's JWKS (token and deep-link checks). */
  readonly toolJwksTimeoutMs?: number;
  readonly projectRoot?: string;
}

export interface LmsSimulator {
  readonly baseUrl: string;
  readonly router: Router;
  readonly platforms: readonly SimulatedPlatform[];
  /** The platform of a profile (the first one if several). Throws when not hosted. */
  platform(profile: ProfileName): SimulatedPlatform;
  close(): void;
}

export async function createLmsSimulator(options: LmsSimulatorOptions): Promise<LmsSimulator> {
  const baseUrl = options.baseUrl.replace(/\/+$/, '');
  const views = loadViews(options.projectRoot);
  const setups: PlatformSetup[] = (options.platforms ?? ['canvas', 'moodle']).map((p) =>
    typeof p === 'string' ? { profile: p } : p,
  );
  const platforms: SimulatedPlatform[] = [];
  const router = express.Router();
  for (const setup of setups) {
    const path = setup.path ?? `/${setup.profile}`;
    const tool = setup.tool === undefined ? options.tool : (setup.tool ?? undefined);
    const platform = await createPlatform({
      profile: setup.profile,
      baseUrl: `${baseUrl}${path}`,
      views,
      ...(setup.issuer === undefined ? {} : { issuer: setup.issuer }),
      ...(tool === undefined ? {} : { tool }),
      ...(options.clock === undefined ? {} : { clock: options.clock }),
      ...((setup.faults ?? options.faults) === undefined
        ? {}
        : { faults: setup.faults ?? options.faults ?? {} }),
      ...(setup.signingKey === undefined ? {} : { signingKey: setup.signingKey }),
      ...(setup.studentCount === undefined ? {} : { studentCount: setup.studentCount }),
      ...(setup.platformStorage === undefined ? {} : { platformStorage: setup.platformStorage }),
      ...(options.toolJwksTimeoutMs === undefined
        ? {}
        : { toolJwksTimeoutMs: options.toolJwksTimeoutMs }),
    });
    platforms.push(platform);
    router.use(path, platform.router);
  }
  const first = platforms[0];
  router.get('/', (_req, res) => {
    if (first === undefined) {
      res.status(404).type('text').send('No simulated platforms configured.');
      return;
    }
    res.type('html').send(renderDashboard(views, platforms, first));
  });
  return {
    baseUrl,
    router,
    platforms,
    platform(profile) {
      const found = platforms.find((p) => p.profile === profile);
      if (found === undefined) throw new Error(`no simulated ${profile} platform`);
      return found;
    },
    close() {
      for (const p of platforms) p.close();
    },
  };
}

export { createPlatform } from './platform.js';
export type {
  MintIdTokenOptions,
  PlatformOptions,
  SimulatedPlatform,
  ToolOptions,
} from './platform.js';
export type { Fault, FaultPlan } from './faults.js';
export { FaultInjector } from './faults.js';
export { buildLaunchClaims, rolesFor, type LaunchClaimsInput } from './claims.js';
export {
  decodeJwtUnverified,
  editClaims,
  generateSigningKey,
  jwksDocument,
  signJwt,
  type ClaimEdits,
  type ClaimPath,
  type JwtClaims,
  type SignJwtOptions,
  type SigningKey,
} from './jwt.js';
export type { LaunchRequest, LoginInitiation } from './oidc.js';
export {
  CANVAS_ISSUER,
  PROFILES,
  PlatformUrls,
  STORAGE_FRAME_NAME,
  type ProfileName,
} from './profiles.js';
export type { RegistrationStart } from './registration.js';
export { seedCourse, seedUsers, type SeedCourse, type SeedUser, type CourseRole } from './seed.js';
export * from './state.js';
export {
  CLAIM,
  LTI_VERSION,
  MEDIA_TYPE,
  MESSAGE_TYPE,
  ROLE,
  SCOPE,
  CLIENT_ASSERTION_TYPE,
} from './vocabulary.js';
