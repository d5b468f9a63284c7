/**
 * Wires real adapters into services and the app: the only place that constructs adapters.
 */
import type { Express } from 'express';
import { createApp, type MountedRouter } from './app.js';
import { createAssignmentRepository } from './assignments/assignment.repository.mongo.js';
import { createContentRepository } from './content/content.repository.mongo.js';
import type { ContentRepository } from './content/content.repository.js';
import { createContentService, type ContentService } from './content/content.service.js';
import { createGradeOutbox, type GradeOutbox } from './grading/grade-outbox.js';
import { createGradeOutboxRepository } from './grading/grade-outbox.mongo.js';
import { createGradeOutboxWorker, type GradeOutboxWorker } from './grading/grade-outbox.worker.js';
import { dashboardRoutes } from './dashboards/dashboard.routes.js';
import { createInstructorDashboard } from './dashboards/instructor-dashboard.service.js';
import type { LmsSimulator } from './dev/lms-simulator/index.js';
import type { Config } from './infra/config.js';
import { createRateLimiter, ENTRY_POINT_LIMITS } from './infra/http/rate-limit.js';
import {
  ensureRateLimitIndexes,
  MongoRateLimitStore,
} from './infra/http/rate-limit-store.mongo.js';
import type { Database } from './infra/db.js';
import type { Logger } from './infra/logger.js';
import { createLearnerRepository } from './learners/learner.repository.mongo.js';
import { learnerRoutes } from './learners/learner.routes.js';
import { createLearnerService, type LearnerService } from './learners/learner.service.js';
import { createPlatformFrameOrigins, type PlatformFrameOrigins } from './lti/frame-ancestors.js';
import { createSessionGate } from './lti/session-gate.js';
import { createAgsClient } from './lti/ags-client.js';
import { createAgsScorePublisher } from './lti/ags.adapter.js';
import { JwksCache } from './lti/jwks-cache.js';
import { createLoginStateStore, createLtiSessionStore } from './lti/launch-stores.mongo.js';
import { createLaunchService } from './lti/launch.service.js';
import { createLtijsProvider } from './lti/ltijs-provider.js';
import { createLtijsStore } from './lti/ltijs-store.mongo.js';
import { ltiRoutes, type LaunchHook } from './lti/lti.routes.js';
import { createNrpsMembershipSource } from './lti/nrps.adapter.js';
import { createOutboundHttp, type OutboundHttp } from './lti/outbound-http.js';
import { fetchJwks } from './lti/platform-jwks.js';
import { createPlatformRegistry } from './lti/platform-registry.mongo.js';
import type { PlatformRegistry } from './lti/platforms.js';
import {
  createServicesLaunchHook,
  type ServiceEndpointsRepository,
} from './lti/service-endpoints.js';
import { createServiceEndpointsRepository } from './lti/service-endpoints.mongo.js';
import { createServiceTokenClient } from './lti/service-token.js';
import type { PlatformEntry } from './registration/platform-entry.js';
import { createPendingRegistrationStore } from './registration/pending-registrations.mongo.js';
import { registrationRoutes } from './registration/registration.routes.js';
import { CANVAS_SHARED_ISSUERS, INSTRUCTURE_DOMAINS } from './registration/vocabulary.js';
import { applyStaticPlatforms } from './registration/static-platforms.js';
import { cachedPracticeContent } from './practice/practice-content.js';
import {
  createAttemptRepository,
  createItemStatsRepository,
  createPracticeSetRepository,
} from './practice/practice.repository.mongo.js';
import { practiceContextOf, practiceRoutes } from './practice/practice.routes.js';
import { createPracticeService, type PracticeService } from './practice/practice.service.js';
import { learnerDataSources } from './privacy/learner-data-sources.js';
import { createRosterRepository } from './roster/roster.mongo.js';
import { createRosterSync, type RosterSync } from './roster/roster-sync.js';
import { systemClock, type Clock } from './shared/clock.js';

export interface Application {
  readonly app: Express;
  readonly registry: PlatformRegistry;
  readonly outbound: OutboundHttp;
  readonly jwksCache: JwksCache;
  readonly frameOrigins: PlatformFrameOrigins;
  readonly serviceEndpoints: ServiceEndpointsRepository;
  readonly gradeOutbox: GradeOutbox;
  readonly gradeWorker: GradeOutboxWorker;
  readonly rosterSync: RosterSync;
  readonly content: ContentService;
  readonly contentRepository: ContentRepository;
  readonly practice: PracticeService;
  readonly learners: LearnerService;
  /** The built-in LMS simulator (dev mode only). */
  readonly devSimulator: LmsSimulator | undefined;
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
  /** Validated entries of config/platforms*.json, registered if missing. */
  readonly staticPlatforms?: readonly PlatformEntry[];
  /** Replaces the global fetch for outbound requests (benchmarks count them). */
  readonly fetchImpl?: typeof fetch;
}

