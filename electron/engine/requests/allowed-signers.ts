import fs from 'node:fs';
import { AevError } from '../../common/errors.ts';
import { ed25519KeyFromBlob } from '../seal/device-key.ts';

// ssh-keygen(1) "ALLOWED SIGNERS": `principals [options] keytype base64-key [comment]`, one per line;
// options are cert-authority, namespaces="…", valid-after="…", valid-before="…". We read the file the
// way `ssh-keygen -Y verify -f FILE` would for a plain (non-certificate) ssh-ed25519 key.
const MAX_FILE_BYTES = 1024 * 1024;
const KEY_TYPE = /^(ssh-|ecdsa-|sk-|rsa-sha2-)/;

export interface AllowedSigner {
  /** The principals field of the matching line, as written. */
  readonly principals: string;
  readonly line: number;
}

/**
 * The first line of an allowed-signers file that trusts `key` for `namespace` at `nowMs`, or null.
 * Lines for certificate authorities never match a plain key; a namespaces="…" list must allow ours.
 */
export function findAllowedSigner(text: string, key: Buffer, namespace: string, nowMs: number): AllowedSigner | null {
  const lines = text.split(/\r?\n/);
  for (const [i, raw] of lines.entries()) {
    const line = parseLine(raw);
    if (line === null || line.keyType !== 'ssh-ed25519') continue;
    const blobKey = ed25519KeyFromBlob(Buffer.from(line.keyBase64, 'base64'));
    if (blobKey === null || !blobKey.equals(key)) continue;
    if (line.options.has('cert-authority')) continue;
    const namespaces = line.options.get('namespaces');
    if (namespaces !== undefined && !matchPatternList(namespace, String(namespaces))) continue;
    const after = line.options.get('valid-after');
    const before = line.options.get('valid-before');
    if (after !== undefined && !(nowMs >= sshTime(String(after)))) continue;
    if (before !== undefined && !(nowMs <= sshTime(String(before)))) continue;
    return { principals: line.principals, line: i + 1 };
  }
  return null;
}

/** Reads an allowed-signers file the user named (`--trust-requester`). */
export function readAllowedSigners(file: string): string {
  try {
    const st = fs.statSync(file);
    if (!st.isFile() || st.size > MAX_FILE_BYTES) throw new Error('not a small regular file');
    return fs.readFileSync(file, 'utf8');
  } catch (cause) {
    throw new AevError('E_USAGE', `cannot read the allowed signers file ${file}`, undefined, { cause });
  }
}

interface Line {
  readonly principals: string;
  readonly options: ReadonlyMap<string, string | true>;
  readonly keyType: string;
  readonly keyBase64: string;
}

function parseLine(raw: string): Line | null {
  const s = new Scanner(raw);
  s.skipSpace();
  if (s.done || s.peek() === '#') return null;
  const principals = unquote(s.token());
  s.skipSpace();
  let options = new Map<string, string | true>();
  let keyType = s.token();
  if (!KEY_TYPE.test(keyType)) {
    options = parseOptions(keyType);
    s.skipSpace();
    keyType = s.token();
  }
  s.skipSpace();
  const keyBase64 = s.token();
  if (principals === '' || keyType === '' || keyBase64 === '') return null;
  return { principals, options, keyType, keyBase64 };
}

/** `a,b="x,y",c` → {a, b: 'x,y', c}; quotes protect commas and spaces. */
function parseOptions(text: string): Map<string, string | true> {
  const out = new Map<string, string | true>();
  let name = '';
  let value: string | null = null;
  let quoted = false;
  const flush = (): void => {
    if (name !== '') out.set(name.toLowerCase(), value === null ? true : unquote(value));
    name = '';
    value = null;
  };
  for (const ch of text) {
    if (ch === '"') quoted = !quoted;
    if (ch === ',' && !quoted) {
      flush();
      continue;
    }
    if (value !== null) value += ch;
    else if (ch === '=') value = '';
    else name += ch;
  }
  flush();
  return out;
}

/** OpenSSH match_pattern_list: comma-separated globs (`*`, `?`); a matching `!pattern` vetoes. */
function matchPatternList(s: string, list: string): boolean {
  let matched = false;
  for (const p of list.split(',')) {
    const negated = p.startsWith('!');
    const glob = negated ? p.slice(1) : p;
    const body = glob.replace(/[\\^$.|+()[\]{}*?]/g, (c) => (c === '*' ? '.*' : c === '?' ? '.' : `\\${c}`));
    const re = new RegExp(`^${body}$`, 'u');
    if (re.test(s)) {
      if (negated) return false;
      matched = true;
    }
  }
  return matched;
}

/** YYYYMMDD or YYYYMMDDHHMM[SS], local time unless it ends in Z (ssh-keygen(1)); NaN when malformed. */
function sshTime(text: string): number {
  const m = /^(\d{4})(\d{2})(\d{2})(?:(\d{2})(\d{2})(\d{2})?)?(Z?)$/i.exec(text);
  if (m === null) return Number.NaN;
  const [, y = '', mo = '', d = '', h = '0', mi = '0', sec = '0', utc = ''] = m;
  const parts = [Number(y), Number(mo) - 1, Number(d), Number(h), Number(mi), Number(sec)] as const;
  return utc === '' ? new Date(...parts).getTime() : Date.UTC(...parts);
}

function unquote(t: string): string {
  return t.length >= 2 && t.startsWith('"') && t.endsWith('"') ? t.slice(1, -1) : t;
}

/** Tokens separated by spaces or tabs, where a double-quoted part may hold spaces. */
class Scanner {
  readonly #s: string;
  #i = 0;

  constructor(s: string) {
    this.#s = s;
  }

  get done(): boolean {
    return this.#i >= this.#s.length;
  }

  peek(): string {
    return this.#s.charAt(this.#i);
  }

  skipSpace(): void {
    while (!this.done && (this.peek() === ' ' || this.peek() === '\t')) this.#i++;
  }

  token(): string {
    let out = '';
    let quoted = false;
    while (!this.done) {
      const ch = this.peek();
      if (!quoted && (ch === ' ' || ch === '\t')) break;
      if (ch === '"') quoted = !quoted;
      out += ch;
      this.#i++;
    }
    return out;
  }
}
