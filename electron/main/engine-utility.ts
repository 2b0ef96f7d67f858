// Entry of the engine's utility process (utilityProcess.fork in engine-host.ts): the engine `aev daemon`
// runs, started by main over the parent port. Only the channel is adapted here; the rest is
// electron/engine/host/engine-process.ts, tested under Node.
import { runEngineProcess } from '../engine/host/engine-process.ts';
import type { MessageLink } from '../engine/host/host-messages.ts';

const port = process.parentPort;
const link: MessageLink = {
  send: (message) => {
    port.postMessage(message);
  },
  onMessage: (listener) => {
    const onMessage = (event: Electron.MessageEvent): void => {
      listener(event.data, event.ports);
    };
    port.on('message', onMessage);
    return () => port.off('message', onMessage);
  },
};

const engine = runEngineProcess({ link, env: process.env, stderr: process.stderr });
// child.kill() in main sends SIGTERM: stop as `aev daemon` does, acknowledged work first.
process.once('SIGTERM', () => void engine.stop());
process.exit(await engine.done);
