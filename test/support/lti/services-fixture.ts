/**
 * Everything the AGS/NRPS/outbox/roster integration tests share: a fresh database, the real
 * MongoDB platform registry, the tool's JWKS on 127.0.0.1 (the simulator's token endpoint
 * verifies our client assertions against it), the LMS simulator with both profiles registered in
 * the registry, OutboundHttp with every outgoing request captured, one ManualClock shared by the
 * tool and the simulator, and a `launch()` that mints a real launch token, parses it into a
 * LaunchContext and records its service endpoints as the launch hook does.
 */
import mongoose, { type Connection } from 'mongoose';
import { createAgsClient, type AgsClient } from '../../../src/lti/ags-client.js';
import { parseLaunchClaims, type LaunchContext } from '../../../src/lti/claims.js';
import { createLtijsStore } from '../../../src/lti/ltijs-store.mongo.js';
import { createOutboundHttp, type OutboundHttp } from '../../../src/lti/outbound-http.js';
import { createPlatformRegistry } from '../../../src/lti/platform-registry.mongo.js';
import type { PlatformRegistry } from '../../../src/lti/platforms.js';
import {
  recordLaunchEndpoints,
  type ServiceEndpointsRepository,
} from '../../../src/lti/service-endpoints.js';
import { createServiceEndpointsRepository } from '../../../src/lti/service-endpoints.mongo.js';
import {
  createServiceTokenClient,
  type ServiceTokenClient,
} from '../../../src/lti/service-token.js';
import { ManualClock } from '../../../src/shared/clock.js';
import type {
  ClaimEdits,
  LmsSimulatorOptions,
  ProfileName,
  SimulatedPlatform,
} from '../../../src/dev/lms-simulator/index.js';
import { openTestDatabase, usingRealMongo, type TestDatabase } from '../database.js';
import { startServer, type RunningServer } from '../platform/http.js';
import { startSimulator, type RunningSimulator } from '../platform/simulator.js';

export const TEST_USER_AGENT = 'Pathwise-test/1.0 (services)';

export interface CapturedRequest {
  readonly url: string;
  readonly method: string;
  readonly headers: Readonly<Record<string, string>>;
  readonly body: string | undefined;
}

export interface ServicesFixture {
  readonly clock: ManualClock;
  readonly database: TestDatabase;
  readonly connection: Connection;
  readonly registry: PlatformRegistry;
  readonly sim: RunningSimulator;
  readonly http: OutboundHttp;
  /** Every request sent through `http`, in order. */
  readonly requests: CapturedRequest[];
  readonly tokens: ServiceTokenClient;
  readonly ags: AgsClient;
  readonly endpoints: ServiceEndpointsRepository;
  readonly timeoutMs: number;
  platform(profile: ProfileName): SimulatedPlatform;
  platformId(profile: ProfileName): string;
  /** The simulator's resource links of our tool: [graded (has a line item), ungraded]. */
  links(profile: ProfileName): { readonly graded: string; readonly ungraded: string };
  /** Mints a launch, parses it and records its endpoints; returns the LaunchContext. */
  launch(
    profile: ProfileName,
    options?: { user?: string; resourceLinkId?: string; edits?: ClaimEdits },
  ): Promise<LaunchContext>;
  close(): Promise<void>;
}

export interface ServicesFixtureOptions {
  readonly clock?: ManualClock;
  /** Outbound timeout of AGS/NRPS calls (short: hang faults must time out fast). */
  readonly timeoutMs?: number;
  readonly platforms?: LmsSimulatorOptions['platforms'];
}

function headersOf(init: RequestInit | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  new Headers(init?.headers).forEach((value, key) => {
    out[key] = value;
  });
  return out;
}

