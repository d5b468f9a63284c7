/**
 * createApp(deps): builds the Express app from ready-made dependencies. No I/O happens here, so
 * tests can build a fresh app per file and drive it with supertest.
 */
import path from 'node:path';
import { KATEX_DIST_DIR } from './content/math-render.js';
import { fileURLToPath } from 'node:url';
import cookieParser from 'cookie-parser';
import express, { type Express, type RequestHandler } from 'express';
import { pinoHttp } from 'pino-http';
import type { Config } from './infra/config.js';
import { accessLogSerializers, type Logger } from './infra/logger.js';
import { configureViews } from './infra/views.js';
import { securityHeaders } from './infra/http/security-headers.js';
import { requestIdFor } from './infra/http/request-id.js';
import { errorHandler, notFoundHandler } from './infra/http/error-handler.js';
import { healthRoutes, type HealthProbe } from './health/health.routes.js';
import { ForbiddenError } from './shared/errors.js';

export const PROJECT_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

export interface MountedRouter {
  readonly path: string;
  readonly handler: RequestHandler;
}

export interface AppDeps {
  readonly config: Config;
  readonly logger: Logger;
  readonly health: HealthProbe;
  /** Feature routers, mounted in order before the 404 handler. */
  readonly routers?: readonly MountedRouter[];
  /** Links shown on the home page (e.g. the LMS simulator in dev mode). */
  readonly homeLinks?: readonly { readonly href: string; readonly label: string }[];
}

/**
 * LTI 1.3 runs over TLS only (checklist #1): behind the trusted proxy a plain-http request is
 * sent to the https URL (reads) or refused (writes, whose body would already have crossed the
 * network in clear). Health probes are mounted before this and stay reachable.
 */
function requireHttps(publicUrl: string): RequestHandler {
  return (req, res, next) => {
    if (req.secure) {
      next();
      return;
    }
    if (req.method === 'GET' || req.method === 'HEAD') {
      res.redirect(308, `${publicUrl}${req.originalUrl}`);
      return;
    }
    next(
      new ForbiddenError('Pathwise accepts only https connections.', {
        code: 'HTTPS_REQUIRED',
        help: 'Use the https address of Pathwise; if you run it behind a proxy, make the proxy send X-Forwarded-Proto and set TRUST_PROXY.',
      }),
    );
  };
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
      serializers: accessLogSerializers,
      genReqId: (req, res) => {
        const id = requestIdFor(req);
        res.setHeader('X-Request-Id', id);
        return id;
      },
      // Health probes run every few seconds; logging them drowns everything else.
      autoLogging: { ignore: (req) => req.url === '/healthz' || req.url === '/readyz' },
    }),
  );
  app.use(securityHeaders({ https: config.publicUrl.startsWith('https:') }));
  // Session binding cookies are read by every page that opens a session.
  app.use(cookieParser());
  app.use(
    '/public',
    express.static(path.join(PROJECT_ROOT, 'public'), {
      maxAge: config.nodeEnv === 'production' ? '1h' : 0,
      index: false,
    }),
  );
  // KaTeX's stylesheet and fonts, served by us: the CSP allows no third-party origin.
  app.use(
    '/vendor/katex',
    express.static(KATEX_DIST_DIR, {
      maxAge: config.nodeEnv === 'production' ? '7d' : 0,
      index: false,
    }),
  );
  // Every other response is about one person (practice, dashboards, exports, forms holding a
  // session): no browser or proxy may keep a copy. Routes may still set their own policy.
  app.use((_req, res, next) => {
    res.set('Cache-Control', 'no-store');
    next();
  });
  app.use(express.urlencoded({ extended: false, limit: '100kb' }));
  app.use(express.json({ limit: '100kb' }));

  app.use(healthRoutes(deps.health));
  if (config.nodeEnv === 'production') app.use(requireHttps(config.publicUrl));
  app.get('/', (_req, res) => {
    res.render('home', { title: 'Pathwise', devMode: config.devMode, links: deps.homeLinks ?? [] });
  });
  for (const mounted of deps.routers ?? []) app.use(mounted.path, mounted.handler);

  app.use(notFoundHandler);
  app.use(errorHandler({ logger, exposeDetails: config.nodeEnv !== 'production' }));
  return app;
}
