import { AevError } from '../../common/errors.ts';
import type { RedactionCount } from '../../common/model/event.ts';
import type { Received } from '../ingest/endpoint-handler.ts';
import type { Redactor } from './redactor.ts';
import { RedactionTally } from './redaction-tally.ts';

export interface RedactedIngest {
  readonly payload: Readonly<Record<string, unknown>>;
  /** What gets stored and sealed: the bytes as received, or their redacted re-serialization. */
  readonly received: Received;
  readonly redactions: readonly RedactionCount[] | null;
}

/**
 * Redacts an agent event before it is stored (docs/redaction.md). With nothing to redact, the event is
 * stored as the agent's own bytes (docs/chain-format.md). With something, the stored bytes are the same
 * JSON document re-serialized with the secrets replaced: the socket frame with its `event.payload`
 * swapped, or the HTTP body. The summary (pattern ids and counts) goes into the event's sealed `meta`.
 */
export function redactIngest(
  redactor: Redactor | null,
  payload: Readonly<Record<string, unknown>>,
  received: Received,
): RedactedIngest {
  if (redactor === null) return { payload, received, redactions: null };
  const tally = new RedactionTally();
  const redacted = redactor.redactJson(payload, tally);
  const redactions = tally.toList();
  if (redactions === null) return { payload, received, redactions: null };
  return {
    payload: redacted,
    received: { transport: received.transport, bytes: reserialize(received, redacted) },
    redactions,
  };
}

function reserialize(received: Received, payload: Readonly<Record<string, unknown>>): Buffer {
  if (received.transport === 'http-body') return Buffer.from(JSON.stringify(payload), 'utf8');
  // The frame was parsed once already (endpoint-connection.ts); this second parse happens only for
  // the rare frame that held a secret, and keeps every other field of the frame as it came.
  const frame = JSON.parse(received.bytes.toString('utf8')) as { event?: unknown };
  if (typeof frame.event !== 'object' || frame.event === null)
    throw new AevError('E_INTERNAL', 'an event frame without an event reached redaction');
  return Buffer.from(JSON.stringify({ ...frame, event: { ...frame.event, payload } }), 'utf8');
}