export async function startServicesFixture(
  options: ServicesFixtureOptions = {},
): Promise<ServicesFixture> {
  const clock = options.clock ?? new ManualClock(Date.UTC(2026, 2, 1, 12, 0, 0));
  const timeoutMs = options.timeoutMs ?? 2000;
  const database = await openTestDatabase();
  const connection = await mongoose.createConnection(database.uri).asPromise();
  const ltijsStore = createLtijsStore(connection);
  await ltijsStore.ensureIndexes();
  const registry = await createPlatformRegistry({
    connection,
    ltijsStore,
    encryptionKey: 'test-only-encryption-key-0123456789abcdef',
  });
  const jwks: RunningServer = await startServer((_req, res) => {
    registry.publishedKeys().then(
      (keys) => {
        res.setHeader('Content-Type', 'application/json');
        res.end(JSON.stringify({ keys }));
      },
      () => {
        res.statusCode = 500;
        res.end();
      },
    );
  });
  const sim = await startSimulator({
    clock,
    tool: {
      loginUrl: 'https://pathwise.test/lti/login',
      launchUrl: 'https://pathwise.test/lti/launch',
      jwksUrl: `${jwks.url}/keys`,
    },
    ...(options.platforms === undefined ? {} : { platforms: options.platforms }),
  });
  const platformIds = new Map<ProfileName, string>();
  for (const platform of sim.simulator.platforms) {
    const toolRegistration = [...platform.state.registrations.values()][0];
    if (toolRegistration === undefined) throw new Error('the simulator registered no tool');
    const registration = await registry.register({
      issuer: platform.issuer,
      clientId: toolRegistration.clientId,
      name: `Simulated ${platform.profile}`,
      authEndpoint: platform.urls.auth,
      tokenEndpoint: platform.urls.token,
      jwksUrl: platform.urls.jwks,
      active: true,
      source: 'static',
      deploymentIds: toolRegistration.deploymentIds,
    });
    platformIds.set(platform.profile, registration.id);
  }

  const requests: CapturedRequest[] = [];
  const capturingFetch: typeof fetch = (input, init) => {
    const url =
      typeof input === 'string' ? input : input instanceof URL ? input.toString() : input.url;
    requests.push({
      url,
      method: init?.method ?? 'GET',
      headers: headersOf(init),
      body: typeof init?.body === 'string' ? init.body : undefined,
    });
    return fetch(input, init);
  };
  const http = createOutboundHttp({ userAgent: TEST_USER_AGENT, fetchImpl: capturingFetch });
  const tokens = createServiceTokenClient({ registry, http, clock, timeoutMs });
  const ags = createAgsClient({ http, tokens, clock, timeoutMs });
  const endpoints = await createServiceEndpointsRepository(connection);

  const platform = (profile: ProfileName) => sim.simulator.platform(profile);
  // The seeded links, read before any test adds line items to them.
  const seededLinks = new Map<ProfileName, { graded: string; ungraded: string }>();
  for (const p of sim.simulator.platforms) {
    const ours = [...p.state.resourceLinks.values()];
    const graded = ours.find((l) => p.state.lineItemsForLink(l.id).length > 0);
    const ungraded = ours.find((l) => p.state.lineItemsForLink(l.id).length === 0);
    if (graded === undefined || ungraded === undefined)
      throw new Error('the simulator has no graded/ungraded links');
    seededLinks.set(p.profile, { graded: graded.id, ungraded: ungraded.id });
  }
  const platformId = (profile: ProfileName): string => {
    const id = platformIds.get(profile);
    if (id === undefined) throw new Error(`no ${profile} platform in this fixture`);
    return id;
  };

  return {
    clock,
    database,
    connection,
    registry,
    sim,
    http,
    requests,
    tokens,
    ags,
    endpoints,
    timeoutMs,
    platform,
    platformId,
    links(profile) {
      const found = seededLinks.get(profile);
      if (found === undefined) throw new Error(`no ${profile} platform in this fixture`);
      return found;
    },
    async launch(profile, launchOptions = {}) {
      const p = platform(profile);
      const { claims } = p.mintIdToken({
        user: launchOptions.user ?? 'instructor',
        ...(launchOptions.resourceLinkId === undefined
          ? {}
          : { resourceLinkId: launchOptions.resourceLinkId }),
        ...(launchOptions.edits === undefined ? {} : { edits: launchOptions.edits }),
      });
      const registration = await registry.findById(platformId(profile));
      if (registration === undefined) throw new Error('registration vanished');
      const parsed = parseLaunchClaims(claims, registration);
      if (!parsed.ok) throw new Error(`launch claims refused: ${JSON.stringify(parsed.error)}`);
      await recordLaunchEndpoints(endpoints, platformId(profile), parsed.value, clock);
      return parsed.value;
    },
    async close() {
      await sim.close();
      await jwks.close();
      if (usingRealMongo()) await connection.dropDatabase();
      await connection.close();
      await database.close();
    },
  };
}
