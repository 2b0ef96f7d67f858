import { AevError } from '../common/errors.ts';
import type { CliIo } from './cli-io.ts';
import { processIo } from './cli-io.ts';

type Command = (argv: string[], io: CliIo) => Promise<number>;

/**
 * Each command is imported only when used: `aev hook` runs on every tool call and must not pay for
 * the engine, SQLite or zod.
 */
const COMMANDS: Readonly<Record<string, () => Promise<Command>>> = {
  hook: async () => (await import('./commands/hook.ts')).run,
  daemon: async () => (await import('./commands/daemon.ts')).run,
  init: async () => (await import('./commands/init.ts')).run,
  status: async () => (await import('./commands/status.ts')).run,
  sessions: async () => (await import('./commands/sessions.ts')).run,
  hooks: async () => (await import('./commands/hooks.ts')).run,
  doctor: async () => (await import('./commands/doctor.ts')).run,
  tsa: async () => (await import('./commands/tsa.ts')).run,
  verify: async () => (await import('./commands/verify.ts')).run,
  export: async () => (await import('./commands/export.ts')).run,
  request: async () => (await import('./commands/request.ts')).run,
  'access-log': async () => (await import('./commands/access-log.ts')).run,
  retention: async () => (await import('./commands/retention.ts')).run,
  keys: async () => (await import('./commands/keys.ts')).run,
  pause: async () => (await import('./commands/pause.ts')).runPause,
  resume: async () => (await import('./commands/pause.ts')).runResume,
  run: async () => (await import('./commands/run.ts')).run,
  ui: async () => (await import('./commands/ui.ts')).run,
};

export const USAGE = `aev — Agent Evidence, the flight recorder for AI coding agents

Usage: aev <command> [options]

  daemon                       run the recording engine in the foreground (headless mode)
  init                         create the encrypted vault (asks for a recovery passphrase)
  status [--json]              is the engine running, what has it recorded
  sessions list [--json]       recorded agent sessions
  sessions show ID [--json] [--payloads]
                               one session: events, tool calls and their durations
  pause --reason TEXT          pause recording (the gap goes on record); fail-closed hooks deny tool calls
  resume                       resume recording
  hooks install --agent claude-code --scope user|project|local [--dry-run] [--policy fail-open|fail-closed]
  hooks uninstall --agent claude-code --scope user|project|local [--dry-run]
  hook [--policy fail-open|fail-closed]
                               (run by the agent) forward one hook payload from stdin
  run [--record-input] [--no-record] -- COMMAND [ARGS…]
                               run an agent in a recorded terminal; exits with its status
  tsa verify-token (--data FILE | --digest HEX) --token FILE [--token-only] --trust PEM [--untrusted PEM] [--policy OID]… [--json]
                               check an RFC 3161 time-stamp response or token offline
  verify (--session ID… | --all) [--trust PEM] [--allow-pending] [--json]
                               recompute every hash, Merkle root, link, signature and time-stamp
  verify BUNDLE [--identity AGE_KEY_FILE] [--trust PEM] [--json]
                               check an evidence bundle offline (every file, signature, proof, token)
  export SESSION (--from ISO --to ISO | --from-tool ID --to-tool ID) --out FILE
         (--recipient age1… | --recipients-file F | --plain) [--withhold-event ID]… [--trust PEM]
                               write an age-encrypted evidence bundle of whole sealed windows
  request create --session ID (--from ISO --to ISO | --from-tool ID --to-tool ID) --reason TEXT
         --recipient age1… --out FILE [--expires-in 7d]
                               (team lead) a signed request for a range of a developer's session
  request review FILE [--approve | --deny --reason TEXT] [--out BUNDLE] [--trust-requester ALLOWED_SIGNERS]
                               (developer) check a request, then approve (export to the requester) or deny
  access-log [--json] [--limit N]
                               the vault's own sealed log of exports, views, request decisions and purges
  ui [--port N]                serve the desktop UI to a local browser (development, UI tests)
  retention status [--json]    the retention period, sessions due, sessions on legal hold, the next purge
  retention apply [--dry-run] [--yes] [--json]
                               purge what is due: content deleted, signed tombstones kept (verify says PURGED)
  retention hold SESSION --reason TEXT | retention release SESSION
                               keep a session (and the screen and terminal around it) from purges, or let go
  keys show [--json]           the device signing key: fingerprint and allowed_signers line
  doctor                       check this machine: Node, keyring, socket, ffmpeg, TSAs
  version                      print the version

Environment: AEV_HOME (data root), AEV_PASSPHRASE_FILE (headless unlock), AEV_HTTP_PORT (port|off),
AEV_KEYRING=off (do not use the OS keyring), AEV_HOOK_POLICY, AEV_HOOK_TIMEOUT_MS,
AEV_TSA_URLS (comma-separated TSA URLs, or off), AEV_TSA_TRUST (PEM file of TSA roots), AEV_WINDOW_MS,
AEV_RETENTION_DAYS (1..36500, default 90), AEV_RETENTION_AUTO (on|off).
Exit codes: 0 ok, 1 failed (or verification failed), 2 usage error.`;

export async function main(argv: string[], io: CliIo = processIo()): Promise<number> {
  const [name, ...rest] = argv;
  if (name === undefined || name === 'help' || name === '--help' || name === '-h') {
    io.stdout.write(`${USAGE}\n`);
    return name === undefined ? 2 : 0;
  }
  if (name === 'version' || name === '--version') {
    const { AEV_VERSION } = await import('../common/version.ts');
    io.stdout.write(`aev ${AEV_VERSION}\n`);
    return 0;
  }
  const load = COMMANDS[name];
  if (load === undefined) {
    io.stderr.write(`aev: unknown command ${JSON.stringify(name)}\n\n${USAGE}\n`);
    return 2;
  }
  try {
    return await (
      await load()
    )(rest, io);
  } catch (error) {
    return reportError(error, io);
  }
}

/** Last line of defence: a coded one-line message, never a stack trace (set AEV_DEBUG=1 for one). */
export function reportError(error: unknown, io: CliIo): number {
  if (error instanceof AevError) {
    io.stderr.write(`aev: ${error.message} [${error.code}]\n`);
    if (io.env.AEV_DEBUG === '1' && error.stack !== undefined) io.stderr.write(`${error.stack}\n`);
    return error.code === 'E_USAGE' ? 2 : 1;
  }
  io.stderr.write(`aev: unexpected error: ${error instanceof Error ? error.message : String(error)} [E_INTERNAL]\n`);
  if (io.env.AEV_DEBUG === '1' && error instanceof Error && error.stack !== undefined)
    io.stderr.write(`${error.stack}\n`);
  return 1;
}
