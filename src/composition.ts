/**
 * Wires real adapters into services and the app: the only place that constructs adapters.
 */
import type { Express } from 'express';
import { createApp, type MountedRouter } from './app.js';
import type { Config } from './infra/config.js';
import type { Database } from './infra/db.js';
import type { Logger } from './infra/logger.js';

export interface Application {
  readonly app: Express;
  /** Releases what the application itself opened (not the database: main owns that). */
  close(): Promise<void>;
}

export interface CompositionInput {
  readonly config: Config;
  readonly logger: Logger;
  readonly database: Database;
  /** Encrypts stored LTI keys (from config, or the dev-mode key). */
  readonly encryptionKey: string;
  /** Dev-mode extras (the LMS simulator), mounted by main.ts only in dev mode. */
  readonly devRouters?: readonly MountedRouter[];
}

export function composeApplication(input: CompositionInput): Application {
  const { config, logger, database } = input;
  const app = createApp({
    config,
    logger,
    health: { isDatabaseReachable: () => database.isReachable() },
    routers: [...(input.devRouters ?? [])],
    homeLinks: config.devMode ? [{ href: '/dev/lms', label: 'Open the LMS simulator' }] : [],
  });
  return {
    app,
    close: () => Promise.resolve(),
  };
}
