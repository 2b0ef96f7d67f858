import { createHash } from 'node:crypto';
import type { VerifyCode } from '../../common/model/verification.ts';
import { payloadAad } from '../ingest/payload-aad.ts';
import { parseStoredEvent } from '../ingest/stored-event.ts';
import { openBytes } from '../vault/aead.ts';

/** An event's row as verification reads it from the index. */
export interface EventRow {
  id: string;
  session_id: string;
  seq: number;
  digest: Buffer;
  payload_ct: Buffer;
  redactions: string | null;
}

export const EVENT_ROW_COLUMNS = 'id, session_id, seq, digest, payload_ct, redactions';

export interface ContentFailure {
  readonly code: VerifyCode;
  readonly message: string;
}

/**
 * What is wrong with a stored event's content (none when nothing): it decrypts (its AAD binds the event
 * id), matches its digest, names its own row, and carries the redaction summary the index shows. A pure
 * function of the row and the key, so verification may run it on any thread (event-checks.ts).
 */
export function eventContentFailures(e: EventRow, fieldKey: Buffer): ContentFailure[] {
  let plain: Buffer;
  try {
    plain = openBytes(fieldKey, e.payload_ct, payloadAad(e.id));
  } catch {
    return [{ code: 'EVENT_CIPHERTEXT', message: 'the encrypted event does not decrypt (altered or moved)' }];
  }
  const failures: ContentFailure[] = [];
  if (!createHash('sha256').update(plain).digest().equals(e.digest))
    failures.push({ code: 'EVENT_DIGEST', message: 'the event does not match its digest' });
  let inner: { id?: unknown; seq?: unknown; sessionId?: unknown; redactions?: unknown } = {};
  try {
    inner = parseStoredEvent(plain).meta;
  } catch {
    // reported just below as a mismatch
  }
  if (inner.id !== e.id || inner.seq !== e.seq || inner.sessionId !== e.session_id)
    failures.push({ code: 'EVENT_ROW', message: 'the event content does not match its row' });
  // The clear summary that `aev sessions show` and `aev status` read must be the sealed one (docs/redaction.md).
  else if (JSON.stringify(inner.redactions ?? null) !== (e.redactions ?? 'null'))
    failures.push({ code: 'EVENT_ROW', message: 'the redaction summary in the index differs from the sealed one' });
  return failures;
}
