import { expect } from 'vitest';
import { isAevError } from '../../../../electron/common/errors.ts';
import type { AevError, ErrorCode } from '../../../../electron/common/errors.ts';

/** Awaits `promise`, expects it to reject with an AevError of `code` whose message mentions `mentions`. */
export async function expectAevError(promise: Promise<unknown>, code: ErrorCode, mentions?: string): Promise<AevError> {
  const error = await promise.then(
    () => null,
    (e: unknown) => e,
  );
  if (!isAevError(error)) throw new Error(`expected AevError ${code}, got ${String(error)}`);
  expect(error.code).toBe(code);
  if (mentions !== undefined) expect(error.message).toContain(mentions);
  return error;
}
