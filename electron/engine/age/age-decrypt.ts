import type { KeyObject } from 'node:crypto';
import { AevError } from '../../common/errors.ts';
import { checkHeaderMac, parseHeader } from './age-header.ts';
import type { ParsedHeader } from './age-header.ts';
import type { AgeIdentity } from './age-keys.ts';
import { parseIdentity } from './age-keys.ts';
import { AgePayloadDecryptor, PAYLOAD_NONCE_BYTES, payloadKey } from './age-stream.ts';
import { unwrapFileKey } from './age-x25519.ts';

/**
 * The identities of an age identity file as `age-keygen` writes it: one `AGE-SECRET-KEY-1…` per line,
 * `#` comments and blank lines ignored. Anything else is E_USAGE (the line is named, never printed).
 */
export function parseIdentityFile(text: string): AgeIdentity[] {
  const ids: AgeIdentity[] = [];
  for (const [i, raw] of text.split(/\r?\n/).entries()) {
    const line = raw.trim();
    if (line === '' || line.startsWith('#')) continue;
    try {
      ids.push(parseIdentity(line));
    } catch (cause) {
      throw new AevError('E_USAGE', `line ${i + 1} of the identity file is not an age X25519 identity`, undefined, {
        cause,
      });
    }
  }
  if (ids.length === 0) throw new AevError('E_USAGE', 'the identity file holds no AGE-SECRET-KEY-1… line');
  return ids;
}

/** An age file whose header was read and authenticated: what its payload needs. */
export interface OpenedAgePayload {
  /** The payload key (HKDF of the file key and the payload nonce); the file key itself is wiped. */
  readonly key: KeyObject;
  /** Where the payload's first sealed chunk starts in the file (after the header and the nonce). */
  readonly offset: number;
  /** The payload bytes already read with the header (valid until the next piece is asked for). */
  readonly rest: Buffer;
}

/**
 * Reads an age v1 header from the first pieces of `iterator`, unwraps the file key with one of
 * `identities`, checks the header MAC and reads the payload nonce (age-encryption.org/v1 "Header",
 * "Payload"). Errors: E_AGE_FORMAT, E_AGE_NO_IDENTITY, E_AGE_AUTH as for ageDecrypt.
 */
export async function openAgePayload(
  iterator: AsyncIterator<Uint8Array>,
  identities: readonly AgeIdentity[],
): Promise<OpenedAgePayload> {
  let head: Buffer = Buffer.alloc(0);
  let header: ParsedHeader | null = null;
  while (header === null) {
    const next = await iterator.next();
    if (next.done === true) throw new AevError('E_AGE_FORMAT', 'the file ends inside its age header');
    // The first piece is used in place (usually a large read holding the whole header); what must
    // outlive it is copied before the next piece is asked for (see ageDecrypt's source contract).
    head = head.length === 0 ? asBuffer(next.value) : Buffer.concat([head, next.value]);
    header = parseHeader(head);
    if (header === null) head = Buffer.from(head);
  }
  const fileKey = unwrapFileKey(header.stanzas, identities);
  if (fileKey === null)
    throw new AevError(
      'E_AGE_NO_IDENTITY',
      `none of the ${identities.length} identit${identities.length === 1 ? 'y' : 'ies'} given is a recipient of this file`,
    );
  checkHeaderMac(header, fileKey);
  let rest = head.subarray(header.size);
  if (rest.length < PAYLOAD_NONCE_BYTES) rest = Buffer.from(rest);
  while (rest.length < PAYLOAD_NONCE_BYTES) {
    const next = await iterator.next();
    if (next.done === true) throw new AevError('E_AGE_AUTH', 'the file ends before its payload nonce');
    rest = Buffer.concat([rest, next.value]);
  }
  const key = payloadKey(fileKey, rest.subarray(0, PAYLOAD_NONCE_BYTES));
  fileKey.fill(0);
  return { key, offset: header.size + PAYLOAD_NONCE_BYTES, rest: rest.subarray(PAYLOAD_NONCE_BYTES) };
}

/**
 * Decrypts an age v1 file streamed in pieces of any size, yielding the plaintext chunk by chunk, each
 * authenticated before it is yielded (age-encryption.org/v1). Errors: E_AGE_FORMAT (not a well-formed
 * age file), E_AGE_NO_IDENTITY (none of `identities` is a recipient), E_AGE_AUTH (the header or a chunk
 * was changed, or the file is cut short or has bytes after its end). No piece of `source` is used
 * after the next one is asked for, so a source may read every piece into the same few buffers.
 */
export async function* ageDecrypt(
  source: AsyncIterable<Uint8Array>,
  identities: readonly AgeIdentity[],
): AsyncGenerator<Buffer> {
  const iterator = source[Symbol.asyncIterator]();
  try {
    const opened = await openAgePayload(iterator, identities);
    const payload = new AgePayloadDecryptor(opened.key);
    const out: Buffer[] = [];
    payload.push(opened.rest, out);
    for (;;) {
      yield* out.splice(0);
      const next = await iterator.next();
      if (next.done === true) break;
      payload.push(next.value, out);
    }
    payload.finish(out);
    yield* out;
  } finally {
    await iterator.return?.();
  }
}

/** The same bytes as a Buffer, without copying. */
function asBuffer(u: Uint8Array): Buffer {
  return Buffer.isBuffer(u) ? u : Buffer.from(u.buffer, u.byteOffset, u.byteLength);
}
