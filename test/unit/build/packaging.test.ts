import fs from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { stageApp } from '../../../build/dist-app.ts';
import { REPO_ROOT } from '../../helpers/daemon-process.ts';
import { makeTempDir } from '../../helpers/temp-dir.ts';

// electron-builder's own YAML reader and schema validator (its dependencies), so the check is the one
// `npm run dist` applies before it needs the network.
const require = createRequire(import.meta.url);
const yaml = require('js-yaml') as { load(text: string): unknown };
const { validateConfiguration } = require('app-builder-lib/out/util/config/config.js') as {
  validateConfiguration: (
    config: unknown,
    logger: { isEnabled: boolean; add(k: string, v: unknown): void },
  ) => Promise<void>;
};

interface BuilderConfig {
  appId: string;
  productName: string;
  files: string[];
  asar: boolean;
  asarUnpack: string[];
  npmRebuild: boolean;
  mac: {
    target: string[];
    hardenedRuntime: boolean;
    entitlements: string;
    entitlementsInherit: string;
    icon: string;
    extendInfo: Record<string, unknown>;
  };
  win: { target: string[]; icon: string };
  nsis: { oneClick: boolean; perMachine: boolean };
  linux: { target: string[]; icon: string; maintainer: string };
}

const configText = fs.readFileSync(path.join(REPO_ROOT, 'build', 'electron-builder.yml'), 'utf8');
const config = yaml.load(configText) as BuilderConfig;

describe('electron-builder configuration (build/electron-builder.yml)', () => {
  it('passes electron-builder’s own schema validation', async () => {
    const logger = { isEnabled: false, add: () => undefined };
    await expect(validateConfiguration(config, logger)).resolves.toBeUndefined();
    // The validator is not a formality: a misspelt key fails it.
    await expect(
      validateConfiguration({ ...config, mac: { ...config.mac, hardendRuntime: true } }, logger),
    ).rejects.toThrow(/Invalid configuration object/);
  });

  it('names the app and builds dmg + zip, nsis, AppImage + deb', () => {
    expect(config).toMatchObject({ appId: 'com.agentevidence.app', productName: 'Agent Evidence', asar: true });
    expect(config.mac.target).toEqual(['dmg', 'zip']);
    expect(config.win.target).toEqual(['nsis']);
    expect(config.nsis).toMatchObject({ oneClick: false, perMachine: false });
    expect(config.linux.target).toEqual(['AppImage', 'deb']);
    expect(config.linux.maintainer).toMatch(/<.+@.+>/);
  });

  it('makes a hardened, dock-less macOS app with only the JIT exception', () => {
    expect(config.mac.hardenedRuntime).toBe(true);
    expect(config.mac.extendInfo.LSUIElement).toBe(true);
    const plist = fs.readFileSync(path.join(REPO_ROOT, config.mac.entitlements), 'utf8');
    expect(config.mac.entitlementsInherit).toBe(config.mac.entitlements);
    const keys = [...plist.matchAll(/<key>([^<]+)<\/key>/g)].map((m) => m[1]);
    expect(keys).toEqual(['com.apple.security.cs.allow-jit']);
    expect(plist).not.toMatch(/<key>com\.apple\.security\.device\.(camera|audio-input)<\/key>/);
  });

  it('unpacks native modules and ffmpeg from the asar and rebuilds for Electron', () => {
    for (const mod of ['better-sqlite3', '@lydell/node-pty', '@napi-rs/keyring', 'ffmpeg-static'])
      expect(
        config.asarUnpack.some((p) => p.startsWith(`node_modules/${mod}`)),
        mod,
      ).toBe(true);
    expect(config.npmRebuild).toBe(true);
  });

  it('packs what main loads: its code, the preload bundle, the renderer, icons and TSA roots', () => {
    for (const needed of [
      'dist/**/*.js',
      'dist/app/preload.cjs',
      'dist/hook/aev-hook.cjs',
      'bin/package.json',
      'dist/renderer/**',
      'build/icons/**',
      'build/tsa-trust/**',
    ])
      expect(config.files).toContain(needed);
    for (const icon of [config.mac.icon, config.win.icon, config.linux.icon])
      expect(fs.existsSync(path.join(REPO_ROOT, icon)), icon).toBe(true);
  });
});

