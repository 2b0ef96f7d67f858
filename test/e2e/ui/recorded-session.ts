import { spawnSync } from 'node:child_process';
import type { EngineStatus } from '../../../electron/common/model/status.ts';
import { hookPayload, RawClient, terminalOpenFrame, testClient } from '../../helpers/raw-client.ts';
import type { TestEngine } from '../../helpers/test-engine.ts';
import { runClient } from '../../integration/screen/x-server.ts';
import type { Xvfb } from '../../integration/screen/x-server.ts';

/** Each tool call runs on its own background colour, so the picture at a pin proves the seek. */
export const TOOL_CALLS = [
  { colour: '#c00000', rgb: [192, 0, 0], tool: 'Bash', input: { command: 'ls -la /srv' }, out: 'total 0' },
  { colour: '#00a000', rgb: [0, 160, 0], tool: 'Bash', input: { command: 'git status --short' }, out: ' M app.ts' },
  {
    colour: '#0000c0',
    rgb: [0, 0, 192],
    tool: 'Read',
    input: { file_path: '/srv/app/config.yaml' },
    out: 'port: 8080',
  },
  {
    colour: '#c0c000',
    rgb: [192, 192, 0],
    tool: 'Bash',
    input: { command: 'npm test -- --grep flight' },
    out: '3 passing',
  },
] as const;

export const TERMINAL_ID = 't_ui_e2e';
export const PROMPT = 'Tidy the server config and run the flight tests';

export interface Recorded {
  readonly sessionId: string;
  readonly terminalSessionId: string;
}

/**
 * A real agent session on a real screen, in a real terminal: the agent's hook events (a prompt, then four
 * tool calls) reach the engine over its socket with the terminal's id, as `aev hook` sends them under
 * `aev run`; the terminal's output streams over the ingest protocol as `aev run` streams it; ffmpeg
 * records the Xvfb screen; the TSA stamps the windows.
 */
export async function recordSession(t: TestEngine, x: Xvfb): Promise<Recorded> {
  const control = await testClient(t.info.socketPath, 'control');
  const status = async () => (await control.request('status', {}, 5000)) as EngineStatus;
  const term = await RawClient.hello(t.info.socketPath);
  term.send(terminalOpenFrame('open', TERMINAL_ID));
  const opened = (await term.waitFor((f) => f.id === 'open')) as { value: { sessionId: string } };
  const openedAt = Date.now();
  let frames = 0;
  let lastT = 0;
  const output = async (text: string) => {
    const at = Math.max(lastT, (Date.now() - openedAt) / 1000);
    lastT = at;
    const id = `d${++frames}`;
    term.send({ type: 'terminal.data', id, terminalId: TERMINAL_ID, events: [[at, 'o', text]] });
    await term.waitFor((f) => f.id === id);
  };

  const ingest = await RawClient.hello(t.info.socketPath);
  let n = 0;
  const send = async (kind: string, extra: Record<string, unknown> = {}) => {
    const id = `e${++n}`;
    ingest.send({
      type: 'event',
      id,
      event: { agent: 'claude-code', terminalId: TERMINAL_ID, payload: hookPayload('ui-s', kind, extra) },
    });
    return (await ingest.waitFor((f) => f.id === id)) as { sessionId: string };
  };
  const first = await send('SessionStart');
  for (let i = 0; i < 100 && (await status()).screen.state !== 'recording'; i++) await sleep(50);
  await output('\u001b[1mclaude\u001b[0m ready\r\n');
  await sleep(1500);
  await send('UserPromptSubmit', { prompt: PROMPT });
  await output(`> ${PROMPT}\r\n`);
  for (const [i, c] of TOOL_CALLS.entries()) {
    runClient(x.display, 'xsetroot', ['-solid', c.colour]);
    await sleep(300);
    const tool = { tool_name: c.tool, tool_use_id: `tu-${i}`, tool_input: c.input };
    await send('PreToolUse', tool);
    await output(`\u001b[36m● ${c.tool}\u001b[0m ${Object.values(c.input)[0] ?? ''}\r\n`);
    // Stills come from the video here (no nut-js): each waits for its fragment, then ffmpeg decodes it.
    await sleep(2000);
    await output(`  ${c.out}\r\n`);
    await send('PostToolUse', { ...tool, tool_response: { stdout: c.out } });
    await sleep(2000);
    // Halfway, ffmpeg dies: the engine records the gap and restarts it, so the recording has two runs,
    // each with its own init segment and presentation times from 0 (what a long session looks like).
    if (i === 1) await killFfmpeg(status);
  }
  await output('done.\r\n');
  term.send({ type: 'terminal.close', id: 'close', terminalId: TERMINAL_ID, exitCode: 0 });
  await term.waitFor((f) => f.id === 'close');
  await send('SessionEnd', { reason: 'exit' });
  // The recorder stops after its grace period; by then every fragment is in the vault.
  for (let i = 0; i < 300 && (await status()).screen.state !== 'idle'; i++) await sleep(50);
  // Every window sealed and stamped, so the badges and the bundle are complete.
  for (let i = 0; i < 300; i++) {
    const s = await status();
    if (s.sealing.unsealedEvents === 0 && s.sealing.tsa.pending === 0) break;
    await sleep(100);
  }
  control.close();
  ingest.close();
  term.close();
  return { sessionId: first.sessionId, terminalSessionId: opened.value.sessionId };
}

/** The test engine runs in this process, so its ffmpeg is our child. */
async function killFfmpeg(status: () => Promise<EngineStatus>): Promise<void> {
  const pid = ffmpegPid();
  if (pid === undefined) throw new Error('no ffmpeg is recording');
  process.kill(pid, 'SIGKILL');
  for (let i = 0; i < 200; i++) {
    const next = ffmpegPid();
    if (next !== undefined && next !== pid && (await status()).screen.state === 'recording') break;
    await sleep(50);
  }
  // The new run's first fragments (one second each) reach the vault.
  await sleep(2000);
}

function ffmpegPid(): number | undefined {
  const out = spawnSync('pgrep', ['-P', String(process.pid), '-f', 'x11grab'], { encoding: 'utf8' }).stdout.trim();
  const pid = Number(out.split('\n')[0]);
  return pid > 0 ? pid : undefined;
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
