import fs from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MediaStore } from '../../../electron/engine/capture/media-store.ts';
import { openIndex } from '../../../electron/engine/index/open-index.ts';
import { systemClock } from '../../../electron/engine/runtime/clock.ts';
import { runtimePaths } from '../../../electron/engine/runtime/data-root.ts';
import { openVault } from '../../../electron/engine/vault/vault.ts';
import { runAev, startDaemon, TEST_PASSPHRASE, testEnv } from '../../helpers/daemon-process.ts';
import type { DaemonProcess } from '../../helpers/daemon-process.ts';
import { startOpensslTsa } from '../../helpers/openssl-tsa.ts';
import type { OpensslTsa } from '../../helpers/openssl-tsa.ts';
import { hookPayload, RawClient, testClient } from '../../helpers/raw-client.ts';
import { openIndexFile } from '../../helpers/sealing.ts';
import { filesContaining, makeTempDir } from '../../helpers/temp-dir.ts';
import { privateKeys, SAMPLES as S } from '../../unit/engine/redact/secret-samples.ts';

interface ShownEvent {
  readonly id: string;
  readonly seq: number;
  readonly kind: string;
  readonly redactions: readonly { pattern: string; count: number }[] | null;
  readonly payload?: Record<string, unknown>;
}

const SETTINGS = {
  redaction: {
    disable: ['jwt'],
    patterns: [{ id: 'acme-key', regex: 'ACME-[0-9A-F]{16}' }],
  },
};
const ACME = 'ACME-0123456789ABCDEF';
const PEM = (privateKeys()['RSA (PKCS#1)'] ?? '').trimEnd();
const TRANSCRIPT_SECRET = S.glpat;
const TERMINAL_SECRET = 'tErM1nalS3cret';

/** What must never be stored anywhere, in any form the test can look for. */
const SECRETS = {
  'GitHub token': S.ghp,
  'bearer token': S.bearer,
  'env API_TOKEN': 'env-token-value-1',
  'custom ACME key': ACME,
  'AWS secret': S.awsSecret,
  'AWS key id': S.awsKeyId,
  'private key body': PEM.split('\n')[2] ?? 'missing',
  'Anthropic key': S.anthropic,
  'transcript token': TRANSCRIPT_SECRET,
  'terminal command token': TERMINAL_SECRET,
};

