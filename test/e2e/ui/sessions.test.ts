import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startUiBridge } from '../../../electron/cli/commands/ui.ts';
import type { UiBridge } from '../../../electron/cli/commands/ui.ts';
import type { EngineStatus } from '../../../electron/common/model/status.ts';
import { hookPayload, RawClient, testClient } from '../../helpers/raw-client.ts';
import { startTestEngine } from '../../helpers/test-engine.ts';
import type { TestEngine } from '../../helpers/test-engine.ts';
import { hasProgram, runClient, startXvfb } from '../../integration/screen/x-server.ts';
import type { Xvfb } from '../../integration/screen/x-server.ts';

const ROOT = fileURLToPath(new URL('../../..', import.meta.url));
const RENDERER_DIR = path.join(ROOT, 'dist/renderer');
const ARTIFACTS = path.join(ROOT, 'test/e2e/artifacts');
const CHROMIUM = '/usr/bin/chromium';
const COMMANDS = [
  ['#c00000', 'ls -la /srv'],
  ['#00a000', 'git status --short'],
  ['#0000c0', 'npm test -- --grep flight'],
] as const;

const canRun = fs.existsSync(CHROMIUM) && hasProgram('Xvfb') && hasProgram('ffmpeg') && hasProgram('xsetroot');

describe.skipIf(!canRun)('desktop UI in Chromium over the loopback bridge (real engine, Xvfb, ffmpeg)', () => {
  let x: Xvfb;
  let t: TestEngine;
  let bridge: UiBridge;
  let browser: Browser;
  let page: Page;
  let sessionId = '';
  /** toolUseId → pinned video offset, as sessions.show reports it. */
  const offsets = new Map<string, number>();

  beforeAll(async () => {
    // Always from the current sources: a stale dist/renderer would test yesterday's UI.
    const built = spawnSync(process.execPath, [path.join(ROOT, 'renderer/build/build-renderer.ts')], {
      encoding: 'utf8',
    });
    if (built.status !== 0) throw new Error(`vite build failed: ${built.stderr}`);
    fs.mkdirSync(ARTIFACTS, { recursive: true });
    x = await startXvfb(1280, 720);
    runClient(x.display, 'xsetroot', ['-solid', '#000000']);
    t = await startTestEngine({
      windowMs: 2000,
      tsa: null,
      screen: { fps: 5, maxLongSide: 1280, graceMs: 1500, env: { ...process.env, DISPLAY: x.display } },
    });
    sessionId = await recordSession(t, x);
    bridge = await startUiBridge({ socketPath: t.info.socketPath, port: 0, staticDir: RENDERER_DIR });
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      headless: true,
      args: [
        '--no-sandbox',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-default-apps',
        '--disable-sync',
      ],
    });
    page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
    const control = await testClient(t.info.socketPath, 'control');
    const detail = (await control.request('sessions.show', { id: sessionId }, 5000)) as {
      events: { kind: string; toolUseId: string | null; pins: { video: { offsetMs: number } | null } }[];
    };
    control.close();
    for (const e of detail.events)
      if (e.kind === 'PreToolUse' && e.toolUseId !== null && e.pins.video !== null)
        offsets.set(e.toolUseId, e.pins.video.offsetMs);
  }, 120_000);

  afterAll(async () => {
    await browser.close();
    await bridge.close();
    await t.dispose();
    await x.stop();
  });

  it('lists the recorded session and finds it by the text of a command', async () => {
    await page.goto(bridge.url);
    const row = page.locator(`tr[data-session="${sessionId}"]`);
    await row.waitFor({ timeout: 10_000 });
    expect(await row.textContent()).toContain('claude-code');
    expect(await row.locator('td').nth(5).textContent()).toBe('3');
    // The token leaves the visible address once the page has read it.
    expect(page.url()).not.toContain(bridge.token);
    const search = page.getByRole('searchbox');
    await search.fill('git status');
    await row.waitFor({ timeout: 5000 });
    await search.fill('no such command anywhere');
    await page.getByText('No session matches.').waitFor({ timeout: 5000 });
    await search.fill('');
    await page.screenshot({ path: path.join(ARTIFACTS, 'sessions-list.png'), fullPage: true });
  });

  it('plays the screen video through Media Source Extensions and seeks to a clicked tool call', async () => {
    await page.locator(`tr[data-session="${sessionId}"] button`).click();
    await expect.poll(async () => (await video(page)).duration ?? 0, { timeout: 15_000 }).toBeGreaterThan(0);
    const loaded = await video(page);
    expect(loaded.ready).toBeGreaterThanOrEqual(1);
    expect(loaded.duration).toBeGreaterThan(0);
    expect(offsets.size).toBe(3);
    const [, second] = [...offsets];
    const button = page.locator(`button[data-tool-use="${second![0]}"]`);
    await button.click();
    expect((await video(page)).time).toBeCloseTo(second![1] / 1000, 1);
    expect(await button.getAttribute('aria-pressed')).toBe('true');
    await page.getByRole('complementary', { name: 'Event details' }).getByText('git status --short').first().waitFor();
    await expect.poll(async () => (await video(page)).ready, { timeout: 10_000 }).toBeGreaterThanOrEqual(2);
    // The picture at the pin is the screen of that moment: the second command ran on green.
    expect(near(await pixel(page), [0, 160, 0]), JSON.stringify(await pixel(page))).toBe(true);
    await page.screenshot({ path: path.join(ARTIFACTS, 'session-seeked.png'), fullPage: true });
  });

  it('reaches a tool call with Tab and seeks with Enter', async () => {
    const [, , third] = [...offsets];
    await page.locator('body').focus();
    let reached = false;
    for (let i = 0; i < 40 && !reached; i++) {
      await page.keyboard.press('Tab');
      reached = (await page.locator(':focus').getAttribute('data-tool-use')) === third![0];
    }
    expect(reached).toBe(true);
    await page.keyboard.press('Enter');
    expect((await video(page)).time).toBeCloseTo(third![1] / 1000, 1);
    expect(await page.locator(`button[data-tool-use="${third![0]}"]`).getAttribute('aria-pressed')).toBe('true');
    await page.screenshot({ path: path.join(ARTIFACTS, 'session-keyboard.png'), fullPage: true });
  });
});

