import path from 'node:path';
import { createEngine } from '../../electron/engine/create-engine.ts';
import type { Engine, EngineStartInfo } from '../../electron/engine/create-engine.ts';
import type { EngineConfig } from '../../electron/engine/engine-config.ts';
import { TEST_PASSPHRASE } from './daemon-process.ts';
import { makeTempDir } from './temp-dir.ts';

export interface TestEngine {
  readonly engine: Engine;
  readonly info: EngineStartInfo;
  readonly dataRoot: string;
  /** Stops the engine (if running) and removes its data root. */
  dispose(): Promise<void>;
}

/** A real engine in this process: real socket, real SQLite file, real vault in a temp data root. */
export async function startTestEngine(overrides: Partial<EngineConfig> = {}): Promise<TestEngine> {
  const tmp = makeTempDir();
  const dataRoot = path.join(tmp.dir, 'data');
  const engine = createEngine({
    dataRoot,
    passphrase: TEST_PASSPHRASE,
    createVault: true,
    scryptLogN: 14,
    httpPort: 0,
    keyring: null,
    screen: null,
    ...overrides,
  });
  const info = await engine.start();
  return {
    engine,
    info,
    dataRoot,
    async dispose() {
      await engine.stop();
      tmp.cleanup();
    },
  };
}
