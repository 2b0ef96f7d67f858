import { looksGenerated } from './entropy.ts';
import type { BuiltinPattern } from './redaction-pattern.ts';
import { redactionMarker } from './redaction-pattern.ts';
import { isPlaceholder } from './secret-names.ts';

/*
 * The built-in patterns, most specific first: when two overlap, the earlier one names the redaction.
 *
 * Linear time (a hostile payload must not stall the engine, which would stall every agent's hook):
 * every pattern starts with a literal or a rare character (`-----BEGIN`, `ghp_`, `://`, `--`, a
 * keyword), so the engine's scan skips most positions; every repetition is either bounded or the last
 * thing in the pattern (a greedy run at the end never backtracks), and no repetition contains another.
 * Where a value must be followed by something (a closing quote, `@`), the run before it is bounded, so
 * a failed attempt costs at most that bound. The unit tests run each pattern over 1 MiB of its own
 * worst-case input.
 */

const notPlaceholder = (s: string): boolean => !isPlaceholder(s);

/**
 * A quoted value in code or config, unless it is a placeholder or just names the field (a UI label such
 * as `password: "Password"`). Sentences are redacted too: a passphrase is often words and spaces.
 */
function literalValue(s: string): boolean {
  return (
    !isPlaceholder(s) && !/^(?:passw(?:or)?d|passphrase|secret|token|api[ _-]?key|access[ _-]?key)$/i.test(s.trim())
  );
}

/** An unquoted value at the end of a config line that is really code (`token: string;`, `password = get()`). */
function configValue(s: string): boolean {
  if (isPlaceholder(s)) return false;
  if (/[(){}[\]]|[;,]\s*$| = |=>/.test(s)) return false;
  return !/^(?:str|string|int|bool|boolean|number|any|bytes|optional|list|dict|secretstr)\b/i.test(s);
}

/** A private key's body is base64: a bare BEGIN line (a parser's constant, a how-to) is not a key. */
const keyBody = (s: string): boolean => /[A-Za-z0-9+/]{40}/.test(s);

function builtin(
  id: string,
  description: string,
  cues: readonly string[],
  regex: RegExp,
  accept?: (secret: string) => boolean,
): BuiltinPattern {
  return {
    id,
    description,
    cues,
    regex,
    replacement: redactionMarker(id),
    ...(accept === undefined ? {} : { accept }),
  };
}

// Cues: what each pattern cannot match without (lower case; see RedactionPattern.cues).
const SECRET_WORDS = ['passw', 'passphrase', 'secret', 'token', 'key', 'credential'];

// Value forms shared by the assignment patterns: "double", 'single' (quotes kept), or a bare word that
// does not start like a variable ($X), another flag (-x), a comparison (==) or shell syntax.
const QUOTED = String.raw`"(?<secret>[^"\n]{1,1024})"|'(?<secret2>[^'\n]{1,1024})'`;
const BARE = String.raw`(?<secret3>[^\s"'\x60$=;&|<>(){}[\],\\-][^\s"'\x60;&|<>]*)`;
const SEPARATOR = String.raw`\\?["']?[ \t]{0,16}(?::=|=>|[:=])[ \t]{0,16}`;

