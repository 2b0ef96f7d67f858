import { z } from 'zod';
import type { RedactionStatement } from '../../common/model/chain.ts';

const patternId = z.string().regex(/^[a-z0-9][a-z0-9-]{0,62}$/);

/**
 * A window record's `redaction` (docs/chain-format.md), read back from disk or a bundle: hostile input,
 * so strict, bounded, and consistent (off names no patterns; on names its built-in set).
 */
export const redactionStatementSchema: z.ZodType<RedactionStatement> = z
  .strictObject({
    enabled: z.boolean(),
    builtin: z
      .string()
      .regex(/^v[0-9]{1,4}$/)
      .nullable(),
    disabled: z.array(patternId).max(64),
    custom: z.array(patternId).max(64),
    sha256: z.string().regex(/^[0-9a-f]{64}$/),
  })
  .refine((s) => (s.enabled ? s.builtin !== null : s.builtin === null && s.disabled.length + s.custom.length === 0), {
    message: 'redaction: off names no patterns, on names its built-in set',
  });
