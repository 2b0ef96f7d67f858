// Runs inside a private D-Bus session with gnome-keyring for keyring-seam.test.ts. `create` makes a
// vault whose keyring secret goes through the app's key-provider seam (ChannelKeyring over a real
// MessageChannel, served by the real OS keyring adapter); `open` unlocks it with the OS keyring directly.
import { MessageChannel } from 'node:worker_threads';
import type { MessagePort } from 'node:worker_threads';
import { isAevError } from '../../../electron/common/errors.ts';
import { ChannelKeyring, serveKeyringRequests } from '../../../electron/engine/host/channel-keyring.ts';
import type { MessageLink } from '../../../electron/engine/host/host-messages.ts';
import { createVault, openVault } from '../../../electron/engine/vault/vault.ts';
import { probeOsKeyring } from '../../../native/keychain/keyring.ts';

const [mode = '', vaultDir = ''] = process.argv.slice(2);
const NOTE = 'kept behind the real Secret Service';

const portLink = (port: MessagePort): MessageLink => ({
  send: (m) => {
    port.postMessage(m);
  },
  onMessage: (listener) => {
    port.on('message', listener);
    return () => port.off('message', listener);
  },
});

async function run(): Promise<Record<string, unknown>> {
  const os = await probeOsKeyring('agent-evidence-test', { timeoutMs: 5000 });
  if (os === null) return { ok: false, code: 'NO_KEYRING' };
  if (mode === 'create') {
    const { port1, port2 } = new MessageChannel();
    serveKeyringRequests(portLink(port1), os);
    const seam = new ChannelKeyring(portLink(port2), { backend: os.backend, secure: os.secure });
    try {
      const vault = await createVault({ vaultDir, keyring: seam, scryptLogN: 14 });
      await vault.objects.put('other', 'note', Buffer.from(NOTE));
      const out = { ok: true, vaultId: vault.id, methods: vault.unlockMethods(), via: seam.backend };
      vault.close();
      return out;
    } finally {
      port1.close();
    }
  }
  const vault = await openVault({ vaultDir, keyring: os });
  const out = {
    ok: true,
    vaultId: vault.id,
    unlockedBy: vault.unlockedBy(),
    readBack: (await vault.objects.get('other', 'note')).toString() === NOTE,
  };
  vault.close();
  return out;
}

try {
  process.stdout.write(`${JSON.stringify(await run())}\n`);
} catch (error) {
  const code = isAevError(error) ? error.code : 'E_INTERNAL';
  process.stdout.write(`${JSON.stringify({ ok: false, code, message: String(error) })}\n`);
}
