import type { BundleManifest } from '../../export/bundle-manifest.ts';
import { manifestSchema } from '../../export/bundle-manifest.ts';
import {
  ALLOWED_SIGNERS,
  DEVICE_PUB,
  MANIFEST,
  MANIFEST_SIG,
  SUMS,
  TRUST_PEM,
  VERIFY_MD,
} from '../../export/bundle-layout.ts';
import { isCanonicalJson } from '../../seal/canonical-json.ts';
import { DEVICE_PRINCIPAL, SIGNATURE_NAMESPACE } from '../../seal/device-identity.ts';
import { allowedSignersLine, fingerprintSha256, parseOpenSshPublicKey } from '../../seal/device-key.ts';
import { verifySshsig } from '../../seal/sshsig.ts';
import type { BundleContext } from './bundle-context.ts';
import { fileBytes, parseJson } from './bundle-context.ts';

/** device/device.pub is the key everything is checked against; allowed_signers must say the same. */
export function checkDevice(ctx: BundleContext): void {
  const pub = fileBytes(ctx, DEVICE_PUB);
  const allowed = fileBytes(ctx, ALLOWED_SIGNERS);
  if (pub === null) {
    ctx.report.fail('device key', 'DEVICE_KEY', `${DEVICE_PUB} is missing`);
    return;
  }
  let raw: Buffer;
  try {
    raw = parseOpenSshPublicKey(pub.toString('utf8'));
  } catch {
    ctx.report.fail('device key', 'DEVICE_KEY', `${DEVICE_PUB} is not an ssh-ed25519 public key`);
    return;
  }
  ctx.devicePublicKey = raw;
  ctx.deviceFingerprint = fingerprintSha256(raw);
  const expected = allowedSignersLine(DEVICE_PRINCIPAL, raw, SIGNATURE_NAMESPACE);
  if (allowed === null || allowed.toString('utf8').trim() !== expected)
    ctx.report.fail(
      'device key',
      'DEVICE_KEY',
      `${ALLOWED_SIGNERS} does not trust exactly ${DEVICE_PUB} for namespace ${SIGNATURE_NAMESPACE}`,
    );
  else ctx.report.pass('device key', `Ed25519 ${ctx.deviceFingerprint}`);
}

/** manifest.json: canonical, well-formed, signed by the device key, naming that device. */
export function checkManifest(ctx: BundleContext): BundleManifest | null {
  const bytes = fileBytes(ctx, MANIFEST);
  const sig = fileBytes(ctx, MANIFEST_SIG);
  if (bytes === null) {
    ctx.report.fail('manifest', 'MANIFEST_SCHEMA', `${MANIFEST} is missing`);
    return null;
  }
  const parsed = manifestSchema.safeParse(parseJson(bytes));
  if (!parsed.success) {
    ctx.report.fail(
      'manifest',
      'MANIFEST_SCHEMA',
      `not a v1 bundle manifest: ${parsed.error.issues[0]?.message ?? ''}`,
    );
    return null;
  }
  let ok = true;
  if (!isCanonicalJson(bytes)) {
    ctx.report.fail('manifest', 'MANIFEST_SCHEMA', 'the manifest is not RFC 8785 canonical JSON');
    ok = false;
  }
  if (ctx.devicePublicKey !== null) {
    const v =
      sig === null
        ? { valid: false, code: 'missing' }
        : verifySshsig(bytes, sig.toString('utf8'), ctx.devicePublicKey, SIGNATURE_NAMESPACE);
    if (!v.valid) {
      ctx.report.fail('manifest', 'MANIFEST_SIGNATURE', `the manifest signature is invalid (${v.code ?? 'SIG_BAD'})`);
      ok = false;
    }
    if (parsed.data.device !== ctx.deviceFingerprint) {
      ctx.report.fail('manifest', 'DEVICE_KEY', `the manifest names device ${parsed.data.device}`);
      ok = false;
    }
  }
  if (ok)
    ctx.report.pass(
      'manifest',
      `bundle ${parsed.data.bundleId}, ${parsed.data.range.from} → ${parsed.data.range.to}, signed by the device`,
    );
  return parsed.data;
}

/** SHA256SUMS as `sha256sum -c` reads it, plus: every other file must be listed, and the count signed. */
export function checkSums(ctx: BundleContext, manifest: BundleManifest | null): void {
  const bytes = fileBytes(ctx, SUMS);
  if (bytes === null) {
    ctx.report.fail(SUMS, 'SUMS_MISSING', `${SUMS} is missing`);
    return;
  }
  const listed = new Set<string>();
  let failures = 0;
  const lines = bytes.toString('utf8').split('\n');
  if (lines.at(-1) === '') lines.pop();
  for (const line of lines) {
    const m = /^([0-9a-f]{64}) [ *](.+)$/.exec(line);
    if (m === null || listed.has(m[2] ?? '')) {
      ctx.report.fail(SUMS, 'SUMS_MISMATCH', `malformed or repeated line ${JSON.stringify(line.slice(0, 120))}`);
      failures += 1;
      continue;
    }
    const [, hex, path] = m as unknown as [string, string, string];
    listed.add(path);
    const entry = ctx.files.get(path);
    if (entry === undefined) {
      ctx.report.fail(`file ${path}`, 'SUMS_MISSING', 'listed in SHA256SUMS but not in the bundle');
      failures += 1;
    } else if (entry.sha256 !== hex) {
      ctx.report.fail(`file ${path}`, 'SUMS_MISMATCH', 'does not match its SHA256SUMS line');
      failures += 1;
    }
  }
  for (const path of ctx.files.keys()) {
    if (path === SUMS || path === MANIFEST_SIG || listed.has(path)) continue;
    ctx.report.fail(`file ${path}`, 'SUMS_UNLISTED', 'in the bundle but not in SHA256SUMS');
    failures += 1;
  }
  if (manifest !== null && manifest.files !== lines.length) {
    ctx.report.fail(SUMS, 'SUMS_MISMATCH', `${lines.length} lines, but the signed manifest says ${manifest.files}`);
    failures += 1;
  }
  // SHA256SUMS itself is bound by the manifest's signed count and by each file's own checks below.
  if (failures === 0) ctx.report.pass(SUMS, `${lines.length} files match their SHA-256`);
  for (const p of [VERIFY_MD, TRUST_PEM]) ctx.claimed.add(p);
}
