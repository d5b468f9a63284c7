/**
 * createApp(deps): builds the Express app from ready-made dependencies. No I/O happens here, so
 * tests can build a fresh app per file and drive it with supertest.
 */
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import express, { type Express, type RequestHandler } from 'express';
import { pinoHttp } from 'pino-http';
import type { Config } from './infra/config.js';
import type { Logger } from './infra/logger.js';
import { configureViews } from './infra/views.js';
import { securityHeaders } from './infra/http/security-headers.js';
import { requestIdFor } from './infra/http/request-id.js';
import { errorHandler, notFoundHandler } from './infra/http/error-handler.js';
import { healthRoutes, type HealthProbe } from './health/health.routes.js';

export const PROJECT_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

export interface MountedRouter {
  readonly path: string;
  readonly handler: RequestHandler;
}

export interface AppDeps {
  readonly config: Config;
  readonly logger: Logger;
  readonly health: HealthProbe;
  /** Origins allowed to frame Pathwise; the LTI registry supplies the platforms' origins. */
  readonly frameAncestors?: () => readonly string[];
  /** Feature routers, mounted in order before the 404 handler. */
  readonly routers?: readonly MountedRouter[];
  /** Links shown on the home page (e.g. the LMS simulator in dev mode). */
  readonly homeLinks?: readonly { readonly href: string; readonly label: string }[];
}

export function createApp(deps: AppDeps): Express {
  const { config, logger } = deps;
  const app = express();
  app.disable('x-powered-by');
  app.set('trust proxy', config.trustProxy);
  configureViews(app, path.join(PROJECT_ROOT, 'views'));

  app.use(
    pinoHttp({
      logger,
      genReqId: (req, res) => {
        const id = requestIdFor(req);
        res.setHeader('X-Request-Id', id);
        return id;
      },
      // Health probes run every few seconds; logging them drowns everything else.
      autoLogging: { ignore: (req) => req.url === '/healthz' || req.url === '/readyz' },
    }),
  );
  app.use(
    securityHeaders({
      frameAncestors: deps.frameAncestors ?? (() => []),
      https: config.publicUrl.startsWith('https:'),
    }),
  );
  app.use(
    '/public',
    express.static(path.join(PROJECT_ROOT, 'public'), {
      maxAge: config.nodeEnv === 'production' ? '1h' : 0,
      index: false,
    }),
  );
  app.use(express.urlencoded({ extended: false, limit: '100kb' }));
  app.use(express.json({ limit: '100kb' }));

  app.use(healthRoutes(deps.health));
  app.get('/', (_req, res) => {
    res.render('home', { title: 'Pathwise', devMode: config.devMode, links: deps.homeLinks ?? [] });
  });
  for (const mounted of deps.routers ?? []) app.use(mounted.path, mounted.handler);

  app.use(notFoundHandler);
  app.use(errorHandler({ logger, exposeDetails: config.nodeEnv !== 'production' }));
  return app;
}
