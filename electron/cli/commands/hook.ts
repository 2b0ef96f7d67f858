import { parseArgs } from 'node:util';
import { AevError } from '../../common/errors.ts';
import type { AgentKind } from '../../common/model/agent.ts';
import { denyDecision } from '../../common/protocol/claude-code-decisions.ts';
import { MAX_FRAME_BYTES } from '../../common/protocol/constants.ts';
import { resolveDataRoot, runtimePaths } from '../../engine/runtime/data-root.ts';
import type { CliIo } from '../cli-io.ts';
import { EndpointClient } from '../../engine/client/endpoint-client.ts';
import { fitPayload } from '../hook/fit-payload.ts';
import { recordMissedEvent } from '../hook/missed-events.ts';

type Policy = 'fail-open' | 'fail-closed';

/** Room for the frame envelope around the payload. */
const ENVELOPE_BYTES = 8 * 1024;
const MAX_STDIN_BYTES = 64 * 1024 * 1024;

/**
 * `aev hook`: the agent's hook command. Reads the hook payload on stdin, hands it to the engine and
 * waits for the durable ack. Prints nothing and exits 0, except under the fail-closed policy, where a
 * PreToolUse that cannot be recorded is answered with Claude Code's deny decision (invariant I7).
 */
export async function run(argv: string[], io: CliIo): Promise<number> {
  let policy: Policy;
  let agent: AgentKind;
  let timeoutMs: number;
  try {
    const { values } = parseArgs({
      args: argv,
      options: { policy: { type: 'string' }, agent: { type: 'string' }, 'timeout-ms': { type: 'string' } },
      strict: true,
    });
    policy = parsePolicy(values.policy ?? io.env.AEV_HOOK_POLICY ?? 'fail-open');
    agent = values.agent === undefined || values.agent === 'claude-code' ? 'claude-code' : 'generic';
    timeoutMs = Number(values['timeout-ms'] ?? io.env.AEV_HOOK_TIMEOUT_MS ?? 3000);
    if (!Number.isFinite(timeoutMs) || timeoutMs <= 0)
      throw new AevError('E_USAGE', 'timeout must be a positive number');
  } catch (error) {
    // A misconfigured hook must not break the agent: say why on stderr, let the agent go on.
    io.stderr.write(`aev hook: ${error instanceof Error ? error.message : String(error)}\n`);
    return 0;
  }

  const paths = runtimePaths(resolveDataRoot(io.env));
  // Connect (and say hello) while stdin is read: the two waits overlap instead of adding up.
  const connecting = EndpointClient.open({
    socketPath: paths.socketPath,
    api: 'ingest',
    client: 'hook',
    timeoutMs,
  }).then(
    (client) => ({ client }),
    (error: unknown) => ({ error }),
  );
  const raw = await readStdin(io, Math.min(timeoutMs, 2000));
  let payload: Record<string, unknown>;
  try {
    const parsed: unknown = JSON.parse(raw);
    if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) throw new Error('not an object');
    payload = parsed as Record<string, unknown>;
  } catch {
    io.stderr.write('aev hook: the hook payload on stdin is not a JSON object; nothing recorded\n');
    const connection = await connecting;
    if ('client' in connection) connection.client.close();
    return 0;
  }
  const kind = typeof payload.hook_event_name === 'string' ? payload.hook_event_name : 'unknown';
  const fitted = fitPayload(payload, MAX_FRAME_BYTES - ENVELOPE_BYTES);
  const terminalId = io.env.AEV_TERMINAL_ID;

  let reason: string;
  try {
    const connection = await connecting;
    if ('error' in connection) throw connection.error;
    const client = connection.client;
    try {
      const ack = await client.sendEvent(
        {
          agent,
          payload: fitted.payload,
          sentAt: new Date().toISOString(),
          ...(terminalId !== undefined && /^[A-Za-z0-9_-]{1,64}$/.test(terminalId) ? { terminalId } : {}),
          ...(fitted.truncated !== undefined ? { truncated: fitted.truncated } : {}),
        },
        timeoutMs,
      );
      if (ack.recording) return 0;
      reason = 'Agent Evidence is paused';
    } finally {
      client.close();
    }
  } catch (error) {
    reason = error instanceof AevError ? error.message : 'the recorder could not be reached';
    recordMissedEvent(paths.missedEventsPath, {
      at: new Date().toISOString(),
      agent,
      kind,
      agentSessionId: typeof payload.session_id === 'string' ? payload.session_id.slice(0, 256) : '',
      reason: error instanceof AevError ? error.code : 'E_INTERNAL',
    });
  }
  if (policy === 'fail-closed' && kind === 'PreToolUse') {
    io.stdout.write(
      `${JSON.stringify(denyDecision(`Agent Evidence cannot record this tool call (${reason}); this project requires recording (fail-closed). Start the recorder with \`aev daemon\` or the app.`))}\n`,
    );
  }
  return 0;
}

function parsePolicy(value: string): Policy {
  if (value === 'fail-open' || value === 'fail-closed') return value;
  throw new AevError('E_USAGE', `unknown policy ${JSON.stringify(value)}: use fail-open or fail-closed`);
}

/** Reads stdin to its end; an agent that never closes stdin gets what arrived within `idleMs` of silence. */
function readStdin(io: CliIo, idleMs: number): Promise<string> {
  return new Promise((resolve) => {
    const parts: Buffer[] = [];
    let size = 0;
    let timer = setTimeout(finish, idleMs);
    function finish(): void {
      clearTimeout(timer);
      io.stdin.removeAllListeners('data');
      io.stdin.pause();
      resolve(Buffer.concat(parts).toString('utf8'));
    }
    io.stdin.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size <= MAX_STDIN_BYTES) parts.push(chunk);
      clearTimeout(timer);
      timer = setTimeout(finish, idleMs);
    });
    io.stdin.once('end', finish);
    io.stdin.once('error', finish);
  });
}
