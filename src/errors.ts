/** Stable error codes. The CLI entry point alone maps them to exit codes (see exitCodeFor). */
export type ErrorCode =
  | 'CONFIG_NOT_FOUND' // no devenv.yml in the folder, its parents, or at -f
  | 'CONFIG_INVALID' // devenv.yml could not be parsed, interpolated or validated
  | 'USAGE' // bad command-line arguments
  | 'ENGINE_UNAVAILABLE' // no Docker engine answered
  | 'IMAGE_PULL_FAILED' // the engine could not pull an image
  | 'IMAGE_BUILD_FAILED' // a Dockerfile build failed
  | 'PORT_IN_USE' // a host port to publish is already taken
  | 'DATABASE_NOT_READY' // Postgres did not accept a connection in time
  | 'MIGRATION_FAILED' // a migration step failed or an applied file changed
  | 'SERVICE_EXITED' // a container exited while devenv waited for it
  | 'HEALTH_TIMEOUT' // a health check did not pass before its deadline
  | 'HEALTH_CHECK_FAILED' // a health check answered in a way waiting cannot fix (a persistent 4xx)
  | 'NAME_CONFLICT' // a container, network or volume devenv would create exists and is not the project's
  | 'DATABASE_VERSION' // a data volume was initialised by another Postgres major version
  | 'ENGINE_ERROR' // any other error the engine reported
  | 'INTERRUPTED' // the user pressed Ctrl-C or the process got SIGTERM/SIGHUP
  | 'DECLINED' // the user answered no to a question (db restore, reset or load --replace of unsaved migrations)
  | 'INTERNAL'; // a bug in devenv

export interface DevenvErrorOptions {
  /** What the user can do about it: the flag or devenv.yml field to change. */
  hint?: string;
  cause?: unknown;
  /** Extra lines shown under the message (build output, last log lines, more problems). */
  details?: string[];
}

export class DevenvError extends Error {
  override readonly name = 'DevenvError';
  readonly code: ErrorCode;
  readonly hint?: string;
  readonly details: string[];

  constructor(code: ErrorCode, message: string, options: DevenvErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.code = code;
    this.hint = options.hint;
    this.details = options.details ?? [];
  }
}

export function isDevenvError(error: unknown): error is DevenvError {
  return error instanceof DevenvError;
}

/** Exit codes, documented in the README. */
export const EXIT_CODES: Record<ErrorCode, number> = {
  USAGE: 2,
  CONFIG_NOT_FOUND: 2,
  CONFIG_INVALID: 2,
  ENGINE_UNAVAILABLE: 3,
  IMAGE_PULL_FAILED: 4,
  IMAGE_BUILD_FAILED: 4,
  PORT_IN_USE: 5,
  DATABASE_NOT_READY: 6,
  MIGRATION_FAILED: 7,
  SERVICE_EXITED: 8,
  HEALTH_TIMEOUT: 8,
  HEALTH_CHECK_FAILED: 8,
  NAME_CONFLICT: 9,
  DATABASE_VERSION: 6,
  ENGINE_ERROR: 1,
  INTERNAL: 1,
  INTERRUPTED: 130,
  DECLINED: 1,
};

export function exitCodeFor(error: unknown): number {
  return isDevenvError(error) ? EXIT_CODES[error.code] : 1;
}
