import { EnvHttpProxyAgent, request, type Dispatcher } from 'undici';
import { decodeEnvelope } from './timestamp-decode.ts';
import type { TimestampRequest } from './timestamp-request.ts';
import type { TimestampVerdict, VerifyTimestampOptions } from './timestamp-verdict.ts';
import { TsaRequestError } from './tsa-request-error.ts';
import { verifyTimestamp } from './verify-timestamp.ts';

/** RFC 3161 §3.4 media types. */
const QUERY_TYPE = 'application/timestamp-query';
const REPLY_TYPE = 'application/timestamp-reply';
/** A reply with a full chain is a few kilobytes; anything near this is not a time-stamp. */
const DEFAULT_MAX_RESPONSE_BYTES = 256 * 1024;

export interface RequestTimestampOptions extends Pick<
  VerifyTimestampOptions,
  'trustAnchors' | 'untrusted' | 'policies'
> {
  /** The whole exchange (connect, headers, body) must finish within this. */
  readonly timeoutMs: number;
  readonly signal?: AbortSignal;
  readonly maxResponseBytes?: number;
  /** Transport; by default an EnvHttpProxyAgent, so HTTPS_PROXY / HTTP_PROXY / NO_PROXY apply. */
  readonly dispatcher?: Dispatcher;
  /** With `maxClockSkewMs`, genTime ± accuracy must fall between send and receive (± skew) on this clock. */
  readonly now?: () => Date;
  readonly maxClockSkewMs?: number;
}

/** A verified reply: the TimeStampResp as received, its token, and the verdict (always valid). */
export interface TimestampReply {
  readonly response: Uint8Array;
  readonly token: Uint8Array;
  readonly verdict: TimestampVerdict;
}

function mediaType(header: string | string[] | undefined): string {
  const value = Array.isArray(header) ? header[0] : header;
  return (value ?? '').split(';')[0]?.trim().toLowerCase() ?? '';
}

/** Drops a body we will not read; undici reports the abort as an error event nobody needs. */
function discard(body: Dispatcher.ResponseData['body']): void {
  body.on('error', () => undefined);
  body.destroy();
}

async function readBounded(body: Dispatcher.ResponseData['body'], limit: number): Promise<Uint8Array> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of body as AsyncIterable<Buffer>) {
    size += chunk.byteLength;
    if (size > limit) {
      discard(body);
      throw new TsaRequestError('too-large', `the TSA reply exceeds ${limit} bytes`);
    }
    chunks.push(chunk);
  }
  return new Uint8Array(Buffer.concat(chunks));
}

async function exchange(
  url: URL,
  der: Uint8Array,
  options: RequestTimestampOptions,
  dispatcher: Dispatcher,
): Promise<Uint8Array> {
  const limit = options.maxResponseBytes ?? DEFAULT_MAX_RESPONSE_BYTES;
  const deadline = AbortSignal.timeout(options.timeoutMs);
  const signal = options.signal === undefined ? deadline : AbortSignal.any([deadline, options.signal]);
  try {
    const response = await request(url, {
      method: 'POST',
      body: Buffer.from(der),
      headers: { 'content-type': QUERY_TYPE, accept: REPLY_TYPE },
      dispatcher,
      signal,
      headersTimeout: options.timeoutMs,
      bodyTimeout: options.timeoutMs,
    });
    // Status and media type are checked before a single byte is parsed (RFC 3161 §3.4).
    if (response.statusCode !== 200) {
      discard(response.body);
      throw new TsaRequestError('http-status', `the TSA answered HTTP ${response.statusCode}`, {
        httpStatus: response.statusCode,
      });
    }
    const type = mediaType(response.headers['content-type']);
    if (type !== REPLY_TYPE) {
      discard(response.body);
      throw new TsaRequestError(
        'content-type',
        `the TSA answered ${type === '' ? 'no content type' : type}, not ${REPLY_TYPE}`,
      );
    }
    const declared = Number(response.headers['content-length'] ?? '0');
    if (declared > limit) {
      discard(response.body);
      throw new TsaRequestError('too-large', `the TSA reply declares ${declared} bytes, more than ${limit}`);
    }
    return await readBounded(response.body, limit);
  } catch (error) {
    if (error instanceof TsaRequestError) throw error;
    if (deadline.aborted)
      throw new TsaRequestError('timeout', `no TSA reply within ${options.timeoutMs} ms`, { cause: error });
    if (options.signal?.aborted === true)
      throw new TsaRequestError('aborted', 'the time-stamp request was cancelled', { cause: error });
    const code = (error as { code?: unknown }).code;
    if (code === 'UND_ERR_CONNECT_TIMEOUT' || code === 'UND_ERR_HEADERS_TIMEOUT' || code === 'UND_ERR_BODY_TIMEOUT') {
      throw new TsaRequestError('timeout', `no TSA reply within ${options.timeoutMs} ms`, { cause: error });
    }
    const reason = error instanceof Error ? error.message : String(error);
    throw new TsaRequestError('network', `cannot reach the TSA at ${url.origin}: ${reason}`, { cause: error });
  }
}

