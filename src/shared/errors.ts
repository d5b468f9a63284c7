/**
 * Errors that cross the HTTP edge (CONVENTIONS §C.3). `message` and `help` are safe to show to
 * a person; `details` and `cause` are for logs only. The domain never picks HTTP statuses
 * itself: it throws or returns these, and the one error middleware maps them to responses.
 */
export interface AppErrorOptions {
  readonly code?: string;
  readonly help?: string;
  readonly details?: Readonly<Record<string, unknown>>;
  readonly cause?: unknown;
  readonly isOperational?: boolean;
}

export class AppError extends Error {
  readonly code: string;
  readonly status: number;
  readonly help: string | undefined;
  readonly details: Readonly<Record<string, unknown>> | undefined;
  /** Operational errors are expected (bad input, upstream down); others are bugs. */
  readonly isOperational: boolean;

  constructor(status: number, defaultCode: string, message: string, options: AppErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = new.target.name;
    this.status = status;
    this.code = options.code ?? defaultCode;
    this.help = options.help;
    this.details = options.details;
    this.isOperational = options.isOperational ?? true;
  }
}

export class ValidationError extends AppError {
  constructor(message: string, options?: AppErrorOptions) {
    super(400, 'VALIDATION_FAILED', message, options);
  }
}

export class LaunchError extends AppError {
  constructor(message: string, options?: AppErrorOptions) {
    super(401, 'LAUNCH_REFUSED', message, options);
  }
}

export class ForbiddenError extends AppError {
  constructor(message: string, options?: AppErrorOptions) {
    super(403, 'FORBIDDEN', message, options);
  }
}

export class NotFoundError extends AppError {
  constructor(message: string, options?: AppErrorOptions) {
    super(404, 'NOT_FOUND', message, options);
  }
}

export class ConflictError extends AppError {
  constructor(message: string, options?: AppErrorOptions) {
    super(409, 'CONFLICT', message, options);
  }
}

export class UpstreamError extends AppError {
  constructor(message: string, options?: AppErrorOptions) {
    super(502, 'UPSTREAM_FAILED', message, options);
  }
}

export class ServiceUnavailableError extends AppError {
  constructor(message: string, options?: AppErrorOptions) {
    super(503, 'SERVICE_UNAVAILABLE', message, options);
  }
}
