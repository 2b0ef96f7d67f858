import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import type { KeyringPort } from '../../../native/keychain/keyring.ts';
import { AevError } from '../../common/errors.ts';
import type { RequestedRange } from '../access/access-entry.ts';
import { checkRecipients } from '../export/bundle-sink.ts';
import { runtimePaths } from '../runtime/data-root.ts';
import { allowedSignersLine, fingerprintSha256, loadDeviceKey, publicKeyOpenSsh } from '../seal/device-key.ts';
import { signSshsig } from '../seal/sshsig.ts';
import { openVault } from '../vault/vault.ts';
import {
  DEFAULT_REQUEST_TTL_MS,
  MAX_REQUEST_TTL_MS,
  REQUEST_NAMESPACE,
  REQUEST_TYPE,
  clipRequestSchema,
  formatRequestFile,
  requestSignedBytes,
} from './request-format.ts';
import type { ClipRequest } from './request-format.ts';

export interface CreateRequestOptions {
  readonly dataRoot: string;
  readonly keyring: KeyringPort | null;
  readonly passphrase: string | undefined;
  readonly sessionId: string;
  readonly range: RequestedRange;
  readonly reason: string;
  /** The requester's own age recipient: the bundle will be encrypted to it. */
  readonly recipient: string;
  readonly out: string;
  readonly ttlMs?: number;
  readonly now?: () => number;
}

export interface CreatedRequest {
  readonly out: string;
  readonly request: ClipRequest;
  /** The line a reviewer puts in the file they pass to `--trust-requester` (ssh-keygen allowed_signers). */
  readonly allowedSigners: string;
}

/** The principal suggested in the allowed_signers line printed for reviewers. */
export const REQUESTER_PRINCIPAL = 'aev-requester';

/**
 * `aev request create`: signs a clip request with this machine's device key (it stays in the vault;
 * only the signature and the public key leave) and writes the request file. Nothing about the session
 * is known here: the developer's vault resolves the range when reviewing.
 */
export async function createRequest(o: CreateRequestOptions): Promise<CreatedRequest> {
  const nowMs = (o.now ?? Date.now)();
  const ttl = o.ttlMs ?? DEFAULT_REQUEST_TTL_MS;
  if (!(Number.isInteger(ttl) && ttl >= 60_000 && ttl <= MAX_REQUEST_TTL_MS))
    throw new AevError('E_USAGE', 'a request expires between 1 minute and 30 days after it is made');
  checkRecipients([o.recipient]);
  const range = normalizedRange(o.range);
  if (fs.existsSync(o.out)) throw new AevError('E_USAGE', `${o.out} already exists; choose another --out`);
  const paths = runtimePaths(o.dataRoot);
  const vault = await openVault({ vaultDir: paths.vaultDir, keyring: o.keyring, passphrase: o.passphrase });
  let device: ReturnType<typeof loadDeviceKey>;
  try {
    if (!vault.objects.has('device-key', 'device'))
      throw new AevError(
        'E_NOT_FOUND',
        'no device key yet: it is created the first time the engine starts (`aev daemon`)',
      );
    device = loadDeviceKey(await vault.objects.get('device-key', 'device'));
  } finally {
    vault.close();
  }
  const draft = {
    type: REQUEST_TYPE,
    v: 1,
    sessionId: o.sessionId,
    range,
    reason: o.reason,
    recipient: o.recipient,
    requester: {
      publicKey: publicKeyOpenSsh(device.publicKeyRaw, ''),
      fingerprint: fingerprintSha256(device.publicKeyRaw),
    },
    createdAt: new Date(nowMs).toISOString(),
    expiresAt: new Date(nowMs + ttl).toISOString(),
    nonce: randomBytes(32).toString('base64url'),
  };
  // The reviewer applies exactly this schema: refuse here what would be refused there.
  const parsed = clipRequestSchema.safeParse(draft);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new AevError(
      'E_USAGE',
      `cannot make this request: ${issue === undefined ? 'invalid' : `${issue.path.map(String).join('.')}: ${issue.message}`}`,
    );
  }
  const request = parsed.data;
  const signature = signSshsig(requestSignedBytes(request), device.privateKey, REQUEST_NAMESPACE);
  try {
    fs.writeFileSync(o.out, formatRequestFile({ request, signature }), { flag: 'wx', mode: 0o644 });
  } catch (cause) {
    throw new AevError('E_IO', `cannot write ${o.out}`, undefined, { cause });
  }
  return {
    out: o.out,
    request,
    allowedSigners: allowedSignersLine(REQUESTER_PRINCIPAL, device.publicKeyRaw, REQUEST_NAMESPACE),
  };
}

/** Times in the one form the signed body uses (ISO 8601 UTC with milliseconds). */
function normalizedRange(r: RequestedRange): RequestedRange {
  if (r.kind === 'tool') return r;
  const from = Date.parse(r.from);
  const to = Date.parse(r.to);
  if (Number.isNaN(from) || Number.isNaN(to))
    throw new AevError('E_USAGE', '--from and --to must be ISO 8601 times, e.g. 2026-11-29T14:02:00Z');
  if (!(from < to)) throw new AevError('E_USAGE', '--from must be earlier than --to');
  return { kind: 'time', from: new Date(from).toISOString(), to: new Date(to).toISOString() };
}
