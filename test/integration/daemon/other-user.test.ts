import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runtimePaths } from '../../../electron/engine/runtime/data-root.ts';
import { runAev, startDaemon, testEnv } from '../../helpers/daemon-process.ts';
import type { DaemonProcess } from '../../helpers/daemon-process.ts';
import { RawClient, hookPayload } from '../../helpers/raw-client.ts';
import { listFiles, makeTempDir } from '../../helpers/temp-dir.ts';
import {
  createThrowawayUser,
  installProbe,
  otherUserUnavailable,
  probeAs,
  removeUser,
  serveAs,
} from './other-user-probe.ts';
import type { LocalUser, ServerAs } from './other-user-probe.ts';

const unavailable = otherUserUnavailable();

/**
 * Another account on the same machine (docs/threat-model.md, "Other local users"): a real throwaway
 * user probes a real daemon. The test folder is opened to others (o+x) only so they can reach the data
 * root; the data root itself is left exactly as the engine made it.
 */
describe.skipIf(unavailable !== null)(
  `another local user against a running engine${unavailable === null ? '' : ` (skipped: ${unavailable})`}`,
  () => {
    // Made in beforeAll, so a skipped run leaves nothing behind.
    let tmp: ReturnType<typeof makeTempDir> | undefined;
    let dataRoot: string;
    let user: LocalUser | null = null;
    let probe: string;
    let daemon: DaemonProcess | null = null;
    let httpUrl: string;
    let token: string;
    const servers: ServerAs[] = [];

    beforeAll(async () => {
      const made = makeTempDir();
      tmp = made;
      dataRoot = path.join(made.dir, 'data');
      fs.chmodSync(made.dir, 0o711);
      probe = installProbe(made.dir);
      user = createThrowawayUser();
      daemon = await startDaemon(dataRoot);
      const info = JSON.parse(fs.readFileSync(daemon.paths.httpInfoPath, 'utf8')) as { url: string; token: string };
      httpUrl = info.url;
      token = info.token;
    }, 60_000);

    afterAll(async () => {
      for (const s of servers) await s.stop();
      await daemon?.stop();
      if (user !== null) removeUser(user);
      tmp?.cleanup();
    });

    const other = (): LocalUser => {
      if (user === null) throw new Error('the throwaway user was not created');
      return user;
    };
    const running = (): DaemonProcess => {
      if (daemon === null) throw new Error('the daemon did not start');
      return daemon;
    };

    it('runs its probes as that user, without our groups, and can reach the test folder', async () => {
      const u = other();
      const [who, ownProbe] = await probeAs(u, probe, [{ op: 'whoami' }, { op: 'read', path: probe }]);
      expect(who).toMatchObject({ ok: true, uid: u.uid, gid: u.gid });
      expect(who?.groups ?? []).not.toContain(0);
      // The refusals below are the data root's doing: the folder around it is open to this user.
      expect(ownProbe).toEqual({ ok: true });
    });

    it('cannot connect to the engine socket, or even see it, while we can', async () => {
      const { socketPath, runtimeDir } = running().paths;
      const ours = await RawClient.hello(socketPath, 'control');
      ours.close();
      const [connect, stat, list] = await probeAs(other(), probe, [
        { op: 'connect', path: socketPath },
        { op: 'stat', path: socketPath },
        { op: 'readdir', path: runtimeDir },
      ]);
      expect(connect).toEqual({ ok: false, code: 'EACCES' });
      expect(stat).toEqual({ ok: false, code: 'EACCES' });
      expect(list).toEqual({ ok: false, code: 'EACCES' });
    });

    it('cannot list or read the data root, the vault, the index or the HTTP token file', async () => {
      const paths = running().paths;
      const files = listFiles(dataRoot);
      // Not a vacuous list: the key file, vault objects, the index, its WAL and the token are all there.
      for (const f of [
        path.join(paths.vaultDir, 'keys.json'),
        paths.indexPath,
        `${paths.indexPath}-wal`,
        paths.httpInfoPath,
      ])
        expect(files).toContain(f);
      expect(files.some((f) => f.includes(`${path.sep}objects${path.sep}device-key${path.sep}`))).toBe(true);
      const results = await probeAs(other(), probe, [
        { op: 'readdir', path: dataRoot },
        { op: 'readdir', path: paths.vaultDir },
        ...files.map((f) => ({ op: 'read' as const, path: f })),
      ]);
      results.forEach((r, i) => {
        expect(r, i < 2 ? 'listing' : files[i - 2]).toEqual({ ok: false, code: 'EACCES' });
      });
    });

    it('is refused by the loopback HTTP endpoint without the bearer token (which only we can read)', async () => {
      const body = JSON.stringify(hookPayload('other-user', 'Stop'));
      const headers = { 'content-type': 'application/json' };
      const [none, wrong, tokenFile, right] = await probeAs(other(), probe, [
        { op: 'post', url: httpUrl, headers, body },
        { op: 'post', url: httpUrl, headers: { ...headers, authorization: `Bearer ${'A'.repeat(43)}` }, body },
        { op: 'read', path: running().paths.httpInfoPath },
        // The token is the only thing between another user and the ingest port: with it, a post lands.
        { op: 'post', url: httpUrl, headers: { ...headers, authorization: `Bearer ${token}` }, body },
      ]);
      expect(none).toEqual({ ok: true, status: 401 });
      expect(wrong).toEqual({ ok: true, status: 401 });
      expect(tokenFile).toEqual({ ok: false, code: 'EACCES' });
      expect(right).toEqual({ ok: true, status: 200 });
    });

    it('cannot signal the engine or read its environment and memory', async () => {
      const pid = running().child.pid!;
      const [term, environ, mem] = await probeAs(other(), probe, [
        { op: 'signal', pid, signal: 'SIGTERM' },
        { op: 'read', path: `/proc/${pid}/environ` },
        { op: 'read', path: `/proc/${pid}/mem` },
      ]);
      expect(term).toEqual({ ok: false, code: 'EPERM' });
      expect(environ).toEqual({ ok: false, code: 'EACCES' });
      expect(mem).toEqual({ ok: false, code: 'EACCES' });
      const status = await runAev(['status', '--json'], testEnv(dataRoot));
      expect(status.code, status.stderr).toBe(0);
    });

    // Fails today: the socket is already listening when the HTTP listen fails, and start() only releases
    // the lock, so the daemon prints the reason but never exits (and keeps accepting on its socket).
    it('exits 1 naming the port when another user holds the loopback HTTP port first', async () => {
      const squatter = await serveAs(other(), probe, { mode: 'serve-tcp' });
      servers.push(squatter);
      const port = String(squatter.port);
      const second = path.join(tmp!.dir, 'squatted');
      const r = await runAev(['daemon'], testEnv(second, { AEV_HTTP_PORT: port }), '', 15_000);
      expect(r.code).toBe(1);
      expect(r.stderr).toContain(`127.0.0.1:${port}: EADDRINUSE`);
    });

    /**
     * A data root too deep for a socket path moves the runtime folder to `$TMPDIR/aev-<uid>/<hash>/`.
     * In a shared temp dir (sticky, world-writable, like /tmp) another user can make that folder first.
     */
    describe('a runtime folder another user made first in the shared temp dir', () => {
      let sharedTmp: string;
      let deepRoot: string;
      let log: string;

      beforeAll(async () => {
        sharedTmp = path.join(tmp!.dir, 'shared-tmp');
        fs.mkdirSync(sharedTmp);
        fs.chmodSync(sharedTmp, 0o1777);
        deepRoot = path.join(tmp!.dir, 'deep'.repeat(30), 'data');
        fs.mkdirSync(path.dirname(deepRoot), { recursive: true });
        const hash = path.basename(runtimePaths(deepRoot).runtimeDir);
        expect(runtimePaths(deepRoot).runtimeDir.startsWith(deepRoot)).toBe(false);
        const uid = String(process.getuid?.() ?? 0);
        log = path.join(sharedTmp, 'received.ndjson');
        servers.push(
          await serveAs(other(), probe, {
            mode: 'serve-unix',
            path: path.join(sharedTmp, `aev-${uid}`, hash, 'aev.sock'),
            log,
          }),
        );
      });

      it('the engine refuses to use it', async () => {
        const r = await runAev(['daemon'], testEnv(deepRoot, { TMPDIR: sharedTmp }), '', 15_000);
        expect(r.code).toBe(1);
        expect(r.stderr).toMatch(/aev-\d+ belongs to another user .*\[E_PERMISSIONS\]/);
      });

      // Fails today: aev hook (like aev run and the other CLI clients) connects to the socket path without
      // checking who owns its folder, so a payload goes to whoever listens there. See the threat model.
      it('aev hook does not hand the payload to a socket in that folder', async () => {
        const marker = `MARKER-other-user-${String(Date.now())}`;
        const payload = hookPayload('leak', 'PreToolUse', {
          tool_name: 'Bash',
          tool_use_id: 'l1',
          tool_input: { command: `echo ${marker}` },
        });
        const r = await runAev(['hook'], testEnv(deepRoot, { TMPDIR: sharedTmp }), JSON.stringify(payload));
        expect(r.code).toBe(0);
        const received = fs.existsSync(log) ? fs.readFileSync(log, 'utf8') : '';
        expect(received).not.toContain(marker);
      });
    });
  },
);
