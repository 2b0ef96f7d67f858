import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { AevError } from '../../common/errors.ts';
import type { AppParams } from '../../common/ipc/app-api.ts';
import type { AppSettings, SettingsView } from '../../common/ipc/app-views.ts';
import { DEFAULT_SCREEN } from '../engine-config.ts';
import { DEFAULT_RETENTION_DAYS } from '../retention/retention-policy.ts';
import { runtimePaths } from '../runtime/data-root.ts';
import { readSettings, settingsSchema } from '../runtime/settings-file.ts';
import type { Settings } from '../runtime/settings-file.ts';
import { DEFAULT_TSAS } from '../tsa/default-tsas.ts';
import { writeDurableFile } from '../vault/durable-file.ts';
import type { AppHostContext } from './app-host-context.ts';

/**
 * What of settings.json the app edits: whole keys, or (for groups) the members named. Everything else
 * (windowMs, httpPort, retention.auto…) is kept as the file has it.
 */
const EDITABLE: Readonly<Partial<Record<keyof Settings & keyof AppSettings, readonly string[] | null>>> = {
  screen: ['fps', 'display'],
  tsa: ['urls', 'trustFile'],
  retention: ['days'],
  hookPolicy: null,
  onboarded: null,
};

/** Environment variables that win over settings.json for the fields the app shows (engine-env.ts precedence). */
const OVERRIDES = ['AEV_SCREEN_FPS', 'AEV_SCREEN_DISPLAY', 'AEV_TSA_URLS', 'AEV_TSA_TRUST', 'AEV_RETENTION_DAYS'];

export function settingsView(ctx: AppHostContext): SettingsView {
  const file = runtimePaths(ctx.dataRoot).settingsPath;
  const saved = readSettings(file);
  const settings: AppSettings = Object.fromEntries(
    Object.entries(EDITABLE).flatMap(([key, members]) => {
      const value: unknown = saved[key as keyof Settings];
      if (value === undefined) return [];
      if (members === null || typeof value !== 'object') return [[key, value]];
      const picked = Object.entries(value as Readonly<Record<string, unknown>>).filter(([m]) => members.includes(m));
      return picked.length === 0 ? [] : [[key, Object.fromEntries(picked)]];
    }),
  );
  return {
    file,
    settings,
    defaults: {
      fps: DEFAULT_SCREEN.fps,
      display: null,
      tsaUrls: DEFAULT_TSAS.map((t) => t.url),
      retentionDays: DEFAULT_RETENTION_DAYS,
      hookPolicy: 'fail-open',
    },
    overriddenBy: OVERRIDES.filter((name) => (ctx.env[name] ?? '') !== ''),
    defaultExportDir: exportDir(ctx),
  };
}

function exportDir(ctx: AppHostContext): string {
  const home = ctx.env.HOME ?? ctx.env.USERPROFILE ?? os.homedir();
  const downloads = path.join(home, 'Downloads');
  return fs.existsSync(downloads) ? downloads : home;
}

/**
 * Replaces the editable part of <data root>/settings.json with `next` (an absent field goes back to its
 * default), keeps every other key, checks the result with the engine's own schema (the file is read back
 * by the engine at start, so it must never hold what the engine would refuse) and writes it durably, 0600.
 */
export async function saveSettings(ctx: AppHostContext, params: AppParams<'setSettings'>): Promise<SettingsView> {
  const file = runtimePaths(ctx.dataRoot).settingsPath;
  const next: Record<string, unknown> = { ...readSettings(file) };
  const given: Readonly<Record<string, unknown>> = params.settings;
  for (const [key, members] of Object.entries(EDITABLE)) {
    const old: unknown = next[key];
    const value = given[key];
    if (members === null || typeof old !== 'object' || old === null) {
      next[key] = value;
      continue;
    }
    // A group keeps the members the app does not edit.
    const others = Object.fromEntries(Object.entries(old).filter(([m]) => !members.includes(m)));
    next[key] = { ...others, ...(typeof value === 'object' && value !== null ? value : {}) };
  }
  const merged = settingsSchema.safeParse(pruned(next));
  if (!merged.success) {
    const issue = merged.error.issues[0];
    throw new AevError(
      'E_CONFIG',
      `the settings were not saved: ${issue === undefined ? 'invalid' : `${issue.path.join('.')}: ${issue.message}`}`,
    );
  }
  await writeDurableFile(file, Buffer.from(`${JSON.stringify(merged.data, null, 2)}\n`, 'utf8'));
  return settingsView(ctx);
}

/** Drops unset keys and empty groups, so clearing every field of a group leaves no `{}` behind. */
function pruned(s: Readonly<Record<string, unknown>>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(s)) {
    if (v === undefined) continue;
    if (typeof v === 'object' && v !== null && !Array.isArray(v) && Object.values(v).every((x) => x === undefined))
      continue;
    out[k] = v;
  }
  return out;
}
