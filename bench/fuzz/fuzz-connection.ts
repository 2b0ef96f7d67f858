import net from 'node:net';
import { MAX_FRAME_BYTES } from '../../electron/common/protocol/constants.ts';
import { serverFrameSchema } from '../../electron/common/protocol/frames.ts';
import { LineSplitter } from '../../electron/engine/ingest/line-splitter.ts';
import type { Tally } from './tally.ts';

/** What a connection keeps of its own bytes for an anomaly report: the start is what replays it. */
const MAX_KEPT_BYTES = 8 * 1024 * 1024;

export type SettleResult = 'answered' | 'closed' | 'timeout';

/**
 * One hostile client connection. It counts what it sends, reads and checks every answer (each must
 * be a JSON line matching the server frame schema), and knows how many answers to expect: one per
 * complete line the engine's own splitter would find in the bytes sent so far, until the engine
 * closes the connection (docs/protocol.md, "Errors").
 */
export class FuzzConnection {
  readonly #socket: net.Socket;
  readonly #tally: Tally;
  readonly #where: string;
  readonly #mirror = new LineSplitter(MAX_FRAME_BYTES);
  readonly #closed: Promise<void>;
  #tail = '';
  #expected = 0;
  #answers = 0;
  #serverClosed = false;
  /** The engine sent FIN: it will answer nothing more, whether or not it reads the rest. */
  #serverEnded = false;
  #wake: (() => void) | null = null;
  /** What this connection sent (up to a bound), saved with any anomaly found on it. */
  readonly #sent: Buffer[] = [];
  #sentBytes = 0;
  /** Engine session ids named by acks on this connection. */
  readonly ackSessions = new Set<string>();
  /** Error codes answered on this connection, in order. */
  readonly codes: string[] = [];

