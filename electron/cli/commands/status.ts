import { parseArgs } from 'node:util';
import { AevError } from '../../common/errors.ts';
import type { EngineStatus } from '../../common/model/status.ts';
import { resolveDataRoot, runtimePaths } from '../../engine/runtime/data-root.ts';
import type { CliIo } from '../cli-io.ts';
import { writeLine } from '../cli-io.ts';
import type { RedactionStatus, ScreenStatus } from '../../common/model/status.ts';
import { controlRequest } from '../../engine/client/control-request.ts';

/** `aev status [--json]`: exit 0 when the engine answers, 1 when it does not. */
export async function run(argv: string[], io: CliIo): Promise<number> {
  const { values } = parseArgs({ args: argv, options: { json: { type: 'boolean' } }, strict: true });
  const paths = runtimePaths(resolveDataRoot(io.env));
  let status: EngineStatus;
  try {
    status = (await controlRequest(paths.socketPath, 'status', {})) as EngineStatus;
  } catch (error) {
    if (!(error instanceof AevError) || (error.code !== 'E_DAEMON_UNREACHABLE' && error.code !== 'E_TIMEOUT'))
      throw error;
    if (values.json === true)
      writeLine(io.stdout, JSON.stringify({ running: false, dataRoot: paths.dataRoot, error: error.message }));
    else writeLine(io.stdout, `aev: not running (${error.message})`);
    return 1;
  }
  if (values.json === true) {
    writeLine(io.stdout, JSON.stringify({ running: true, ...status }, null, 2));
    return 0;
  }
  const s = status;
  writeLine(
    io.stdout,
    `aev ${s.version}: ${s.recording ? 'recording' : 'PAUSED'} (pid ${s.pid}, since ${s.startedAt})`,
  );
  writeLine(io.stdout, `  data root   ${s.dataRoot}  (vault unlocked by ${s.vault.unlockedBy})`);
  writeLine(io.stdout, `  endpoint    ${s.socketPath}${s.httpUrl === null ? '' : `  +  ${s.httpUrl}`}`);
  writeLine(io.stdout, `  sessions    ${s.sessions.active} active, ${s.sessions.total} in all`);
  writeLine(
    io.stdout,
    `  events      ${s.ingest.eventsTotal} in all, ${s.ingest.eventsThisRun} this run, last ${s.ingest.lastEventAt ?? 'never'}`,
  );
  writeLine(io.stdout, `  clients     ${s.ingest.connections} connected, ${s.ingest.rejectedFrames} frames refused`);
  const seal = s.sealing;
  writeLine(
    io.stdout,
    `  sealing     ${seal.records} chain records, ${seal.unsealedEvents} events in the open window (${seal.windowMs / 1000} s windows), device ${seal.device}`,
  );
  if (!seal.tsa.enabled) {
    writeLine(io.stdout, '  time-stamps OFF (AEV_TSA_URLS=off): records are signed but not independently timed');
  } else {
    const age = seal.tsa.oldestPendingSince === null ? '' : `, oldest since ${seal.tsa.oldestPendingSince}`;
    writeLine(
      io.stdout,
      `  time-stamps ${seal.tsa.pending === 0 ? 'all records covered' : `${seal.tsa.pending} record(s) pending${age}`}`,
    );
    for (const t of seal.tsa.tsas) {
      const state =
        t.lastError !== null && (t.lastSuccessAt === null || (t.lastErrorAt ?? '') > t.lastSuccessAt)
          ? `last error ${t.lastErrorAt ?? ''}: ${t.lastError}`
          : `ok${t.lastSuccessAt === null ? '' : ` (last ${t.lastSuccessAt})`}`;
      writeLine(io.stdout, `    ${t.url}  ${state}`);
    }
  }
  if (s.storage.state === 'full')
    writeLine(
      io.stdout,
      `  storage     DISK FULL since ${s.storage.since ?? '?'}: ${s.storage.refused} write(s) refused; free space to resume`,
    );
  writeLine(io.stdout, `  redaction   ${redactionLine(s.redaction)}`);
  writeLine(io.stdout, `  screen      ${screenLine(s.screen)}`);
  if (s.stills !== null) {
    const st = s.stills;
    writeLine(
      io.stdout,
      `  stills      ${st.taken} taken, ${st.skipped} skipped (busy), ${st.failed} failed${st.lastError === null ? '' : ` (last: ${st.lastError})`}`,
    );
  }
  return 0;
}

/** Pattern ids and counts, never what was redacted. */
function redactionLine(r: RedactionStatus): string {
  if (!r.enabled) return 'OFF (AEV_REDACTION=off or settings.json): secrets in payloads are stored as sent';
  const counts = (list: RedactionStatus['eventsByPattern']): string =>
    list.map((c) => `${c.pattern} ${String(c.count)}`).join(', ');
  const events =
    r.events === 0 ? 'no event redacted yet' : `${String(r.events)} event(s) redacted (${counts(r.eventsByPattern)})`;
  const media =
    r.mediaThisRun === 0
      ? ''
      : `; ${String(r.mediaThisRun)} transcript/terminal item(s) this run (${counts(r.mediaByPattern)})`;
  return `on, ${String(r.patterns.length)} patterns: ${events}${media}`;
}

function screenLine(screen: ScreenStatus): string {
  switch (screen.state) {
    case 'off':
      return 'OFF (AEV_SCREEN=off)';
    case 'idle':
      return 'idle: recording starts with the first active agent session';
    case 'recording':
      return `recording (${screen.backend ?? ''}) into ${screen.recordingId ?? ''}`;
    case 'restarting':
      return `restarting: ${screen.detail ?? ''}`;
    case 'unavailable':
      return `UNAVAILABLE: ${screen.detail ?? ''}`;
  }
}
