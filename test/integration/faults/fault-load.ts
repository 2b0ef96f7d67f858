import type { ChainRecordBody } from '../../../electron/common/model/chain.ts';
import type { AckFrame } from '../../../electron/common/protocol/frames.ts';
import { hookPayload, RawClient, terminalOpenFrame, testClient } from '../../helpers/raw-client.ts';
import { openIndexFile } from '../../helpers/sealing.ts';

/** mulberry32: a small seeded generator, so a failing iteration can be replayed from its seed. */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** What a load generator saw: the acks it got, and every refusal (by error code). */
export interface LoadResult {
  readonly acked: AckFrame[];
  readonly refused: Map<string, number>;
  /** The first message seen for each refusal code. */
  readonly messages: Map<string, string>;
}

export interface HookLoad {
  readonly result: LoadResult;
  /** Stops sending and resolves once every request in flight is settled. */
  stop(): Promise<void>;
  /** Resolves when the generator ends on its own (the engine went away) or after `stop`. */
  readonly done: Promise<void>;
}

/**
 * Hook events from `agents` agent sessions, each a client keeping `inFlight` events unanswered at all
 * times (tool calls Pre/Post, like Claude Code), until the connection fails or `stop` is called.
 */
export function startHookLoad(socketPath: string, agents: readonly string[], inFlight = 8, pauseMs = 0): HookLoad {
  const result: LoadResult = { acked: [], refused: new Map(), messages: new Map() };
  let stopping = false;
  const one = async (agentSession: string): Promise<void> => {
    let client;
    try {
      client = await testClient(socketPath, 'ingest');
    } catch {
      return;
    }
    try {
      for (let i = 0; !stopping; i++) {
        const batch = Array.from({ length: inFlight }, (_, j) => {
          const n = i * inFlight + j;
          return client.sendEvent(
            {
              agent: 'claude-code',
              payload: hookPayload(agentSession, n % 2 === 0 ? 'PreToolUse' : 'PostToolUse', {
                tool_name: 'Bash',
                tool_use_id: `t${Math.floor(n / 2)}`,
                tool_input: { command: `echo ${n}` },
                tool_response: { stdout: `${n}`.repeat(20) },
              }),
            },
            5000,
          );
        });
        const settled = await Promise.allSettled(batch);
        let lost = false;
        for (const s of settled) {
          if (s.status === 'fulfilled') result.acked.push(s.value);
          else {
            const code = (s.reason as { code?: string }).code ?? 'unknown';
            result.refused.set(code, (result.refused.get(code) ?? 0) + 1);
            if (!result.messages.has(code)) result.messages.set(code, String(s.reason));
            // The engine went away (kill -9): this client is done; a coded refusal is not the end.
            if (code === 'E_DAEMON_UNREACHABLE' || code === 'E_TIMEOUT' || code === 'unknown') lost = true;
          }
        }
        if (lost) return;
        if (pauseMs > 0) await new Promise((r) => setTimeout(r, pauseMs));
      }
    } finally {
      client.close();
    }
  };
  const done = Promise.all(agents.map(one)).then(() => undefined);
  return {
    result,
    done,
    stop() {
      stopping = true;
      return done;
    },
  };
}

export interface TerminalLoad {
  /** The terminal's session once terminal.open was answered. */
  sessionId(): string | null;
  /** Media seqs the engine acknowledged as stored. */
  readonly ackedMedia: number[];
  readonly refused: Map<string, number>;
  /** The first message seen for each refusal code. */
  readonly messages: Map<string, string>;
  stop(): Promise<void>;
}

/** An `aev run`-like terminal stream: terminal.open, then a cast batch every `everyMs`, up to 4 in flight. */
export async function startTerminalLoad(socketPath: string, terminalId: string, everyMs = 20): Promise<TerminalLoad> {
  const c = await RawClient.hello(socketPath);
  c.send(terminalOpenFrame('open', terminalId, { width: 120, height: 40 }));
  let sessionId: string | null = null;
  const ackedMedia: number[] = [];
  const refused = new Map<string, number>();
  const messages = new Map<string, string>();
  const opened = await c.waitFor((f) => f.id === 'open', 5000);
  if (opened.type === 'result') sessionId = (opened.value as { sessionId: string }).sessionId;
  let sent = 0;
  let answered = 0;
  const seen = new Set<Record<string, unknown>>();
  const startedAt = performance.now();
  let stopped = false;
  const collect = (): void => {
    for (const f of c.frames) {
      if (seen.has(f) || typeof f.id !== 'string' || !f.id.startsWith('d')) continue;
      seen.add(f);
      answered++;
      if (f.type === 'result') ackedMedia.push((f.value as { media: number }).media);
      else {
        const code = typeof f.code === 'string' ? f.code : 'unknown';
        refused.set(code, (refused.get(code) ?? 0) + 1);
        if (!messages.has(code)) messages.set(code, String(f.message));
      }
    }
  };
  const timer = setInterval(() => {
    collect();
    if (stopped || c.socket.destroyed || sent - answered >= 4) return;
    const t = (performance.now() - startedAt) / 1000;
    c.send({
      type: 'terminal.data',
      id: `d${sent++}`,
      terminalId,
      events: [
        [t, 'o', `line ${sent} ${'x'.repeat(200)}\r\n`],
        [t + 0.0001, 'o', '$ '],
      ],
    });
  }, everyMs);
  return {
    sessionId: () => sessionId,
    ackedMedia,
    refused,
    messages,
    async stop() {
      stopped = true;
      clearInterval(timer);
      const end = Date.now() + 5000;
      while (!c.socket.destroyed && answered < sent && Date.now() < end) {
        await new Promise((r) => setTimeout(r, 20));
        collect();
      }
      collect();
      c.close();
    },
  };
}

/** Every chain record under a data root, by session, in seq order. */
export function chainRecords(dataRoot: string): Map<string, ChainRecordBody[]> {
  const db = openIndexFile(dataRoot, true);
  try {
    const out = new Map<string, ChainRecordBody[]>();
    for (const r of db
      .prepare<[], { session_id: string; record: Buffer }>(
        'SELECT session_id, record FROM chain_records ORDER BY session_id, seq',
      )
      .all()) {
      const list = out.get(r.session_id) ?? [];
      list.push(JSON.parse(r.record.toString('utf8')) as ChainRecordBody);
      out.set(r.session_id, list);
    }
    return out;
  } finally {
    db.close();
  }
}
