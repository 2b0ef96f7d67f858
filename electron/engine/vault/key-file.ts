import fs from 'node:fs';
import path from 'node:path';
import { z } from 'zod';
import { AevError } from '../../common/errors.ts';
import { writeDurableFile } from './durable-file.ts';
import { MAX_LOG_N, MIN_LOG_N } from './passphrase-kdf.ts';

export const KEY_FILE_NAME = 'keys.json';
export const KEY_FILE_FORMAT = 'agent-evidence/vault-keys';
export const KEY_FILE_VERSION = 1;

const base64Of = (bytes: number) =>
  z.base64().refine((s) => Buffer.from(s, 'base64').length === bytes, { message: `expected ${bytes} bytes` });

// 32-byte master key sealed by aead.ts: 12-byte IV + 32 + 16-byte tag.
const wrapped = base64Of(60);
const check = base64Of(32);

const passphraseWrapper = z.strictObject({
  kind: z.literal('passphrase'),
  kdf: z.strictObject({
    name: z.literal('scrypt'),
    logN: z.int().min(MIN_LOG_N).max(MAX_LOG_N),
    r: z.literal(8),
    p: z.literal(1),
    salt: base64Of(16),
  }),
  check,
  wrapped,
});

const keyringWrapper = z.strictObject({
  kind: z.literal('keyring'),
  account: z.string().regex(/^vault-[0-9a-f]{32}$/),
  check,
  wrapped,
});

const keyFileSchema = z
  .strictObject({
    format: z.literal(KEY_FILE_FORMAT),
    version: z.literal(KEY_FILE_VERSION),
    vaultId: z.string().regex(/^[0-9a-f]{32}$/),
    wrappers: z
      .array(z.discriminatedUnion('kind', [passphraseWrapper, keyringWrapper]))
      .min(1)
      .max(2),
  })
  .refine((f) => new Set(f.wrappers.map((w) => w.kind)).size === f.wrappers.length, {
    message: 'duplicate wrapper kind',
  });

export type KeyFile = z.infer<typeof keyFileSchema>;
export type KeyWrapper = KeyFile['wrappers'][number];
export type PassphraseWrapper = z.infer<typeof passphraseWrapper>;
export type KeyringWrapper = z.infer<typeof keyringWrapper>;

export function keyFilePath(vaultDir: string): string {
  return path.join(vaultDir, KEY_FILE_NAME);
}

/** Reads and validates the key file; a damaged one is E_VAULT_CORRUPT naming what is wrong. */
export function readKeyFile(vaultDir: string): KeyFile {
  const file = keyFilePath(vaultDir);
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (cause) {
    if ((cause as NodeJS.ErrnoException).code === 'ENOENT') {
      throw new AevError(
        'E_VAULT_MISSING',
        `no vault in ${vaultDir} (${KEY_FILE_NAME} is missing)`,
        { vaultDir },
        { cause },
      );
    }
    throw new AevError('E_IO', `cannot read ${file}`, { file }, { cause });
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (cause) {
    throw corrupt(file, 'it is not valid JSON', cause);
  }
  const parsed = keyFileSchema.safeParse(json);
  if (!parsed.success) {
    const first = parsed.error.issues[0];
    const where = first === undefined || first.path.length === 0 ? '' : ` at ${first.path.join('.')}`;
    throw corrupt(file, `${first?.message ?? 'invalid'}${where}`, parsed.error);
  }
  return parsed.data;
}

export async function writeKeyFile(vaultDir: string, keyFile: KeyFile): Promise<void> {
  const valid = keyFileSchema.parse(keyFile);
  await writeDurableFile(keyFilePath(vaultDir), Buffer.from(`${JSON.stringify(valid, null, 2)}\n`, 'utf8'));
}

export function corrupt(file: string, why: string, cause?: unknown): AevError {
  return new AevError(
    'E_VAULT_CORRUPT',
    `the vault key file ${file} is damaged (${why}); restore it from a backup: without it the evidence cannot be decrypted`,
    { file },
    cause === undefined ? undefined : { cause },
  );
}
