import { buildTimestampRequest } from './timestamp-request.ts';
import type { TimestampVerdict } from './timestamp-verdict.ts';
import { requestTimestamp, type RequestTimestampOptions } from './tsa-client.ts';

/** A verified stamp over a SHA-256 imprint: the full TimeStampResp to store, and what it says. */
export interface TsaStamp {
  readonly response: Buffer;
  readonly token: Buffer;
  readonly genTime: string;
  readonly verdict: TimestampVerdict;
}

/**
 * The one-call shape the TSA queue needs: build a request for `imprint`, send it, verify the reply.
 * Failures are TsaRequestError, whose `transient` tells the queue to back off or to give up on it.
 */
export function createTsaStamper(options: RequestTimestampOptions): {
  stamp(url: string, imprint: Uint8Array, signal?: AbortSignal): Promise<TsaStamp>;
} {
  return {
    async stamp(url, imprint, signal) {
      const request = buildTimestampRequest({ digest: imprint });
      const reply = await requestTimestamp(url, request, signal === undefined ? options : { ...options, signal });
      return {
        response: Buffer.from(reply.response),
        token: Buffer.from(reply.token),
        // A valid verdict always carries genTime (read before any check can pass).
        genTime: reply.verdict.genTime ?? '',
        verdict: reply.verdict,
      };
    },
  };
}
