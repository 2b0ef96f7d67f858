import http from 'node:http';
import net from 'node:net';
import { serverFrameSchema } from '../../electron/common/protocol/frames.ts';

interface Ack {
  readonly eventId: string;
  readonly sessionId: string;
  readonly seq: number;
}

export interface SteadyStats {
  readonly sent: number;
  readonly acked: number;
  /** Refusals and transport failures, by code or status. */
  readonly errors: Readonly<Record<string, number>>;
  /**
   * Acknowledged event ids by session: the engine's session id (socket acks name it) or the agent's
   * session id (HTTP answers carry only the event id).
   */
  readonly sessions: Readonly<Record<string, readonly string[]>>;
  readonly problems: readonly string[];
}

/** Each well-behaved agent session holds this many events, then the next one starts. */
const EVENTS_PER_SESSION = 1000;

function agentSession(base: string, i: number): string {
  return `${base}-${Math.floor(i / EVENTS_PER_SESSION)}`;
}

function group(entries: readonly (readonly [string, string])[]): Record<string, string[]> {
  const out: Record<string, string[]> = {};
  for (const [session, id] of entries) (out[session] ??= []).push(id);
  return out;
}

function payload(base: string, i: number): Record<string, unknown> {
  const post = i % 2 === 1;
  return {
    session_id: agentSession(base, i),
    cwd: '/home/dev/project',
    hook_event_name: post ? 'PostToolUse' : 'PreToolUse',
    tool_name: 'Bash',
    tool_use_id: `toolu_steady_${Math.floor(i / 2)}`,
    tool_input: { command: 'npm test', description: 'run the tests' },
    ...(post ? { tool_response: { stdout: 'ok', stderr: '', interrupted: false } } : {}),
  };
}

/**
 * The well-behaved agent beside the fuzzer: one socket connection, a steady stream of valid
 * PreToolUse/PostToolUse events a few in flight at a time, every ack recorded. It must never see an
 * error, a lost ack or its connection closed.
 */
export class SteadySocketClient {
  readonly #socket: net.Socket;
  readonly #sessionBase: string;
  readonly #pending = new Map<number, number>();
  readonly #acks = new Map<number, Ack>();
  readonly #errors: Record<string, number> = {};
  readonly #problems: string[] = [];
  #tail = '';
  #next = 0;
  #timer: NodeJS.Timeout | undefined;
  #closed = false;
  #helloOk = false;

