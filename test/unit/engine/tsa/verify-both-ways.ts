import { expect } from 'vitest';
import type {
  ExpectedImprint,
  TimestampVerdict,
  VerifyTimestampOptions,
} from '../../../../electron/engine/tsa/timestamp-verdict.ts';
import { TsaVerificationCache } from '../../../../electron/engine/tsa/verification-cache.ts';
import { verifyTimestamp } from '../../../../electron/engine/tsa/verify-timestamp.ts';

/**
 * One cache for every token a test file verifies, whichever TSA and trust store it comes with, so
 * tokens of different TSAs (genuine and forged) interleave in it as in a bulk run.
 */
const shared = new TsaVerificationCache();

/**
 * Verifies a time-stamp without a cache, with a fresh one, and twice with the file-wide shared one
 * (the second time surely warm for this token), and requires the very same verdict each time:
 * validity, code, message and every fact, chain included. Returns it.
 */
export function verifyBothWays(
  bytes: Uint8Array,
  expected: ExpectedImprint,
  options: VerifyTimestampOptions,
): TimestampVerdict {
  const plain = verifyTimestamp(bytes, expected, options);
  const fresh = verifyTimestamp(bytes, expected, { ...options, cache: new TsaVerificationCache() });
  const warm = verifyTimestamp(bytes, expected, { ...options, cache: shared });
  const again = verifyTimestamp(bytes, expected, { ...options, cache: shared });
  expect(fresh, 'verdict with a fresh cache').toStrictEqual(plain);
  expect(warm, 'verdict with the shared cache').toStrictEqual(plain);
  expect(again, 'verdict with the shared cache, warm').toStrictEqual(plain);
  return plain;
}
