import fs from 'node:fs';
import path from 'node:path';
import type { KeyObject } from 'node:crypto';
import type { Vault } from '../vault/vault.ts';
import {
  allowedSignersLine,
  fingerprintSha256,
  generateDeviceKey,
  loadDeviceKey,
  publicKeyOpenSsh,
} from './device-key.ts';
import { signSshsig } from './sshsig.ts';

/** The SSHSIG namespace for chain records; `ssh-keygen -Y verify -n agent-evidence` checks it. */
export const SIGNATURE_NAMESPACE = 'agent-evidence';
/** The principal we use in allowed_signers lines. */
export const DEVICE_PRINCIPAL = 'aev-device';

export interface DeviceIdentity {
  readonly publicKeyRaw: Buffer;
  readonly fingerprint: string;
  readonly openSsh: string;
  readonly allowedSigners: string;
  sign(message: Buffer): string;
}

/**
 * The device's Ed25519 signing key: created once, kept only inside the vault (encrypted), loaded at
 * start. The public half is also written to `<data root>/device.pub` for people and tools.
 */
export async function loadOrCreateDeviceIdentity(vault: Vault, dataRoot: string): Promise<DeviceIdentity> {
  let pkcs8: Buffer;
  if (vault.objects.has('device-key', 'device')) {
    pkcs8 = await vault.objects.get('device-key', 'device');
  } else {
    const generated = generateDeviceKey();
    pkcs8 = generated.privateKeyPkcs8Der;
    await vault.objects.put('device-key', 'device', pkcs8);
  }
  const key = loadDeviceKey(pkcs8);
  const identity = identityFrom(key.privateKey, key.publicKeyRaw);
  fs.writeFileSync(path.join(dataRoot, 'device.pub'), `${identity.openSsh}\n`, { mode: 0o600 });
  return identity;
}

function identityFrom(privateKey: KeyObject, publicKeyRaw: Buffer): DeviceIdentity {
  return {
    publicKeyRaw,
    fingerprint: fingerprintSha256(publicKeyRaw),
    openSsh: publicKeyOpenSsh(publicKeyRaw, DEVICE_PRINCIPAL),
    allowedSigners: allowedSignersLine(DEVICE_PRINCIPAL, publicKeyRaw),
    sign: (message) => signSshsig(message, privateKey, SIGNATURE_NAMESPACE),
  };
}
