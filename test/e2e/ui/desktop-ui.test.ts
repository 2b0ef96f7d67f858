import { generateX25519Identity, identityToRecipient } from 'age-encryption';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startUiBridge } from '../../../electron/cli/commands/ui.ts';
import type { UiBridge } from '../../../electron/cli/commands/ui.ts';
import { createAppHostContext, socketControl } from '../../../electron/engine/app-host/app-host-context.ts';
import type { AppHostContext } from '../../../electron/engine/app-host/app-host-context.ts';
import { readSettings } from '../../../electron/engine/runtime/settings-file.ts';
import { runtimePaths } from '../../../electron/engine/runtime/data-root.ts';
import { TEST_PASSPHRASE } from '../../helpers/daemon-process.ts';
import { startOpensslTsa } from '../../helpers/openssl-tsa.ts';
import type { OpensslTsa } from '../../helpers/openssl-tsa.ts';
import { testClient } from '../../helpers/raw-client.ts';
import { makeTempDir } from '../../helpers/temp-dir.ts';
import { startTestEngine } from '../../helpers/test-engine.ts';
import type { TestEngine } from '../../helpers/test-engine.ts';
import { hasProgram, runClient, startXvfb } from '../../integration/screen/x-server.ts';
import type { Xvfb } from '../../integration/screen/x-server.ts';
import { PROMPT, recordSession, sleep, TOOL_CALLS } from './recorded-session.ts';
import { clocks, dropFile, flipByteInTarMember, focused, near, pixelAt, videoState } from './ui-probes.ts';

const ROOT = fileURLToPath(new URL('../../..', import.meta.url));
const RENDERER_DIR = path.join(ROOT, 'dist/renderer');
const ARTIFACTS = path.join(ROOT, 'test/e2e/artifacts');
const CHROMIUM = '/usr/bin/chromium';

const canRun = fs.existsSync(CHROMIUM) && hasProgram('Xvfb') && hasProgram('ffmpeg') && hasProgram('xsetroot');

interface DetailEvent {
  id: string;
  seq: number;
  kind: string;
  toolUseId: string | null;
  receivedAt: string;
  pins: {
    window: number | null;
    video: { recording: string; offsetMs: number } | null;
    terminal: { session: string; atSeconds: number } | null;
  };
}

/**
 * The desktop app's renderer in Debian's Chromium, over the `aev ui` loopback bridge, against a real
 * engine holding a real recorded session: hook events, a terminal, an ffmpeg screen recording on Xvfb,
 * windows stamped by an openssl TSA. Nothing in between is mocked.
 */
