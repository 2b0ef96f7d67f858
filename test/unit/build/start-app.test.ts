import fs from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { installedElectronBinary, unpackedExecutable } from '../../../build/start-app.ts';
import { makeTempDir } from '../../helpers/temp-dir.ts';

describe('npm start (build/start-app.ts)', () => {
  const tmp = makeTempDir('aev-start-');
  afterAll(() => {
    tmp.cleanup();
  });

  it('finds the Electron binary only when npm downloaded it (path.txt and the file both there)', () => {
    const root = path.join(tmp.dir, 'root');
    const electron = path.join(root, 'node_modules', 'electron');
    fs.mkdirSync(path.join(electron, 'dist'), { recursive: true });
    expect(installedElectronBinary(root)).toBeNull(); // as on a machine with ELECTRON_SKIP_BINARY_DOWNLOAD
    fs.writeFileSync(path.join(electron, 'path.txt'), 'electron');
    expect(installedElectronBinary(root)).toBeNull(); // named but absent: an interrupted download
    fs.writeFileSync(path.join(electron, 'dist', 'electron'), '');
    expect(installedElectronBinary(root)).toBe(path.join(electron, 'dist', 'electron'));
  });

  it("finds the unpacked app's executable for each platform's electron-builder layout", () => {
    const packages = path.join(tmp.dir, 'packages');
    expect(unpackedExecutable(packages, 'linux')).toBeNull();
    const linux = path.join(packages, 'linux-unpacked', 'agent-evidence');
    const win = path.join(packages, 'win-unpacked', 'Agent Evidence.exe');
    const mac = path.join(packages, 'mac-arm64', 'Agent Evidence.app', 'Contents', 'MacOS', 'Agent Evidence');
    for (const f of [linux, win, mac]) {
      fs.mkdirSync(path.dirname(f), { recursive: true });
      fs.writeFileSync(f, '');
    }
    expect(unpackedExecutable(packages, 'linux')).toBe(linux);
    expect(unpackedExecutable(packages, 'win32')).toBe(win);
    expect(unpackedExecutable(packages, 'darwin')).toBe(mac);
  });
});
