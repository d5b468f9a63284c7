/**
 * The one error middleware (CONVENTIONS §C.6): HTML for browsers (inside the LMS iframe), JSON
 * for XHR. Shows only what an AppError marks safe plus the request id; stacks and foreign
 * error text appear only outside production.
 */
import type { ErrorRequestHandler, Request, RequestHandler, Response } from 'express';
import { AppError, NotFoundError } from '../../shared/errors.js';
import type { Logger } from '../logger.js';
import { setFraming } from './security-headers.js';

export interface ErrorBody {
  readonly code: string;
  readonly message: string;
  readonly help?: string;
  readonly requestId: string;
  readonly debug?: string;
}

const GENERIC_MESSAGE = 'Something went wrong on our side.';
const GENERIC_HELP =
  'Try again in a moment. If it keeps happening, give your teacher or administrator the request id below.';

export const wantsJson = (req: Request): boolean =>
  req.xhr || req.accepts(['html', 'json']) === 'json' || req.path.startsWith('/api/');

export function requestIdOf(req: Request): string {
  const id: unknown = (req as { id?: unknown }).id;
  return typeof id === 'string' ? id : 'unknown';
}

export const notFoundHandler: RequestHandler = (req, _res, next) => {
  next(
    new NotFoundError('This page does not exist.', {
      help: 'Check the address, or go back to your course and open Pathwise from there.',
      details: { path: req.path },
    }),
  );
};

export function errorHandler(options: {
  logger: Logger;
  exposeDetails: boolean;
}): ErrorRequestHandler {
  return (error: unknown, req, res: Response, next) => {
    if (res.headersSent) {
      next(error);
      return;
    }
    const requestId = requestIdOf(req);
    const known = error instanceof AppError ? error : undefined;
    const status = known?.status ?? statusOfForeign(error);
    const log = options.logger.child({ requestId });
    if (known?.isOperational === true || status < 500) {
      log.warn(
        { code: known?.code, status, details: known?.details, err: known?.cause },
        known?.message ?? 'request failed',
      );
    } else {
      log.error({ err: error }, 'unexpected error');
    }
    const body: ErrorBody = {
      code: known?.code ?? (status < 500 ? 'BAD_REQUEST' : 'INTERNAL_ERROR'),
      message:
        known?.message ?? (status < 500 ? 'The request could not be understood.' : GENERIC_MESSAGE),
      requestId,
      ...(known?.help !== undefined
        ? { help: known.help }
        : status >= 500
          ? { help: GENERIC_HELP }
          : {}),
      ...(options.exposeDetails && error instanceof Error && error.stack !== undefined
        ? { debug: error.stack }
        : {}),
    };
    res.status(status);
    // An error page shows a message and nothing to act on: it must show inside any LMS frame,
    // including one whose platform is unknown or inactive (a blank frame explains nothing).
    setFraming(res, { kind: 'any' });
    if (wantsJson(req)) {
      res.json({ error: body });
    } else {
      res.render('errors/error', { title: titleFor(status), status, error: body });
    }
  };
}

/** Errors from body-parser and friends carry a 4xx status; everything else is a 500. */
function statusOfForeign(error: unknown): number {
  if (typeof error === 'object' && error !== null) {
    const status =
      (error as { status?: unknown; statusCode?: unknown }).status ??
      (error as { statusCode?: unknown }).statusCode;
    if (typeof status === 'number' && status >= 400 && status < 500) return status;
  }
  return 500;
}

function titleFor(status: number): string {
  if (status === 401) return 'We could not sign you in';
  if (status === 403) return 'Not allowed';
  if (status === 404) return 'Page not found';
  if (status < 500) return 'Please check your request';
  return 'Something went wrong';
}
