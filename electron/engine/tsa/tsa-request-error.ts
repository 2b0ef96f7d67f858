import { AevError, assertNever, type ErrorCode } from '../../common/errors.ts';
import type { TsaCheckCode } from './tsa-check-codes.ts';

/** What went wrong talking to a TSA. */
export type TsaFailureKind =
  | 'bad-url'
  | 'network'
  | 'timeout'
  | 'aborted'
  | 'http-status'
  | 'content-type'
  | 'too-large'
  | 'rejected'
  | 'invalid-reply';

/**
 * A failed time-stamp request. `transient` splits the two families the queue needs (as Teleport's
 * uploader keeps "bad data" apart from "back off"): network trouble, timeouts, 5xx, 429 and a TSA
 * that is busy can be retried; 4xx, a wrong content type, garbage, or a reply that does not verify
 * (wrong nonce, imprint, signature, chain) will not get better by asking the same TSA again.
 */
export class TsaRequestError extends AevError {
  readonly transient: boolean;
  readonly kind: TsaFailureKind;
  readonly httpStatus: number | undefined;
  /** For 'invalid-reply' and 'rejected': the verifier's code. */
  readonly check: TsaCheckCode | undefined;

  constructor(
    kind: TsaFailureKind,
    message: string,
    details: {
      readonly httpStatus?: number;
      readonly check?: TsaCheckCode;
      readonly transient?: boolean;
      readonly cause?: unknown;
    } = {},
  ) {
    const transient = details.transient ?? defaultTransient(kind, details.httpStatus);
    super(
      errorCode(kind, transient),
      message,
      { kind, transient, httpStatus: details.httpStatus, check: details.check },
      { cause: details.cause },
    );
    this.name = 'TsaRequestError';
    this.transient = transient;
    this.kind = kind;
    this.httpStatus = details.httpStatus;
    this.check = details.check;
  }
}

function defaultTransient(kind: TsaFailureKind, httpStatus: number | undefined): boolean {
  switch (kind) {
    case 'network':
    case 'timeout':
    case 'aborted':
      return true;
    case 'http-status':
      // RFC 9110 §15.6 (5xx), §15.5.9 (408), RFC 6585 §4 (429): the server may answer later.
      return httpStatus !== undefined && (httpStatus >= 500 || httpStatus === 408 || httpStatus === 429);
    case 'bad-url':
    case 'content-type':
    case 'too-large':
    case 'rejected':
    case 'invalid-reply':
      return false;
    default:
      return assertNever(kind, 'TSA failure kind');
  }
}

function errorCode(kind: TsaFailureKind, transient: boolean): ErrorCode {
  if (kind === 'timeout') return 'E_TIMEOUT';
  if (kind === 'bad-url') return 'E_CONFIG';
  if (kind === 'rejected') return 'E_TSA_REJECTED';
  if (kind === 'invalid-reply') return 'E_TSA_INVALID';
  return transient ? 'E_TSA_UNAVAILABLE' : 'E_TSA_PROTOCOL';
}

export function isTsaRequestError(value: unknown): value is TsaRequestError {
  return value instanceof TsaRequestError;
}
