import { utilityProcess } from 'electron';
import type { MessagePortMain } from 'electron';
import type { EngineProcessHandle } from '../engine/host/hosted-engine.ts';
import { APP_PATHS } from './app-paths.ts';

/**
 * Forks the engine's utility process. Its environment is main's (settings such as AEV_TSA_URLS apply as
 * they do to `aev daemon`); secrets go over the parent port only (host-messages.ts).
 */
export function forkEngineProcess(): EngineProcessHandle {
  const child = utilityProcess.fork(APP_PATHS.engineEntry, [], {
    serviceName: 'Agent Evidence engine',
    stdio: 'inherit',
    // The app records with its Chromium capture page (DESIGN.md §4) unless AEV_CAPTURE says otherwise;
    // the page's bytes come over a MessagePort, so the loopback page server stays off.
    env: {
      ...process.env,
      AEV_CAPTURE: process.env.AEV_CAPTURE ?? 'chromium',
      AEV_CAPTURE_PORT: process.env.AEV_CAPTURE_PORT ?? 'off',
    },
  });
  const exited = new Promise<number | null>((resolve) => {
    child.once('exit', (code) => {
      resolve(code);
    });
  });
  return {
    exited,
    // Only when a clean stop timed out: child.kill() would send SIGTERM again.
    kill: () => {
      if (child.pid !== undefined) process.kill(child.pid, 'SIGKILL');
    },
    sendCapturePort: (port) => {
      child.postMessage({ type: 'capture-port' }, [port as MessagePortMain]);
    },
    link: {
      send: (message) => {
        child.postMessage(message);
      },
      onMessage: (listener) => {
        child.on('message', listener);
        return () => child.off('message', listener);
      },
    },
  };
}
