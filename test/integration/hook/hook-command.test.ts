import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { ensurePrivateDir } from '../../../electron/engine/runtime/private-dir.ts';
import { runtimePaths } from '../../../electron/engine/runtime/data-root.ts';
import { runAev, startDaemon, testEnv } from '../../helpers/daemon-process.ts';
import { hookPayload } from '../../helpers/raw-client.ts';
import { makeTempDir } from '../../helpers/temp-dir.ts';

const preToolUse = JSON.stringify(
  hookPayload('hook-sess', 'PreToolUse', {
    tool_name: 'Bash',
    tool_use_id: 'toolu_9',
    tool_input: { command: 'rm -rf build' },
  }),
);

describe('aev hook', () => {
  const tmp = makeTempDir();
  afterAll(() => {
    tmp.cleanup();
  });

  it('forwards the payload, prints nothing and exits 0', async () => {
    const dataRoot = path.join(tmp.dir, 'ok');
    const d = await startDaemon(dataRoot);
    const r = await runAev(['hook'], testEnv(dataRoot, { AEV_TERMINAL_ID: 'term_abc' }), preToolUse);
    expect(r).toMatchObject({ code: 0, stdout: '', stderr: '' });
    const list = JSON.parse((await runAev(['sessions', 'list', '--json'], testEnv(dataRoot))).stdout) as {
      id: string;
    }[];
    const shown = JSON.parse(
      (await runAev(['sessions', 'show', list[0]!.id, '--json', '--payloads'], testEnv(dataRoot))).stdout,
    ) as {
      events: {
        kind: string;
        toolName: string;
        terminalId: string;
        client: string;
        payload: { tool_input: { command: string } };
      }[];
    };
    expect(shown.events[0]).toMatchObject({
      kind: 'PreToolUse',
      toolName: 'Bash',
      terminalId: 'term_abc',
      client: 'hook',
    });
    expect(shown.events[0]!.payload.tool_input.command).toBe('rm -rf build');
    await d.stop();
  });

  it('fails open by default when the recorder is down: silent, exit 0, and the miss is noted without content', async () => {
    const dataRoot = path.join(tmp.dir, 'down');
    ensurePrivateDir(runtimePaths(dataRoot).runtimeDir);
    const r = await runAev(['hook'], testEnv(dataRoot), preToolUse);
    expect(r).toMatchObject({ code: 0, stdout: '' });
    const missed = fs.readFileSync(runtimePaths(dataRoot).missedEventsPath, 'utf8');
    expect(missed).toContain('"kind":"PreToolUse"');
    expect(missed).toContain('hook-sess');
    expect(missed).not.toContain('rm -rf');
  });

  it('fails closed on request: denies PreToolUse with a reason when the recorder is down', async () => {
    const dataRoot = path.join(tmp.dir, 'closed');
    const r = await runAev(['hook', '--policy', 'fail-closed'], testEnv(dataRoot), preToolUse);
    expect(r.code).toBe(0);
    const decision = JSON.parse(r.stdout) as {
      hookSpecificOutput: { permissionDecision: string; permissionDecisionReason: string };
    };
    expect(decision.hookSpecificOutput.permissionDecision).toBe('deny');
    expect(decision.hookSpecificOutput.permissionDecisionReason).toContain('aev daemon');
    // Events that are not tool calls are never blocked.
    const stop = await runAev(
      ['hook', '--policy', 'fail-closed'],
      testEnv(dataRoot),
      JSON.stringify(hookPayload('s', 'Stop')),
    );
    expect(stop).toMatchObject({ code: 0, stdout: '' });
  });

  it('never hangs the agent: an engine that accepts but never answers costs at most the timeout', async () => {
    const dataRoot = path.join(tmp.dir, 'silent');
    const paths = runtimePaths(dataRoot);
    ensurePrivateDir(paths.runtimeDir);
    const server = net.createServer(() => undefined);
    await new Promise<void>((resolve) => server.listen(paths.socketPath, resolve));
    const r = await runAev(['hook', '--policy', 'fail-closed', '--timeout-ms', '700'], testEnv(dataRoot), preToolUse);
    server.close();
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('"deny"');
    expect(r.ms).toBeLessThan(5000);
  });

  it('shortens a payload over 1 MiB instead of losing the event, and records what was cut', async () => {
    const dataRoot = path.join(tmp.dir, 'huge');
    const d = await startDaemon(dataRoot);
    const big = hookPayload('huge-sess', 'PostToolUse', {
      tool_name: 'Read',
      tool_use_id: 't',
      tool_response: { content: 'y'.repeat(3 * 1024 * 1024) },
    });
    const r = await runAev(['hook'], testEnv(dataRoot), JSON.stringify(big));
    expect(r).toMatchObject({ code: 0, stdout: '' });
    const list = JSON.parse((await runAev(['sessions', 'list', '--json'], testEnv(dataRoot))).stdout) as {
      id: string;
    }[];
    const shown = JSON.parse(
      (await runAev(['sessions', 'show', list[0]!.id, '--json', '--payloads'], testEnv(dataRoot))).stdout,
    ) as {
      events: { payload: { tool_response: { content: string } } }[];
    };
    const content = shown.events[0]!.payload.tool_response.content;
    expect(content.length).toBeLessThan(1024 * 1024);
    expect(content).toContain('[aev: truncated 3145728 bytes');
    await d.stop();
  });

  it('is deliberately light: does not load the engine, SQLite or zod', async () => {
    const dataRoot = path.join(tmp.dir, 'light');
    // A module hook that reports every module the process resolves.
    const spy = path.join(tmp.dir, 'spy.mjs');
    fs.writeFileSync(
      spy,
      "import { registerHooks } from 'node:module';\nregisterHooks({ resolve(s, c, n) { const r = n(s, c); process.stderr.write('RESOLVED ' + r.url + '\\n'); return r; } });\n",
    );
    const r = await runAev(
      ['hook'],
      testEnv(dataRoot, { NODE_OPTIONS: `--import=${pathToFileURL(spy).href}` }),
      preToolUse,
    );
    expect(r.code).toBe(0);
    const loaded = r.stderr.split('\n').filter((l) => l.startsWith('RESOLVED '));
    expect(loaded.some((l) => l.includes('commands/hook'))).toBe(true);
    expect(loaded.filter((l) => /better-sqlite3|\/zod\/|create-engine|\/vault\//.test(l))).toEqual([]);
  });
});
