import fs from 'node:fs';
import { AevError } from '../../common/errors.ts';
import { checkRecipients } from '../export/bundle-sink.ts';
import { fingerprintSha256, parseOpenSshPublicKey } from '../seal/device-key.ts';
import { verifySshsig } from '../seal/sshsig.ts';
import {
  CLOCK_SKEW_MS,
  MAX_REQUEST_BYTES,
  MAX_REQUEST_TTL_MS,
  REQUEST_NAMESPACE,
  requestFileSchema,
  requestSha256,
  requestSignedBytes,
} from './request-format.ts';
import type { ClipRequest } from './request-format.ts';

/** A request whose form, signature and lifetime have been checked; what it asks is still to be decided. */
export interface VerifiedRequest {
  readonly request: ClipRequest;
  /** Hex SHA-256 of the signed bytes. */
  readonly sha256: string;
  /** The requester's raw Ed25519 public key (it verified the signature). */
  readonly requesterKey: Buffer;
}

/**
 * Reads a request file, hostile input: at most MAX_REQUEST_BYTES are read (a device or FIFO passed as
 * the file cannot make us read forever), then it must be a regular file's worth of UTF-8 JSON.
 */
export function readRequestFile(file: string): Buffer {
  let fd: number;
  try {
    fd = fs.openSync(file, 'r');
  } catch (cause) {
    throw new AevError('E_IO', `cannot open the request ${file}`, undefined, { cause });
  }
  try {
    const buf = Buffer.alloc(MAX_REQUEST_BYTES + 1);
    let size = 0;
    for (;;) {
      const n = fs.readSync(fd, buf, size, buf.length - size, null);
      if (n === 0) break;
      size += n;
      if (size > MAX_REQUEST_BYTES)
        throw new AevError('E_REQUEST_INVALID', `${file} is larger than ${MAX_REQUEST_BYTES} bytes: not a request`);
    }
    return buf.subarray(0, size);
  } catch (cause) {
    if (cause instanceof AevError) throw cause;
    throw new AevError('E_IO', `cannot read the request ${file}`, undefined, { cause });
  } finally {
    fs.closeSync(fd);
  }
}

/**
 * Checks a request in the order that names the real problem: form (strict schema), the key and its
 * fingerprint, the signature (so an altered request is called altered, whatever else it claims), then
 * its lifetime against `nowMs`. Every refusal is a coded error; nothing here touches the vault.
 */
export function verifyRequest(bytes: Buffer, nowMs: number): VerifiedRequest {
  let doc: unknown;
  try {
    doc = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(bytes));
  } catch {
    throw new AevError('E_REQUEST_INVALID', 'not a request: the file is not UTF-8 JSON');
  }
  const parsed = requestFileSchema.safeParse(doc);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const where = issue === undefined || issue.path.length === 0 ? '' : ` at ${issue.path.map(String).join('.')}`;
    throw new AevError('E_REQUEST_INVALID', `not a valid request${where}: ${issue?.message ?? 'invalid'}`);
  }
  const { request, signature } = parsed.data;
  let key: Buffer;
  try {
    key = parseOpenSshPublicKey(request.requester.publicKey);
  } catch {
    throw new AevError('E_REQUEST_INVALID', 'the requester key is not an ssh-ed25519 public key');
  }
  if (fingerprintSha256(key) !== request.requester.fingerprint)
    throw new AevError('E_REQUEST_INVALID', 'the requester fingerprint does not belong to the requester key');
  const verdict = verifySshsig(requestSignedBytes(request), signature, key, REQUEST_NAMESPACE);
  if (!verdict.valid)
    throw new AevError(
      'E_REQUEST_SIGNATURE',
      `the request signature does not verify (${verdict.code ?? 'SIG_BAD'}: ${verdict.message ?? ''}): ` +
        'it was changed after it was signed, or not signed by the key it names',
      { code: verdict.code },
    );
  try {
    checkRecipients([request.recipient]);
  } catch {
    throw new AevError('E_REQUEST_INVALID', 'the request recipient is not a valid age X25519 recipient');
  }
  checkLifetime(request, nowMs);
  return { request, sha256: requestSha256(request), requesterKey: key };
}

function checkLifetime(r: ClipRequest, nowMs: number): void {
  const created = Date.parse(r.createdAt);
  const expires = Date.parse(r.expiresAt);
  if (!(expires > created) || expires - created > MAX_REQUEST_TTL_MS)
    throw new AevError('E_REQUEST_INVALID', 'the request must expire after it is made and within 30 days');
  if (created > nowMs + CLOCK_SKEW_MS)
    throw new AevError('E_REQUEST_INVALID', `the request claims to be made in the future (${r.createdAt})`);
  if (nowMs >= expires)
    throw new AevError('E_REQUEST_EXPIRED', `the request expired on ${r.expiresAt}: ask for a new one`, {
      expiresAt: r.expiresAt,
    });
}
