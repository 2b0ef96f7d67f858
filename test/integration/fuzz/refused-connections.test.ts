// Found by bench/fuzz-endpoint.ts (category connection-storm, seeds 1 and 2): connections beyond
// the limit of 256 are answered E_TOO_MANY_CONNECTIONS and ended (EndpointServer), but that socket
// gets neither a 'data' nor an 'error' listener.
// - No 'error' listener: a client that is already gone when the refusal is written (EPIPE) or read
//   (ECONNRESET) raises an unhandled 'error' event and the daemon exits (code 1). Any local process
//   can hold 256 connections and then kill the recorder by connecting and disconnecting.
// - No reader: once the client has sent anything, its bytes stay unread in the socket's buffer, the
//   client's FIN behind them is never seen, and the socket is never closed: one file descriptor
//   leaked per refused connection for the daemon's lifetime (until accept() fails with EMFILE), and
//   `server.close()` never calls back, so SIGTERM leaves the daemon "stopping" forever.
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { startDaemon } from '../../helpers/daemon-process.ts';
import type { DaemonProcess } from '../../helpers/daemon-process.ts';
import { makeTempDir } from '../../helpers/temp-dir.ts';

const HELLO = `${JSON.stringify({ type: 'hello', id: 'h', protocol: 1, client: 'test', api: 'ingest' })}\n`;

/** Connects, says hello and resolves once the engine has answered (accepted or refused). */
function helloConnection(socketPath: string): Promise<net.Socket> {
  return new Promise((resolve, reject) => {
    const s = net.connect(socketPath, () => {
      s.write(HELLO);
    });
    s.once('data', () => {
      resolve(s);
    });
    // A refused connection is cut right after its refusal: our hello may then hit EPIPE/ECONNRESET.
    s.once('error', (error: NodeJS.ErrnoException) => {
      if (error.code === 'EPIPE' || error.code === 'ECONNRESET') resolve(s);
      else reject(error);
    });
  });
}

function openFds(pid: number): number {
  return fs.readdirSync(`/proc/${pid}/fd`).length;
}

describe.runIf(process.platform === 'linux')('hostile input: connections beyond the limit', () => {
  const tmp = makeTempDir('aev-fuzz-repro-');
  let daemon: DaemonProcess | undefined;
  afterEach(async () => {
    if (daemon?.child.exitCode === null) await daemon.kill9();
  });
  afterAll(() => {
    tmp.cleanup();
  });

  it('survives clients that vanish while it refuses them', async () => {
    daemon = await startDaemon(path.join(tmp.dir, 'data'));
    const socketPath = daemon.paths.socketPath;
    const held = await Promise.all(Array.from({ length: 256 }, () => helloConnection(socketPath)));
    for (let i = 0; i < 100 && daemon.child.exitCode === null; i++) {
      const s = net.connect(socketPath);
      s.on('error', () => undefined);
      s.once('connect', () => {
        s.destroy();
      });
      await new Promise((r) => setTimeout(r, 5));
    }
    await new Promise((r) => setTimeout(r, 500));
    expect(daemon.child.exitCode, daemon.stderr().slice(-800)).toBeNull();
    for (const s of held) s.destroy();
  }, 60_000);

  it('releases refused connections and still stops on SIGTERM', async () => {
    daemon = await startDaemon(path.join(tmp.dir, 'data'));
    const pid = daemon.child.pid ?? -1;
    const baseline = openFds(pid);
    // 256 is the limit (docs/protocol.md): the next 20 are refused after they said hello.
    const all = await Promise.all(Array.from({ length: 276 }, () => helloConnection(daemon?.paths.socketPath ?? '')));
    for (const s of all) s.destroy();
    await new Promise((r) => setTimeout(r, 1500));
    expect(openFds(pid) - baseline, 'file descriptors the daemon still holds for closed clients').toBeLessThanOrEqual(
      2,
    );

    const stopped = daemon.stop();
    const late = new Promise<'late'>((r) => {
      setTimeout(() => {
        r('late');
      }, 10_000);
    });
    expect(await Promise.race([stopped, late]), 'SIGTERM should stop the daemon within 10 s').toBe(0);
  }, 60_000);
});
