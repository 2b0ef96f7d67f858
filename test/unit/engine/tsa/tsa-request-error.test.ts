import { describe, expect, it } from 'vitest';
import { TsaRequestError, type TsaFailureKind } from '../../../../electron/engine/tsa/tsa-request-error.ts';

describe('TsaRequestError: retry or give up', () => {
  const cases: [TsaFailureKind, number | undefined, boolean, string][] = [
    ['network', undefined, true, 'E_TSA_UNAVAILABLE'],
    ['timeout', undefined, true, 'E_TIMEOUT'],
    ['aborted', undefined, true, 'E_TSA_UNAVAILABLE'],
    ['http-status', 500, true, 'E_TSA_UNAVAILABLE'],
    ['http-status', 503, true, 'E_TSA_UNAVAILABLE'],
    ['http-status', 429, true, 'E_TSA_UNAVAILABLE'],
    ['http-status', 408, true, 'E_TSA_UNAVAILABLE'],
    ['http-status', 404, false, 'E_TSA_PROTOCOL'],
    ['http-status', 400, false, 'E_TSA_PROTOCOL'],
    ['content-type', undefined, false, 'E_TSA_PROTOCOL'],
    ['too-large', undefined, false, 'E_TSA_PROTOCOL'],
    ['invalid-reply', undefined, false, 'E_TSA_INVALID'],
    ['rejected', undefined, false, 'E_TSA_REJECTED'],
    ['bad-url', undefined, false, 'E_CONFIG'],
  ];
  for (const [kind, status, transient, code] of cases) {
    it(`calls ${kind}${status === undefined ? '' : ` ${status}`} ${transient ? 'transient' : 'permanent'}`, () => {
      const error = new TsaRequestError(kind, 'x', status === undefined ? {} : { httpStatus: status });
      expect(error.transient).toBe(transient);
      expect(error.code).toBe(code);
      expect(error.context).toMatchObject({ kind, transient });
    });
  }

  it('lets a busy TSA rejection be marked transient', () => {
    expect(new TsaRequestError('rejected', 'busy', { transient: true, check: 'TSA_STATUS' })).toMatchObject({
      transient: true,
      check: 'TSA_STATUS',
    });
  });
});