/** RFC 3161 §2.4.2 PKIStatus: waiting(3), or a rejection for lack of time or a system failure, may pass. */
function rejectionIsTransient(verdict: TimestampVerdict): boolean {
  const status = verdict.status;
  if (status === undefined) return false;
  return (
    status.status === 3 || status.failInfo.includes('timeNotAvailable') || status.failInfo.includes('systemFailure')
  );
}

/**
 * Sends a TimeStampReq to `url` (RFC 3161 §3.4, HTTP POST) and returns the reply only once it verifies
 * against the request (imprint, nonce, policy) and the TSA trust store. Throws TsaRequestError, whose
 * `transient` says whether asking again later could help.
 */
export async function requestTimestamp(
  url: string,
  timestampRequest: TimestampRequest,
  options: RequestTimestampOptions,
): Promise<TimestampReply> {
  let target: URL;
  try {
    target = new URL(url);
  } catch {
    throw new TsaRequestError('bad-url', `not a URL: ${JSON.stringify(url)}`);
  }
  if (target.protocol !== 'http:' && target.protocol !== 'https:') {
    throw new TsaRequestError('bad-url', `TSA URLs are http or https, not ${target.protocol}`);
  }
  const now = options.now ?? (() => new Date());
  const sentAt = now();
  const dispatcher = options.dispatcher ?? new EnvHttpProxyAgent();
  let response: Uint8Array;
  try {
    response = await exchange(target, timestampRequest.der, options, dispatcher);
  } finally {
    // An agent we made for this one request goes with it; an injected one belongs to the caller.
    if (dispatcher !== options.dispatcher) await dispatcher.destroy();
  }
  const receivedAt = now();
  const skew = options.maxClockSkewMs;
  const verdict = verifyTimestamp(
    response,
    { digest: timestampRequest.imprint.digest, algorithm: timestampRequest.imprint.algorithm },
    {
      trustAnchors: options.trustAnchors,
      untrusted: options.untrusted ?? [],
      nonce: timestampRequest.nonce,
      policies: timestampRequest.policy === undefined ? (options.policies ?? []) : [timestampRequest.policy],
      form: 'response',
      ...(skew === undefined
        ? {}
        : {
            timeWindow: {
              notBefore: new Date(sentAt.getTime() - skew),
              notAfter: new Date(receivedAt.getTime() + skew),
            },
          }),
    },
  );
  if (!verdict.valid) {
    const check = verdict.code;
    const message = `the TSA reply was refused: ${verdict.message ?? 'invalid'}${check === undefined ? '' : ` [${check}]`}`;
    if (check === 'TSA_STATUS') {
      throw new TsaRequestError('rejected', message, { check, transient: rejectionIsTransient(verdict) });
    }
    throw new TsaRequestError('invalid-reply', message, check === undefined ? {} : { check });
  }
  const token = decodeEnvelope(response, 'response').tokenDer ?? new Uint8Array();
  return { response, token, verdict };
}
