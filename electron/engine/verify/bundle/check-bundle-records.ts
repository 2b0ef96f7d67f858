import { createHash } from 'node:crypto';
import type { ChainRecordBody } from '../../../common/model/chain.ts';
import type { VerifyCode } from '../../../common/model/verification.ts';
import type { ManifestSession, SessionFacts } from '../../export/bundle-manifest.ts';
import { bundlePath } from '../../export/bundle-layout.ts';
import { isCanonicalJson } from '../../seal/canonical-json.ts';
import { SIGNATURE_NAMESPACE } from '../../seal/device-identity.ts';
import { verifySshsig } from '../../seal/sshsig.ts';
import { chainRecordBodySchema } from '../chain-record-schema.ts';
import type { BundleContext } from './bundle-context.ts';
import { fileBytes, parseJson } from './bundle-context.ts';

export interface BundleRecord {
  readonly body: ChainRecordBody;
  /** SHA-256 of the record's bytes: what the next record links to and a token stamps. */
  readonly hash: Buffer;
}

/**
 * Each included record on its own (canonical form, schema, seq = file name, session, device, SSHSIG),
 * then within each run of consecutive seqs the links and coverage (docs/chain-format.md). A run that
 * starts at record 1 must start at the session's start with no `prev`.
 */
export function checkBundleRecords(
  ctx: BundleContext,
  s: ManifestSession,
  facts: SessionFacts | null,
): Map<number, BundleRecord> {
  const at = `session ${s.sessionId}`;
  const out = new Map<number, BundleRecord>();
  const seqs = [...new Set([...s.content, ...s.context])].sort((a, b) => a - b);
  let previous: { seq: number; hash: Buffer; body: ChainRecordBody | null } | null = null;
  for (const seq of seqs) {
    const item = `${at} record ${seq}`;
    const bytes = fileBytes(ctx, bundlePath.record(s.sessionId, seq));
    const sig = fileBytes(ctx, bundlePath.recordSig(s.sessionId, seq));
    if (bytes === null) {
      ctx.report.fail(item, 'RECORD_MISSING', 'the manifest lists this record but the bundle does not hold it');
      previous = null;
      continue;
    }
    const failures: VerifyCode[] = [];
    const fail = (code: VerifyCode, message: string): void => {
      failures.push(code);
      ctx.report.fail(item, code, message);
    };
    const hash = createHash('sha256').update(bytes).digest();
    let body: ChainRecordBody | null = null;
    const parsed = chainRecordBodySchema.safeParse(parseJson(bytes));
    if (parsed.success) body = parsed.data;
    else fail('RECORD_SCHEMA', `not a valid chain record: ${parsed.error.issues[0]?.message ?? 'not JSON'}`);
    if (body !== null && !isCanonicalJson(bytes))
      fail('RECORD_CANONICAL', 'the record is not in RFC 8785 canonical form');
    if (body !== null) {
      if (body.seq !== seq)
        fail('RECORD_SEQ', `the file of record ${seq} holds record ${body.seq} (reordered or replaced)`);
      if (body.sessionId !== s.sessionId) fail('RECORD_SESSION', `the record belongs to session ${body.sessionId}`);
      if (ctx.deviceFingerprint !== null && body.device !== ctx.deviceFingerprint)
        fail('RECORD_DEVICE', `signed by another device (${body.device})`);
      if (facts !== null && (body.agent !== facts.agent || body.agentSessionId !== facts.agentSessionId))
        fail('RECORD_SESSION', 'the record names another agent session than session.json');
      const prev = previous !== null && previous.seq === seq - 1 ? previous : null;
      if (seq === 1) {
        if (body.prev !== null) fail('RECORD_LINK', 'record 1 must not link to a previous record');
        if (facts !== null && body.from !== facts.startedAt)
          fail('RECORD_COVERAGE', `record 1 starts ${body.from}, the session started ${facts.startedAt}`);
      } else if (prev !== null) {
        if (body.prev !== prev.hash.toString('hex'))
          fail('RECORD_LINK', `the record does not link to record ${seq - 1}`);
        if (prev.body !== null && body.from !== prev.body.to)
          fail(
            'RECORD_COVERAGE',
            `coverage hole or overlap: starts ${body.from}, record ${seq - 1} ended ${prev.body.to}`,
          );
        if (prev.body?.final === true) fail('RECORD_AFTER_FINAL', 'a record follows the final record');
      }
    }
    if (ctx.devicePublicKey === null) fail('RECORD_SIGNATURE', 'no device key to check the signature with');
    else {
      const v =
        sig === null
          ? { valid: false, code: 'missing' }
          : verifySshsig(bytes, sig.toString('utf8'), ctx.devicePublicKey, SIGNATURE_NAMESPACE);
      if (!v.valid) fail('RECORD_SIGNATURE', `device signature invalid (${v.code ?? 'SIG_BAD'})`);
    }
    if (body !== null) out.set(seq, { body, hash });
    if (failures.length === 0 && body !== null)
      ctx.report.pass(item, `${body.kind} ${body.from} → ${body.to}: canonical, linked and signed`);
    previous = { seq, hash, body };
  }
  return out;
}