function post(url: string, token: string, body: unknown): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = http.request(
      url,
      { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` } },
      (res) => {
        res.resume();
        res.on('end', () => {
          resolve(res.statusCode ?? 0);
        });
      },
    );
    req.on('error', reject);
    req.end(JSON.stringify(body));
  });
}

describe('secret redaction through a real daemon', () => {
  const tmp = makeTempDir();
  const dataRoot = path.join(tmp.dir, 'data');
  const transcript = path.join(tmp.dir, 'transcript.jsonl');
  let tsa: OpensslTsa;
  let env: NodeJS.ProcessEnv;
  let daemon: DaemonProcess | null = null;
  let sessionId = '';
  let events: ShownEvent[] = [];

  async function settled(): Promise<void> {
    for (let i = 0; i < 150; i++) {
      const s = JSON.parse((await runAev(['status', '--json'], env)).stdout) as {
        sealing: { unsealedEvents: number; tsa: { pending: number } };
      };
      if (s.sealing.unsealedEvents === 0 && s.sealing.tsa.pending === 0) return;
      await new Promise((r) => setTimeout(r, 200));
    }
    throw new Error('not sealed and stamped in time');
  }

  beforeAll(async () => {
    tsa = await startOpensslTsa();
    const trust = path.join(tmp.dir, 'tsa-root.pem');
    fs.writeFileSync(trust, tsa.rootPem);
    env = testEnv(dataRoot, { AEV_TSA_URLS: tsa.url, AEV_TSA_TRUST: trust, AEV_WINDOW_MS: '300' });
    fs.mkdirSync(dataRoot, { recursive: true, mode: 0o700 });
    fs.writeFileSync(runtimePaths(dataRoot).settingsPath, JSON.stringify(SETTINGS));
    fs.writeFileSync(
      transcript,
      `${JSON.stringify({ type: 'user', text: 'hello' })}\n${JSON.stringify({ type: 'tool_result', content: `PRIVATE-TOKEN: ${TRANSCRIPT_SECRET}` })}\n`,
    );
    daemon = await startDaemon(dataRoot, env as Record<string, string>);
    const agent = 'redact-s';

    // 1. The socket, as `aev run` and the product's own client send it.
    const client = await testClient(runtimePaths(dataRoot).socketPath, 'ingest');
    await client.sendEvent(
      {
        agent: 'claude-code',
        payload: hookPayload(agent, 'PreToolUse', {
          transcript_path: transcript,
          tool_name: 'Bash',
          tool_use_id: 't1',
          tool_input: {
            command: `export GITHUB_TOKEN=${S.ghp}; curl -H "Authorization: Bearer ${S.bearer}" https://api.example.com # ${ACME}`,
            env: { API_TOKEN: SECRETS['env API_TOKEN'] },
            note: `jwt stays: ${S.jwt}`,
          },
        }),
      },
      5000,
    );
    client.close();

    // 2. The loopback HTTP endpoint, as Claude Code's http hooks post.
    const info = JSON.parse(fs.readFileSync(runtimePaths(dataRoot).httpInfoPath, 'utf8')) as {
      url: string;
      token: string;
    };
    const status = await post(
      info.url,
      info.token,
      hookPayload(agent, 'PostToolUse', {
        transcript_path: transcript,
        tool_name: 'Bash',
        tool_use_id: 't1',
        tool_input: { command: 'cat ~/.ssh/id_rsa ~/.aws/credentials' },
        tool_response: {
          stdout: `${PEM}\n[default]\naws_access_key_id = ${S.awsKeyId}\naws_secret_access_key = ${S.awsSecret}\n`,
        },
      }),
    );
    expect(status).toBe(200);

    // 3. `aev hook`, the command Claude Code runs.
    const hook = await runAev(
      ['hook'],
      env,
      JSON.stringify(
        hookPayload(agent, 'UserPromptSubmit', { transcript_path: transcript, prompt: `use ${S.anthropic} please` }),
      ),
    );
    expect(hook.code, hook.stderr).toBe(0);

    // 4. A terminal whose command line carries a token.
    const term = await RawClient.hello(runtimePaths(dataRoot).socketPath);
    term.send({
      type: 'terminal.open',
      id: 'o',
      terminalId: 'redact-term',
      agent: 'generic',
      command: ['deploy', '--token', TERMINAL_SECRET],
      width: 80,
      height: 24,
      timestamp: Math.floor(Date.now() / 1000),
      env: {},
      recordInput: false,
    });
    await term.waitFor((f) => f.id === 'o');
    term.send({ type: 'terminal.close', id: 'c', terminalId: 'redact-term', exitCode: 0 });
    await term.waitFor((f) => f.id === 'c');
    term.close();

    await settled();
    const list = JSON.parse((await runAev(['sessions', 'list', '--json', '--kind', 'agent'], env)).stdout) as {
      id: string;
    }[];
    sessionId = list[0]?.id ?? '';
    const shown = await runAev(['sessions', 'show', sessionId, '--json', '--payloads'], env);
    events = (JSON.parse(shown.stdout) as { events: ShownEvent[] }).events;
  }, 120_000);

  afterAll(async () => {
    await daemon?.stop();
    await tsa.close();
    tmp.cleanup();
  });

  it('stores every event with [REDACTED:<pattern>] in place of the secrets, and the rest as sent', () => {
    expect(events.map((e) => e.kind)).toEqual(['PreToolUse', 'PostToolUse', 'UserPromptSubmit']);
    const [pre, postEvent, prompt] = events.map((e) => e.payload ?? {});
    expect(pre?.tool_input).toEqual({
      command:
        'export GITHUB_TOKEN=[REDACTED:github-token]; curl -H "Authorization: Bearer [REDACTED:authorization-header]" https://api.example.com # [REDACTED:acme-key]',
      env: { API_TOKEN: '[REDACTED:secret-field]' },
      // jwt is disabled in settings.json: it is stored as sent.
      note: `jwt stays: ${S.jwt}`,
    });
    const stdout = (postEvent?.tool_response as { stdout: string }).stdout;
    expect(stdout).toBe(
      '[REDACTED:private-key]\n[default]\naws_access_key_id = [REDACTED:aws-access-key-id]\naws_secret_access_key = [REDACTED:aws-secret-access-key]\n',
    );
    expect(prompt?.prompt).toBe('use [REDACTED:anthropic-api-key] please');
    const all = JSON.stringify(events);
    for (const [what, secret] of Object.entries(SECRETS)) expect(all.includes(secret), what).toBe(false);
  });

  it('carries the summary on each event in aev sessions show, as JSON and as text', async () => {
    expect(events.map((e) => e.redactions)).toEqual([
      [
        { pattern: 'acme-key', count: 1 },
        { pattern: 'authorization-header', count: 1 },
        { pattern: 'github-token', count: 1 },
        { pattern: 'secret-field', count: 1 },
      ],
      [
        { pattern: 'aws-access-key-id', count: 1 },
        { pattern: 'aws-secret-access-key', count: 1 },
        { pattern: 'private-key', count: 1 },
      ],
      [{ pattern: 'anthropic-api-key', count: 1 }],
    ]);
    const text = (await runAev(['sessions', 'show', sessionId], env)).stdout;
    expect(text).toContain('3 events with secrets redacted');
    expect(text).toMatch(
      /PreToolUse Bash .*redacted: acme-key ×1, authorization-header ×1, github-token ×1, secret-field ×1/,
    );
    expect(text).toMatch(/UserPromptSubmit .*redacted: anthropic-api-key ×1/);
  });

  it('counts redactions in aev status', async () => {
    const status = JSON.parse((await runAev(['status', '--json'], env)).stdout) as {
      redaction: {
        enabled: boolean;
        patterns: string[];
        events: number;
        eventsByPattern: unknown;
        mediaThisRun: number;
      };
    };
    expect(status.redaction.enabled).toBe(true);
    expect(status.redaction.patterns[0]).toBe('acme-key');
    expect(status.redaction.patterns).not.toContain('jwt');
    expect(status.redaction.events).toBe(3);
    // The sum over the events sessions show printed, by pattern id.
    const summed = new Map<string, number>();
    for (const r of events.flatMap((e) => e.redactions ?? []))
      summed.set(r.pattern, (summed.get(r.pattern) ?? 0) + r.count);
    expect(status.redaction.eventsByPattern).toEqual(
      [...summed].sort(([a], [b]) => (a < b ? -1 : 1)).map(([pattern, count]) => ({ pattern, count })),
    );
    expect(summed.size).toBe(8);
    // One transcript chunk (the later events found nothing new in the file) and the terminal header.
    expect(status.redaction.mediaThisRun).toBe(2);
    const text = (await runAev(['status'], env)).stdout;
    expect(text).toMatch(/redaction {3}on, \d+ patterns: 3 event\(s\) redacted \(acme-key 1, /);
  });

  it('seals the summary: aev verify passes', async () => {
    // The terminal's window and the access log's view entries seal after the events did: let them be stamped.
    await settled();
    const v = await runAev(['verify', '--all'], env);
    expect(v.code, v.stdout + v.stderr).toBe(0);
  });

  it('never writes a secret byte under the data root, WAL included', () => {
    for (const [what, secret] of Object.entries(SECRETS)) expect(filesContaining(dataRoot, secret), what).toEqual([]);
  });

  it('stores transcript lines and the terminal command line redacted, saying so in their sealed descriptors', async () => {
    await daemon?.stop();
    daemon = null;
    const paths = runtimePaths(dataRoot);
    const db = openIndex(paths.indexPath);
    const vault = await openVault({ vaultDir: paths.vaultDir, keyring: null, passphrase: TEST_PASSPHRASE });
    try {
      const media = new MediaStore(db, vault.objects, systemClock);
      const [chunk] = media.list(sessionId).filter((m) => m.kind === 'transcript');
      expect(chunk?.info).toEqual({
        offset: 0,
        length: fs.statSync(transcript).size,
        redactions: 'gitlab-token:1',
      });
      const stored = (await media.read(sessionId, chunk?.seq ?? 0)).bytes.toString();
      expect(stored).toBe(
        `${JSON.stringify({ type: 'user', text: 'hello' })}\n${JSON.stringify({ type: 'tool_result', content: 'PRIVATE-TOKEN: [REDACTED:gitlab-token]' })}\n`,
      );
      const terminal = db.prepare<[], { id: string }>("SELECT id FROM sessions WHERE kind = 'terminal'").get();
      const [header] = media.list(terminal?.id ?? '');
      expect(header?.info.redactions).toBe('cli-secret-flag:1');
      const cast = JSON.parse((await media.read(terminal?.id ?? '', header?.seq ?? 0)).bytes.toString()) as {
        command: string;
      };
      expect(cast.command).toBe('deploy --token [REDACTED:cli-secret-flag]');
    } finally {
      db.close();
      vault.close();
    }
  });

  it('fails aev verify, naming the event, when the clear summary no longer matches the sealed one', async () => {
    const db = openIndexFile(dataRoot);
    const target = events[1];
    db.prepare('UPDATE events SET redactions = NULL WHERE id = ?').run(target?.id ?? '');
    db.close();
    const v = await runAev(['verify', '--all', '--json'], env);
    expect(v.code).toBe(1);
    const report = JSON.parse(v.stdout) as { items: { item: string; code?: string; status: string }[] };
    const failed = report.items.filter((i) => i.status === 'fail');
    expect(failed.map((i) => [i.item, i.code])).toEqual([
      [`session ${sessionId} event ${String(target?.seq)}`, 'EVENT_ROW'],
    ]);
  });
});

