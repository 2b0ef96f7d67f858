import type { Migration } from '../migration.ts';
import { migration001 } from './001-initial.ts';
import { migration002 } from './002-chain.ts';
import { migration003 } from './003-media.ts';
import { migration004 } from './004-access.ts';
import { migration005 } from './005-retention.ts';
import { migration006 } from './006-redactions.ts';

/** Every migration, in order. Append only: a shipped migration is never edited. */
export const MIGRATIONS: readonly Migration[] = [
  migration001,
  migration002,
  migration003,
  migration004,
  migration005,
  migration006,
];