  private constructor(socket: net.Socket, sessionBase: string) {
    this.#socket = socket;
    this.#sessionBase = sessionBase;
    socket.setEncoding('utf8');
    socket.on('data', (chunk: string) => {
      const lines = (this.#tail + chunk).split('\n');
      this.#tail = lines.pop() ?? '';
      for (const line of lines) this.#onLine(line);
    });
    socket.on('error', (e: NodeJS.ErrnoException) => {
      this.#problems.push(`socket error ${e.code ?? e.message}`);
    });
    socket.on('close', () => {
      this.#closed = true;
    });
  }

  static async start(socketPath: string, sessionBase: string, intervalMs: number): Promise<SteadySocketClient> {
    const socket = net.connect(socketPath);
    await new Promise<void>((resolve, reject) => {
      socket.once('connect', resolve);
      socket.once('error', reject);
    });
    const c = new SteadySocketClient(socket, sessionBase);
    socket.write(`${JSON.stringify({ type: 'hello', id: 'steady', protocol: 1, client: 'hook', api: 'ingest' })}\n`);
    c.#timer = setInterval(() => {
      c.#sendOne();
    }, intervalMs);
    return c;
  }

  #sendOne(): void {
    // A hook has one event in flight; a few here, like several agents' hooks at once.
    if (this.#closed || this.#pending.size >= 8) return;
    const id = this.#next++;
    this.#pending.set(id, performance.now());
    const frame = { type: 'event', id, event: { agent: 'claude-code', payload: payload(this.#sessionBase, id) } };
    this.#socket.write(`${JSON.stringify(frame)}\n`);
  }

  #onLine(line: string): void {
    let raw: unknown;
    try {
      raw = JSON.parse(line);
    } catch {
      this.#problems.push(`answer is not JSON: ${line.slice(0, 200)}`);
      return;
    }
    const parsed = serverFrameSchema.safeParse(raw);
    if (!parsed.success) {
      this.#problems.push(`off-schema answer ${line.slice(0, 200)}`);
      return;
    }
    const f = parsed.data;
    if (f.type === 'hello') {
      this.#helloOk = true;
      return;
    }
    if (typeof f.id !== 'number' || !this.#pending.delete(f.id)) {
      this.#problems.push(`answer for an id never sent or already answered: ${line.slice(0, 200)}`);
      return;
    }
    if (f.type === 'ack') this.#acks.set(f.id, { eventId: f.eventId, sessionId: f.sessionId, seq: f.seq });
    else if (f.type === 'error') this.#errors[f.code] = (this.#errors[f.code] ?? 0) + 1;
    else this.#problems.push(`unexpected answer ${line.slice(0, 200)}`);
  }

  get sent(): number {
    return this.#next;
  }

  /** Stops sending, waits (bounded) for the answers still owed, then closes. */
  async stop(boundMs: number): Promise<SteadyStats> {
    clearInterval(this.#timer);
    const deadline = performance.now() + boundMs;
    while (this.#pending.size > 0 && !this.#closed && performance.now() < deadline)
      await new Promise((r) => setTimeout(r, 20));
    const problems = [...this.#problems];
    if (!this.#helloOk) problems.push('hello was never answered');
    if (this.#closed) problems.push('the engine closed the connection');
    if (this.#pending.size > 0) problems.push(`${this.#pending.size} events never answered`);
    this.#socket.end();
    const acks = [...this.#acks.entries()].sort((a, b) => a[0] - b[0]).map(([, a]) => a);
    // Within a session the sequence numbers count up from 1 without a hole (docs/protocol.md, ack).
    const last = new Map<string, number>();
    for (const a of acks) {
      const expected = (last.get(a.sessionId) ?? 0) + 1;
      if (a.seq !== expected && problems.length < 20)
        problems.push(`ack in ${a.sessionId} has seq ${a.seq}, expected ${expected}`);
      last.set(a.sessionId, a.seq);
    }
    return {
      sent: this.#next,
      acked: acks.length,
      errors: { ...this.#errors },
      sessions: group(acks.map((a) => [a.sessionId, a.eventId] as const)),
      problems,
    };
  }
}

/**
 * The well-behaved Claude Code `http` hook: one POST at a time on a fresh connection, each answered
 * 200 with the stored event's id in `x-aev-event-id` once durable.
 */
export class SteadyHttpClient {
  readonly #url: URL;
  readonly #token: string;
  readonly #sessionBase: string;
  readonly #intervalMs: number;
  readonly #eventIds: (readonly [string, string])[] = [];
  readonly #errors: Record<string, number> = {};
  readonly #problems: string[] = [];
  #sent = 0;
  #stopping = false;
  #loop: Promise<void> = Promise.resolve();

  constructor(url: string, token: string, sessionBase: string, intervalMs: number) {
    this.#url = new URL(url);
    this.#token = token;
    this.#sessionBase = sessionBase;
    this.#intervalMs = intervalMs;
  }

  start(): void {
    this.#loop = (async () => {
      while (!this.#stopping) {
        await this.#postOne(this.#sent++);
        await new Promise((r) => setTimeout(r, this.#intervalMs));
      }
    })();
  }

  #postOne(i: number): Promise<void> {
    const body = JSON.stringify(payload(this.#sessionBase, i));
    return new Promise((resolve) => {
      const req = http.request(
        this.#url,
        {
          method: 'POST',
          agent: false,
          headers: { authorization: `Bearer ${this.#token}`, 'content-type': 'application/json' },
          timeout: 30_000,
        },
        (res) => {
          res.resume();
          res.on('end', () => {
            const id = res.headers['x-aev-event-id'];
            if (res.statusCode === 200 && typeof id === 'string')
              this.#eventIds.push([agentSession(this.#sessionBase, i), id]);
            else
              this.#errors[`HTTP ${String(res.statusCode)}`] =
                (this.#errors[`HTTP ${String(res.statusCode)}`] ?? 0) + 1;
            resolve();
          });
        },
      );
      req.on('timeout', () => {
        req.destroy(new Error('timeout'));
      });
      req.on('error', (e: NodeJS.ErrnoException) => {
        const key = e.code ?? e.message;
        this.#errors[key] = (this.#errors[key] ?? 0) + 1;
        resolve();
      });
      req.end(body);
    });
  }

  async stop(): Promise<SteadyStats> {
    this.#stopping = true;
    await this.#loop;
    return {
      sent: this.#sent,
      acked: this.#eventIds.length,
      errors: { ...this.#errors },
      sessions: group(this.#eventIds),
      problems: [...this.#problems],
    };
  }
}