describe('redaction switched off, or misconfigured', () => {
  const tmp = makeTempDir();
  afterAll(() => {
    tmp.cleanup();
  });

  it('stores secrets as sent with AEV_REDACTION=off, and aev status says so', async () => {
    const dataRoot = path.join(tmp.dir, 'off');
    const env = testEnv(dataRoot, { AEV_REDACTION: 'off' });
    const d = await startDaemon(dataRoot, { AEV_REDACTION: 'off' });
    try {
      const hook = await runAev(
        ['hook'],
        env,
        JSON.stringify(hookPayload('off-s', 'UserPromptSubmit', { prompt: S.ghp })),
      );
      expect(hook.code).toBe(0);
      const [session] = JSON.parse((await runAev(['sessions', 'list', '--json'], env)).stdout) as { id: string }[];
      const shown = JSON.parse(
        (await runAev(['sessions', 'show', session?.id ?? '', '--json', '--payloads'], env)).stdout,
      ) as {
        events: ShownEvent[];
      };
      expect(shown.events[0]?.payload?.prompt).toBe(S.ghp);
      expect(shown.events[0]?.redactions).toBeNull();
      expect((await runAev(['status'], env)).stdout).toContain('redaction   OFF');
    } finally {
      await d.stop();
    }
  });

  it('refuses to start with a settings.json pattern it cannot run in linear time, naming it', async () => {
    const dataRoot = path.join(tmp.dir, 'bad');
    fs.mkdirSync(dataRoot, { recursive: true, mode: 0o700 });
    fs.writeFileSync(
      runtimePaths(dataRoot).settingsPath,
      JSON.stringify({ redaction: { patterns: [{ id: 'slow', regex: '(a)\\1+' }] } }),
    );
    const r = await runAev(['daemon'], testEnv(dataRoot));
    expect(r.code).not.toBe(0);
    expect(r.stderr).toMatch(/redaction\.patterns\.0\.regex: pattern "slow": cannot run in linear time.*\[E_CONFIG\]/);
    expect(r.stderr).not.toMatch(/\n\s+at /);
  });
});