describe.skipIf(!canRun)('desktop UI in Chromium (real engine, Xvfb, ffmpeg, TSA)', { timeout: 120_000 }, () => {
  const work = makeTempDir('aev-ui-');
  const home = path.join(work.dir, 'home');
  let x: Xvfb;
  let tsa: OpensslTsa;
  let t: TestEngine;
  let app: AppHostContext;
  let bridge: UiBridge;
  let browser: Browser;
  let page: Page;
  let sessionId = '';
  let terminalSessionId = '';
  let events: DetailEvent[] = [];
  let identityFile = '';
  let recipient = '';
  let trustFile = '';
  /** Wall clock of video time 0 and of terminal cast time 0, from the engine itself. */
  let videoOriginMs = 0;
  let terminalOriginMs = 0;
  const consoleErrors: string[] = [];
  /** What started, to stop in reverse order whatever happens (a failed start included). */
  const stops: (() => unknown)[] = [];
  const expectedTerminal = (videoS: number) => (videoOriginMs + videoS * 1000 - terminalOriginMs) / 1000;
  /** Where the player puts an event: video time 0 is the first run's presentation time 0, the rest by wall clock. */
  const videoTimeOf = (e: DetailEvent) => (Date.parse(e.receivedAt) - videoOriginMs) / 1000;
  let runs: { start: string; end: string; startPtsMs: number }[] = [];

  beforeAll(async () => {
    // Always from the current sources: a stale dist/renderer would test yesterday's UI.
    const built = spawnSync(process.execPath, [path.join(ROOT, 'renderer/build/build-renderer.ts')], {
      encoding: 'utf8',
    });
    if (built.status !== 0) throw new Error(`vite build failed: ${built.stderr}`);
    fs.mkdirSync(ARTIFACTS, { recursive: true });
    fs.mkdirSync(path.join(home, 'Downloads'), { recursive: true });
    tsa = await startOpensslTsa();
    stops.push(() => tsa.close());
    trustFile = path.join(work.dir, 'tsa-root.pem');
    fs.writeFileSync(trustFile, tsa.rootPem);
    x = await startXvfb(1280, 720);
    stops.push(() => x.stop());
    runClient(x.display, 'xsetroot', ['-solid', '#000000']);
    t = await startTestEngine({
      windowMs: 2000,
      tsa: { endpoints: [{ url: tsa.url, minSpacingMs: 0 }], trustPem: tsa.rootPem, timeoutMs: 5000 },
      screen: {
        fps: 5,
        maxLongSide: 1280,
        graceMs: 1500,
        env: { ...process.env, DISPLAY: x.display },
        stills: 'video',
      },
    });
    stops.push(() => t.dispose());
    ({ sessionId, terminalSessionId } = await recordSession(t, x));
    const control = await testClient(t.info.socketPath, 'control');
    events = ((await control.request('sessions.show', { id: sessionId }, 5000)) as { events: DetailEvent[] }).events;
    const recording = events.find((e) => e.pins.video !== null)!.pins.video!.recording;
    const index = (await control.request('video.index', { recording }, 5000)) as { inits: typeof runs };
    runs = index.inits;
    videoOriginMs = Date.parse(runs[0]!.start) - runs[0]!.startPtsMs;
    const cast = (await control.request('terminal.read', { session: terminalSessionId }, 5000)) as {
      startedAt: string;
    };
    terminalOriginMs = Date.parse(cast.startedAt);
    control.close();
    const identity = await generateX25519Identity();
    recipient = await identityToRecipient(identity);
    identityFile = path.join(work.dir, 'key.txt');
    fs.writeFileSync(identityFile, `# auditor\n${identity}\n`, { mode: 0o600 });
    const env: Record<string, string | undefined> = { ...process.env, HOME: home, AEV_TSA_TRUST: trustFile };
    delete env.CLAUDE_CONFIG_DIR;
    app = createAppHostContext({
      control: socketControl(t.info.socketPath),
      dataRoot: t.dataRoot,
      keyring: null,
      passphrase: TEST_PASSPHRASE,
      env,
      platform: 'linux',
    });
    stops.push(() => {
      app.dispose();
    });
    bridge = await startUiBridge({ app, port: 0, staticDir: RENDERER_DIR });
    stops.push(() => bridge.close());
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      headless: true,
      args: ['--no-sandbox', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
    });
    stops.push(() => browser.close());
    page = await browser.newPage({ viewport: { width: 1280, height: 1000 } });
    page.on('console', (m) => {
      if (m.type() === 'error') consoleErrors.push(m.text());
    });
  }, 180_000);

  afterAll(async () => {
    try {
      for (const stop of stops.reverse()) await stop();
    } finally {
      work.cleanup();
    }
  });

  const pre = (i: number) => events.find((e) => e.kind === 'PreToolUse' && e.toolUseId === `tu-${i}`)!;
  const shot = (name: string) => page.screenshot({ path: path.join(ARTIFACTS, name), fullPage: true });

  it('opens on the first-run steps: vault, hooks (installed for real), and no macOS text on Linux', async () => {
    await page.goto(bridge.url);
    await page.getByRole('heading', { name: 'Welcome to Agent Evidence' }).waitFor({ timeout: 10_000 });
    expect(page.url()).not.toContain(bridge.token);
    // The test engine's vault is wrapped by a passphrase only (no keyring here).
    expect(await page.locator('[data-vault]').getAttribute('data-vault')).toBe('passphrase');
    expect(await page.getByText('Screen & System Audio Recording').count()).toBe(0);
    await page.getByRole('button', { name: 'Install (fail-open) for user' }).click();
    await page.getByText(/Hooks installed in .*settings\.json/).waitFor({ timeout: 10_000 });
    const claude = JSON.parse(fs.readFileSync(path.join(home, '.claude/settings.json'), 'utf8')) as {
      hooks: Record<string, { hooks: { command: string }[] }[]>;
    };
    expect(claude.hooks.PreToolUse?.[0]?.hooks[0]?.command).toMatch(/aev\.js' hook$/);
    expect(await page.locator('[data-scope="user"] [data-installed]').textContent()).toContain('fail-open');
    await shot('onboarding.png');
    await page.getByRole('button', { name: 'Done: go to my sessions' }).click();
    await page.getByRole('heading', { name: 'Sessions' }).waitFor();
    expect(readSettings(runtimePaths(t.dataRoot).settingsPath).onboarded).toBe(true);
  });

  it('shows the macOS Screen Recording permission only on macOS', async () => {
    const mac = createAppHostContext({ ...hostOptions(), platform: 'darwin' });
    const macBridge = await startUiBridge({ app: mac, port: 0, staticDir: RENDERER_DIR });
    const macPage = await browser.newPage();
    // The first view is decided by the app's first onboarding question; its answer is held back here until
    // Setup has been clicked, and arriving after the click it must not take the user away from the tab they
    // chose. (The Setup view asks its own, which goes through.)
    const clicked = Promise.withResolvers<undefined>();
    let asked = 0;
    await macPage.route('**/api/onboarding', async (route) => {
      if (asked++ === 0) await clicked.promise;
      await route.continue();
    });
    try {
      await macPage.goto(macBridge.url);
      await macPage.getByRole('button', { name: 'Setup' }).click();
      await macPage.getByText('Screen & System Audio Recording').waitFor({ timeout: 10_000 });
      expect(asked).toBeGreaterThanOrEqual(2);
      const answered = macPage.waitForResponse('**/api/onboarding');
      clicked.resolve(undefined);
      await answered;
      // The old app switched to Sessions on this answer (a click made before it was lost): give it time to.
      await macPage.waitForTimeout(500);
      expect(await macPage.getByRole('button', { name: 'Setup' }).getAttribute('aria-current')).toBe('page');
      expect(await macPage.getByText('Screen & System Audio Recording').isVisible()).toBe(true);
    } finally {
      await macPage.close();
      await macBridge.close();
      mac.dispose();
    }
  });

  it('lists the session with its seal badges and finds it by command, file path and date', async () => {
    const row = page.locator(`tr[data-session="${sessionId}"]`);
    await row.waitFor({ timeout: 10_000 });
    expect(await row.locator('td').nth(5).textContent()).toBe(String(TOOL_CALLS.length));
    await row.locator('[data-state="time-stamped"]').waitFor({ timeout: 10_000 });
    const search = page.getByRole('searchbox');
    for (const q of ['git status', '/srv/app/config.yaml', new Date().toISOString().slice(0, 10)]) {
      await search.fill(q);
      await row.waitFor({ timeout: 5000 });
    }
    await search.fill('no such command anywhere');
    await page.getByText('No session matches.').waitFor({ timeout: 5000 });
    await search.fill('');
    await row.waitFor();
    await shot('sessions.png');
  });

  it('plays the video, seeks to a clicked tool call, and the terminal follows the video clock', async () => {
    await page.locator(`tr[data-session="${sessionId}"] button`).click();
    await expect.poll(async () => (await videoState(page)).duration ?? 0, { timeout: 20_000 }).toBeGreaterThan(0);
    await expect.poll(async () => (await videoState(page)).ready, { timeout: 10_000 }).toBeGreaterThanOrEqual(1);
    // The picture at each pin is the screen of that moment: tool call i ran on its own colour.
    const second = pre(1);
    await page.locator('button[data-tool-use="tu-1"]').click();
    expect((await videoState(page)).time).toBeCloseTo(second.pins.video!.offsetMs / 1000, 1);
    await expect.poll(async () => (await videoState(page)).ready, { timeout: 10_000 }).toBeGreaterThanOrEqual(2);
    await expect.poll(async () => near(await pixelAt(page), TOOL_CALLS[1].rgb), { timeout: 5000 }).toBe(true);
    // The terminal replay (the agent's own terminal, found through the events' pins) sits where the tool
    // call happened in it.
    expect(await page.locator('[data-terminal-session]').getAttribute('data-terminal-session')).toBe(terminalSessionId);
    await expect
      .poll(async () => Math.abs((await clocks(page)).terminal - second.pins.terminal!.atSeconds), { timeout: 10_000 })
      .toBeLessThan(0.3);
    await page.getByRole('button', { name: new RegExp(PROMPT.slice(0, 20)) }).waitFor();
    // Details: input, output, duration, and the screen before and after.
    const details = page.getByRole('complementary', { name: 'Event details' });
    await details.getByText('git status --short').first().waitFor();
    await details.getByText(' M app.ts').first().waitFor();
    expect(await details.getByText(/^\d+ ms$/).count()).toBe(1);
    // A badge per window, and the tool call's window time-stamped.
    expect(await page.locator('ol.window-strip li[data-state="time-stamped"]').count()).toBeGreaterThan(3);
    await details.getByText(/#\d+ PreToolUse: .*time-stamped/).waitFor();
    // Playing moves both clocks together.
    await page.locator('video').evaluate((v: { play(): Promise<void> }) => v.play());
    await sleep(2000);
    await page.locator('video').evaluate((v: { pause(): void }) => {
      v.pause();
    });
    await sleep(600);
    const played = await clocks(page);
    expect(played.video - second.pins.video!.offsetMs / 1000).toBeGreaterThan(1);
    expect(Math.abs(played.terminal - expectedTerminal(played.video))).toBeLessThan(0.3);
    await shot('session-terminal.png');
  });

  it('plays across an ffmpeg restart: a second init segment, placed by wall clock, loaded when needed', async () => {
    expect(runs.length).toBe(2);
    // The fourth call ran in the second run, on yellow: seeking there loads that run's chunk.
    const fourth = pre(3);
    expect(fourth.pins.video!.offsetMs).toBeLessThan(videoTimeOf(fourth) * 1000 - 1000);
    await page.locator('button[data-tool-use="tu-3"]').click();
    expect((await videoState(page)).time).toBeCloseTo(videoTimeOf(fourth), 1);
    await expect.poll(async () => near(await pixelAt(page), TOOL_CALLS[3].rgb), { timeout: 10_000 }).toBe(true);
    // Played from just before the end of the first run, the video goes on into the second.
    const firstEnd = (Date.parse(runs[0]!.end) - videoOriginMs) / 1000;
    const secondStart = (Date.parse(runs[1]!.start) - videoOriginMs) / 1000;
    await page.locator('video').evaluate((v: { currentTime: number }, at: number) => {
      v.currentTime = at;
    }, firstEnd - 1);
    await page.locator('video').evaluate((v: { play(): Promise<void> }) => v.play());
    await expect
      .poll(async () => (await videoState(page)).time, { timeout: 15_000 })
      .toBeGreaterThan(secondStart + 0.5);
    await page.locator('video').evaluate((v: { pause(): void }) => {
      v.pause();
    });
  });

  it('shows the screen before and after a tool call, as the engine took them', async () => {
    // A still is skipped (never queued) while the previous one is still being taken, so ask the engine
    // which calls got theirs, and expect exactly that on the page.
    const control = await testClient(t.info.socketPath, 'control');
    const stills = new Map<string, { before: boolean; after: boolean }>();
    for (const [i] of TOOL_CALLS.entries()) {
      const has = async (kind: string) => {
        const e = events.find((x) => x.kind === kind && x.toolUseId === `tu-${i}`)!;
        const r = (await control.request('still.read', { session: sessionId, event: e.seq }, 10_000)) as {
          still: { width: number } | null;
        };
        return r.still !== null;
      };
      stills.set(`tu-${i}`, { before: await has('PreToolUse'), after: await has('PostToolUse') });
    }
    control.close();
    const taken = [...stills].filter(([, s]) => s.before || s.after);
    expect(taken.length, JSON.stringify([...stills])).toBeGreaterThan(0);
    const details = page.getByRole('complementary', { name: 'Event details' });
    for (const [toolUse, s] of stills) {
      await page.locator(`button[data-tool-use="${toolUse}"]`).click();
      for (const [label, present] of [
        ['Before', s.before],
        ['After', s.after],
      ] as const) {
        if (present) {
          const img = details.getByRole('img', { name: new RegExp(`^${label}: the screen at`) });
          await img.waitFor({ timeout: 15_000 });
          await expect.poll(() => img.evaluate((el: { naturalWidth: number }) => el.naturalWidth)).toBe(1280);
        } else await details.getByText(`${label}: no still was taken`).waitFor({ timeout: 15_000 });
      }
    }
  });

  it('moves the video when the terminal is moved (the other way round)', async () => {
    await page.locator('.terminal-replay .ap-term-text').focus();
    // asciinema-player's own keyboard: digit d jumps to d × 10 % of the cast. The moment chosen must have
    // been recorded: a moment in the capture gap of the ffmpeg restart has no picture, and the video
    // goes on where recording resumed (chunk-source.ts) — CI once landed 80 % in that gap.
    const duration = (await clocks(page)).terminalDuration;
    const firstEnd = (Date.parse(runs[0]!.end) - videoOriginMs) / 1000;
    const secondStart = (Date.parse(runs[1]!.start) - videoOriginMs) / 1000;
    const videoAt = (termS: number) => (terminalOriginMs + termS * 1000 - videoOriginMs) / 1000;
    const recorded = (v: number) => v > 0.5 && (v < firstEnd - 1 || v > secondStart + 1);
    const digit = [8, 7, 9, 6, 5, 4, 3].find((d) => recorded(videoAt((duration * d) / 10)));
    expect(digit, JSON.stringify({ duration, firstEnd, secondStart })).toBeDefined();
    const key = String(digit);
    const fraction = (digit ?? 0) / 10;
    // Pressed again while the terminal is not there yet: on a busy machine the first press can come
    // before the player takes keys, and a second jump to the same place changes nothing once it has.
    await page.keyboard.press(key);
    await expect
      .poll(
        async () => {
          const c = await clocks(page);
          const there = Math.abs(c.terminal - c.terminalDuration * fraction) < 0.1 * c.terminalDuration;
          if (!there) await page.keyboard.press(key);
          const inStep = there && Math.abs(c.terminal - expectedTerminal(c.video)) < 0.6;
          // What the clocks were, when they are not in step (the failure message shows it).
          return inStep
            ? 'in step'
            : JSON.stringify({ ...c, key, expectedTerminal: expectedTerminal(c.video), firstEnd, secondStart });
        },
        { timeout: 15_000 },
      )
      .toBe('in step');
  });

  it('works from the keyboard alone: Tab to the timeline, arrows, Enter, the export dialog, Escape', async () => {
    const fourth = pre(3);
    await page.locator('body').focus();
    let onTimeline = false;
    for (let i = 0; i < 40 && !onTimeline; i++) {
      await page.keyboard.press('Tab');
      onTimeline = (await focused(page))['data-event'] !== undefined;
    }
    expect(onTimeline).toBe(true);
    await page.keyboard.press('Home');
    for (let i = 0; i < 4; i++) await page.keyboard.press('ArrowDown'); // prompt, tu-0, tu-1, tu-2, tu-3
    expect((await focused(page))['data-tool-use']).toBe('tu-3');
    await page.keyboard.press('Enter');
    expect((await videoState(page)).time).toBeCloseTo(videoTimeOf(fourth), 1);
    expect(await page.locator('button[data-tool-use="tu-3"]').getAttribute('aria-pressed')).toBe('true');
    await page.keyboard.press('Space');
    expect(await page.locator('button[data-tool-use="tu-3"]').getAttribute('aria-pressed')).toBe('true');
    // Shift+Tab back to the session header's Export button.
    let onExport = false;
    for (let i = 0; i < 20 && !onExport; i++) {
      await page.keyboard.press('Shift+Tab');
      onExport = (await focused(page)).text === 'Export…';
    }
    expect(onExport).toBe(true);
    await page.keyboard.press('Enter');
    const dialog = page.getByRole('dialog', { name: 'Export evidence bundle' });
    await dialog.waitFor();
    expect((await focused(page)).inDialog).toBe('yes');
    await page.keyboard.press('Escape');
    await dialog.waitFor({ state: 'detached' });
  });

  it('exports through the dialog (tool-call range, a recipient, one event withheld) and the bundle verifies', async () => {
    await page.getByRole('button', { name: 'Export…' }).click();
    const dialog = page.getByRole('dialog', { name: 'Export evidence bundle' });
    await dialog.getByLabel('From tool call').selectOption('tu-0');
    await dialog.getByLabel('To tool call').selectOption('tu-2');
    await dialog.getByLabel('Recipients (age public keys, one per line)').fill(recipient);
    const withheld = events.find((e) => e.kind === 'PostToolUse' && e.toolUseId === 'tu-1')!;
    await dialog.locator(`input[type="checkbox"][value="${withheld.id}"]`).check();
    const out = path.join(home, 'Downloads', 'ui-export.aevb.tar.age');
    await dialog.getByLabel('Write to').fill(out);
    await shot('export-dialog.png');
    await dialog.getByRole('button', { name: 'Export', exact: true }).click();
    await dialog.getByText('Bundle written.').waitFor({ timeout: 90_000 });
    expect(fs.existsSync(out)).toBe(true);
    expect(fs.readFileSync(out).subarray(0, 21).toString()).toBe('age-encryption.org/v1');
    expect(await dialog.locator('[data-bundle]').textContent()).toContain('1 withheld');
    await dialog.getByRole('button', { name: 'Verify this bundle' }).click();
    await page.getByLabel('Bundle file (absolute path)').waitFor();
    expect(await page.getByLabel('Bundle file (absolute path)').inputValue()).toBe(out);
    await page.getByLabel('Age identity file (for an encrypted bundle)').fill(identityFile);
    await page.getByRole('button', { name: 'Verify bundle' }).click();
    const verdict = page.locator('[data-verdict]');
    await verdict.waitFor({ timeout: 60_000 });
    const failures = await page.locator('tr[data-status="fail"]').allTextContents();
    expect(failures, failures.join('\n')).toEqual([]);
    expect(await verdict.getAttribute('data-verdict')).toBe('verified');
  });

  it('names the altered item when one byte of a dropped bundle is flipped', async () => {
    // A plain bundle, written through the dialog after its warning.
    await page.getByRole('button', { name: 'Sessions' }).click();
    await page.locator(`tr[data-session="${sessionId}"] button`).click();
    await page.getByRole('button', { name: 'Export…' }).click();
    const dialog = page.getByRole('dialog', { name: 'Export evidence bundle' });
    await dialog.getByLabel('By time').check();
    await dialog.getByLabel('Write the bundle unencrypted').check();
    await dialog
      .getByRole('alert')
      .getByText(/Unencrypted/)
      .waitFor();
    const plain = path.join(work.dir, 'plain.aevb.tar');
    await dialog.getByLabel('Write to').fill(plain);
    await dialog.getByRole('button', { name: 'Export unencrypted' }).click();
    await dialog.getByText('Bundle written.').waitFor({ timeout: 90_000 });
    await dialog.getByRole('button', { name: 'Close' }).click();
    const promptEvent = events.find((e) => e.kind === 'UserPromptSubmit')!;
    const tampered = flipByteInTarMember(
      fs.readFileSync(plain),
      `sessions/${sessionId}/events/${promptEvent.seq}.json`,
    );
    await page.getByRole('button', { name: 'Verify' }).click();
    // Dropped onto the page, as a user drags it from a file manager.
    await dropFile(page, '[data-testid="drop-zone"]', 'tampered.aevb.tar', tampered);
    await page.getByText('Dropped: tampered.aevb.tar').waitFor();
    await page.getByRole('button', { name: 'Verify bundle' }).click();
    const verdict = page.locator('[data-verdict]');
    await verdict.waitFor({ timeout: 60_000 });
    expect(await verdict.getAttribute('data-verdict')).toBe('not-verified');
    const item = `session ${sessionId} event ${promptEvent.seq}`;
    const row = page.locator('tr[data-status="fail"][data-code="EVENT_DIGEST"]');
    expect(await row.locator('td').nth(1).textContent()).toBe(item);
    expect(await page.locator('tr[data-code="SUMS_MISMATCH"]').count()).toBe(1);
    await shot('verify-report.png');
  });

  it('saves settings and reads them back (screen, TSAs, trust, retention, policy)', async () => {
    fs.writeFileSync(
      runtimePaths(t.dataRoot).settingsPath,
      JSON.stringify({
        ...readSettings(runtimePaths(t.dataRoot).settingsPath),
        windowMs: 4000,
        retention: { auto: false },
      }),
    );
    await page.getByRole('button', { name: 'Settings' }).click();
    await page.getByLabel('Frames per second').fill('7');
    await page.getByLabel(/^Display/).fill(':5');
    await page.getByLabel('These authorities, in failover order').check();
    await page.getByLabel('TSA URLs, one per line').fill('https://tsa.example/one\nhttp://tsa.example/two');
    await page.getByLabel(/^Trust store for their certificates/).fill(trustFile);
    await page.getByLabel('Keep sessions for (days after they end)').fill('30');
    await page.getByLabel(/Fail closed/).check();
    await page.getByRole('button', { name: 'Save settings' }).click();
    await page.getByText('Saved. The engine applies them the next time it starts.').waitFor();
    const saved = readSettings(runtimePaths(t.dataRoot).settingsPath);
    expect(saved).toEqual({
      windowMs: 4000,
      onboarded: true,
      screen: { fps: 7, display: ':5' },
      tsa: { urls: ['https://tsa.example/one', 'http://tsa.example/two'], trustFile },
      retention: { auto: false, days: 30 },
      hookPolicy: 'fail-closed',
    });
    // Away and back: the form shows what the file holds.
    await page.getByRole('button', { name: 'Sessions' }).click();
    await page.getByRole('button', { name: 'Settings' }).click();
    expect(await page.getByLabel('Frames per second').inputValue()).toBe('7');
    expect(await page.getByLabel('TSA URLs, one per line').inputValue()).toBe(
      'https://tsa.example/one\nhttp://tsa.example/two',
    );
    expect(await page.getByLabel(/Fail closed/).isChecked()).toBe(true);
    // What the engine would refuse never reaches the file: the form's own bounds stop 0 days, the
    // host's schema stops a TSA that is not http(s), and says which field.
    const days = page.getByLabel('Keep sessions for (days after they end)');
    await days.fill('0');
    await page.getByRole('button', { name: 'Save settings' }).click();
    expect(await days.evaluate((el: { validity: { valid: boolean } }) => el.validity.valid)).toBe(false);
    await days.fill('30');
    await page.getByLabel('TSA URLs, one per line').fill('ftp://tsa.example/one');
    await page.getByRole('button', { name: 'Save settings' }).click();
    await page
      .getByRole('alert')
      .getByText(/settings\.tsa\.urls\.0/)
      .waitFor();
    expect(readSettings(runtimePaths(t.dataRoot).settingsPath)).toEqual(saved);
    await page.getByLabel('TSA URLs, one per line').fill('https://tsa.example/one\nhttp://tsa.example/two');
    await page.getByRole('button', { name: 'Save settings' }).click();
    await page.getByText('Saved. The engine applies them the next time it starts.').waitFor();
    expect(readSettings(runtimePaths(t.dataRoot).settingsPath)).toEqual(saved);
    await shot('settings.png');
  });

  it('pauses with a reason and resumes, and the page logged no errors', async () => {
    await page.getByRole('button', { name: 'Pause…' }).click();
    await page.getByLabel('Reason for pausing').fill('lunch break');
    await page.getByRole('button', { name: 'Pause recording' }).click();
    await page.locator('[data-recording="false"]').waitFor({ timeout: 10_000 });
    await page.getByRole('button', { name: 'Resume recording' }).click();
    await page.locator('[data-recording="true"]').waitFor({ timeout: 10_000 });
    expect(consoleErrors, consoleErrors.join('\n')).toEqual([]);
  });

  function hostOptions() {
    return {
      control: socketControl(t.info.socketPath),
      dataRoot: t.dataRoot,
      keyring: null,
      passphrase: TEST_PASSPHRASE,
      env: { HOME: home },
    };
  }
});
