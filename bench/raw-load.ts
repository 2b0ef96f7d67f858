import net from 'node:net';

/**
 * A load generator light enough not to be the bottleneck on a 2-core machine: frames are serialized
 * once, acks are matched by counting lines. Used by the ingest benchmark only.
 */
export class RawLoadClient {
  readonly #socket: net.Socket;
  readonly #sentAt: number[] = [];
  #acked = 0;
  #errors = 0;
  #tail = '';
  #onAck: ((latencyMs: number) => void) | null = null;

  private constructor(socket: net.Socket) {
    this.#socket = socket;
    socket.setEncoding('utf8');
    socket.on('data', (chunk: string) => {
      const text = this.#tail + chunk;
      const lines = text.split('\n');
      this.#tail = lines.pop() ?? '';
      const now = performance.now();
      for (const line of lines) {
        if (!line.startsWith('{"type":"ack"')) {
          if (line.includes('"error"')) this.#errors++;
          continue;
        }
        const t0 = this.#sentAt[this.#acked++];
        if (t0 !== undefined) this.#onAck?.(now - t0);
      }
    });
  }

  static async connect(socketPath: string): Promise<RawLoadClient> {
    const socket = net.connect(socketPath);
    await new Promise((resolve, reject) => {
      socket.once('connect', resolve);
      socket.once('error', reject);
    });
    socket.write(`${JSON.stringify({ type: 'hello', id: 'h', protocol: 1, client: 'sdk', api: 'ingest' })}\n`);
    await new Promise<void>((resolve) => {
      socket.once('data', () => {
        resolve();
      });
    });
    return new RawLoadClient(socket);
  }

  onAck(cb: (latencyMs: number) => void): void {
    this.#onAck = cb;
  }

  send(frames: string, count: number): void {
    const now = performance.now();
    for (let i = 0; i < count; i++) this.#sentAt.push(now);
    this.#socket.write(frames);
  }

  get acked(): number {
    return this.#acked;
  }

  get sent(): number {
    return this.#sentAt.length;
  }

  get errors(): number {
    return this.#errors;
  }

  close(): void {
    this.#socket.end();
  }
}

export function eventFrame(sessionId: string, i: number): string {
  const payload = {
    session_id: sessionId,
    transcript_path: '/home/dev/.claude/projects/x/bench.jsonl',
    cwd: '/home/dev/project',
    hook_event_name: i % 2 === 0 ? 'PreToolUse' : 'PostToolUse',
    tool_name: 'Bash',
    tool_use_id: `toolu_${Math.floor(i / 2)}`,
    tool_input: { command: 'npm test -- --reporter=dot', description: 'run the tests' },
    tool_response: { stdout: 'x'.repeat(400), stderr: '', interrupted: false },
  };
  return `${JSON.stringify({ type: 'event', id: i, event: { agent: 'claude-code', payload } })}\n`;
}