  private constructor(socket: net.Socket, tally: Tally, where: string) {
    this.#socket = socket;
    this.#tally = tally;
    this.#where = where;
    socket.setEncoding('utf8');
    socket.on('data', (chunk: string) => {
      this.#onData(chunk);
    });
    socket.on('error', (error: NodeJS.ErrnoException) => {
      tally.add(tally.outcomes, `socket error ${error.code ?? error.message}`);
    });
    socket.on('end', () => {
      this.#serverEnded = true;
      this.#wake?.();
    });
    this.#closed = new Promise((resolve) => {
      socket.once('close', () => {
        this.#serverClosed = true;
        this.#wake?.();
        resolve();
      });
    });
  }

  static open(socketPath: string, tally: Tally, where: string): Promise<FuzzConnection | null> {
    return new Promise((resolve) => {
      const socket = net.connect(socketPath);
      const onError = (error: NodeJS.ErrnoException): void => {
        tally.add(tally.outcomes, `connect failed ${error.code ?? error.message}`);
        resolve(null);
      };
      socket.once('error', onError);
      socket.once('connect', () => {
        socket.off('error', onError);
        resolve(new FuzzConnection(socket, tally, where));
      });
    });
  }

  get answers(): number {
    return this.#answers;
  }

  get expected(): number {
    return this.#expected;
  }

  get closed(): boolean {
    return this.#serverClosed || this.#serverEnded || this.#socket.destroyed;
  }

  /** Sends bytes; `frames` of them are counted under `category`. */
  write(bytes: Buffer, frames: number, category: string): void {
    this.#tally.add(this.#tally.frames, category, frames);
    if (this.closed) return;
    this.#expected += this.#mirror.push(bytes).length;
    const room = MAX_KEPT_BYTES - this.#sentBytes;
    if (room > 0) {
      this.#sent.push(bytes.length <= room ? bytes : bytes.subarray(0, room));
      this.#sentBytes += Math.min(bytes.length, room);
    }
    this.#socket.write(bytes);
  }

  /** Stops reading answers (a client that does not read: the engine must stop reading it too). */
  pauseReading(): void {
    this.#socket.pause();
  }

  resumeReading(): void {
    this.#socket.resume();
  }

  /** Waits until every complete frame sent is answered, the engine closed us, or `boundMs` passed. */
  async settle(boundMs: number): Promise<SettleResult> {
    const deadline = performance.now() + boundMs;
    while (this.#answers < this.#expected && !this.closed) {
      const left = deadline - performance.now();
      if (left <= 0) return 'timeout';
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, Math.min(left, 250));
        this.#wake = () => {
          clearTimeout(timer);
          resolve();
        };
      });
      this.#wake = null;
    }
    return this.#answers >= this.#expected ? 'answered' : 'closed';
  }

  /** Settles, flags a frame left unanswered on an open connection, then closes our side. */
  async finish(boundMs: number, expectAll = true): Promise<SettleResult> {
    const r = await this.settle(boundMs);
    if (r === 'timeout' && expectAll)
      this.#tally.anomaly(
        'unanswered',
        this.#where,
        `${this.#expected - this.#answers} of ${this.#expected} complete frames unanswered after ${boundMs} ms`,
        this.#sent,
      );
    this.#tally.add(this.#tally.outcomes, `connection ${r}`);
    // As long to close as to answer: a loaded engine may take a while to get to our FIN.
    await this.end(Math.max(5000, boundMs));
    return r;
  }

  /** Half-closes and waits (bounded) for the engine to close too. */
  async end(boundMs = 5000): Promise<void> {
    if (!this.#socket.destroyed) this.#socket.end();
    let timer: NodeJS.Timeout | undefined;
    const late = new Promise<'late'>((resolve) => {
      timer = setTimeout(() => {
        resolve('late');
      }, boundMs);
    });
    const r = await Promise.race([this.#closed.then(() => 'closed' as const), late]);
    clearTimeout(timer);
    if (r === 'late' && this.#serverEnded) {
      // The engine said goodbye but never read what we had sent, so our side cannot finish: its
      // socket stays open too (a leak the fd check and the clean-stop check report).
      this.#tally.add(this.#tally.outcomes, 'engine ended without reading the rest');
      this.#socket.destroy();
    } else if (r === 'late') {
      this.#tally.anomaly(
        'not-closed',
        this.#where,
        `the engine kept the connection open ${boundMs} ms after our FIN`,
        this.#sent,
      );
      this.#socket.destroy();
    }
  }

  destroy(): void {
    this.#socket.destroy();
  }

  #onData(chunk: string): void {
    const text = this.#tail + chunk;
    const lines = text.split('\n');
    this.#tail = lines.pop() ?? '';
    for (const line of lines) this.#onAnswer(line);
    this.#wake?.();
  }

  #onAnswer(line: string): void {
    this.#answers += 1;
    const t = this.#tally;
    let frame: unknown;
    try {
      frame = JSON.parse(line);
    } catch {
      t.anomaly('malformed-answer', this.#where, `not JSON: ${line.slice(0, 200)}`);
      return;
    }
    let parsed = serverFrameSchema.safeParse(frame);
    if (!parsed.success && isRecord(frame) && frame.type === 'error') {
      // The engine echoes whatever id it could find, even one the request schema forbids (129
      // characters, 2^53): outside protocol.schema.json, but the client's own doing. Noted, not failed.
      const again = serverFrameSchema.safeParse({ ...frame, id: null });
      if (again.success) {
        t.add(t.outcomes, 'error answer echoes an out-of-schema id');
        parsed = again;
      }
    }
    if (!parsed.success) {
      t.anomaly('malformed-answer', this.#where, `off-schema: ${line.slice(0, 200)}`);
      return;
    }
    const f = parsed.data;
    t.add(t.answers, f.type);
    if (f.type === 'error') {
      t.add(t.errorCodes, f.code);
      this.codes.push(f.code);
      // A refused frame is the client's fault and has a protocol code; these two say the engine broke.
      if (f.code === 'E_INTERNAL' || f.code === 'E_IO')
        t.anomaly(`answered ${f.code}`, this.#where, f.message, this.#sent);
    }
    if (f.type === 'ack') this.ackSessions.add(f.sessionId);
  }
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}
