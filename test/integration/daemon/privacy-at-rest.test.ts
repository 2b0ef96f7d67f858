import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadClaudeCodeFixtures } from '../../fixtures/claude-code/index.ts';
import { runAev, startDaemon, testEnv } from '../../helpers/daemon-process.ts';
import type { DaemonProcess } from '../../helpers/daemon-process.ts';
import { filesContaining, listFiles, makeTempDir } from '../../helpers/temp-dir.ts';

/** Invariant I1 for agent events: what an agent said or saw is never on disk in clear. */
describe('events at rest', () => {
  const tmp = makeTempDir();
  const dataRoot = path.join(tmp.dir, 'data');
  let daemon: DaemonProcess;
  const fixtures = loadClaudeCodeFixtures();

  beforeAll(async () => {
    daemon = await startDaemon(dataRoot);
    for (const f of fixtures) {
      const r = await runAev(['hook'], testEnv(dataRoot), JSON.stringify(f.payload));
      expect(r.code, r.stderr).toBe(0);
      expect(r.stdout).toBe('');
    }
  }, 120_000);
  afterAll(async () => {
    await daemon.stop();
    tmp.cleanup();
  });

  it('records a sample of every documented Claude Code hook event', async () => {
    const r = await runAev(['sessions', 'list', '--json'], testEnv(dataRoot));
    const sessions = JSON.parse(r.stdout) as { id: string }[];
    const kinds = new Set<string>();
    for (const s of sessions) {
      const shown = await runAev(['sessions', 'show', s.id, '--json'], testEnv(dataRoot));
      for (const e of (JSON.parse(shown.stdout) as { events: { kind: string }[] }).events) kinds.add(e.kind);
    }
    for (const f of fixtures) expect(kinds).toContain(f.payload.hook_event_name);
  });

  it('leaves no payload text in clear anywhere under the data root, WAL included', () => {
    const markers = fixtures.flatMap((f) => JSON.stringify(f.payload).match(/MARKER-[A-Za-z]+-[0-9a-f]{4}/g) ?? []);
    expect(markers.length).toBeGreaterThanOrEqual(fixtures.length);
    expect(listFiles(dataRoot).some((f) => f.endsWith('-wal'))).toBe(true);
    for (const m of new Set(markers)) expect(filesContaining(dataRoot, m), m).toEqual([]);
  });

  it('keeps the data root, runtime folder, socket, index and vault files private to the user', () => {
    const mode = (p: string): number => fs.statSync(p).mode & 0o777;
    expect(mode(dataRoot)).toBe(0o700);
    expect(mode(daemon.paths.runtimeDir)).toBe(0o700);
    expect(mode(daemon.paths.socketPath) & 0o077).toBe(0);
    for (const f of listFiles(dataRoot)) expect(mode(f) & 0o077, f).toBe(0);
  });
});
