/**
 * Dev mode: hosts the LMS simulator at /dev/lms (canvas and moodle profiles) and registers both
 * simulated platforms with Pathwise, active, with fixed client ids so a restart (the embedded
 * database keeps a snapshot) finds the same registrations instead of piling up new ones.
 *
 * The simulator may be reached under another host name than Pathwise (PATHWISE_DEV_LMS_URL, e.g.
 * 127.0.0.1 vs localhost): then it is another site, and the tool in its iframe meets the browser's
 * third-party-cookie rules as inside a real LMS. Its pages get a CSP that lets them frame the tool
 * and post forms to it.
 */
import express, { type Router } from 'express';
import type { Clock } from '../shared/clock.js';
import type { Logger } from '../infra/logger.js';
import type { PlatformRegistry } from '../lti/platforms.js';
import { createLmsSimulator, type LmsSimulator } from './lms-simulator/index.js';

export interface DevPlatforms {
  readonly router: Router;
  readonly simulator: LmsSimulator;
  close(): void;
}

export interface DevPlatformsOptions {
  readonly publicUrl: string;
  /** The simulator's public URL incl. the mount path (default publicUrl + mountPath). */
  readonly simulatorUrl?: string;
  readonly registry: PlatformRegistry;
  readonly clock: Clock;
  readonly logger: Logger;
  readonly mountPath?: string;
}

export async function startDevPlatforms(options: DevPlatformsOptions): Promise<DevPlatforms> {
  const { publicUrl, registry } = options;
  const mountPath = options.mountPath ?? '/dev/lms';
  const simulator = await createLmsSimulator({
    baseUrl: options.simulatorUrl ?? `${publicUrl}${mountPath}`,
    platforms: [
      { profile: 'canvas', tool: null },
      { profile: 'moodle', tool: null },
    ],
    clock: options.clock,
  });
  for (const platform of simulator.platforms) {
    const tool = platform.registerTool({
      name: 'Pathwise (dev)',
      clientId: `pathwise-dev-${platform.profile}`,
      deploymentId: `pathwise-dev-${platform.profile}-deployment`,
      loginUrl: `${publicUrl}/lti/login`,
      launchUrl: `${publicUrl}/lti/launch`,
      jwksUrl: `${publicUrl}/lti/keys`,
      registrationUrl: `${publicUrl}/lti/register`,
    });
    const found = await registry.find(platform.issuer, tool.clientId);
    // A snapshot from a run with another simulator URL: its endpoints would point elsewhere.
    const stale =
      found !== undefined &&
      (found.authEndpoint !== platform.urls.auth ||
        found.tokenEndpoint !== platform.urls.token ||
        found.jwksUrl !== platform.urls.jwks);
    if (found !== undefined && stale) await registry.remove(found.id);
    const existing = stale ? undefined : found;
    const registration =
      existing ??
      (await registry.register({
        issuer: platform.issuer,
        clientId: tool.clientId,
        name: `LMS simulator (${platform.profile})`,
        authEndpoint: platform.urls.auth,
        tokenEndpoint: platform.urls.token,
        jwksUrl: platform.urls.jwks,
        active: true,
        source: 'simulator',
      }));
    for (const deploymentId of tool.deploymentIds)
      await registry.addDeployment(registration.id, deploymentId);
    options.logger.info(
      { profile: platform.profile, issuer: platform.issuer, clientId: tool.clientId },
      'dev: simulated platform registered',
    );
  }
  const router = express.Router();
  const toolOrigin = new URL(publicUrl).origin;
  router.use((_req, res, next) => {
    // Replaces the app's CSP for the simulator's own pages: they frame the tool and post to it.
    res.setHeader('Content-Security-Policy', simulatorCsp(toolOrigin));
    next();
  });
  router.use(simulator.router);
  return {
    router,
    simulator,
    close: () => {
      simulator.close();
    },
  };
}

/** The simulator's pages: its own scripts and styles, the tool in frames and as a form target. */
function simulatorCsp(toolOrigin: string): string {
  return [
    "default-src 'self'",
    "base-uri 'self'",
    "object-src 'none'",
    "script-src 'self'",
    "script-src-attr 'none'",
    "style-src 'self'",
    "img-src 'self' data:",
    `frame-src 'self' ${toolOrigin}`,
    `form-action 'self' ${toolOrigin}`,
    "frame-ancestors 'self'",
  ].join('; ');
}
