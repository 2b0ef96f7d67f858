import path from 'node:path';
import { ESLint } from 'eslint';
import tseslint from 'typescript-eslint';
import { describe, expect, it } from 'vitest';
import { REPO_ROOT } from '../../helpers/daemon-process.ts';

/** The desktop app's layers (DESIGN.md §3): main and preload, as the lint enforces them. */
describe('layering lint for Electron main and preload', () => {
  const eslint = new ESLint({
    cwd: REPO_ROOT,
    overrideConfigFile: path.join(REPO_ROOT, 'build', 'eslint.config.js'),
    overrideConfig: [tseslint.configs.disableTypeChecked],
  });

  async function problems(file: string, code: string): Promise<string> {
    const [result] = await eslint.lintText(code, { filePath: path.join(REPO_ROOT, file) });
    return (result?.messages ?? []).map((m) => `${m.ruleId ?? ''}: ${m.message}`).join('\n');
  }

  it.each([
    [
      'electron/engine/probe.ts',
      "import { x } from '../main/app-main.ts';",
      'electron/engine may not import electron/main',
    ],
    [
      'electron/common/probe.ts',
      "import { x } from '../preload/preload.ts';",
      'electron/common may not import electron/preload',
    ],
    ['electron/cli/probe.ts', "import { x } from '../main/app-tray.ts';", 'electron/cli may not import electron/main'],
    ['electron/main/probe.ts', "import { x } from '../cli/main.ts';", 'electron/main may not import electron/cli'],
    [
      'electron/preload/probe.ts',
      "import { x } from '../engine/host/tray-view.ts';",
      'electron/preload may not import electron/engine',
    ],
    [
      'electron/preload/probe.ts',
      "import { x } from '../main/app-ipc.ts';",
      'electron/preload may not import electron/main',
    ],
    [
      'renderer/src/probe.ts',
      "import { x } from '../../electron/main/app-main.ts';",
      'renderer may not import electron/main',
    ],
  ])('refuses %s: %s', async (file, code, message) => {
    expect(await problems(file, `${code}\nexport const y = x;\n`)).toContain(message);
  });

  it('keeps Node out of the sandboxed preload', async () => {
    for (const mod of ['node:fs', 'path', 'child_process', 'node:worker_threads'])
      expect(await problems('electron/preload/probe.ts', `import x from '${mod}';\nexport const y = x;\n`)).toContain(
        'The preload runs sandboxed: no Node modules.',
      );
  });

  it('allows raw ipcMain only in the one handler file', async () => {
    const code = "import { ipcMain } from 'electron';\nexport const y = ipcMain;\n";
    expect(await problems('electron/main/probe.ts', code)).toContain(
      'Renderer calls go through electron/main/app-ipc.ts',
    );
    expect(await problems('electron/main/app-ipc.ts', code)).not.toContain('no-restricted-imports');
  });

  it('allows what the table allows: main → engine, native, common, electron; preload → common, electron', async () => {
    const main = await problems(
      'electron/main/probe.ts',
      "import { app } from 'electron';\nimport { a } from '../engine/host/tray-view.ts';\nimport { b } from '../../native/keychain/keyring.ts';\nimport { c } from '../common/errors.ts';\nexport const y = [app, a, b, c];\n",
    );
    expect(main).not.toMatch(/layers\/|no-restricted-imports/);
    const preload = await problems(
      'electron/preload/probe.ts',
      "import { contextBridge } from 'electron';\nimport { APP_METHODS } from '../common/ipc/app-api.ts';\nexport const y = [contextBridge, APP_METHODS];\n",
    );
    expect(preload).not.toMatch(/layers\/|no-restricted-imports/);
  });
});
