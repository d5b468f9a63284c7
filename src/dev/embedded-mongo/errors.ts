// MongoDB-style command errors: clients compare by `code`/`codeName`, so both must match the real server.
import type { Document } from './values.js';

export const ErrorCode = {
  InternalError: 1,
  BadValue: 2,
  FailedToParse: 9,
  TypeMismatch: 14,
  Overflow: 15,
  InvalidLength: 16,
  ProtocolError: 17,
  IllegalOperation: 20,
  InvalidBSON: 22,
  NamespaceNotFound: 26,
  IndexNotFound: 27,
  PathNotViable: 28,
  ConflictingUpdateOperators: 40,
  CursorNotFound: 43,
  NamespaceExists: 48,
  CommandNotFound: 59,
  ImmutableField: 66,
  InvalidOptions: 72,
  InvalidNamespace: 73,
  IndexOptionsConflict: 85,
  IndexKeySpecsConflict: 86,
  NotImplemented: 115,
  InvalidPipelineOperator: 168,
  CannotIndexParallelArrays: 171,
  IllegalOpMsgFlag: 223,
  TooManyDocumentSequences: 233,
  NoSuchTransaction: 251,
  TransactionCommitted: 256,
  ChecksumMismatch: 288,
  BSONObjectTooLarge: 10334,
  DuplicateKey: 11000,
  UnknownBsonField: 40415,
  UnrecognizedPipelineStage: 40324,
} as const;

export type ErrorCodeValue = (typeof ErrorCode)[keyof typeof ErrorCode];

const codeNames = new Map<number, string>(
  Object.entries(ErrorCode).map(([name, code]) => [code, name]),
);
// The real server reports these two under different names than our constant keys.
codeNames.set(ErrorCode.UnknownBsonField, 'Location40415');
codeNames.set(ErrorCode.UnrecognizedPipelineStage, 'Location40324');

export function codeNameOf(code: number): string {
  return codeNames.get(code) ?? `Location${code}`;
}

/** Thrown by command handlers; the dispatcher turns it into `{ ok: 0, errmsg, code, codeName }`. */
export class MongoCommandError extends Error {
  readonly code: number;
  readonly codeName: string;
  readonly extra: Document;
  readonly labels: string[];

  constructor(code: number, message: string, extra: Document = {}, labels: string[] = []) {
    super(message);
    this.name = 'MongoCommandError';
    this.code = code;
    this.codeName = codeNameOf(code);
    this.extra = extra;
    this.labels = labels;
  }

  toReply(): Document {
    const reply: Document = {
      ok: 0,
      errmsg: this.message,
      code: this.code,
      codeName: this.codeName,
      ...this.extra,
    };
    if (this.labels.length > 0) reply['errorLabels'] = this.labels;
    return reply;
  }
}

export function notImplemented(what: string): MongoCommandError {
  return new MongoCommandError(
    ErrorCode.NotImplemented,
    `${what} is not supported by the embedded MongoDB-compatible server`,
    {},
  );
}

/** Maps an error from mingo (or anything else) to the closest MongoDB error, keeping our own as they are. */
export function toCommandError(error: unknown): MongoCommandError {
  if (error instanceof MongoCommandError) return error;
  const message = error instanceof Error ? error.message : String(error);
  let match = /unknown (?:query|top level) operator:? (\$\w+)/i.exec(message);
  if (match)
    return new MongoCommandError(ErrorCode.BadValue, `unknown operator: ${match[1] ?? ''}`);
  match = /unregistered pipeline operator (\$\w+)/i.exec(message);
  if (match) {
    return new MongoCommandError(
      ErrorCode.UnrecognizedPipelineStage,
      `Unrecognized pipeline stage name: '${match[1] ?? ''}'`,
    );
  }
  match = /'(\$\w+)' is not registered|operator '?(\$\w+)'? is not registered/i.exec(message);
  if (match) {
    return new MongoCommandError(
      ErrorCode.InvalidPipelineOperator,
      `Unrecognized expression '${match[1] ?? match[2] ?? ''}'`,
    );
  }
  if (/would create a conflict/i.test(message)) {
    return new MongoCommandError(ErrorCode.ConflictingUpdateOperators, message);
  }
  if (/Unknown update operator/i.test(message)) {
    return new MongoCommandError(ErrorCode.FailedToParse, message);
  }
  if (/positional|'\.\$'/i.test(message)) {
    return new MongoCommandError(
      ErrorCode.BadValue,
      'The positional operator did not find the match needed from the query.',
    );
  }
  if (/exclusion and inclusion/i.test(message)) {
    return new MongoCommandError(31254, message);
  }
  return new MongoCommandError(ErrorCode.BadValue, message);
}
