import { createHash } from 'node:crypto';
import type { RedactionStatement } from '../../common/model/chain.ts';
import { canonicalJson } from '../seal/canonical-json.ts';
import { BUILTIN_PATTERNS } from './builtin-patterns.ts';
import type { RedactionConfig } from './redaction-config.ts';

/**
 * The version of the built-in pattern set. Bump it whenever a built-in pattern, its acceptance rule or
 * the key-name rule changes: sealed records name it, so an auditor can tell which set was in force.
 * test/unit/engine/redact/redaction-statement.test.ts pins the sources of each version.
 */
export const BUILTIN_SET_VERSION = 'v1';

/** SHA-256 over the built-in patterns' ids, sources and flags, in precedence order. */
export function builtinSetDigest(): string {
  const set = BUILTIN_PATTERNS.map((p) => ({ id: p.id, regex: p.regex.source, flags: p.regex.flags }));
  return createHash('sha256').update(canonicalJson(set)).digest('hex');
}

/**
 * What the configuration hashes over (docs/redaction.md "On the chain"): RFC 8785 canonical JSON of
 * `{v, enabled}` when redaction is off, else `{v, enabled, builtin: {version, sha256}, disable,
 * patterns: [{id, regex, flags, replacement}]}` with absent optional fields as null. Off ignores the
 * patterns: none of them ran.
 */
export function redactionFingerprintInput(config: RedactionConfig): Buffer {
  if (!config.enabled) return canonicalJson({ v: 1, enabled: false });
  return canonicalJson({
    v: 1,
    enabled: true,
    builtin: { version: BUILTIN_SET_VERSION, sha256: builtinSetDigest() },
    // A set: the order it was written in changes nothing that runs.
    disable: [...config.disable].sort(),
    patterns: config.patterns.map((p) => ({
      id: p.id,
      regex: p.regex,
      flags: p.flags ?? null,
      replacement: p.replacement ?? null,
    })),
  });
}

/**
 * The statement sealed into window records: names and a fingerprint, never pattern sources (a
 * custom pattern can itself say what a secret looks like, e.g. an internal key prefix).
 */
export function redactionStatement(config: RedactionConfig): RedactionStatement {
  const sha256 = createHash('sha256').update(redactionFingerprintInput(config)).digest('hex');
  if (!config.enabled) return { enabled: false, builtin: null, disabled: [], custom: [], sha256 };
  return {
    enabled: true,
    builtin: BUILTIN_SET_VERSION,
    disabled: [...config.disable].sort(),
    custom: config.patterns.map((p) => p.id),
    sha256,
  };
}

/** One line for people: `on, built-in v1 + 2 custom (acme-key, employee-id), jwt left out` or `OFF`. */
export function describeRedaction(s: RedactionStatement): string {
  if (!s.enabled) return 'OFF: nothing was redacted before storage';
  const custom = s.custom.length === 0 ? '' : ` + ${String(s.custom.length)} custom (${s.custom.join(', ')})`;
  const disabled = s.disabled.length === 0 ? '' : `, ${s.disabled.join(', ')} left out`;
  return `on, built-in ${s.builtin ?? '?'}${custom}${disabled}; fingerprint ${s.sha256.slice(0, 16)}`;
}
