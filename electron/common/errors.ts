/**
 * Coded errors shared by every layer. A code is a closed union so callers can switch on it
 * exhaustively; the message is for people; `context` carries machine-readable detail and never secrets.
 * Electron drops error classes across IPC and the socket carries JSON, so every boundary converts an
 * AevError to `{ code, message }` (see `toErrorBody`).
 */
export const ERROR_CODES = [
  // usage and configuration
  'E_USAGE',
  'E_CONFIG',
  'E_IO',
  'E_PERMISSIONS',
  'E_INTERNAL',
  'E_TIMEOUT',
  // daemon lifecycle
  'E_DAEMON_LOCKED',
  'E_DAEMON_UNREACHABLE',
  'E_SHUTTING_DOWN',
  // protocol (socket and HTTP endpoint)
  'E_BAD_JSON',
  'E_FRAME_TOO_LARGE',
  'E_UNKNOWN_TYPE',
  'E_SCHEMA',
  'E_NOT_HELLO',
  'E_PROTOCOL_VERSION',
  'E_WRONG_API',
  'E_UNKNOWN_METHOD',
  'E_TOO_MANY_CONNECTIONS',
  'E_RATE_LIMITED',
  'E_UNAUTHORIZED',
  'E_NOT_FOUND',
  'E_NOT_RECORDING',
  // vault
  'E_VAULT_MISSING',
  'E_VAULT_EXISTS',
  'E_VAULT_LOCKED',
  'E_BAD_PASSPHRASE',
  'E_KEYRING_INSECURE',
  'E_KEYRING_UNAVAILABLE',
  'E_OBJECT_CORRUPT',
  'E_OBJECT_MISSING',
  'E_DISK_FULL',
  'E_VAULT_CORRUPT',
  // settings files we merge into (agent hooks)
  'E_SETTINGS_PARSE',
  // time-stamping (RFC 3161): transient (retry later) vs permanent failures of a TSA
  'E_TSA_UNAVAILABLE',
  'E_TSA_PROTOCOL',
  'E_TSA_REJECTED',
  'E_TSA_INVALID',
  // capture (DESIGN.md §4): no way to record this screen, a malformed media stream, a terminal stream
  'E_CAPTURE_UNAVAILABLE',
  'E_CAPTURE_FAILED',
  'E_MEDIA_FORMAT',
  // age encryption (age-encryption.org/v1): not a well-formed age file, no identity opens it, or it fails
  // authentication (changed, truncated, or a payload that is not the one the header was made for)
  'E_AGE_FORMAT',
  'E_AGE_NO_IDENTITY',
  'E_AGE_AUTH',
  // retention (docs/retention.md): content already deleted, a session on legal hold, a purge asked too early
  'E_PURGED',
  'E_LEGAL_HOLD',
  'E_NOT_DUE',
  // clip requests (docs/requests-and-access-log.md): a request file that is malformed, altered, expired,
  // already decided, or signed by a key the reviewer does not trust
  'E_REQUEST_INVALID',
  'E_REQUEST_SIGNATURE',
  'E_REQUEST_EXPIRED',
  'E_REQUEST_REPLAYED',
  'E_REQUEST_UNTRUSTED',
] as const;

export type ErrorCode = (typeof ERROR_CODES)[number];

export interface ErrorBody {
  readonly code: ErrorCode;
  readonly message: string;
}

export class AevError extends Error {
  readonly code: ErrorCode;
  readonly context: Readonly<Record<string, unknown>> | undefined;

  constructor(code: ErrorCode, message: string, context?: Readonly<Record<string, unknown>>, options?: ErrorOptions) {
    super(message, options);
    this.name = 'AevError';
    this.code = code;
    this.context = context;
  }
}

export function isAevError(value: unknown): value is AevError {
  return value instanceof AevError;
}

export function isErrorCode(value: unknown): value is ErrorCode {
  return typeof value === 'string' && (ERROR_CODES as readonly string[]).includes(value);
}

/** Converts anything thrown into a body that is safe to send to a client or print. */
export function toErrorBody(error: unknown): ErrorBody {
  if (error instanceof AevError) return { code: error.code, message: error.message };
  return { code: 'E_INTERNAL', message: 'internal error' };
}

/** For exhaustive switches over unions: the compiler proves this is unreachable. */
export function assertNever(value: never, what = 'value'): never {
  throw new AevError('E_INTERNAL', `unexpected ${what}: ${String(value)}`);
}
