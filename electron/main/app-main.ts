// Electron main (DESIGN.md §3): lifecycle, tray, windows, the engine host and the one IPC handler. Kept
// thin on purpose — Electron cannot run in this project's tests — so every decision it acts on lives in
// electron/engine/host/ with tests under Node (docs/desktop-app.md).
import { app } from 'electron';
import type { TrayAction } from '../engine/host/tray-menu.ts';
import { noticesBetween } from '../engine/host/recording-notices.ts';
import { trayView } from '../engine/host/tray-view.ts';
import type { EngineLink, TrayView } from '../engine/host/tray-view.ts';
import { EngineSupervisor } from '../engine/host/engine-supervisor.ts';
import { createAppHostContext, socketControl } from '../engine/app-host/app-host-context.ts';
import type { AppHostContext } from '../engine/app-host/app-host-context.ts';
import { serveAppCall } from '../engine/app-host/serve-app-call.ts';
import { assertNever } from '../common/errors.ts';
import type { Result } from '../common/result.ts';
import { fail } from '../common/result.ts';
import { resolveDataRoot } from '../engine/runtime/data-root.ts';
import { streamLogger } from '../engine/runtime/logger.ts';
import { handleAppCalls } from './app-ipc.ts';
import { registerAppScheme, serveAppScheme } from './app-protocol.ts';
import { hardenSessions } from './app-security.ts';
import { AppTray } from './app-tray.ts';
import { AppWindows } from './app-windows.ts';
import { CaptureWindow } from './capture-window.ts';
import { forkEngineProcess } from './engine-process-handle.ts';
import type { EngineProcessHandle } from '../engine/host/hosted-engine.ts';
import { Prompts } from './prompts.ts';
import { appKeyring } from './safe-storage-keyring.ts';

const APP_ID = 'com.agentevidence.app';

// Before `ready`, synchronously: privileged schemes and the single-instance lock.
registerAppScheme();
if (!app.requestSingleInstanceLock()) {
  app.quit();
} else {
  await run();
}

async function run(): Promise<void> {
  const logger = streamLogger((line) => process.stderr.write(line));
  const windows = new AppWindows();
  const prompts = new Prompts();
  // A second launch (from the dock, start menu or a terminal) opens the window of the running instance.
  app.on('second-instance', () => {
    windows.open('sessions');
  });
  // The app lives in the tray: closing every window does not quit it.
  app.on('window-all-closed', () => undefined);
  if (process.platform === 'win32') app.setAppUserModelId(APP_ID); // notifications need it on Windows

  await app.whenReady();
  // No dock icon on macOS (LSUIElement in the packaged Info.plist; this covers `electron .`).
  if (process.platform === 'darwin') app.dock?.hide();
  hardenSessions();
  serveAppScheme(prompts);

  const dataRoot = resolveDataRoot(process.env);
  const keyring = await appKeyring();
  // The app host (app-api calls that run in main: export, verify, settings, hooks) for the current engine.
  let host: AppHostContext | null = null;
  let hostSocket: string | null = null;
  let pausedReason: string | null = null;
  let view: TrayView | null = null;

  const call = (method: Parameters<typeof serveAppCall>[0], params: unknown): Promise<Result<unknown>> =>
    host === null
      ? Promise.resolve(fail('E_DAEMON_UNREACHABLE', 'the engine is not running'))
      : serveAppCall(method, params, host);

  const tray = new AppTray((action) => void onAction(action));
  // The engine process the app forked last, and whether its capture page is open.
  const capture = new CaptureWindow();
  let forked: EngineProcessHandle | null = null;
  let captureFor: EngineProcessHandle | null = null;
  const supervisor = new EngineSupervisor({
    dataRoot,
    keyring,
    fork: () => {
      forked = forkEngineProcess();
      return forked;
    },
    logger,
    askPassphrase: async (ask, error) => {
      const answer = await prompts.ask(ask === 'new' ? 'new-passphrase' : 'passphrase', error);
      return answer?.kind === 'passphrase' ? answer.passphrase : null;
    },
    onLink: (link: EngineLink) => {
      if (link.state === 'connected' && link.status.recording) pausedReason = null;
      const next = trayView(link, Date.now(), pausedReason);
      for (const notice of noticesBetween(view, next)) tray.notify(notice);
      view = next;
      tray.render(next);
      if (link.state === 'connected' && supervisor.hosted && forked !== null && captureFor !== forked) {
        captureFor = forked;
        capture.open(forked);
      }
      const socketPath = supervisor.socketPath;
      if (link.state === 'connected' && socketPath !== null && socketPath !== hostSocket) {
        host?.dispose();
        hostSocket = socketPath;
        host = createAppHostContext({
          control: socketControl(socketPath),
          dataRoot,
          keyring,
          passphrase: supervisor.passphrase,
          env: process.env,
        });
      }
    },
  });

  async function onAction(action: TrayAction): Promise<void> {
    switch (action) {
      case 'pause': {
        const answer = await prompts.ask('pause');
        if (answer?.kind !== 'pause') return;
        const r = await call('pause', { reason: answer.reason });
        if (r.ok) pausedReason = answer.reason;
        else tray.notify({ kind: 'failed', title: 'Could not pause', body: r.message });
        return;
      }
      case 'resume': {
        const r = await call('resume', {});
        if (!r.ok) tray.notify({ kind: 'failed', title: 'Could not resume', body: r.message });
        return;
      }
      case 'open-sessions':
        windows.open('sessions');
        return;
      case 'export':
      case 'verify':
      case 'settings':
        windows.open(action);
        return;
      case 'retry':
        await supervisor.connect();
        return;
      case 'quit':
        app.quit();
        return;
      default:
        assertNever(action, 'tray action');
    }
  }

  handleAppCalls((c) => call(c.method, c.params));

  // Quitting stops a hosted engine cleanly first (acknowledged events written, windows sealed).
  let quitting = false;
  app.on('before-quit', (event) => {
    if (quitting) return;
    quitting = true;
    event.preventDefault();
    host?.dispose();
    capture.close();
    void supervisor
      .stop()
      .catch((error: unknown) => {
        logger.error('the engine did not stop cleanly', { error: String(error) });
      })
      .finally(() => {
        tray.destroy();
        app.quit();
      });
  });

  await supervisor.connect();
}
