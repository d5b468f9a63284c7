/**
 * Wires real adapters into services and the app: the only place that constructs adapters.
 */
import type { Express } from 'express';
import { createApp, type MountedRouter } from './app.js';
import { createAssignmentRepository } from './assignments/assignment.repository.mongo.js';
import type { Config } from './infra/config.js';
import type { Database } from './infra/db.js';
import type { Logger } from './infra/logger.js';
import { createFrameAncestors, type FrameAncestors } from './lti/frame-ancestors.js';
import { JwksCache } from './lti/jwks-cache.js';
import { createLoginStateStore, createLtiSessionStore } from './lti/launch-stores.mongo.js';
import { createLaunchService } from './lti/launch.service.js';
import { createLtijsProvider } from './lti/ltijs-provider.js';
import { createLtijsStore } from './lti/ltijs-store.mongo.js';
import { ltiRoutes, type LaunchHook } from './lti/lti.routes.js';
import { createOutboundHttp, type OutboundHttp } from './lti/outbound-http.js';
import { fetchJwks } from './lti/platform-jwks.js';
import { createPlatformRegistry } from './lti/platform-registry.mongo.js';
import type { PlatformRegistry } from './lti/platforms.js';
import { systemClock, type Clock } from './shared/clock.js';

export interface Application {
  readonly app: Express;
  readonly registry: PlatformRegistry;
  readonly outbound: OutboundHttp;
  readonly jwksCache: JwksCache;
  readonly frameAncestors: FrameAncestors;
  /** Releases what the application itself opened (not the database: main owns that). */
  close(): Promise<void>;
}

export interface CompositionInput {
  readonly config: Config;
  readonly logger: Logger;
  readonly database: Database;
  /** Encrypts stored LTI keys (from config, or the dev-mode key). */
  readonly encryptionKey: string;
  readonly clock?: Clock;
  /** Replaces the global fetch for outbound requests (benchmarks count them). */
  readonly fetchImpl?: typeof fetch;
}

export const USER_AGENT = 'Pathwise/0.1 (LTI 1.3 tool; +https://github.com/pathwise)';

export async function composeApplication(input: CompositionInput): Promise<Application> {
  const { config, logger, database } = input;
  const clock = input.clock ?? systemClock;
  const connection = database.connection;

  const outbound = createOutboundHttp({
    userAgent: USER_AGENT,
    ...(input.fetchImpl === undefined ? {} : { fetchImpl: input.fetchImpl }),
  });
  const ltijsStore = createLtijsStore(connection);
  await ltijsStore.ensureIndexes();
  const ltijs = createLtijsProvider({
    encryptionKey: input.encryptionKey,
    store: ltijsStore,
    secureCookies: config.secureCookies,
  });
  const registry = await createPlatformRegistry({
    connection,
    ltijsStore,
    encryptionKey: input.encryptionKey,
  });
  const jwksCache = new JwksCache({ fetchKeys: (url) => fetchJwks(outbound, url), clock });
  const launches = createLaunchService({
    registry,
    loginStates: await createLoginStateStore(connection),
    sessions: await createLtiSessionStore(connection),
    resolveKey: (url, kid) => jwksCache.keyFor(url, kid),
    clock,
    settings: {
      publicUrl: config.publicUrl,
      clockSkewSeconds: config.lti.clockSkewSeconds,
      tokenMaxAgeSeconds: config.lti.tokenMaxAgeSeconds,
      sessionTtlMinutes: config.lti.sessionTtlMinutes,
    },
  });
  const sessions = await createLtiSessionStore(connection);
  const frameAncestors = createFrameAncestors(registry, clock);
  await frameAncestors.refresh();
  const launchHooks: LaunchHook[] = [
    (completed) =>
      frameAncestors.learnFromLaunch(completed.registration.id, completed.session.launch),
  ];

  const routers: MountedRouter[] = [
    {
      path: '/lti',
      handler: ltiRoutes({
        launches,
        sessions,
        registry,
        ltijs,
        assignments: await createAssignmentRepository(connection, clock),
        clock,
        logger,
        publicUrl: config.publicUrl,
        secureCookies: config.secureCookies,
        launchHooks,
      }),
    },
  ];
  const closers: (() => void)[] = [];
  if (config.devMode) {
    // Never imported in production: the simulator exists only in dev mode.
    const { startDevPlatforms } = await import('./dev/dev-platforms.js');
    const dev = await startDevPlatforms({ publicUrl: config.publicUrl, registry, clock, logger });
    routers.push({ path: '/dev/lms', handler: dev.router });
    closers.push(() => {
      dev.close();
    });
    await frameAncestors.refresh();
  }

  const app = createApp({
    config,
    logger,
    health: { isDatabaseReachable: () => database.isReachable() },
    frameAncestors: () => frameAncestors.origins(),
    routers,
    homeLinks: config.devMode ? [{ href: '/dev/lms', label: 'Open the LMS simulator' }] : [],
  });
  return {
    app,
    registry,
    outbound,
    jwksCache,
    frameAncestors,
    close: () => {
      frameAncestors.stop();
      for (const close of closers) close();
      return Promise.resolve();
    },
  };
}
