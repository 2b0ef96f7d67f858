import { parseArgs } from 'node:util';
import { AevError } from '../../common/errors.ts';
import type { PinnedEvent } from '../../common/model/event.ts';
import type { SessionSummary } from '../../common/model/session.ts';
import { resolveDataRoot, runtimePaths } from '../../engine/runtime/data-root.ts';
import type { SessionDetail } from '../../engine/index/session-queries.ts';
import type { CliIo } from '../cli-io.ts';
import { writeLine } from '../cli-io.ts';
import { controlRequest } from '../../engine/client/control-request.ts';

const USAGE =
  'usage: aev sessions list [--json] [--limit N] [--agent A] [--kind agent|screen|terminal] [--active] | aev sessions show ID [--json] [--payloads]';

/** `aev sessions list|show`. */
export async function run(argv: string[], io: CliIo): Promise<number> {
  const [sub, ...rest] = argv;
  const socketPath = runtimePaths(resolveDataRoot(io.env)).socketPath;
  switch (sub) {
    case 'list':
      return list(rest, io, socketPath);
    case 'show':
      return show(rest, io, socketPath);
    default:
      throw new AevError('E_USAGE', USAGE);
  }
}

async function list(argv: string[], io: CliIo, socketPath: string): Promise<number> {
  const { values } = parseArgs({
    args: argv,
    options: {
      json: { type: 'boolean' },
      limit: { type: 'string' },
      agent: { type: 'string' },
      active: { type: 'boolean' },
      kind: { type: 'string' },
    },
    strict: true,
  });
  const params: Record<string, unknown> = { limit: values.limit === undefined ? 100 : Number(values.limit) };
  if (values.agent !== undefined) params.agent = values.agent;
  if (values.active === true) params.state = 'active';
  if (values.kind !== undefined) params.kind = values.kind;
  const sessions = (await controlRequest(socketPath, 'sessions.list', params)) as SessionSummary[];
  if (values.json === true) {
    writeLine(io.stdout, JSON.stringify(sessions, null, 2));
    return 0;
  }
  if (sessions.length === 0) {
    writeLine(
      io.stdout,
      'No sessions recorded yet. Install the hooks: aev hooks install --agent claude-code --scope user',
    );
    return 0;
  }
  writeLine(io.stdout, row(['SESSION', 'KIND', 'AGENT', 'STATE', 'STARTED', 'EVENTS', 'TOOLS']));
  for (const s of sessions) {
    writeLine(
      io.stdout,
      row([s.id, s.kind, s.agent, s.state, s.startedAt, String(s.eventCount), String(s.toolCallCount)]),
    );
  }
  return 0;
}

async function show(argv: string[], io: CliIo, socketPath: string): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    options: { json: { type: 'boolean' }, payloads: { type: 'boolean' } },
    allowPositionals: true,
    strict: true,
  });
  const id = positionals[0];
  if (id === undefined || positionals.length > 1) throw new AevError('E_USAGE', USAGE);
  const detail = (await controlRequest(socketPath, 'sessions.show', {
    id,
    payloads: values.payloads === true,
  })) as SessionDetail;
  if (values.json === true) {
    writeLine(io.stdout, JSON.stringify(detail, null, 2));
    return 0;
  }
  const s = detail.session;
  writeLine(io.stdout, `${s.id}  ${s.agent} ${s.kind === 'agent' ? 'session' : s.kind} ${s.agentSessionId}`);
  writeLine(
    io.stdout,
    `  ${s.state}; started ${s.startedAt}${s.endedAt === null ? '' : `, ended ${s.endedAt} (${s.endReason ?? ''})`}`,
  );
  const redacted = detail.events.filter((e) => e.redactions !== null).length;
  writeLine(
    io.stdout,
    `  ${plural(s.eventCount, 'event')}, ${plural(s.toolCallCount, 'tool call')}${redacted === 0 ? '' : `, ${plural(redacted, 'event')} with secrets redacted`}`,
  );
  const durations = new Map(detail.toolCalls.map((t) => [t.postEventId, t.durationMs]));
  for (const e of detail.events) writeLine(io.stdout, eventLine(e, durations.get(e.id)));
  return 0;
}

function eventLine(e: PinnedEvent, durationMs: number | null | undefined): string {
  const tool = e.toolName === null ? '' : ` ${e.toolName}`;
  const took = durationMs === null || durationMs === undefined ? '' : ` (${durationMs.toFixed(0)} ms)`;
  const { window, video, terminal } = e.pins;
  const pins = [
    window === null ? 'window open' : `window ${String(window)}`,
    ...(video === null ? [] : [`video ${video.recording} @${(video.offsetMs / 1000).toFixed(1)}s`]),
    ...(terminal === null ? [] : [`terminal @${terminal.atSeconds.toFixed(1)}s`]),
  ].join(', ');
  // Pattern ids and counts only: the secrets themselves were never stored (docs/redaction.md).
  const redacted =
    e.redactions === null
      ? ''
      : `  redacted: ${e.redactions.map((r) => `${r.pattern} ×${String(r.count)}`).join(', ')}`;
  return `  #${String(e.seq).padStart(4)}  ${e.receivedAt}  ${e.kind}${tool}${took}  [${pins}]${redacted}`;
}

function row(cells: string[]): string {
  const widths = [32, 8, 12, 7, 25, 7, 6];
  return cells
    .map((c, i) => c.padEnd(widths[i] ?? 10))
    .join(' ')
    .trimEnd();
}

function plural(n: number, noun: string): string {
  return `${String(n)} ${noun}${n === 1 ? '' : 's'}`;
}