describe('staging the app for electron-builder (build/dist-app.ts)', () => {
  let tmp: ReturnType<typeof makeTempDir>;
  let root: string;
  let stage: string;

  beforeAll(() => {
    tmp = makeTempDir();
    root = path.join(tmp.dir, 'repo');
    stage = path.join(tmp.dir, 'stage');
    const write = (rel: string, text = ''): void => {
      fs.mkdirSync(path.dirname(path.join(root, rel)), { recursive: true });
      fs.writeFileSync(path.join(root, rel), text);
    };
    for (const f of [
      'dist/electron/main/app-main.js',
      'dist/electron/main/app-main.js.map',
      'dist/electron/main/app-main.d.ts',
      'dist/native/screen/still-worker.js',
      'dist/renderer/index.html',
      'dist/app/preload.cjs',
      'dist/hook/aev-hook.cjs',
      'bin/aev.js',
      'bin/package.json',
      'build/icons/icon.png',
      'build/tsa-trust/root.pem',
      'build/entitlements.mac.plist',
      'package-lock.json',
    ])
      write(f);
    const pkg = JSON.parse(fs.readFileSync(path.join(REPO_ROOT, 'package.json'), 'utf8')) as Record<string, unknown>;
    write('package.json', JSON.stringify(pkg));
    // An old bundle in the repository: the staged copy must still come out no older than the modules.
    const longAgo = new Date('2001-01-01T00:00:00Z');
    fs.utimesSync(path.join(root, 'dist/hook/aev-hook.cjs'), longAgo, longAgo);
    stageApp(root, stage);
  });
  afterAll(() => {
    tmp.cleanup();
  });

  it('writes a package.json with the runtime dependencies only, so the repository’s dev tools stay out', () => {
    const staged = JSON.parse(fs.readFileSync(path.join(stage, 'package.json'), 'utf8')) as Record<string, unknown>;
    const repo = JSON.parse(fs.readFileSync(path.join(REPO_ROOT, 'package.json'), 'utf8')) as Record<string, unknown>;
    expect(staged).toMatchObject({
      main: 'dist/electron/main/app-main.js',
      type: 'module',
      productName: 'Agent Evidence',
      dependencies: repo.dependencies,
    });
    expect(staged.devDependencies).toBeUndefined();
    expect(staged.scripts).toBeUndefined();
    expect((staged.author as { email?: string }).email).toMatch(/@/);
  });

  it('copies the built app without source maps or declarations', () => {
    expect(fs.existsSync(path.join(stage, 'dist/electron/main/app-main.js'))).toBe(true);
    expect(fs.existsSync(path.join(stage, 'dist/electron/main/app-main.js.map'))).toBe(false);
    expect(fs.existsSync(path.join(stage, 'dist/electron/main/app-main.d.ts'))).toBe(false);
    expect(fs.existsSync(path.join(stage, 'build/tsa-trust/root.pem'))).toBe(true);
    expect(fs.existsSync(path.join(stage, 'package-lock.json'))).toBe(true);
  });

  it('copies the launcher with its package.json and the hook bundle after the modules it was made from', () => {
    expect(fs.existsSync(path.join(stage, 'bin/aev.js'))).toBe(true);
    expect(fs.existsSync(path.join(stage, 'bin/package.json'))).toBe(true);
    // bin/aev.js runs the bundle only while no module it was made from is newer than it.
    const bundleTime = fs.statSync(path.join(stage, 'dist/hook/aev-hook.cjs')).mtimeMs;
    expect(fs.statSync(path.join(stage, 'dist/electron/main/app-main.js')).mtimeMs).toBeLessThanOrEqual(bundleTime);
  });

  it('refuses to stage an app that was not built', () => {
    fs.rmSync(path.join(root, 'dist/app'), { recursive: true });
    expect(() => {
      stageApp(root, path.join(tmp.dir, 'stage2'));
    }).toThrow(/dist\/app is missing/);
  });
});
