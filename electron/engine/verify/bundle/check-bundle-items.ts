import type { ItemsSummary } from '../../../common/model/chain.ts';
import type { MediaDescriptor } from '../../../common/model/media.ts';
import { MEDIA_KINDS } from '../../../common/model/media.ts';
import type { VerifyCode } from '../../../common/model/verification.ts';
import type { BundleProof, ManifestSession } from '../../export/bundle-manifest.ts';
import { proofSchema } from '../../export/bundle-manifest.ts';
import { bundlePath } from '../../export/bundle-layout.ts';
import { isCanonicalJson } from '../../seal/canonical-json.ts';
import { leafHash, merkleRoot } from '../../seal/merkle.ts';
import type { BundleContext } from './bundle-context.ts';
import { fileBytes, parseJson } from './bundle-context.ts';
import type { BundleRecord } from './check-bundle-records.ts';

/**
 * For each content window: its proof recomputes the record's event and media roots (RFC 6962), and each
 * included item matches its leaf (docs/bundle-format.md "proofs"); withheld events are reported as such.
 */
export function checkBundleItems(
  ctx: BundleContext,
  s: ManifestSession,
  records: ReadonlyMap<number, BundleRecord>,
): void {
  const at = `session ${s.sessionId}`;
  const withheld = new Map(s.withheld.map((w) => [w.seq, w.leaf]));
  const withheldSeen = new Set<number>();
  for (const seq of s.content) {
    const record = records.get(seq);
    if (record === undefined) continue; // reported by the record checks
    const item = `${at} record ${seq} proof`;
    const parsed = proofSchema.safeParse(parseJson(fileBytes(ctx, bundlePath.proof(s.sessionId, seq))));
    if (!parsed.success || parsed.data.record !== seq) {
      ctx.report.fail(item, 'PROOF_INVALID', 'the window proof is missing or malformed');
      continue;
    }
    const proof = parsed.data;
    const eventsOk = checkRoot(ctx, `${at} record ${seq} events`, record.body.events, proof.events, 'EVENTS_ROOT');
    const mediaOk = checkRoot(ctx, `${at} record ${seq} media`, record.body.media, proof.media, 'MEDIA_ROOT');
    if (eventsOk) checkEvents(ctx, s.sessionId, proof, withheld, withheldSeen);
    if (mediaOk) checkMedia(ctx, s.sessionId, proof);
  }
  for (const [seq] of withheld)
    if (!withheldSeen.has(seq))
      ctx.report.fail(`${at} event ${seq}`, 'EVENT_WITHHELD', 'listed as withheld but not in any exported window');
}

function checkRoot(
  ctx: BundleContext,
  item: string,
  summary: ItemsSummary,
  proof: BundleProof['events'],
  code: VerifyCode,
): boolean {
  const root = merkleRoot(proof.leaves.map((l) => leafHash(Buffer.from(l, 'hex')))).toString('hex');
  const firstSeq = proof.leaves.length === 0 ? null : proof.firstSeq;
  const ok =
    root === summary.root &&
    proof.leaves.length === summary.count &&
    firstSeq === summary.firstSeq &&
    (firstSeq === null ? null : firstSeq + proof.leaves.length - 1) === summary.lastSeq;
  if (!ok)
    ctx.report.fail(item, code, `the proof's ${proof.leaves.length} leaves do not give the record's Merkle root`);
  else if (proof.leaves.length > 0) ctx.report.pass(item, `${proof.leaves.length} leaves give the record's root`);
  return ok;
}

function checkEvents(
  ctx: BundleContext,
  sessionId: string,
  proof: BundleProof,
  withheld: ReadonlyMap<number, string>,
  withheldSeen: Set<number>,
): void {
  const first = proof.events.firstSeq ?? 1;
  proof.events.leaves.forEach((leaf, i) => {
    const seq = first + i;
    const item = `session ${sessionId} event ${seq}`;
    const path = bundlePath.event(sessionId, seq);
    const entry = ctx.files.get(path);
    ctx.claimed.add(path);
    const withheldLeaf = withheld.get(seq);
    if (withheldLeaf !== undefined) {
      withheldSeen.add(seq);
      if (entry !== undefined) ctx.report.fail(item, 'EVENT_WITHHELD', 'listed as withheld, yet its file is present');
      else if (withheldLeaf !== leaf)
        ctx.report.fail(item, 'EVENT_WITHHELD', 'the withheld leaf in the manifest differs from the proof');
      else ctx.report.add(item, 'pass', 'EVENT_WITHHELD', 'withheld by the exporter; its leaf is in the proof');
      return;
    }
    if (entry === undefined) {
      ctx.report.fail(item, 'EVENT_MISSING', 'the event is neither in the bundle nor listed as withheld');
      return;
    }
    if (entry.sha256 !== leaf) {
      ctx.report.fail(item, 'EVENT_DIGEST', 'the event bytes do not match their leaf in the proof');
      return;
    }
    const meta = (parseJson(entry.bytes) as { meta?: { id?: unknown; seq?: unknown; sessionId?: unknown } } | undefined)
      ?.meta;
    if (meta?.seq !== seq || meta.sessionId !== sessionId || typeof meta.id !== 'string') {
      ctx.report.fail(item, 'EVENT_ROW', 'the event names another session or seq than its place in the bundle');
      return;
    }
    ctx.report.pass(item, `event ${meta.id} matches its leaf`);
  });
}

function checkMedia(ctx: BundleContext, sessionId: string, proof: BundleProof): void {
  const first = proof.media.firstSeq ?? 1;
  proof.media.leaves.forEach((leaf, i) => {
    const seq = first + i;
    const item = `session ${sessionId} media ${seq}`;
    const descPath = bundlePath.mediaDescriptor(sessionId, seq);
    const descEntry = ctx.files.get(descPath);
    const descBytes = fileBytes(ctx, descPath);
    if (descEntry === undefined || descBytes === null) {
      ctx.report.fail(item, 'MEDIA_MISSING', 'the media descriptor is not in the bundle');
      return;
    }
    const d = parseJson(descBytes) as Partial<MediaDescriptor> | undefined;
    if (
      descEntry.sha256 !== leaf ||
      !isCanonicalJson(descBytes) ||
      d?.sessionId !== sessionId ||
      d.seq !== seq ||
      !(MEDIA_KINDS as readonly (string | undefined)[]).includes(d.kind) ||
      typeof d.sha256 !== 'string' ||
      typeof d.bytes !== 'number'
    ) {
      ctx.report.fail(item, 'MEDIA_DESCRIPTOR', 'the media descriptor does not match its leaf or its place');
      return;
    }
    const path = bundlePath.media(sessionId, seq, d.kind as MediaDescriptor['kind']);
    ctx.claimed.add(path);
    const entry = ctx.files.get(path);
    if (entry === undefined) ctx.report.fail(item, 'MEDIA_MISSING', `${path} is not in the bundle`);
    else if (entry.size !== d.bytes || entry.sha256 !== d.sha256)
      ctx.report.fail(item, 'MEDIA_DIGEST', 'the media bytes do not match their sealed SHA-256');
    else ctx.report.pass(item, `${d.kind} (${d.bytes} bytes) matches its descriptor`);
  });
}
