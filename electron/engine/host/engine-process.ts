import type { Writable } from 'node:stream';
import { toErrorBody } from '../../common/errors.ts';
import { createEngine } from '../create-engine.ts';
import type { Engine } from '../create-engine.ts';
import type { CapturePagePort } from '../capture/chromium-page-port.ts';
import { streamLogger } from '../runtime/logger.ts';
import { ChannelKeyring } from './channel-keyring.ts';
import { engineEnv, engineInputFrom } from './engine-env.ts';
import { toEngineSchema } from './host-messages.ts';
import type { MessageLink, ToEngine } from './host-messages.ts';

export interface EngineProcessOptions {
  readonly link: MessageLink;
  /** The process environment (settings, TSA, screen): the same variables `aev daemon` reads. */
  readonly env: Readonly<Record<string, string | undefined>>;
  readonly stderr: Writable;
}

export interface EngineProcess {
  /** Resolves with the exit code once the engine stopped (or failed to start). */
  readonly done: Promise<number>;
  /** A clean stop, as SIGTERM gives `aev daemon`: everything acknowledged is written first. */
  stop(): Promise<void>;
}

type StartMessage = Extract<ToEngine, { type: 'start' }>;

/**
 * The engine process of the desktop app (DESIGN.md §3: the engine runs in an Electron utility process):
 * waits for main's `start`, starts the same engine `aev daemon` starts, from the same environment and
 * settings (`engineEnv` + `engineInputFrom`), with the app's keyring reached over the parent channel and
 * the passphrase, when main has one, from that channel too. Reports `ready` or `failed` with a coded error.
 */
export function runEngineProcess(opts: EngineProcessOptions): EngineProcess {
  const { link } = opts;
  const logger = streamLogger((line) => opts.stderr.write(line));
  let engine: Engine | null = null;
  let stopping: Promise<void> | null = null;
  let finish: (code: number) => void = () => undefined;
  const done = new Promise<number>((resolve) => {
    finish = resolve;
  });

  const stop = (): Promise<void> => {
    stopping ??= (async () => {
      try {
        detachCapture?.();
        await engine?.stop();
        link.send({ type: 'stopped' });
        finish(0);
      } catch (error) {
        logger.error('error while stopping', { error: error instanceof Error ? error.message : String(error) });
        finish(1);
      }
    })();
    return stopping;
  };

  let started = false;
  // The capture page's port (Chromium backend): a reloaded capture window sends a new one.
  let detachCapture: (() => void) | null = null;
  const attachCapture = (port: unknown): void => {
    if (engine === null || !isCapturePagePort(port)) {
      logger.warn('ignored a capture port: no engine, or not a MessagePort');
      return;
    }
    detachCapture?.();
    try {
      detachCapture = engine.attachCapturePage(port);
    } catch (error) {
      detachCapture = null;
      port.close();
      logger.warn('the capture page was not attached', {
        error: error instanceof Error ? error.message : String(error),
      });
    }
  };
  link.onMessage((message, ports) => {
    const parsed = toEngineSchema.safeParse(message);
    if (!parsed.success) {
      logger.warn('ignored a malformed message from main');
      return;
    }
    if (parsed.data.type === 'stop') {
      void stop();
    } else if (parsed.data.type === 'start' && !started) {
      started = true;
      void start(parsed.data);
    } else if (parsed.data.type === 'capture-port') {
      attachCapture(ports?.[0]);
    }
  });

  const start = async (msg: StartMessage): Promise<void> => {
    const keyring = msg.keyring === null ? null : new ChannelKeyring(link, msg.keyring);
    const vars = { ...opts.env, AEV_HOME: msg.dataRoot };
    try {
      const env = await engineEnv({ env: vars, stderr: opts.stderr }, () => Promise.resolve(keyring));
      engine = createEngine(engineInputFrom(env, msg.passphrase ?? env.passphrase, logger, vars));
      const info = await engine.start();
      if (stopping !== null) return;
      link.send({
        type: 'ready',
        socketPath: info.socketPath,
        pid: process.pid,
        createdVault: info.createdVault,
        previousStopUnclean: info.previousStopUnclean,
      });
    } catch (error) {
      engine = null;
      logger.error('the engine did not start', { error: error instanceof Error ? error.message : String(error) });
      link.send({ type: 'failed', ...toErrorBody(error) });
      finish(1);
    }
  };

  return { done, stop };
}

function isCapturePagePort(value: unknown): value is CapturePagePort {
  const p = value as Partial<Record<keyof CapturePagePort, unknown>> | null;
  return (
    typeof p === 'object' &&
    p !== null &&
    typeof p.postMessage === 'function' &&
    typeof p.on === 'function' &&
    typeof p.start === 'function' &&
    typeof p.close === 'function'
  );
}
