import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runAev, startDaemon, testEnv } from '../../helpers/daemon-process.ts';
import { startOpensslTsa } from '../../helpers/openssl-tsa.ts';
import type { OpensslTsa } from '../../helpers/openssl-tsa.ts';
import { hookPayload } from '../../helpers/raw-client.ts';
import { makeTempDir } from '../../helpers/temp-dir.ts';

interface VerifyJson {
  readonly ok: boolean;
  readonly items: readonly { readonly status: string; readonly code?: string; readonly item: string }[];
}

/**
 * docs/threat-model.md, "the agent as the same user": it can edit settings.json, point the engine at a
 * TSA it runs and name that TSA's root as the trust store. Its tokens must not verify for an auditor,
 * whose trust comes from --trust, AEV_TSA_TRUST or the shipped store, never from the vault's settings.
 */
describe('a TSA trust store swapped in settings.json', () => {
  const tmp = makeTempDir('aev-trust-');
  let rogue: OpensslTsa;
  let honest: OpensslTsa;
  beforeAll(async () => {
    [rogue, honest] = await Promise.all([startOpensslTsa(), startOpensslTsa()]);
  });
  afterAll(async () => {
    await Promise.all([rogue.close(), honest.close()]);
    tmp.cleanup();
  });

  it('stamps with the rogue TSA, yet aev verify refuses its tokens unless the auditor trusts that root', async () => {
    const dataRoot = path.join(tmp.dir, 'home');
    fs.mkdirSync(dataRoot, { recursive: true, mode: 0o700 });
    const rogueRoot = path.join(tmp.dir, 'rogue-root.pem');
    fs.writeFileSync(rogueRoot, rogue.rootPem);
    const honestRoot = path.join(tmp.dir, 'honest-root.pem');
    fs.writeFileSync(honestRoot, honest.rootPem);
    fs.writeFileSync(
      path.join(dataRoot, 'settings.json'),
      JSON.stringify({ tsa: { urls: [rogue.url], trustFile: rogueRoot } }),
    );
    // Empty AEV_TSA_* leave the choice to settings.json, as on a machine without those variables.
    const env = testEnv(dataRoot, { AEV_TSA_URLS: '', AEV_TSA_TRUST: '', AEV_WINDOW_MS: '300' });
    const d = await startDaemon(dataRoot, { AEV_TSA_URLS: '', AEV_TSA_TRUST: '', AEV_WINDOW_MS: '300' });
    try {
      const payload = hookPayload('trust-s', 'PreToolUse', { tool_name: 'Bash', tool_use_id: 't', tool_input: {} });
      expect((await runAev(['hook'], env, JSON.stringify(payload))).code).toBe(0);
      for (let i = 0; ; i++) {
        const s = JSON.parse((await runAev(['status', '--json'], env)).stdout) as {
          sealing: { unsealedEvents: number; tsa: { pending: number; stamped?: number } };
        };
        if (s.sealing.unsealedEvents === 0 && s.sealing.tsa.pending === 0) break;
        if (i > 100) throw new Error('not sealed and stamped in time');
        await new Promise((r) => setTimeout(r, 200));
      }
    } finally {
      await d.stop();
    }
    expect(rogue.requestCount()).toBeGreaterThan(0);
    expect(honest.requestCount()).toBe(0);

    const verify = async (trust: string[]): Promise<{ code: number | null; report: VerifyJson }> => {
      const r = await runAev(['verify', '--all', '--json', ...trust], env);
      return { code: r.code, report: JSON.parse(r.stdout) as VerifyJson };
    };
    for (const trust of [[], ['--trust', honestRoot]]) {
      const { code, report } = await verify(trust);
      expect(code, JSON.stringify(trust)).toBe(1);
      const tokens = report.items.filter((i) => i.item.includes('token'));
      expect(tokens.length).toBeGreaterThan(0);
      expect(tokens.every((i) => i.status === 'fail')).toBe(true);
    }
    // An auditor who chooses to trust the rogue root gets a clean report: the refusal above was the root.
    const chosen = await verify(['--trust', rogueRoot]);
    expect(chosen.code, JSON.stringify(chosen.report.items.filter((i) => i.status === 'fail'))).toBe(0);
  });
});