export const BUILTIN_PATTERNS: readonly BuiltinPattern[] = [
  builtin(
    'private-key',
    'PEM private key blocks (RSA, EC, DSA, OPENSSH, ENCRYPTED, PKCS#8, PGP), whole; a block cut short (no END line) up to where its base64 stops',
    ['-----begin'],
    // The body may not cross "-----", so each BEGIN scans only up to the next armor line.
    /-----BEGIN[A-Z0-9 ]{0,40} PRIVATE KEY(?: BLOCK)?-----(?:[^-]*(?:-(?!----)[^-]*)*-----END[A-Z0-9 ]{0,40} PRIVATE KEY(?: BLOCK)?-----|[A-Za-z0-9+/=\s\\:,.]*(?:-(?!----)[A-Za-z0-9+/=\s\\:,.]*)*)/dg,
    keyBody,
  ),
  builtin(
    'aws-access-key-id',
    'AWS access key ids (AKIA…, ASIA…: 20 characters)',
    ['akia', 'asia', 'abia', 'acca'],
    /\b(?:AKIA|ASIA|ABIA|ACCA)[A-Z0-9]{16}\b/dg,
  ),
  builtin(
    'aws-secret-access-key',
    'AWS secret access keys (40 characters) assigned to a *secret_access_key name, or following an access key id (credentials CSV)',
    ['access', 'akia', 'asia'],
    new RegExp(
      String.raw`secret_?access_?key${SEPARATOR}\\?["']?(?<secret>[A-Za-z0-9/+]{40})(?![A-Za-z0-9/+=])|\b(?:AKIA|ASIA)[A-Z0-9]{16}[ \t]*[,:|][ \t]*(?<secret2>[A-Za-z0-9/+]{40})(?![A-Za-z0-9/+=])`,
      'dgi',
    ),
  ),
  builtin(
    'github-token',
    'GitHub tokens: ghp_, gho_, ghs_, ghu_, ghr_ and fine-grained github_pat_',
    ['ghp_', 'gho_', 'ghs_', 'ghu_', 'ghr_', 'github_pat_'],
    /\b(?:gh[pousr]_[A-Za-z0-9]{36,}|github_pat_[A-Za-z0-9_]{22,})\b/dg,
  ),
  builtin('gitlab-token', 'GitLab personal access tokens (glpat-)', ['glpat-'], /\bglpat-[A-Za-z0-9_-]{20,}/dg),
  builtin('npm-token', 'npm access tokens (npm_ + 36)', ['npm_'], /\bnpm_[A-Za-z0-9]{36}\b/dg),
  builtin(
    'slack-token',
    'Slack tokens: xoxb-, xoxp-, xoxa-, xoxo-, xoxs-, xoxr-, xapp-',
    ['xox', 'xapp-'],
    /\b(?:xox[abposr]|xapp)-[A-Za-z0-9-]{10,}/dg,
  ),
  builtin(
    'webhook-url',
    'Slack and Discord webhook URLs (the secret path after the host)',
    ['https://'],
    /https:\/\/(?:hooks\.slack\.com\/(?:services|workflows|triggers)\/(?<secret>[A-Za-z0-9_/-]{16,})|(?:ptb\.|canary\.)?discord(?:app)?\.com\/api\/webhooks\/[0-9]{5,30}\/(?<secret2>[A-Za-z0-9_-]{16,}))/dg,
  ),
  builtin(
    'anthropic-api-key',
    'Anthropic API keys (sk-ant-…)',
    ['sk-ant-'],
    /\bsk-ant-[A-Za-z0-9_-]{20,}/dg,
    looksGenerated,
  ),
  builtin(
    'openai-api-key',
    'OpenAI-style sk- keys (sk-…, sk-proj-…, sk-svcacct-…), when the rest looks generated',
    ['sk-'],
    /\bsk-(?!ant-)[A-Za-z0-9_-]{20,}/dg,
    looksGenerated,
  ),
  builtin(
    'stripe-key',
    'Stripe secret and restricted keys (sk_live_, sk_test_, rk_…) and webhook secrets (whsec_); publishable pk_ keys are public',
    ['_live_', '_test_', 'whsec_'],
    /\b(?:(?:sk|rk)_(?:live|test)_[A-Za-z0-9]{10,}|whsec_[A-Za-z0-9+/=]{20,})/dg,
  ),
  builtin('google-api-key', 'Google API keys (AIza + 35)', ['aiza'], /\bAIza[0-9A-Za-z_-]{35}(?![0-9A-Za-z_-])/dg),
  builtin(
    'jwt',
    'JSON Web Tokens (eyJ….….…), signed or not',
    ['eyj'],
    /\beyJ[A-Za-z0-9_-]{8,8192}\.[A-Za-z0-9_-]{8,65536}\.[A-Za-z0-9_-]*/dg,
  ),
  builtin(
    'authorization-header',
    'HTTP Authorization / Proxy-Authorization header values (Bearer, Basic, token, …): the credential, not the scheme',
    ['authorization'],
    new RegExp(
      String.raw`\bauthorization${SEPARATOR}\\?["']?(?:(?:bearer|basic|token|bot|digest|negotiate|apikey|sso-key)[ \t]+)?(?<secret>[A-Za-z0-9._~+/:=-]{8,})`,
      'dgi',
    ),
    notPlaceholder,
  ),
  builtin(
    'bearer-token',
    'a generated-looking token after the word Bearer anywhere',
    ['bearer'],
    /\bbearer[ \t]+(?<secret>[A-Za-z0-9._~+/-]{16,}=*)/dgi,
    looksGenerated,
  ),
  builtin(
    'url-credentials',
    'the password in URLs with user:password@ (postgres://, https://, redis://, git credentials)',
    ['://'],
    /:\/\/[^\s/?#@:'"`]{0,256}:(?<secret>[^\s/?#@'"`]{1,256})@/dg,
    notPlaceholder,
  ),
  builtin(
    'curl-user',
    'the password in curl -u / --user user:password',
    ['curl'],
    /\bcurl\b[^\n;|&]{0,256}?[ \t](?:-u|--user)(?:[ \t]+|=)?["']?[^\s:"'`]{1,256}:(?<secret>[^\s"'`]{1,256})/dg,
    notPlaceholder,
  ),
  builtin(
    'mysql-password',
    'the password glued to -p in a mysql / mysqldump / mariadb command line (-pSECRET); -p elsewhere is a port, a flag or a path',
    ['mysql', 'mariadb'],
    new RegExp(
      String.raw`\b(?:mysql|mysqldump|mysqladmin|mysqlimport|mysqlshow|mysqlcheck|mariadb|mariadb-dump)\b[^\n;|&]{0,256}?[ \t]-p(?:${QUOTED}|${BARE})`,
      'dg',
    ),
    notPlaceholder,
  ),
  builtin(
    'env-assignment',
    'environment assignments to UPPER_CASE names ending in PASSWORD, PASSWD, PASSPHRASE, SECRET, SECRET_KEY, TOKEN, API_KEY, ACCESS_KEY, AUTH_KEY, PRIVATE_KEY, CREDENTIALS (export X=…, X=… cmd, -e X=…, .env files)',
    SECRET_WORDS,
    new RegExp(
      String.raw`(?:PASSWORD|PASSWD|PASSPHRASE|SECRET|SECRET_?KEY|TOKEN|API_?KEY|ACCESS_?KEY|AUTH_?KEY|PRIVATE_?KEY|CREDENTIALS?)=(?:${QUOTED}|${BARE})`,
      'dg',
    ),
    notPlaceholder,
  ),
  builtin(
    'cli-secret-flag',
    'command-line options --password, --passwd, --passphrase, --token, --api-key, --…-secret, --secret-key, --access-key, --auth-key (with = or a space); not --password-stdin, --token-file or docker’s --secret id=…',
    ['--'],
    new RegExp(
      String.raw`--(?!secret[= \t])(?:[a-z0-9]+-){0,4}(?:password|passwd|passphrase|token|api-?key|secret|secret-key|access-key|auth-key)(?:=|[ \t]+)(?:${QUOTED}|${BARE})`,
      'dg',
    ),
    notPlaceholder,
  ),
  builtin(
    'secret-assignment',
    'quoted literals assigned to names ending in password, passphrase, secret, secret_key, token, api_key, access_key, auth_key, private_key, credentials, in code, config and JSON text (=, :, :=, =>)',
    SECRET_WORDS,
    new RegExp(
      String.raw`(?:passw(?:or)?d|passphrase|secret(?:[_-]?key)?|token|api[_-]?key|access[_-]?key|auth[_-]?key|private[_-]?key|credentials?)${SEPARATOR}(?:\\?"(?<secret>[^"\\\n]{1,1024})\\?"|'(?<secret2>[^'\n]{1,1024})'|\x60(?<secret3>[^\x60\n]{1,1024})\x60)`,
      'dgi',
    ),
    literalValue,
  ),
  builtin(
    'config-line',
    'the unquoted one-word value of a config line whose key ends in password, passphrase, secret, secret_key, token, api_key, access_key (ini, .properties, YAML, my.cnf); not type annotations or code',
    SECRET_WORDS,
    new RegExp(
      String.raw`(?:passw(?:or)?d|passphrase|secret(?:[_-]?key)?|token|api[_-]?key|access[_-]?key)(?<=^[ \t]{0,64}(?:-[ \t]+)?[A-Za-z0-9_.-]{1,128})[ \t]{0,16}[=:][ \t]{0,16}(?<secret>[^\s"'\x60#;=][^\s]{0,1023})[ \t]*\r?$`,
      'dgim',
    ),
    configValue,
  ),
  builtin(
    'generic-secret',
    'generated-looking values (16+ characters, letters and digits, high entropy) assigned to any name containing key, secret, token, password or credential',
    SECRET_WORDS,
    new RegExp(
      String.raw`(?:key|secret|token|passw(?:or)?d|credential)[A-Za-z0-9_.-]{0,32}${SEPARATOR}\\?["'\x60]?(?<secret>[A-Za-z0-9+/=_.~-]{16,})`,
      'dgi',
    ),
    looksGenerated,
  ),
];

/** Not a regex: string values in JSON whose key says they are secret (secret-names.ts). */
export const SECRET_FIELD_ID = 'secret-field';

export const BUILTIN_IDS: readonly string[] = [...BUILTIN_PATTERNS.map((p) => p.id), SECRET_FIELD_ID];
