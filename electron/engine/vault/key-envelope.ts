import { createHmac, timingSafeEqual } from 'node:crypto';
import { AevError } from '../../common/errors.ts';
import { openBytes, sealBytes } from './aead.ts';

export type WrapperKind = 'passphrase' | 'keyring';

export interface Envelope {
  /** HMAC of the key-encryption key: tells a wrong passphrase apart from a damaged envelope. */
  readonly check: string;
  /** The master key sealed under the KEK (aead.ts layout), base64. */
  readonly wrapped: string;
}

/** AAD binds the envelope to its vault and wrapper kind, so one cannot be moved to another vault or slot. */
function wrapAad(vaultId: string, kind: WrapperKind): Buffer {
  return Buffer.from(`agent-evidence/v1/key-wrap\u0000${vaultId}\u0000${kind}`, 'utf8');
}

function kekCheck(kek: Buffer): Buffer {
  return createHmac('sha256', kek).update('agent-evidence/v1/kek-check').digest();
}

export function wrapMasterKey(masterKey: Buffer, kek: Buffer, vaultId: string, kind: WrapperKind): Envelope {
  return {
    check: kekCheck(kek).toString('base64'),
    wrapped: sealBytes(kek, masterKey, wrapAad(vaultId, kind)).toString('base64'),
  };
}

/**
 * The master key, or null when `kek` is not the key this envelope was made with (wrong passphrase,
 * stale keyring entry). A right KEK whose envelope fails to open means the key file was altered.
 */
export function unwrapMasterKey(
  envelope: Envelope,
  kek: Buffer,
  vaultId: string,
  kind: WrapperKind,
  file: string,
): Buffer | null {
  const expected = Buffer.from(envelope.check, 'base64');
  const actual = kekCheck(kek);
  if (expected.length !== actual.length || !timingSafeEqual(expected, actual)) return null;
  try {
    return openBytes(kek, Buffer.from(envelope.wrapped, 'base64'), wrapAad(vaultId, kind));
  } catch (cause) {
    throw new AevError(
      'E_VAULT_CORRUPT',
      `the ${kind} key envelope in ${file} fails authentication although the ${kind} key is right: the key file was altered; restore it from a backup`,
      { file, kind },
      { cause },
    );
  }
}
