import { certificatesFromPem, type TsaCertificate } from '../../../../electron/engine/tsa/tsa-certificate.ts';
import { buildTimestampRequest, type TimestampRequest } from '../../../../electron/engine/tsa/timestamp-request.ts';
import type {
  ExpectedImprint,
  TimestampVerdict,
  VerifyTimestampOptions,
} from '../../../../electron/engine/tsa/timestamp-verdict.ts';
import { startOpensslTsa, type OpensslTsa, type OpensslTsaOptions } from '../../../helpers/openssl-tsa.ts';
import { verifyBothWays } from './verify-both-ways.ts';

/** One real openssl TSA and one genuine response from it, for tests that then break one thing. */
export interface TsaFixture {
  readonly tsa: OpensslTsa;
  readonly data: Uint8Array;
  readonly request: TimestampRequest;
  readonly response: Uint8Array;
  readonly anchors: readonly TsaCertificate[];
  readonly leaf: TsaCertificate;
  /**
   * Verifies `response` (default: the genuine one) for `data` with the request's nonce and the TSA
   * root, with and without a verification cache, which must agree (verify-both-ways.ts).
   */
  verify(
    response?: Uint8Array,
    options?: Partial<VerifyTimestampOptions>,
    expected?: ExpectedImprint,
  ): TimestampVerdict;
}

export async function createTsaFixture(options: OpensslTsaOptions = {}): Promise<TsaFixture> {
  const tsa = await startOpensslTsa(options);
  const data = new TextEncoder().encode('the chain head of window 42\n');
  const request = buildTimestampRequest({ data });
  const response = await tsa.stamp(request.der);
  const anchors = certificatesFromPem(tsa.rootPem);
  const [leaf] = certificatesFromPem(tsa.leafPem);
  if (leaf === undefined) throw new Error('no TSA leaf');
  return {
    tsa,
    data,
    request,
    response,
    anchors,
    leaf,
    verify(candidate = response, overrides = {}, expected = { data }) {
      return verifyBothWays(candidate, expected, { trustAnchors: anchors, nonce: request.nonce, ...overrides });
    },
  };
}
