/**
 * Where a user's evidence lives, and where the daemon's endpoint is. Kept free of heavy imports:
 * `aev hook` loads this on every tool call and must start fast.
 */
import os from 'node:os';
import path from 'node:path';

type Env = Readonly<Record<string, string | undefined>>;

/** `AEV_HOME`, else the OS's per-user application-data folder. */
export function resolveDataRoot(env: Env, platform: NodeJS.Platform = process.platform, home = os.homedir()): string {
  const explicit = env.AEV_HOME;
  if (explicit !== undefined && explicit !== '') return path.resolve(explicit);
  switch (platform) {
    case 'darwin':
      return path.join(home, 'Library', 'Application Support', 'Agent Evidence');
    case 'win32':
      return path.join(env.APPDATA ?? path.join(home, 'AppData', 'Roaming'), 'Agent Evidence');
    default: {
      const xdg = env.XDG_DATA_HOME;
      return path.join(
        xdg !== undefined && path.isAbsolute(xdg) ? xdg : path.join(home, '.local', 'share'),
        'agent-evidence',
      );
    }
  }
}

export interface RuntimePaths {
  readonly dataRoot: string;
  /** 0700 folder holding the socket, the HTTP token and the lock. */
  readonly runtimeDir: string;
  readonly socketPath: string;
  readonly httpInfoPath: string;
  readonly lockPath: string;
  readonly vaultDir: string;
  readonly indexPath: string;
  readonly settingsPath: string;
  readonly missedEventsPath: string;
}

/** sun_path is 104 bytes on macOS and 108 on Linux, including the terminating NUL. */
const MAX_SOCKET_PATH = 100;

export function runtimePaths(
  dataRoot: string,
  platform: NodeJS.Platform = process.platform,
  env: Env = process.env,
): RuntimePaths {
  let runtimeDir = path.join(dataRoot, 'run');
  let socketPath: string;
  if (platform === 'win32') {
    // Named pipes live in their own namespace; one per user and data root.
    socketPath = `\\\\.\\pipe\\agent-evidence-${os.userInfo().username}-${shortHash(dataRoot)}`;
  } else {
    socketPath = path.join(runtimeDir, 'aev.sock');
    if (Buffer.byteLength(socketPath) > MAX_SOCKET_PATH) {
      // A deep data root would overflow sun_path: move the runtime folder to a short per-user path.
      runtimeDir = shortRuntimeDir(dataRoot, env);
      socketPath = path.join(runtimeDir, 'aev.sock');
    }
  }
  return {
    dataRoot,
    runtimeDir,
    socketPath,
    httpInfoPath: path.join(runtimeDir, 'http.json'),
    lockPath: path.join(dataRoot, 'daemon.lock'),
    vaultDir: path.join(dataRoot, 'vault'),
    indexPath: path.join(dataRoot, 'index.sqlite'),
    settingsPath: path.join(dataRoot, 'settings.json'),
    missedEventsPath: path.join(runtimeDir, 'missed-events.ndjson'),
  };
}

/**
 * `$XDG_RUNTIME_DIR` (XDG Base Directory spec: owned by the user, mode 0700, created at login) when it
 * is set, absolute and short enough: nobody else can create our folder there first. Otherwise the shared
 * temp folder, where another user could squat `aev-<uid>` — the engine and every client refuse a folder
 * that is not the user's own and private (docs/threat-model.md, "other local users").
 */
function shortRuntimeDir(dataRoot: string, env: Env): string {
  const xdg = env.XDG_RUNTIME_DIR;
  if (xdg !== undefined && path.isAbsolute(xdg)) {
    const dir = path.join(xdg, 'agent-evidence', shortHash(dataRoot));
    if (Buffer.byteLength(path.join(dir, 'aev.sock')) <= MAX_SOCKET_PATH) return dir;
  }
  return path.join(os.tmpdir(), `aev-${String(process.getuid?.() ?? 0)}`, shortHash(dataRoot));
}

/**
 * FNV-1a (64-bit) of the path, as 16 hex digits: only names a folder, so it needs no cryptographic
 * strength, and avoiding node:crypto keeps `aev hook`'s start-up ~10 ms shorter.
 */
function shortHash(value: string): string {
  let h = 0xcbf29ce484222325n;
  for (const byte of Buffer.from(value, 'utf8')) {
    h ^= BigInt(byte);
    h = (h * 0x100000001b3n) & 0xffffffffffffffffn;
  }
  return h.toString(16).padStart(16, '0');
}
