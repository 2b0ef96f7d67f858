import path from 'node:path';
import { ESLint } from 'eslint';
import tseslint from 'typescript-eslint';
import { describe, expect, it } from 'vitest';
import { REPO_ROOT } from '../../helpers/daemon-process.ts';

/** The layer table of DESIGN.md §3 is enforced by lint; these cases keep the rule itself honest. */
describe('layering lint', () => {
  // Probe files do not exist on disk, so type-aware rules are switched off for them; the layer rules
  // are syntactic and unaffected.
  const eslint = new ESLint({
    cwd: REPO_ROOT,
    overrideConfigFile: path.join(REPO_ROOT, 'build', 'eslint.config.js'),
    overrideConfig: [tseslint.configs.disableTypeChecked],
  });

  async function problems(file: string, code: string): Promise<string[]> {
    const [result] = await eslint.lintText(code, { filePath: path.join(REPO_ROOT, file) });
    return (result?.messages ?? []).map((m) => `${m.ruleId ?? ''}: ${m.message}`);
  }

  it.each([
    [
      'electron/common/probe.ts',
      "import { createEngine } from '../engine/create-engine.ts';\nexport const x = createEngine;\n",
      'electron/common may not import electron/engine',
    ],
    [
      'electron/engine/probe.ts',
      "import { main } from '../cli/main.ts';\nexport const x = main;\n",
      'electron/engine may not import electron/cli',
    ],
    [
      'native/probe.ts',
      "import { createEngine } from '../electron/engine/create-engine.ts';\nexport const x = createEngine;\n",
      'native may not import electron/engine',
    ],
  ])('refuses %s importing across layers', async (file, code, message) => {
    expect((await problems(file, code)).join('\n')).toContain(message);
  });

  it('refuses electron in the engine and default exports anywhere', async () => {
    expect(
      (await problems('electron/engine/probe.ts', "import { app } from 'electron';\nexport const x = app;\n")).join(
        '\n',
      ),
    ).toContain('Only electron/main and electron/preload may import electron');
    expect((await problems('electron/engine/probe.ts', 'export default 1;\n')).join('\n')).toContain(
      'No default exports',
    );
  });

  it('allows what the table allows', async () => {
    const found = await problems(
      'electron/cli/probe.ts',
      "import { createEngine } from '../engine/create-engine.ts';\nexport const x = createEngine;\n",
    );
    expect(found.filter((p) => p.startsWith('layers/'))).toEqual([]);
  });
});
