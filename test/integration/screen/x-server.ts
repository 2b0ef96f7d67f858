import { spawn, spawnSync } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import net from 'node:net';

/** Whether a program is on PATH (the X tools come from Debian packages the tests ask for by name). */
export function hasProgram(name: string): boolean {
  return spawnSync('sh', ['-c', `command -v ${name}`]).status === 0;
}

export interface Xvfb {
  readonly display: string;
  stop(): Promise<void>;
}

/**
 * Starts Xvfb on a free display it picks itself (-displayfd writes the number once it is ready).
 * -noreset keeps the root window's colour when the last client (xsetroot) disconnects.
 */
export async function startXvfb(width: number, height: number): Promise<Xvfb> {
  const server = spawn(
    'Xvfb',
    ['-displayfd', '3', '-screen', '0', `${width}x${height}x24`, '-nolisten', 'tcp', '-noreset'],
    {
      stdio: ['ignore', 'ignore', 'pipe', 'pipe'],
    },
  );
  const number = await new Promise<string>((resolve, reject) => {
    let text = '';
    const fd3 = server.stdio[3] as NodeJS.ReadableStream;
    fd3.on('data', (chunk: Buffer) => {
      text += chunk.toString('utf8');
      if (text.includes('\n')) resolve(text.trim());
    });
    server.once('exit', (code) => {
      reject(new Error(`Xvfb exited (${String(code)}) before it was ready`));
    });
    setTimeout(() => {
      reject(new Error('Xvfb did not report a display within 10 s'));
    }, 10_000).unref();
  });
  return { display: `:${number}`, stop: () => stopProcess(server) };
}

/** Starts an X client on `display` and returns it; stop it with stopProcess. */
export function startClient(display: string, command: string, args: string[]): ChildProcess {
  return spawn(command, args, { env: { ...process.env, DISPLAY: display }, stdio: 'ignore' });
}

export function runClient(display: string, command: string, args: string[]): void {
  const result = spawnSync(command, args, { env: { ...process.env, DISPLAY: display }, encoding: 'utf8' });
  if (result.status !== 0) throw new Error(`${command} failed: ${result.stderr}`);
}

export async function stopProcess(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((resolve) => {
    child.once('exit', () => {
      resolve();
    });
  });
  child.kill('SIGTERM');
  await exited;
}

/**
 * A display server that accepts connections and never answers: an X client opening it blocks for good,
 * which is how a stalled or wedged display server looks to nut-js. Listens on 127.0.0.1:6000+N, so the
 * display is "127.0.0.1:N". `closed` resolves when a client's connection goes away (its process died).
 */
export async function startStalledXServer(): Promise<{
  display: string;
  closed: Promise<void>;
  connections(): number;
  stop(): void;
}> {
  let onClosed: () => void = () => undefined;
  const closed = new Promise<void>((resolve) => (onClosed = resolve));
  const sockets = new Set<net.Socket>();
  const server = net.createServer((socket) => {
    sockets.add(socket);
    socket.on('close', onClosed);
    socket.on('error', () => undefined);
    socket.resume(); // read and drop the client's hello, so its hang-up is seen
  });
  for (let n = 90; n < 190; n++) {
    const listening = await new Promise<boolean>((resolve) => {
      server.once('error', () => {
        resolve(false);
      });
      server.listen(6000 + n, '127.0.0.1', () => {
        resolve(true);
      });
    });
    if (listening) {
      return {
        display: `127.0.0.1:${n}`,
        closed,
        connections: () => sockets.size,
        stop: () => {
          for (const socket of sockets) socket.destroy();
          server.close();
        },
      };
    }
  }
  throw new Error('no free port in 6090..6189 for the stalled X server');
}