/** The player's state (typed structurally: the test project has no DOM library). */
async function video(page: Page): Promise<{ ready: number; duration: number | null; time: number }> {
  return page.locator('video').evaluate((v: { readyState: number; duration: number; currentTime: number }) => ({
    ready: v.readyState,
    // NaN until the Media Source has data, +Infinity while it is still open.
    duration: Number.isFinite(v.duration) ? v.duration : null,
    time: v.currentTime,
  }));
}

/**
 * One pixel near the top-left of the current video frame (away from the X cursor in the middle), drawn
 * through a canvas. A string expression: the test project has no DOM library to type the page's globals.
 */
async function pixel(page: Page): Promise<number[]> {
  return page.evaluate<number[]>(`(() => {
    const v = document.querySelector('video');
    const c = document.createElement('canvas');
    c.width = v.videoWidth;
    c.height = v.videoHeight;
    const g = c.getContext('2d');
    g.drawImage(v, 0, 0);
    return Array.from(g.getImageData(20, 20, 1, 1).data.slice(0, 3));
  })()`);
}

function near(a: readonly number[], b: readonly number[]): boolean {
  return a.length === b.length && a.every((v, i) => Math.abs(v - (b[i] ?? 0)) <= 40);
}

/** A real agent session on a real screen: three Bash calls, each on its own background colour. */
async function recordSession(t: TestEngine, x: Xvfb): Promise<string> {
  const control = await testClient(t.info.socketPath, 'control');
  const status = async () => (await control.request('status', {}, 5000)) as EngineStatus;
  const ingest = await RawClient.hello(t.info.socketPath);
  let n = 0;
  const send = async (kind: string, extra: Record<string, unknown> = {}) => {
    const id = `e${++n}`;
    ingest.send({ type: 'event', id, event: { agent: 'claude-code', payload: hookPayload('ui-s', kind, extra) } });
    return (await ingest.waitFor((f) => f.id === id)) as { sessionId: string };
  };
  const first = await send('SessionStart');
  for (let i = 0; i < 60 && (await status()).screen.state !== 'recording'; i++) await sleep(50);
  await sleep(1500);
  for (const [i, [colour, command]] of COMMANDS.entries()) {
    runClient(x.display, 'xsetroot', ['-solid', colour]);
    await sleep(300);
    const tool = { tool_name: 'Bash', tool_use_id: `tu-${i}`, tool_input: { command } };
    await send('PreToolUse', tool);
    await sleep(500);
    await send('PostToolUse', { ...tool, tool_response: { stdout: 'ok' } });
    await sleep(500);
  }
  await send('SessionEnd', { reason: 'exit' });
  // The recorder stops after its grace period; by then every fragment is in the vault.
  for (let i = 0; i < 200 && (await status()).screen.state !== 'idle'; i++) await sleep(50);
  control.close();
  ingest.close();
  return first.sessionId;
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
