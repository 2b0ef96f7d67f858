import { createRequire } from 'node:module';
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildHookBundle } from '../../../build/build-hook.ts';
import { REPO_ROOT, runAev, startDaemon, testEnv } from '../../helpers/daemon-process.ts';
import { hookPayload } from '../../helpers/raw-client.ts';
import { makeTempDir } from '../../helpers/temp-dir.ts';

const require = createRequire(import.meta.url);

const preToolUse = JSON.stringify(
  hookPayload('bundle-sess', 'PreToolUse', {
    tool_name: 'Bash',
    tool_use_id: 'toolu_b',
    tool_input: { command: 'make' },
  }),
);

/** Runs `PKG/bin/aev.js ARGS` as the agent does (no AEV_FROM_SOURCE): the launcher picks what runs. */
function runLauncher(
  pkg: string,
  args: string[],
  env: NodeJS.ProcessEnv,
  stdin: string,
): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [path.join(pkg, 'bin', 'aev.js'), ...args], {
      env: { ...env, AEV_FROM_SOURCE: undefined },
      stdio: 'pipe',
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.once('exit', (code) => {
      resolve({ code, stdout, stderr });
    });
    child.stdin.end(stdin);
  });
}

// `aev hook` from its one-file CommonJS build (build/build-hook.ts) through the real launcher, in a
// package folder of its own: the launcher and its package.json, the bundle, and a stand-in for the
// compiled CLI that says when the launcher chose it instead.
describe('aev hook from its one-file build', () => {
  const tmp = makeTempDir();
  const pkg = path.join(tmp.dir, 'pkg');
  const bundle = path.join(pkg, 'dist', 'hook', 'aev-hook.cjs');
  let builtFrom: string[] = [];

  beforeAll(async () => {
    fs.mkdirSync(path.join(pkg, 'bin'), { recursive: true });
    for (const f of ['aev.js', 'package.json'])
      fs.copyFileSync(path.join(REPO_ROOT, 'bin', f), path.join(pkg, 'bin', f));
    fs.writeFileSync(path.join(pkg, 'package.json'), '{ "type": "module" }\n');
    const cli = path.join(pkg, 'dist', 'electron', 'cli', 'main.js');
    fs.mkdirSync(path.dirname(cli), { recursive: true });
    fs.writeFileSync(
      cli,
      "export async function main(argv) { process.stdout.write('module graph: ' + argv.join(' ') + '\\n'); return 0; }\n",
    );
    await buildHookBundle(bundle);
    builtFrom = (require(bundle) as { builtFrom: string[] }).builtFrom;
  }, 60_000);
  afterAll(() => {
    tmp.cleanup();
  });

  it('holds only Node built-ins and says which compiled modules it was made from', () => {
    const code = fs.readFileSync(bundle, 'utf8');
    const required = [...code.matchAll(/require\("([^"]+)"\)/g)].map((m) => m[1]);
    expect(required.length).toBeGreaterThan(0);
    expect(required.every((id) => id?.startsWith('node:'))).toBe(true);
    expect(builtFrom).toContain('dist/electron/cli/commands/hook.js');
    expect(builtFrom).toContain('dist/electron/engine/client/endpoint-client.js');
    for (const rel of builtFrom)
      expect(fs.existsSync(path.join(REPO_ROOT, rel.replace(/^dist\//, '').replace(/\.js$/, '.ts'))), rel).toBe(true);
  });

  it('forwards the payload to a real daemon, prints nothing and exits 0', async () => {
    const dataRoot = path.join(tmp.dir, 'ok');
    const d = await startDaemon(dataRoot);
    try {
      const r = await runLauncher(pkg, ['hook'], testEnv(dataRoot), preToolUse);
      expect(r).toMatchObject({ code: 0, stdout: '', stderr: '' });
      const list = JSON.parse((await runAev(['sessions', 'list', '--json'], testEnv(dataRoot))).stdout) as {
        id: string;
      }[];
      const shown = JSON.parse(
        (await runAev(['sessions', 'show', list[0]!.id, '--json', '--payloads'], testEnv(dataRoot))).stdout,
      ) as { events: { kind: string; client: string; payload: { tool_input: { command: string } } }[] };
      expect(shown.events).toHaveLength(1);
      expect(shown.events[0]).toMatchObject({
        kind: 'PreToolUse',
        client: 'hook',
        payload: { tool_input: { command: 'make' } },
      });
    } finally {
      await d.stop();
    }
  });

  it('denies under fail-closed when the engine is down, with the reason', async () => {
    const r = await runLauncher(
      pkg,
      ['hook', '--policy', 'fail-closed'],
      testEnv(path.join(tmp.dir, 'down')),
      preToolUse,
    );
    expect(r.code).toBe(0);
    const decision = JSON.parse(r.stdout) as {
      hookSpecificOutput: { permissionDecision: string; permissionDecisionReason: string };
    };
    expect(decision.hookSpecificOutput.permissionDecision).toBe('deny');
    expect(decision.hookSpecificOutput.permissionDecisionReason).toContain('cannot reach the engine');
  });

  it('runs the compiled modules instead once one the bundle was made from is newer than it', async () => {
    const env = testEnv(path.join(tmp.dir, 'stale'));
    const before = await runLauncher(pkg, ['hook', '--policy', 'fail-closed'], env, preToolUse);
    expect(before.stdout).toContain('"deny"');
    const rebuilt = path.join(
      pkg,
      builtFrom.find((f) => f.endsWith('endpoint-client.js'))!,
    );
    fs.mkdirSync(path.dirname(rebuilt), { recursive: true });
    fs.writeFileSync(rebuilt, '// a newer tsc output\n');
    const later = new Date(fs.statSync(bundle).mtimeMs + 2000);
    fs.utimesSync(rebuilt, later, later);
    const after = await runLauncher(pkg, ['hook', '--policy', 'fail-closed'], env, preToolUse);
    expect(after).toMatchObject({ code: 0, stdout: 'module graph: hook --policy fail-closed\n' });
    fs.rmSync(rebuilt);
  });

  it('runs the compiled modules when the bundle is damaged, without a stack trace', async () => {
    const good = fs.readFileSync(bundle);
    try {
      fs.writeFileSync(bundle, 'this is not JavaScript (\n');
      const r = await runLauncher(pkg, ['hook'], testEnv(path.join(tmp.dir, 'damaged')), preToolUse);
      expect(r).toMatchObject({ code: 0, stdout: 'module graph: hook\n', stderr: '' });
      fs.writeFileSync(bundle, 'exports.runHook = () => Promise.resolve(0);\n');
      const foreign = await runLauncher(pkg, ['hook'], testEnv(path.join(tmp.dir, 'damaged')), preToolUse);
      expect(foreign).toMatchObject({ code: 0, stdout: 'module graph: hook\n' });
    } finally {
      fs.writeFileSync(bundle, good);
    }
  });

  it('sends every other command to the compiled modules', async () => {
    const r = await runLauncher(pkg, ['version'], testEnv(path.join(tmp.dir, 'v')), '');
    expect(r).toMatchObject({ code: 0, stdout: 'module graph: version\n' });
  });
});
