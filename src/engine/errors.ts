/**
 * The engine throws only for programmer errors (CONVENTIONS §C.1): invalid parameters.
 */
export class EngineValidationError extends Error {
  /** Stable error code. */
  readonly code = 'ENGINE_VALIDATION_FAILED';
  /** The offending parameter path, e.g. `selection.targetSuccess`. */
  readonly parameter: string;

  constructor(parameter: string, message: string) {
    super(`Invalid engine parameter "${parameter}": ${message}`);
    this.name = 'EngineValidationError';
    this.parameter = parameter;
  }
}
