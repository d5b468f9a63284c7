import type { NextFunction, Request, RequestHandler, Response } from 'express';

/**
 * The one adapter every handler goes through (CONVENTIONS §C.5): a rejected promise reaches
 * next(err) even when the handler runs inside ltijs's Express 4 app, which would not catch it.
 */
export function route(
  handler: (req: Request, res: Response, next: NextFunction) => Promise<void> | void,
): RequestHandler {
  return (req, res, next) => {
    try {
      const result = handler(req, res, next);
      if (result instanceof Promise) result.catch(next);
    } catch (error) {
      next(error);
    }
  };
}
