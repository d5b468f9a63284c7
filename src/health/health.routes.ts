import { Router } from 'express';
import { route } from '../infra/http/route.js';

export interface HealthProbe {
  /** True when the database answers. */
  isDatabaseReachable(): Promise<boolean>;
}

/** Liveness (`/healthz`: the process serves) and readiness (`/readyz`: the database answers). */
export function healthRoutes(probe: HealthProbe): Router {
  const router = Router();
  router.get('/healthz', (_req, res) => {
    res.set('Cache-Control', 'no-store').json({ status: 'ok' });
  });
  router.get(
    '/readyz',
    route(async (_req, res) => {
      const database = await probe.isDatabaseReachable();
      res
        .status(database ? 200 : 503)
        .set('Cache-Control', 'no-store')
        .json({
          status: database ? 'ready' : 'unavailable',
          checks: { database: database ? 'ok' : 'unreachable' },
        });
    }),
  );
  return router;
}
