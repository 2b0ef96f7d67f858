import { AevError } from '../../common/errors.ts';

/** The vault-wide retention period (docs/retention.md). */
export interface RetentionConfig {
  /** Sessions whose chain ended more than this many days ago are purged (1..36500). */
  readonly days: number;
  /** Apply the policy at engine start and once a day; off: only `aev retention apply` purges. */
  readonly auto: boolean;
  /** How often the engine looks at its clock to see whether the daily run is due. */
  readonly checkEveryMs: number;
}

export const DEFAULT_RETENTION_DAYS = 90;
/** 100 years: "settable up to years", and bounded so a date computed from it always exists. */
export const MAX_RETENTION_DAYS = 36_500;
export const DAY_MS = 86_400_000;

export const DEFAULT_RETENTION: RetentionConfig = {
  days: DEFAULT_RETENTION_DAYS,
  auto: true,
  checkEveryMs: 15 * 60_000,
};

export function checkRetention(r: RetentionConfig): RetentionConfig {
  if (!Number.isInteger(r.days) || r.days < 1 || r.days > MAX_RETENTION_DAYS)
    throw new AevError('E_CONFIG', `the retention period must be a whole number of days, 1..${MAX_RETENTION_DAYS}`);
  if (!(r.checkEveryMs >= 10 && r.checkEveryMs <= DAY_MS))
    throw new AevError('E_CONFIG', 'the retention check interval must be 10 ms..1 day');
  return r;
}

/** Sessions whose chain ended at or before this instant are due. */
export function cutoffMs(nowMs: number, days: number): number {
  return nowMs - days * DAY_MS;
}
