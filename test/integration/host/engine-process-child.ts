// The engine process of the desktop app, run under plain Node for the tests: the same
// `runEngineProcess` the Electron utility entry runs, with the IPC channel of a forked child standing in
// for `process.parentPort` (both carry structured-cloned messages from and to the parent).
import { runEngineProcess } from '../../../electron/engine/host/engine-process.ts';
import type { MessageLink } from '../../../electron/engine/host/host-messages.ts';

const send = process.send?.bind(process);
if (send === undefined) throw new Error('run me with child_process.fork');
const link: MessageLink = {
  send: (message) => {
    send(message);
  },
  onMessage: (listener) => {
    process.on('message', listener);
    return () => process.off('message', listener);
  },
};
const engine = runEngineProcess({ link, env: process.env, stderr: process.stderr });
process.once('SIGTERM', () => void engine.stop());
// The parent is gone: stop cleanly, as the utility process does when main quits.
process.once('disconnect', () => void engine.stop());
process.exitCode = await engine.done;
if (process.connected) process.disconnect();
