import { parseArgs } from 'node:util';
import { AevError } from '../../common/errors.ts';
import { runtimePaths } from '../../engine/runtime/data-root.ts';
import { DEVICE_PRINCIPAL, SIGNATURE_NAMESPACE } from '../../engine/seal/device-identity.ts';
import {
  allowedSignersLine,
  fingerprintSha256,
  loadDeviceKey,
  publicKeyOpenSsh,
} from '../../engine/seal/device-key.ts';
import { openVault } from '../../engine/vault/vault.ts';
import type { CliIo } from '../cli-io.ts';
import { writeLine } from '../cli-io.ts';
import { engineEnv } from '../../engine/host/engine-env.ts';

/** `aev keys show [--json]`: the device signing key's fingerprint and an allowed_signers line. */
export async function run(argv: string[], io: CliIo): Promise<number> {
  const [sub, ...rest] = argv;
  if (sub !== 'show') throw new AevError('E_USAGE', 'usage: aev keys show [--json]');
  const { values } = parseArgs({ args: rest, options: { json: { type: 'boolean' } }, strict: true });
  const env = await engineEnv(io);
  const vault = await openVault({
    vaultDir: runtimePaths(env.dataRoot).vaultDir,
    keyring: env.keyring,
    passphrase: env.passphrase,
  });
  let raw: Buffer;
  try {
    if (!vault.objects.has('device-key', 'device')) {
      throw new AevError(
        'E_NOT_FOUND',
        'no device key yet: it is created the first time the engine starts (`aev daemon`)',
      );
    }
    raw = loadDeviceKey(await vault.objects.get('device-key', 'device')).publicKeyRaw;
  } finally {
    vault.close();
  }
  const info = {
    fingerprint: fingerprintSha256(raw),
    publicKey: publicKeyOpenSsh(raw, DEVICE_PRINCIPAL),
    allowedSigners: allowedSignersLine(DEVICE_PRINCIPAL, raw),
    namespace: SIGNATURE_NAMESPACE,
  };
  if (values.json === true) {
    writeLine(io.stdout, JSON.stringify(info, null, 2));
    return 0;
  }
  writeLine(io.stdout, `device key   ${info.fingerprint} (Ed25519)`);
  writeLine(io.stdout, `public key   ${info.publicKey}`);
  writeLine(io.stdout, 'allowed_signers line (for `ssh-keygen -Y verify -n agent-evidence -I aev-device`):');
  writeLine(io.stdout, `  ${info.allowedSigners}`);
  return 0;
}
