import { timingSafeEqual } from 'node:crypto';
import type * as pkijs from 'pkijs';
import { integerToBigInt } from './asn1-bytes.ts';
import { digest, hashByOid, type HashName } from './hash-algorithms.ts';
import type { DecodedToken } from './timestamp-decode.ts';
import type { ExpectedImprint, TimestampAccuracy, VerifyTimestampOptions } from './timestamp-verdict.ts';
import { ensure, TsaCheckError } from './tsa-check-codes.ts';

/** RFC 3161 §2.4.2 messageImprint.hashAlgorithm: SHA-2 only; SHA-1 is refused outright. */
export function imprintAlgorithm(token: DecodedToken): HashName {
  const { hashAlgorithm, hashedMessage } = token.tstInfo.messageImprint;
  const hash = hashByOid(hashAlgorithm.algorithmId);
  if (hash === undefined) {
    throw new TsaCheckError('TSA_IMPRINT_ALGORITHM', `unsupported imprint algorithm ${hashAlgorithm.algorithmId}`);
  }
  // SHA-1 second-preimage resistance is not yet broken, but chosen-prefix collisions are (2020):
  // someone who prepared two documents could have either one "stamped". DESIGN.md §5 refuses it.
  ensure(hash.name !== 'SHA-1', 'TSA_SHA1_REJECTED', 'the imprint uses SHA-1');
  ensure(
    hashedMessage.valueBlock.valueHexView.byteLength === hash.length,
    'TSA_MALFORMED',
    `the imprint is ${hashedMessage.valueBlock.valueHexView.byteLength} bytes, not the ${hash.length} of ${hash.name}`,
  );
  return hash.name;
}

/** RFC 3161 §2.4.2 / §2.4.1: the hashedMessage must be the hash of the caller's data. */
export function checkImprint(token: DecodedToken, expected: ExpectedImprint): void {
  const algorithm = imprintAlgorithm(token);
  let want: Uint8Array;
  if ('data' in expected) {
    want = digest(algorithm, expected.data);
  } else {
    ensure(expected.algorithm !== 'SHA-1', 'TSA_SHA1_REJECTED', 'the expected imprint uses SHA-1');
    ensure(
      expected.algorithm === undefined || expected.algorithm === algorithm,
      'TSA_IMPRINT_ALGORITHM',
      `the token stamps a ${algorithm} imprint, not ${expected.algorithm ?? ''}`,
    );
    want = expected.digest;
  }
  const got = token.tstInfo.messageImprint.hashedMessage.valueBlock.valueHexView;
  ensure(
    got.byteLength === want.byteLength && timingSafeEqual(got, want),
    'TSA_IMPRINT_MISMATCH',
    'the token stamps a different imprint than the expected data',
  );
}

export function tokenNonce(tstInfo: pkijs.TSTInfo): bigint | undefined {
  return tstInfo.nonce === undefined ? undefined : integerToBigInt(tstInfo.nonce);
}

/** RFC 3161 §2.4.2: "nonce ... MUST be present if it was present in the TimeStampReq" and equal to it. */
export function checkNonce(token: DecodedToken, options: VerifyTimestampOptions): void {
  if (options.nonce === undefined) return;
  const got = tokenNonce(token.tstInfo);
  ensure(got !== undefined, 'TSA_NONCE_MISMATCH', 'the request carried a nonce but the token has none');
  ensure(got === options.nonce, 'TSA_NONCE_MISMATCH', 'the token nonce differs from the one sent');
}

/** RFC 3161 §2.4.2 policy: the TSA policy under which the token was issued must be one we accept. */
export function checkPolicy(token: DecodedToken, options: VerifyTimestampOptions): void {
  const allowed = options.policies ?? [];
  if (allowed.length === 0) return;
  ensure(
    allowed.includes(token.tstInfo.policy),
    'TSA_POLICY',
    `TSA policy ${token.tstInfo.policy} is not among the accepted ${allowed.join(', ')}`,
  );
}

/** RFC 3161 §2.4.2 Accuracy ::= SEQUENCE { seconds INTEGER OPTIONAL, millis [0] (1..999), micros [1] (1..999) }. */
export function tokenAccuracy(tstInfo: pkijs.TSTInfo): TimestampAccuracy | undefined {
  const accuracy = tstInfo.accuracy;
  if (accuracy === undefined) return undefined;
  const has = (field: 'seconds' | 'millis' | 'micros'): boolean => Object.hasOwn(accuracy, field);
  return {
    seconds: has('seconds') ? (accuracy.seconds ?? 0) : 0,
    millis: has('millis') ? (accuracy.millis ?? 0) : 0,
    micros: has('micros') ? (accuracy.micros ?? 0) : 0,
  };
}

export function checkAccuracy(token: DecodedToken, options: VerifyTimestampOptions): void {
  const raw = token.tstInfo.accuracy;
  const accuracy = tokenAccuracy(token.tstInfo);
  if (raw !== undefined && accuracy !== undefined) {
    ensure(
      Number.isSafeInteger(accuracy.seconds) && accuracy.seconds >= 0,
      'TSA_ACCURACY',
      'accuracy seconds out of range',
    );
    for (const field of ['millis', 'micros'] as const) {
      if (!Object.hasOwn(raw, field)) continue;
      ensure(accuracy[field] >= 1 && accuracy[field] <= 999, 'TSA_ACCURACY', `accuracy ${field} outside 1..999`);
    }
  }
  const window = options.timeWindow;
  if (window === undefined) return;
  const spreadMs = accuracy === undefined ? 0 : accuracy.seconds * 1000 + accuracy.millis + accuracy.micros / 1000;
  const genMs = token.tstInfo.genTime.getTime();
  ensure(
    genMs + spreadMs >= window.notBefore.getTime() && genMs - spreadMs <= window.notAfter.getTime(),
    'TSA_ACCURACY',
    `genTime ${token.tstInfo.genTime.toISOString()} ± ${spreadMs} ms lies outside the expected window`,
  );
}
