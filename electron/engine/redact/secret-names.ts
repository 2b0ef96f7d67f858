/**
 * When a name says its value is a secret: JSON keys (`{"env":{"API_TOKEN":"…"}}`), environment
 * variables and settings. The rule is about how the name ENDS, because that is where English puts the
 * noun: `GITHUB_TOKEN`, `db_password`, `apiKey`, `client-secret` are secrets, while `token_type`,
 * `max_tokens`, `password_policy`, `PASSWORD_FILE` and `primary_key` are not. A bare `key` is not
 * enough (`sort_key`, keyboard events), nor `pwd` (the shell's working directory).
 */
const SECRET_NAME_ENDINGS = [
  'password',
  'passwd',
  'passphrase',
  'secret',
  'token',
  'apikey',
  'api_key',
  'accesskey',
  'access_key',
  'secretkey',
  'secret_key',
  'privatekey',
  'private_key',
  'signing_key',
  'encryption_key',
  'master_key',
  'credential',
  'credentials',
  'authorization',
  'cookie',
] as const;

const ENDING = new RegExp(`(?:${SECRET_NAME_ENDINGS.join('|')})$`);

/** Longest name looked at: keys are short; a long one is data, not a name. */
const MAX_NAME_LENGTH = 128;

/** `apiKey` → `api_key`, `X-Api-Key` → `x_api_key`, `client.secret` → `client_secret`. */
function normalizeName(name: string): string {
  return name
    .replace(/([a-z0-9])([A-Z])/g, '$1_$2')
    .toLowerCase()
    .replace(/[-. ]/g, '_');
}

export function isSecretName(name: string): boolean {
  return name.length > 0 && name.length <= MAX_NAME_LENGTH && ENDING.test(normalizeName(name));
}

/**
 * Values that only stand for a secret (a variable reference, a template, a mask, a redaction already
 * made): replacing them would hide what the agent did without protecting anything.
 */
const PLACEHOLDER =
  /^(?:\$\{?[A-Za-z_][A-Za-z0-9_]{0,127}\}?|\$\([^)]{0,256}\)|\{\{[^}]{0,256}\}\}|%[A-Za-z_][A-Za-z0-9_]{0,127}%|<[^<>\n]{0,64}>|[*x•.]{1,64}|\[REDACTED[^\]\n]{0,80}\]|true|false|null|none|undefined)$/i;

export function isPlaceholder(value: string): boolean {
  return value.trim() === '' || PLACEHOLDER.test(value);
}
