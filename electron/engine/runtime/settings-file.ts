import fs from 'node:fs';
import { z } from 'zod';
import { AevError } from '../../common/errors.ts';
import { redactionSettingsSchema } from '../redact/redaction-config.ts';

/**
 * `<data root>/settings.json`: the user's persistent choices. Environment variables override it
 * (headless and tests), and it overrides the built-in defaults. Read back from disk, so validated.
 */
export const settingsSchema = z.strictObject({
  tsa: z
    .strictObject({
      /** TSA URLs in failover order; an empty list turns time-stamping off. */
      urls: z
        .array(z.url({ protocol: /^https?$/ }))
        .max(16)
        .optional(),
      /** A PEM file of TSA roots (the dedicated trust store). */
      trustFile: z.string().min(1).optional(),
    })
    .optional(),
  windowMs: z.number().int().min(200).max(600_000).optional(),
  httpPort: z.union([z.number().int().min(0).max(65_535), z.literal('off')]).optional(),
  /** The screen recorder (AEV_SCREEN_FPS and AEV_SCREEN_DISPLAY override these). */
  screen: z
    .strictObject({
      fps: z.number().int().min(1).max(60).optional(),
      /** X display (":0"), macOS screen name, or Windows output index. */
      display: z.string().min(1).max(256).optional(),
    })
    .optional(),
  /** What hooks installed from the desktop app do when the recorder is down (docs/claude-code.md). */
  hookPolicy: z.enum(['fail-open', 'fail-closed']).optional(),
  /** The desktop app's first-run steps were shown and closed. */
  onboarded: z.boolean().optional(),
  sessionIdleMinutes: z
    .number()
    .int()
    .min(1)
    .max(24 * 60)
    .optional(),
  /** docs/redaction.md: secrets replaced before storage; built-ins to disable, custom patterns (AEV_REDACTION overrides `enabled`). */
  redaction: redactionSettingsSchema.optional(),
  /** docs/retention.md: content of sessions ended more than `days` ago is purged (default 90). */
  retention: z
    .strictObject({
      days: z.number().int().min(1).max(36_500).optional(),
      /** false: nothing is purged until `aev retention apply`. */
      auto: z.boolean().optional(),
    })
    .optional(),
});
export type Settings = z.infer<typeof settingsSchema>;

export function readSettings(file: string): Settings {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return {};
    throw new AevError('E_CONFIG', `cannot read ${file}`, { file }, { cause: error });
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    throw new AevError('E_CONFIG', `${file} is not valid JSON`, { file });
  }
  const parsed = settingsSchema.safeParse(json);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new AevError(
      'E_CONFIG',
      `${file}: ${issue === undefined ? 'invalid' : `${issue.path.join('.') || '(top)'}: ${issue.message}`}`,
      { file },
    );
  }
  return parsed.data;
}