/** How often the roster of every known course is refreshed, and when a roster counts as stale. */
const ROSTER_SYNC_INTERVAL_MS = 60 * 60 * 1000;
const ROSTER_STALE_AFTER_MS = 12 * 60 * 60 * 1000;

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
  if (input.staticPlatforms !== undefined && input.staticPlatforms.length > 0) {
    const report = await applyStaticPlatforms(registry, input.staticPlatforms);
    logger.info(
      { registered: report.registered, deploymentsAdded: report.deploymentsAdded },
      'static platforms applied',
    );
    for (const difference of report.differences) {
      logger.warn(
        difference,
        'a stored platform differs from config/platforms*.json; remove and re-add it with `npm run platform` to change it',
      );
    }
  }
  const jwksCache = new JwksCache({ fetchKeys: (url) => fetchJwks(outbound, url), clock });
  const sessions = await createLtiSessionStore(connection);
  const launches = createLaunchService({
    registry,
    loginStates: await createLoginStateStore(connection),
    sessions,
    resolveKey: (url, kid) => jwksCache.keyFor(url, kid),
    clock,
    settings: {
      publicUrl: config.publicUrl,
      clockSkewSeconds: config.lti.clockSkewSeconds,
      tokenMaxAgeSeconds: config.lti.tokenMaxAgeSeconds,
      sessionTtlMinutes: config.lti.sessionTtlMinutes,
    },
  });
  const assignments = await createAssignmentRepository(connection, clock);
  // Canvas serves every school under its shared issuers from its own hosts, not the issuer's.
  const canvasFrameOrigins = [
    ...INSTRUCTURE_DOMAINS.map((domain) => `https://*.${domain}`),
    ...config.registration.canvasHosts.map((host) => `https://${host}`),
  ];
  const frameOrigins = createPlatformFrameOrigins(registry, {
    originsByIssuer: Object.fromEntries(
      CANVAS_SHARED_ISSUERS.map((issuer) => [issuer, canvasFrameOrigins]),
    ),
  });
  await frameOrigins.refresh();
  const sessionGate = createSessionGate({
    sessions,
    frameOrigins,
    clock,
    secureCookies: config.secureCookies,
  });

  // LTI Advantage services: tokens are cached per (platform, scopes); endpoints are stored at
  // launch so grading and roster sync work without a live launch.
  const tokens = createServiceTokenClient({ registry, http: outbound, clock });
  const serviceEndpoints = await createServiceEndpointsRepository(connection);
  const ags = createAgsClient({ http: outbound, tokens, clock });
  const outboxRepository = await createGradeOutboxRepository(connection);
  const gradeWorker = createGradeOutboxWorker({
    repository: outboxRepository,
    publisher: createAgsScorePublisher({ endpoints: serviceEndpoints, ags, clock }),
    clock,
    logger,
  });
  const gradeOutbox = createGradeOutbox({
    repository: outboxRepository,
    clock,
    onEnqueued: () => {
      gradeWorker.wake();
    },
  });
  const rosterRepository = await createRosterRepository(connection);
  const rosterSync = createRosterSync({
    source: createNrpsMembershipSource({ http: outbound, tokens, clock }),
    courses: serviceEndpoints,
    repository: rosterRepository,
    clock,
    logger,
  });

  // Content, learners and practice.
  const contentRepository = await createContentRepository(connection, { clock });
  const content = createContentService({ repository: contentRepository });
  if (config.devMode) {
    const loaded = await content.loadDemoBank();
    if (!loaded.ok)
      throw new Error(`the demo question bank does not load: ${JSON.stringify(loaded.error)}`);
  }
  const learnerRepository = await createLearnerRepository(connection);
  const practiceSets = await createPracticeSetRepository(connection);
  const attempts = await createAttemptRepository(connection);
  const practiceContent = cachedPracticeContent(contentRepository, clock);
  const practice = createPracticeService({
    learners: learnerRepository,
    sets: practiceSets,
    attempts,
    itemStats: await createItemStatsRepository(connection),
    content: practiceContent,
    gradeOutbox,
    clock,
  });
  const dashboard = createInstructorDashboard({
    assignments,
    roster: rosterSync,
    grades: gradeOutbox,
    sets: practiceSets,
    attempts,
    learners: learnerRepository,
    content: practiceContent,
    clock,
  });
  const learners = createLearnerService({
    learners: learnerRepository,
    sources: learnerDataSources({
      sets: practiceSets,
      attempts,
      outbox: outboxRepository,
      roster: rosterRepository,
      sessions,
    }),
    clock,
  });

  const launchHooks: LaunchHook[] = [
    createServicesLaunchHook({
      endpoints: serviceEndpoints,
      clock,
      onInstructorLaunch: (course) => rosterSync.onInstructorLaunch(course),
    }),
  ];

  // Per-IP limits on the unauthenticated entry points, counted in MongoDB across instances.
  await ensureRateLimitIndexes(connection);
  const limiter = (name: 'login' | 'register'): MountedRouter => ({
    path: `/lti/${name}`,
    handler: createRateLimiter({
      ...ENTRY_POINT_LIMITS[name],
      rule: config.rateLimits[name],
      store: new MongoRateLimitStore(connection, { prefix: `${name}:` }),
      logger,
    }),
  });

  const routers: MountedRouter[] = [
    limiter('login'),
    limiter('register'),
    {
      path: '/lti',
      handler: ltiRoutes({
        launches,
        sessions: sessionGate,
        frameOrigins,
        registry,
        ltijs,
        assignments,
        clock,
        logger,
        publicUrl: config.publicUrl,
        secureCookies: config.secureCookies,
        launchHooks,
        skills: () => practiceContent.skills(),
        poolFor: (skillIds) => practice.poolFor(skillIds),
      }),
    },
    {
      path: '/lti',
      handler: registrationRoutes({
        registry,
        http: outbound,
        publicUrl: config.publicUrl,
        devMode: config.devMode,
        logger,
        autoActivate: config.registration.autoActivate,
        pending: await createPendingRegistrationStore(connection),
        pendingExpiryMs: config.registration.pendingExpiryDays * 24 * 60 * 60 * 1000,
        clock,
        // In dev mode the simulator's Canvas profile registers from our own host.
        canvasHosts: config.devMode
          ? [...config.registration.canvasHosts, new URL(config.publicUrl).host]
          : config.registration.canvasHosts,
      }),
    },
    {
      path: '/practice',
      handler: practiceRoutes({
        practice,
        sessions: sessionGate,
        assignments,
        gradeOutbox,
        clock,
      }),
    },
    {
      path: '/dashboard',
      handler: dashboardRoutes({ dashboard, sessions: sessionGate, clock }),
    },
    {
      path: '/learner',
      handler: learnerRoutes({
        learners,
        sessions: sessionGate,
        clock,
        goalSkillsFor: async (session) =>
          practice.targetSkills(await practiceContextOf(session, assignments)),
      }),
    },
  ];
  const closers: (() => void)[] = [];
  let devSimulator: LmsSimulator | undefined;
  if (config.devMode) {
    // Never imported in production: the simulator exists only in dev mode.
    const { startDevPlatforms } = await import('./dev/dev-platforms.js');
    const dev = await startDevPlatforms({
      publicUrl: config.publicUrl,
      simulatorUrl: config.devLmsUrl,
      registry,
      clock,
      logger,
    });
    routers.push({ path: '/dev/lms', handler: dev.router });
    devSimulator = dev.simulator;
    closers.push(() => {
      dev.close();
    });
    await frameOrigins.refresh();
  }

  gradeWorker.start();
  const rosterSchedule = rosterSync.scheduleRosterSync({
    intervalMs: ROSTER_SYNC_INTERVAL_MS,
    staleAfterMs: ROSTER_STALE_AFTER_MS,
  });

  const app = createApp({
    config,
    logger,
    health: { isDatabaseReachable: () => database.isReachable() },
    routers,
    homeLinks: config.devMode ? [{ href: config.devLmsUrl, label: 'Open the LMS simulator' }] : [],
  });
  return {
    app,
    registry,
    outbound,
    jwksCache,
    frameOrigins,
    serviceEndpoints,
    gradeOutbox,
    gradeWorker,
    rosterSync,
    content,
    contentRepository,
    practice,
    learners,
    devSimulator,
    close: async () => {
      frameOrigins.stop();
      await rosterSchedule.stop();
      await gradeWorker.stop();
      for (const close of closers) close();
    },
  };
}
