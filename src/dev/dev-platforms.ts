/**
 * Dev mode: hosts the LMS simulator at /dev/lms (canvas and moodle profiles) and registers both
 * simulated platforms with Pathwise, active, with fixed client ids so a restart (the embedded
 * database keeps a snapshot) finds the same registrations instead of piling up new ones.
 */
import type { Router } from 'express';
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
  readonly registry: PlatformRegistry;
  readonly clock: Clock;
  readonly logger: Logger;
  readonly mountPath?: string;
}

export async function startDevPlatforms(options: DevPlatformsOptions): Promise<DevPlatforms> {
  const { publicUrl, registry } = options;
  const mountPath = options.mountPath ?? '/dev/lms';
  const simulator = await createLmsSimulator({
    baseUrl: `${publicUrl}${mountPath}`,
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
    const existing = await registry.find(platform.issuer, tool.clientId);
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
  return {
    router: simulator.router,
    simulator,
    close: () => {
      simulator.close();
    },
  };
}
