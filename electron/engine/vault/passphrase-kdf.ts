import { randomBytes, scrypt } from 'node:crypto';
import { AevError } from '../../common/errors.ts';

/** scrypt parameters as stored in the key file (RFC 7914 §2: N = 2^logN, r, p). */
export interface ScryptParams {
  readonly name: 'scrypt';
  readonly logN: number;
  readonly r: 8;
  readonly p: 1;
  readonly salt: string;
}

// 2^14 is the floor for interactive use (RFC 7914 §2); 2^22 already costs 4 GiB, and a key file that
// asks for more is refused before any memory is allocated.
export const MIN_LOG_N = 14;
export const MAX_LOG_N = 22;
export const DEFAULT_LOG_N = 17;

export function newScryptParams(logN = DEFAULT_LOG_N): ScryptParams {
  if (!Number.isInteger(logN) || logN < MIN_LOG_N || logN > MAX_LOG_N) {
    throw new AevError('E_CONFIG', `scrypt cost must be 2^${MIN_LOG_N}..2^${MAX_LOG_N}, not 2^${String(logN)}`);
  }
  return { name: 'scrypt', logN, r: 8, p: 1, salt: randomBytes(16).toString('base64') };
}

/** Derives a 256-bit key-encryption key from a passphrase, off the main thread. */
export function derivePassphraseKek(passphrase: string, params: ScryptParams): Promise<Buffer> {
  const N = 2 ** params.logN;
  // Normalised as RFC 8265 §4.2 (OpaqueString) does, so the same passphrase typed through another
  // input method or OS still unlocks the vault.
  const secret = Buffer.from(passphrase.normalize('NFC'), 'utf8');
  // scrypt needs 128·N·r bytes (RFC 7914 §6); Node's default maxmem (32 MiB) is below 2^17 with r = 8.
  const maxmem = 2 * 128 * N * params.r * params.p;
  return new Promise((resolve, reject) => {
    scrypt(secret, Buffer.from(params.salt, 'base64'), 32, { N, r: params.r, p: params.p, maxmem }, (error, key) => {
      secret.fill(0);
      if (error === null) resolve(key);
      else reject(new AevError('E_INTERNAL', `scrypt failed: ${error.message}`, undefined, { cause: error }));
    });
  });
}
