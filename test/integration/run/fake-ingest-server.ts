import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';

export type ClientFrame = Record<string, unknown> & { readonly type: string; readonly id: string };

/** What the fake engine does with a frame: answer it, keep it unanswered, refuse it, or hang up. */
export type FrameFate = 'answer' | 'hold' | { readonly error: string; readonly message: string } | 'hang-up';

export interface FakeIngestServer {
  /** Every frame after hello, in arrival order. */
  readonly frames: ClientFrame[];
  /** The raw lines of those frames, to check their size. */
  readonly lines: string[];
  readonly hellos: ClientFrame[];
  /** Decides each frame's fate; answers at once by default. */
  fate: (frame: ClientFrame) => FrameFate;
  /** Answers every held frame, in order. */
  release(): void;
  close(): Promise<void>;
}

/**
 * A stand-in for the engine's ingest endpoint, speaking the real protocol (docs/protocol.md) on a real
 * Unix socket: it answers hello, records every frame, and answers terminal frames with `result` the way
 * the engine does once they are durable, unless the test says otherwise.
 */
export async function startFakeIngestServer(socketPath: string): Promise<FakeIngestServer> {
  fs.mkdirSync(path.dirname(socketPath), { recursive: true, mode: 0o700 });
  const sockets = new Set<net.Socket>();
  const held: { socket: net.Socket; frame: ClientFrame }[] = [];
  const answer = (socket: net.Socket, frame: ClientFrame): void => {
    if (socket.destroyed) return;
    socket.write(`${JSON.stringify({ type: 'result', id: frame.id, value: { terminalId: frame.terminalId } })}\n`);
  };
  const fake: FakeIngestServer = {
    frames: [],
    lines: [],
    hellos: [],
    fate: () => 'answer',
    release() {
      for (const { socket, frame } of held.splice(0)) answer(socket, frame);
    },
    close: () =>
      new Promise((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => {
          resolve();
        });
      }),
  };
  const server = net.createServer((socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    socket.on('error', () => undefined);
    let buffer = '';
    socket.setEncoding('utf8');
    socket.on('data', (chunk: string) => {
      buffer += chunk;
      let newline: number;
      while ((newline = buffer.indexOf('\n')) !== -1) {
        const line = buffer.slice(0, newline);
        buffer = buffer.slice(newline + 1);
        const frame = JSON.parse(line) as ClientFrame;
        if (frame.type === 'hello') {
          fake.hellos.push(frame);
          socket.write(`${JSON.stringify({ type: 'hello', id: frame.id, ok: true, protocol: 1, server: 'fake' })}\n`);
          continue;
        }
        fake.frames.push(frame);
        fake.lines.push(line);
        const fate = fake.fate(frame);
        if (fate === 'answer') answer(socket, frame);
        else if (fate === 'hold') held.push({ socket, frame });
        else if (fate === 'hang-up') socket.destroy();
        else
          socket.write(`${JSON.stringify({ type: 'error', id: frame.id, code: fate.error, message: fate.message })}\n`);
      }
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(socketPath, resolve);
  });
  return fake;
}
