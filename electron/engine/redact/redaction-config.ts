import { z } from 'zod';
import { AevError } from '../../common/errors.ts';
import { BUILTIN_IDS, BUILTIN_PATTERNS, SECRET_FIELD_ID } from './builtin-patterns.ts';
import { compileLinear, linearCompileProblem } from './linear-regexp.ts';
import type { RedactionPattern } from './redaction-pattern.ts';
import { redactionMarker } from './redaction-pattern.ts';
import { Redactor } from './redactor.ts';

/** Bounds on what settings.json may ask for: every pattern costs time on every payload string. */
export const MAX_CUSTOM_PATTERNS = 32;
export const MAX_PATTERN_SOURCE = 1024;
export const MAX_REPLACEMENT = 128;

export interface CustomPatternSpec {
  /** Lower-case letters, digits and dashes; names the pattern in `[REDACTED:<id>]` and summaries. */
  readonly id: string;
  readonly regex: string;
  /** `m` and/or `s` (the linear-time engine has no `i` or `u`). */
  readonly flags?: string | undefined;
  /** Literal text put in place of the match; default `[REDACTED:<id>]`. */
  readonly replacement?: string | undefined;
}

export interface RedactionConfig {
  readonly enabled: boolean;
  /** Built-in pattern ids to leave out. */
  readonly disable: readonly string[];
  readonly patterns: readonly CustomPatternSpec[];
}

export const DEFAULT_REDACTION: RedactionConfig = { enabled: true, disable: [], patterns: [] };

const customPatternSchema = z.strictObject({
  id: z.string().regex(/^[a-z0-9][a-z0-9-]{0,62}$/, 'an id is 1-63 lower-case letters, digits and dashes'),
  regex: z.string().min(1).max(MAX_PATTERN_SOURCE),
  flags: z
    .string()
    .regex(/^(?:m|s|ms|sm)?$/, 'flags may only be "m" and "s" (the linear-time engine has no i or u)')
    .optional(),
  replacement: z
    .string()
    .min(1)
    .max(MAX_REPLACEMENT)
    .regex(/^[^\p{Cc}]*$/u, 'a replacement may not hold control characters')
    .optional(),
});

/** `redaction` in settings.json (docs/redaction.md); patterns are compiled while the file is read. */
export const redactionSettingsSchema = z
  .strictObject({
    enabled: z.boolean().optional(),
    disable: z.array(z.string()).max(BUILTIN_IDS.length).optional(),
    patterns: z.array(customPatternSchema).max(MAX_CUSTOM_PATTERNS).optional(),
  })
  .superRefine((value, ctx) => {
    const problem = redactionConfigProblem({
      enabled: value.enabled ?? true,
      disable: value.disable ?? [],
      patterns: value.patterns ?? [],
    });
    if (problem !== null) ctx.addIssue({ code: 'custom', path: [...problem.path], message: problem.message });
  });
export type RedactionSettings = z.infer<typeof redactionSettingsSchema>;

/** settings.json's section (and AEV_REDACTION) as the engine's config; the environment wins. */
export function redactionConfigFrom(settings: RedactionSettings | undefined, env: string | undefined): RedactionConfig {
  if (env !== undefined && env !== '' && env !== 'on' && env !== 'off')
    throw new AevError('E_CONFIG', `AEV_REDACTION must be "on" or "off", not ${JSON.stringify(env)}`);
  return {
    enabled: env === 'off' ? false : env === 'on' ? true : (settings?.enabled ?? true),
    disable: settings?.disable ?? [],
    patterns: settings?.patterns ?? [],
  };
}

interface Problem {
  readonly path: readonly (string | number)[];
  readonly message: string;
}

/** The first thing wrong with a configuration, naming the pattern; null when it is usable. */
export function redactionConfigProblem(config: RedactionConfig): Problem | null {
  for (const [i, id] of config.disable.entries()) {
    if (!BUILTIN_IDS.includes(id))
      return {
        path: ['disable', i],
        message: `no built-in pattern "${id}" (they are: ${BUILTIN_IDS.join(', ')})`,
      };
  }
  if (config.patterns.length > MAX_CUSTOM_PATTERNS)
    return { path: ['patterns'], message: `at most ${String(MAX_CUSTOM_PATTERNS)} custom patterns` };
  const seen = new Set<string>();
  for (const [i, p] of config.patterns.entries()) {
    if (BUILTIN_IDS.includes(p.id))
      return { path: ['patterns', i, 'id'], message: `pattern "${p.id}": a built-in pattern has that id` };
    if (seen.has(p.id)) return { path: ['patterns', i, 'id'], message: `pattern "${p.id}" is defined twice` };
    seen.add(p.id);
    if (p.regex.length > MAX_PATTERN_SOURCE)
      return {
        path: ['patterns', i, 'regex'],
        message: `pattern "${p.id}": longer than ${String(MAX_PATTERN_SOURCE)}`,
      };
    let regex: RegExp;
    try {
      regex = compileLinear(p.regex, p.flags ?? '');
    } catch (error) {
      return { path: ['patterns', i, 'regex'], message: `pattern "${p.id}": ${linearCompileProblem(error)}` };
    }
    if (regex.test('')) return { path: ['patterns', i, 'regex'], message: `pattern "${p.id}" matches empty text` };
  }
  return null;
}

/**
 * The redactor a configuration asks for, or null when redaction is off. Custom patterns come first: a
 * user's own pattern names what it finds even where a built-in would have found it too.
 */
export function createRedactor(config: RedactionConfig): Redactor | null {
  if (!config.enabled) return null;
  const problem = redactionConfigProblem(config);
  if (problem !== null)
    throw new AevError('E_CONFIG', `redaction.${problem.path.join('.')}: ${problem.message}`, {
      path: problem.path.join('.'),
    });
  const custom: RedactionPattern[] = config.patterns.map((p) => ({
    id: p.id,
    regex: compileLinear(p.regex, p.flags ?? ''),
    replacement: p.replacement ?? redactionMarker(p.id),
  }));
  const disabled = new Set(config.disable);
  return new Redactor([...custom, ...BUILTIN_PATTERNS.filter((p) => !disabled.has(p.id))], {
    secretFields: !disabled.has(SECRET_FIELD_ID),
    ...(custom.length > 0 ? { minLength: 1 } : {}),
  });
}
