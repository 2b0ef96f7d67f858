import { z } from 'zod';
import { AevError } from '../../common/errors.ts';
import type { AgentKind } from '../../common/model/agent.ts';
import type { RedactionCount } from '../../common/model/event.ts';
import type { IngestEvent } from '../../common/protocol/frames.ts';
import type { Received } from './endpoint-handler.ts';
import { claudeCodeHookPayloadSchema, claudeCodeSchemaFor } from '../../common/protocol/claude-code-hooks.ts';
import { redactIngest } from '../redact/redact-ingest.ts';
import type { Redactor } from '../redact/redactor.ts';

/** What the engine needs to know about an event before storing it; the payload itself stays opaque. */
export interface NormalizedEvent {
  readonly agent: AgentKind;
  readonly agentSessionId: string;
  readonly kind: string;
  readonly toolName: string | null;
  readonly toolUseId: string | null;
  readonly terminalId: string | null;
  readonly payload: Readonly<Record<string, unknown>>;
  readonly truncated: Readonly<Record<string, number>> | null;
  /** What redaction replaced (docs/redaction.md); sealed in the event's meta. Null: nothing. */
  readonly redactions: readonly RedactionCount[] | null;
  /** What is stored: the agent's bytes, or their re-serialization when something was redacted. */
  readonly received: Received;
}

/** Other agents' hooks use the same base field names (docs/protocol.md). */
const basePayloadSchema = z.looseObject({
  session_id: z.string().min(1).max(256),
  hook_event_name: z.string().min(1).max(128),
  tool_name: z.string().max(256).optional(),
  tool_use_id: z.string().max(256).optional(),
});

/**
 * Checks an event and redacts it before anything is stored (the one point every hook event passes,
 * socket or HTTP). The check runs on the payload as sent, so errors speak of what the agent sent; the
 * fields the index keeps in clear are then taken from the redacted payload, so no secret reaches a
 * clear column or a chain record either.
 */
export function normalizeEvent(
  event: IngestEvent,
  received: Received,
  redactor: Redactor | null = null,
): NormalizedEvent {
  const schema = event.agent === 'claude-code' ? claudeCodeHookPayloadSchema : basePayloadSchema;
  const check = (payload: unknown, after: string): z.infer<typeof basePayloadSchema> => {
    // One parse for a valid payload; a refusal is reported by the whole schema (claudeCodeSchemaFor).
    const fast = event.agent === 'claude-code' ? claudeCodeSchemaFor(payload) : schema;
    const accepted = fast.safeParse(payload);
    if (accepted.success) return accepted.data;
    const parsed = fast === schema ? accepted : schema.safeParse(payload);
    if (parsed.success) return parsed.data;
    const issue = parsed.error.issues[0];
    const where = issue === undefined ? '' : ` at payload.${issue.path.join('.')}`;
    throw new AevError(
      'E_SCHEMA',
      `invalid ${event.agent} payload${where}${after}: ${issue?.message ?? 'schema violation'}`,
    );
  };
  const sent = check(event.payload, '');
  const redacted = redactIngest(redactor, event.payload, received);
  const p = redacted.redactions === null ? sent : check(redacted.payload, ' after redaction');
  // These strings go into signed chain records (RFC 8785 JSON), which cannot carry lone surrogates.
  for (const [field, value] of [
    ['session_id', p.session_id],
    ['hook_event_name', p.hook_event_name],
    ['tool_name', p.tool_name],
    ['tool_use_id', p.tool_use_id],
  ] as const) {
    if (typeof value === 'string' && !value.isWellFormed()) {
      throw new AevError('E_SCHEMA', `invalid ${event.agent} payload at payload.${field}: not well-formed Unicode`);
    }
  }
  return {
    agent: event.agent,
    agentSessionId: p.session_id,
    kind: p.hook_event_name,
    toolName: typeof p.tool_name === 'string' ? p.tool_name : null,
    toolUseId: typeof p.tool_use_id === 'string' && p.tool_use_id !== '' ? p.tool_use_id : null,
    terminalId: event.terminalId ?? null,
    payload: redacted.payload,
    truncated: event.truncated ?? null,
    redactions: redacted.redactions,
    received: redacted.received,
  };
}
