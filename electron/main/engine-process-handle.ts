import { utilityProcess } from 'electron';
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
