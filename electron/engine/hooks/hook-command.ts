import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { AevError } from '../../common/errors.ts';

export type HookPolicy = 'fail-open' | 'fail-closed';

export function parseHookPolicy(value: string): HookPolicy {
  if (value === 'fail-open' || value === 'fail-closed') return value;
  throw new AevError('E_USAGE', `unknown policy ${JSON.stringify(value)}: use fail-open or fail-closed`);
}

/** The command line Claude Code runs for each event: `<launcher> hook`, plus the policy when it is not the default. */
export function hookCommand(launcher: string, policy: HookPolicy): string {
  return policy === 'fail-closed' ? `${launcher} hook --policy fail-closed` : `${launcher} hook`;
}

/**
 * The launcher of this installation: the absolute path of bin/aev.js, quoted for the POSIX shell that
 * runs command hooks (hooks reference, "Exec form and shell form": `sh -c`, Git Bash on Windows). On
 * Windows a .js file cannot be executed by name, so node runs it.
 */
export function defaultLauncher(
  platform: NodeJS.Platform = process.platform,
  nodePath: string = process.execPath,
): string {
  const bin = findLauncherScript(path.dirname(fileURLToPath(import.meta.url)));
  // The Node running the installer, by absolute path: the agent's PATH may hold an older Node that
  // cannot run aev, and then the hook would silently fail open even under fail-closed.
  return platform === 'win32' ? `"${nodePath}" "${bin}"` : `${shellQuote(nodePath)} ${shellQuote(bin)}`;
}

/** Walks up from this module (sources or dist/) to the package folder holding bin/aev.js. */
function findLauncherScript(from: string): string {
  for (let dir = from; ; dir = path.dirname(dir)) {
    const candidate = path.join(dir, 'bin', 'aev.js');
    if (fs.existsSync(candidate)) return candidate;
    if (path.dirname(dir) === dir) break;
  }
  throw new AevError('E_CONFIG', 'cannot find bin/aev.js next to this installation; pass --command "<how to run aev>"');
}

/** Single-quotes a word for a POSIX shell ('\'' closes, escapes and reopens the quote). */
export function shellQuote(word: string): string {
  return `'${word.replaceAll("'", `'\\''`)}'`;
}

/**
 * Which command hooks are ours. A command is ours when, split into shell words, it ends in
 * `<launcher> hook [options]` where the launcher word's file name is `aev` or `agent-evidence`
 * (optionally .js, .mjs, .cjs, .cmd, .exe or .ps1) and the options are only those `aev hook` takes
 * (--policy, --agent, --timeout-ms, each with a value). Anything else after `hook` (a pipe, `|| true`,
 * another argument) makes it somebody else's. Markers in the settings file would not do: Claude Code
 * drops unknown keys when it rewrites settings.json, so identity has to live in the command itself.
 */
export function isAevHookCommand(command: string): boolean {
  const words = shellWords(command);
  if (words === undefined) return false;
  for (let i = 1; i < words.length; i++) {
    const launcher = words[i - 1];
    if (
      words[i] === 'hook' &&
      launcher !== undefined &&
      isLauncherWord(launcher) &&
      areHookOptions(words.slice(i + 1))
    ) {
      return true;
    }
  }
  return false;
}

/** The policy an installed command asks for (the default when it names none). */
export function commandPolicy(command: string): HookPolicy {
  const words = shellWords(command) ?? [];
  const at = words.lastIndexOf('--policy');
  const value = at >= 0 ? words[at + 1] : words.find((w) => w.startsWith('--policy='))?.slice('--policy='.length);
  return value === 'fail-closed' ? 'fail-closed' : 'fail-open';
}

const LAUNCHER_NAME = /^(aev|agent-evidence)(\.(js|mjs|cjs|cmd|exe|ps1))?$/i;
const HOOK_OPTIONS = new Set(['--policy', '--agent', '--timeout-ms']);

function isLauncherWord(word: string): boolean {
  return LAUNCHER_NAME.test(word.split(/[\\/]/).pop() ?? '');
}

function areHookOptions(rest: readonly string[]): boolean {
  for (let i = 0; i < rest.length; i++) {
    const word = rest[i] ?? '';
    const eq = word.indexOf('=');
    if (eq > 0 && HOOK_OPTIONS.has(word.slice(0, eq))) continue;
    if (!HOOK_OPTIONS.has(word) || i + 1 >= rest.length) return false;
    i++;
  }
  return true;
}

/**
 * Splits a command into words the way a POSIX shell would for quoting purposes: whitespace separates,
 * '…' is literal, "…" allows \" \\ \$ \`, a backslash outside quotes escapes the next character.
 * Returns undefined when a quote is left open. Operators are not special: a command using them is
 * never ours anyway.
 */
export function shellWords(command: string): string[] | undefined {
  const words: string[] = [];
  let word: string | undefined;
  for (let i = 0; i < command.length; i++) {
    const c = command.charAt(i);
    if (c === ' ' || c === '\t' || c === '\n') {
      if (word !== undefined) words.push(word);
      word = undefined;
    } else if (c === "'") {
      const end = command.indexOf("'", i + 1);
      if (end < 0) return undefined;
      word = (word ?? '') + command.slice(i + 1, end);
      i = end;
    } else if (c === '"') {
      let out = '';
      for (i++; i < command.length && command.charAt(i) !== '"'; i++) {
        const d = command.charAt(i);
        if (d === '\\' && '"\\$`'.includes(command.charAt(i + 1)) && i + 1 < command.length) out += command.charAt(++i);
        else out += d;
      }
      if (i >= command.length) return undefined;
      word = (word ?? '') + out;
    } else if (c === '\\' && i + 1 < command.length) {
      word = (word ?? '') + command.charAt(++i);
    } else {
      word = (word ?? '') + c;
    }
  }
  if (word !== undefined) words.push(word);
  return words;
}
