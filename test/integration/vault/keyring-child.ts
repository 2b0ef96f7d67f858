// Runs inside a private D-Bus session for secret-service.test.ts: probes the real OS keyring and
// creates or opens a vault with it, printing one JSON line for the test to judge.
import { probeOsKeyring } from '../../../native/keychain/keyring.ts';
import { isAevError } from '../../../electron/common/errors.ts';
import { createVault, openVault } from '../../../electron/engine/vault/vault.ts';

const [mode = '', vaultDir = '', service = 'agent-evidence-test'] = process.argv.slice(2);
const MESSAGE = 'seen through the real Secret Service';

async function run(keyring: Awaited<ReturnType<typeof probeOsKeyring>>): Promise<Record<string, unknown>> {
  if (mode === 'probe') return {};
  if (mode === 'create') {
    const vault = await createVault({ vaultDir, keyring, scryptLogN: 14 });
    await vault.objects.put('other', 'msg', Buffer.from(MESSAGE));
    const out = { vaultId: vault.id, unlockedBy: vault.unlockedBy(), methods: vault.unlockMethods() };
    vault.close();
    return out;
  }
  const vault = await openVault({ vaultDir, keyring });
  const out = {
    vaultId: vault.id,
    unlockedBy: vault.unlockedBy(),
    readBack: (await vault.objects.get('other', 'msg')).toString() === MESSAGE,
  };
  vault.close();
  return out;
}

const keyring = await probeOsKeyring(service, { timeoutMs: 5000 });
const probed = { backend: keyring?.backend ?? null, secure: keyring?.secure ?? null };
try {
  process.stdout.write(`${JSON.stringify({ ok: true, ...probed, ...(await run(keyring)) })}\n`);
} catch (error) {
  const code = isAevError(error) ? error.code : 'E_INTERNAL';
  process.stdout.write(
    `${JSON.stringify({ ok: false, ...probed, code, message: error instanceof Error ? error.message : String(error) })}\n`,
  );
}
