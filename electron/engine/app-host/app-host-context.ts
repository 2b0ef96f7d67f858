import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { KeyringPort } from '../../../native/keychain/keyring.ts';
import type { ControlMethod } from '../../common/protocol/frames.ts';
import { controlRequest } from '../client/control-request.ts';
import { defaultLauncher } from '../hooks/hook-command.ts';
import { AppJobs } from './app-jobs.ts';

/** One request to the engine's control API (docs/protocol.md): a socket client in `aev ui`, the same in Electron main. */
export type ControlCaller = (
  method: ControlMethod,
  params: Readonly<Record<string, unknown>>,
  timeoutMs: number,
) => Promise<unknown>;

/** What opens the vault for in-process work (export, a new recovery passphrase). */
export interface VaultUnlock {
  readonly keyring: KeyringPort | null;
  /** Replaced when the user sets a new recovery passphrase from the app. */
  passphrase: string | undefined;
}

/**
 * Everything `serveAppCall` may use, passed in (STYLE.md: nothing reaches for globals): the control API,
 * the data root and how to unlock its vault for exports, the host's environment (hooks paths, ffmpeg for
 * clips, AEV_* overrides), and the jobs it runs.
 */
export interface AppHostContext {
  readonly control: ControlCaller;
  readonly dataRoot: string;
  readonly unlock: VaultUnlock;
  readonly env: Readonly<Record<string, string | undefined>>;
  readonly platform: NodeJS.Platform;
  /** How installed hooks start aev (`<launcher> hook`); this installation's bin/aev.js by default. */
  readonly hookLauncher: () => string;
  readonly jobs: AppJobs;
  readonly now: () => number;
  /** A private folder (0700) where a dropped bundle waits while it is verified. */
  readonly scratchDir: () => string;
  /** Removes the scratch folder (call when the host stops). */
  dispose(): void;
}

/** The control API over the engine's local socket, one short connection per call. */
export function socketControl(socketPath: string): ControlCaller {
  return (method, params, timeoutMs) => controlRequest(socketPath, method, params, timeoutMs);
}

export interface AppHostOptions {
  readonly control: ControlCaller;
  readonly dataRoot: string;
  readonly keyring: KeyringPort | null;
  readonly passphrase: string | undefined;
  readonly env: Readonly<Record<string, string | undefined>>;
  readonly platform?: NodeJS.Platform;
  readonly hookLauncher?: () => string;
  readonly now?: () => number;
}

export function createAppHostContext(o: AppHostOptions): AppHostContext {
  let scratch: string | null = null;
  return {
    control: o.control,
    dataRoot: o.dataRoot,
    unlock: { keyring: o.keyring, passphrase: o.passphrase },
    env: o.env,
    platform: o.platform ?? process.platform,
    hookLauncher: o.hookLauncher ?? (() => defaultLauncher()),
    jobs: new AppJobs(o.now ?? Date.now),
    now: o.now ?? Date.now,
    scratchDir: () => {
      // mkdtemp makes a fresh 0700 folder: no other local user can read or swap a file in it.
      scratch ??= fs.mkdtempSync(path.join(os.tmpdir(), 'aev-app-'));
      return scratch;
    },
    dispose() {
      if (scratch !== null) fs.rmSync(scratch, { recursive: true, force: true });
      scratch = null;
    },
  };
}
