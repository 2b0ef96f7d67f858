import fs from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildPreload } from '../../../build/build-app.ts';
import { APP_METHODS } from '../../../electron/common/ipc/app-api.ts';
import {
  APP_BRIDGE_GLOBAL,
  APP_IPC_CHANNEL,
  CAPTURE_PORT_CHANNEL,
  CAPTURE_PORT_WINDOW_MESSAGE,
} from '../../../electron/common/ipc/app-bridge.ts';
import { makeTempDir } from '../../helpers/temp-dir.ts';

let tmp: ReturnType<typeof makeTempDir>;
let code: string;

beforeAll(async () => {
  tmp = makeTempDir();
  code = fs.readFileSync(await buildPreload(tmp.dir), 'utf8');
}, 120_000);
afterAll(() => {
  tmp.cleanup();
});

/**
 * Runs the built preload the way a sandboxed renderer does: CommonJS, with a `require` that knows only
 * `electron`. The `electron` given here records what the preload does with it (the Electron binary cannot
 * run in these tests); the bundle itself is the real build output.
 */
interface Sandboxed {
  required: string[];
  exposed: Map<string, unknown>;
  invoked: unknown[][];
  /** ipcRenderer.on listeners by channel. */
  listeners: Map<string, (event: { ports: unknown[] }) => void>;
  /** What the preload posted to its window. */
  posted: unknown[][];
}

function runSandboxed(): Sandboxed {
  const required: string[] = [];
  const exposed = new Map<string, unknown>();
  const invoked: unknown[][] = [];
  const listeners = new Map<string, (event: { ports: unknown[] }) => void>();
  const posted: unknown[][] = [];
  const window = {
    postMessage: (...args: unknown[]) => {
      posted.push(args);
    },
  };
  const electron = {
    contextBridge: {
      exposeInMainWorld: (key: string, value: unknown) => {
        exposed.set(key, value);
      },
    },
    ipcRenderer: {
      invoke: (...args: unknown[]) => {
        invoked.push(args);
        return Promise.resolve({ ok: true, value: null });
      },
      on: (channel: string, listener: (event: { ports: unknown[] }) => void) => {
        listeners.set(channel, listener);
      },
    },
  };
  const module = { exports: {} };
  const sandboxRequire = (name: string): unknown => {
    required.push(name);
    if (name === 'electron') return electron;
    throw new Error(`a sandboxed preload cannot require ${name}`);
  };
  // eslint-disable-next-line @typescript-eslint/no-implied-eval -- evaluating the build output is the test
  const load = new Function('require', 'module', 'exports', 'window', code) as (
    require: (name: string) => unknown,
    module: { exports: unknown },
    exports: unknown,
    window: unknown,
  ) => void;
  load(sandboxRequire, module, module.exports, window);
  return { required, exposed, invoked, listeners, posted };
}

describe('the preload bundle (dist/app/preload.cjs)', () => {
  it('is one CommonJS file that requires nothing but electron', () => {
    expect(code).not.toMatch(/^\s*(import|export)\s/m);
    expect(runSandboxed().required).toEqual(['electron']);
  });

  it('exposes exactly the app API, one function per method, on window.aev', () => {
    const { exposed } = runSandboxed();
    expect([...exposed.keys()]).toEqual([APP_BRIDGE_GLOBAL]);
    const api = exposed.get(APP_BRIDGE_GLOBAL) as Record<string, unknown>;
    expect(Object.keys(api).sort()).toEqual([...APP_METHODS].sort());
    for (const method of APP_METHODS) expect(typeof api[method]).toBe('function');
  });

  it('sends each call as (method, params) on the one channel, untouched', async () => {
    const { exposed, invoked } = runSandboxed();
    const api = exposed.get(APP_BRIDGE_GLOBAL) as Record<string, (p: unknown) => Promise<unknown>>;
    await expect(api.pause?.({ reason: 'lunch' })).resolves.toEqual({ ok: true, value: null });
    await api.status?.({});
    expect(invoked).toEqual([
      [APP_IPC_CHANNEL, 'pause', { reason: 'lunch' }],
      [APP_IPC_CHANNEL, 'status', {}],
    ]);
  });

  it("listens on the capture-port channel only, and re-posts main's port to its own page", () => {
    const { listeners, posted } = runSandboxed();
    expect([...listeners.keys()]).toEqual([CAPTURE_PORT_CHANNEL]);
    const port = { a: 'MessagePort' };
    listeners.get(CAPTURE_PORT_CHANNEL)?.({ ports: [port] });
    expect(posted).toEqual([[{ type: CAPTURE_PORT_WINDOW_MESSAGE }, '*', [port]]]);
  });
});
