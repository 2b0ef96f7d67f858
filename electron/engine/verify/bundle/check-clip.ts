import { createHash } from 'node:crypto';
import type { MediaDescriptor } from '../../../common/model/media.ts';
import type { BundleClip, BundleManifest } from '../../export/bundle-manifest.ts';
import { manifestSchema } from '../../export/bundle-manifest.ts';
import { CLIP_CAST, CLIP_MP4, bundlePath } from '../../export/bundle-layout.ts';
import { findFfmpeg } from '../../export/clip-ffmpeg.ts';
import { videoPacketDigests } from '../../export/clip-remux.ts';
import type { BundleContext } from './bundle-context.ts';
import { parseJson } from './bundle-context.ts';
import type { ClipPackets, EarlySealedSamples } from './clip-sample-sink.ts';
import { firstDifference } from './compare-samples.ts';
import { locatedOnly } from './sample-match.ts';
import type { PacketDigests } from './streamed-digests.ts';
import type { BundleEntry } from './tar-reader.ts';
import { readVideoSamples } from './video-sample-reader.ts';
import type { VideoSamplesResult } from './video-sample-reader.ts';

/**
 * clip.mp4 is checked up to this size (read as it streams past, or held in memory when a caller did not
 * stream it); a larger one is reported as not checked.
 */
export const CLIP_KEEP_BYTES = 1024 * 1024 * 1024;

/**
 * clip/ is made of exactly the sealed media the signed manifest names (docs/bundle-format.md "clip/"):
 * clip.mp4's video packets are the named init segment and fragments' packets (same count and, per
 * packet, same timestamps, duration, size and bytes: compare-samples.ts), and terminal.cast is the named terminal chunks
 * concatenated. Those media files are checked against their seals by the item checks; this check ties
 * the playable copies to them. The packets are read in this process (video-sample-reader.ts); only
 * when either side is an MP4 that reader does not handle are both compared by ffmpeg's framemd5 in
 * stream copy instead, and then without ffmpeg the clip is reported as not checked (pending), never as
 * passed. captions.vtt and report.html are covered by SHA256SUMS only.
 * `early`: what verify-bundle.ts started while the archive was read: clip.mp4's packets (its bytes
 * are then not kept) and the sealed video items' samples.
 */
export async function checkClip(
  ctx: BundleContext,
  manifest: BundleManifest,
  env: Readonly<Record<string, string | undefined>>,
  early: {
    /**
     * Asks findFfmpeg (or answers with the only candidate, see `unprobed`): only called when ffmpeg is
     * needed, for an MP4 the in-process reader does not handle.
     */
    readonly ffmpeg?: () => ReturnType<typeof findFfmpeg>;
    /**
     * Set when `ffmpeg` is the only candidate, not tried first: when a run fails (or cannot start),
     * this says whether that ffmpeg runs at all, which decides between not checked and a mismatch.
     */
    readonly unprobed?: () => ReturnType<typeof findFfmpeg>;
    readonly clip?: Promise<ClipPackets>;
    readonly sealed?: EarlySealedSamples | null;
  } = {},
): Promise<void> {
  const clip = manifest.clip;
  if (clip === undefined) {
    for (const p of [CLIP_MP4, CLIP_CAST])
      if (ctx.files.has(p))
        ctx.report.fail(`file ${p}`, 'CLIP_MISMATCH', 'the manifest names no media this file is made of');
    return;
  }
  await checkVideo(
    ctx,
    manifest,
    clip,
    early.ffmpeg ?? (() => findFfmpeg(env)),
    early.clip,
    early.sealed ?? null,
    early.unprobed,
  );
  checkCast(ctx, manifest, clip);
}

async function checkVideo(
  ctx: BundleContext,
  manifest: BundleManifest,
  clip: BundleClip,
  found: () => ReturnType<typeof findFfmpeg>,
  streamed: Promise<ClipPackets> | undefined,
  early: EarlySealedSamples | null,
  unprobed: (() => ReturnType<typeof findFfmpeg>) | undefined,
): Promise<void> {
  const item = `file ${CLIP_MP4}`;
  const entry = ctx.files.get(CLIP_MP4);
  if (clip.video === null) {
    if (entry !== undefined)
      ctx.report.fail(item, 'CLIP_MISMATCH', 'present, yet the manifest says the bundle has no clip');
    return;
  }
  const v = clip.video;
  if (entry === undefined) {
    ctx.report.fail(item, 'CLIP_MISMATCH', 'the manifest names a clip, but the file is missing');
    return;
  }
  const session = manifest.sessions.find((s) => s.sessionId === v.sessionId);
  if (session?.kind !== 'screen') {
    ctx.report.fail(
      item,
      'CLIP_MISMATCH',
      `the manifest's clip names ${v.sessionId}, not an exported screen recording`,
    );
    return;
  }
  const parts: Buffer[] = [];
  const seqs = [v.init, ...v.fragments];
  for (const [i, seq] of seqs.entries()) {
    const d = parseJson(ctx.files.get(bundlePath.mediaDescriptor(v.sessionId, seq))?.bytes ?? null) as
      Partial<MediaDescriptor> | undefined;
    const wanted = i === 0 ? d?.kind === 'video-init' : d?.kind === 'video-fragment' && d.info?.init === v.init;
    const file = ctx.files.get(bundlePath.media(v.sessionId, seq, i === 0 ? 'video-init' : 'video-fragment'));
    if (!wanted || file === undefined) {
      ctx.report.fail(item, 'CLIP_MISMATCH', `the clip's media item ${seq} is not a matching video item of the bundle`);
      return;
    }
    const pieces = file.pieces ?? (file.bytes === null ? null : [file.bytes]);
    if (pieces === null) {
      ctx.report.pending(item, 'CLIP_UNCHECKED', `not checked: media item ${seq} is too large to hold in memory`);
      return;
    }
    parts.push(...pieces);
  }
  if (entry.bytes === null && streamed === undefined) {
    ctx.report.pending(item, 'CLIP_UNCHECKED', `not checked: ${entry.size} bytes are too many to hold in memory`);
    return;
  }
  const clipBytes = entry.bytes;
  const clipRead = await (streamed ?? readVideoSamples(clipBytes === null ? [] : [clipBytes]).then(heldClip));
  let why: string;
  if (clipRead.kind === 'samples') {
    // Compared with the sealed bytes as it streamed (sample-match.ts): only against these very items.
    const matched = clipRead.against;
    if (matched !== null && (early === null || early.pieces !== matched || !samePieces(matched, parts))) {
      ctx.report.pending(item, 'CLIP_UNCHECKED', 'not checked: clip.mp4 was compared with other items than these');
      return;
    }
    const sealedRead = matched === null || early === null ? await readVideoSamples(parts) : await early.result;
    if (sealedRead.ok) {
      const differs = firstDifference(clipRead.samples, sealedRead);
      reportPackets(ctx, clipRead.samples.size.length, sealedRead.size.length, differs, v.fragments.length);
      return;
    }
    why = `the sealed video: ${sealedRead.unsupported}`;
    if (clipBytes === null) {
      ctx.report.pending(
        item,
        'CLIP_UNCHECKED',
        `not checked: ${why}, and clip.mp4 was read as it streamed past, not kept for ffmpeg`,
      );
      return;
    }
  } else if (clipRead.kind === 'unreadable') {
    ctx.report.fail(item, 'CLIP_MISMATCH', `not a readable fragmented MP4: ${clipRead.reason}`);
    return;
  } else why = `clip.mp4: ${clipRead.unsupported}`;
  // Either side is an MP4 the in-process reader does not handle: both go to ffmpeg's framemd5.
  const ffmpeg = await found();
  if (ffmpeg.path === null) {
    ctx.report.pending(item, 'CLIP_UNCHECKED', `not checked against the sealed video: ${ffmpeg.reason} (${why})`);
    return;
  }
  const path = ffmpeg.path;
  const [clipPackets, sealedPackets] = await Promise.all([
    // Streamed, the clip went to ffmpeg as it passed; held, it is given to ffmpeg now.
    (clipRead.kind === 'ffmpeg' && streamed !== undefined
      ? Promise.resolve(clipRead.digests)
      : videoPacketDigests(path, clipBytes ?? Buffer.alloc(0))
    ).catch(notStarted),
    videoPacketDigests(path, piecesOf(parts)).catch(notStarted),
  ]);
  if (clipPackets === null) {
    ctx.report.pending(item, 'CLIP_UNCHECKED', `not checked: no ffmpeg was found while the bundle was read (${why})`);
    return;
  }
  if ((!sealedPackets.ok || !clipPackets.ok) && unprobed !== undefined) {
    const probed = await unprobed();
    if (probed.path === null) {
      ctx.report.pending(item, 'CLIP_UNCHECKED', `not checked against the sealed video: ${probed.reason} (${why})`);
      return;
    }
  }
  if (!sealedPackets.ok) {
    ctx.report.fail(item, 'CLIP_MISMATCH', `the sealed video items do not play: ${sealedPackets.reason}`);
    return;
  }
  if (!clipPackets.ok) {
    ctx.report.fail(item, 'CLIP_MISMATCH', `not a readable MP4: ${clipPackets.reason}`);
    return;
  }
  const a = clipPackets.packets;
  const b = sealedPackets.packets;
  const differs = a.findIndex((line, i) => line !== b[i]);
  reportPackets(
    ctx,
    a.length,
    b.length,
    differs >= 0 || a.length === b.length ? differs : Math.min(a.length, b.length),
    v.fragments.length,
  );
}

/** The verdict on the two packet lists, however they were read; `differs` is -1 when they are the same. */
function reportPackets(ctx: BundleContext, clip: number, sealed: number, differs: number, fragments: number): void {
  const item = `file ${CLIP_MP4}`;
  if (clip !== sealed || differs >= 0 || sealed === 0)
    ctx.report.fail(
      item,
      'CLIP_MISMATCH',
      `its video packets are not the sealed ones (${clip} vs ${sealed} packets` +
        `${differs >= 0 ? `, first difference at packet ${differs + 1}` : ''})`,
    );
  else ctx.report.pass(item, `its ${clip} video packets are the sealed fragments' packets (${fragments} fragments)`);
}

/** clip.mp4 held in memory (a caller that did not stream it): read in-process, else kept for ffmpeg. */
function heldClip(read: VideoSamplesResult): ClipPackets {
  return read.ok
    ? { kind: 'samples', samples: read, against: null }
    : { kind: 'ffmpeg', unsupported: read.unsupported, digests: null };
}

function checkCast(ctx: BundleContext, manifest: BundleManifest, clip: BundleClip): void {
  const item = `file ${CLIP_CAST}`;
  const entry = ctx.files.get(CLIP_CAST);
  if (clip.terminal === null) {
    if (entry !== undefined)
      ctx.report.fail(item, 'CLIP_MISMATCH', 'present, yet the manifest names no terminal chunks');
    return;
  }
  const t = clip.terminal;
  if (entry === undefined) {
    ctx.report.fail(item, 'CLIP_MISMATCH', 'the manifest names terminal chunks, but the file is missing');
    return;
  }
  const session = manifest.sessions.find((s) => s.sessionId === t.sessionId);
  if (session?.kind !== 'terminal' || t.chunks[0] !== 1) {
    ctx.report.fail(item, 'CLIP_MISMATCH', `the manifest's cast does not start with ${t.sessionId}'s header chunk`);
    return;
  }
  const hash = createHash('sha256');
  let size = 0;
  for (const seq of t.chunks) {
    const file = ctx.files.get(bundlePath.media(t.sessionId, seq, 'terminal'));
    if (file === undefined) {
      ctx.report.fail(item, 'CLIP_MISMATCH', `terminal chunk ${seq} is not in the bundle`);
      return;
    }
    if (file.bytes === null) {
      ctx.report.pending(item, 'CLIP_UNCHECKED', `not checked: terminal chunk ${seq} is too large to hold in memory`);
      return;
    }
    hash.update(file.bytes);
    size += file.bytes.length;
  }
  if (size !== entry.size || hash.digest('hex') !== entry.sha256)
    ctx.report.fail(item, 'CLIP_MISMATCH', `not the concatenation of the ${t.chunks.length} sealed terminal chunks`);
  else ctx.report.pass(item, `the ${t.chunks.length} sealed terminal chunks, concatenated`);
}

/**
 * Starts reading the sealed video items the manifest's clip names, once the manifest was read and those
 * items before it (the exporter writes clip/ and report.html after the manifest, so their samples are
 * listed before clip.mp4 streams past, and the clip's sink knows whether ffmpeg must read both sides).
 * Nothing is judged here: the manifest is not checked yet, so checkVideo validates everything as usual
 * and uses the result only when it gathered the very same pieces. Null when the manifest names no clip
 * or an item is not (yet) there.
 */
export function startSealedSamples(
  files: ReadonlyMap<string, BundleEntry>,
  manifestBytes: Buffer | null,
): EarlySealedSamples | null {
  const parsed = manifestSchema.safeParse(parseJson(manifestBytes));
  const v = parsed.success ? parsed.data.clip?.video : null;
  if (v === null || v === undefined) return null;
  const pieces: Buffer[] = [];
  for (const [i, seq] of [v.init, ...v.fragments].entries()) {
    const file = files.get(bundlePath.media(v.sessionId, seq, i === 0 ? 'video-init' : 'video-fragment'));
    const kept = file?.pieces ?? (file?.bytes == null ? null : [file.bytes]);
    if (kept === null) return null;
    pieces.push(...kept);
  }
  // Located only: the clip's samples are compared with these bytes as the clip streams past.
  return { pieces, result: readVideoSamples(pieces, { content: locatedOnly, offsets: true }) };
}

/** A run that could not start (no such file, not executable): a failed run, judged as one. */
function notStarted(error: unknown): PacketDigests {
  return { ok: false, reason: `ffmpeg did not start (${error instanceof Error ? error.message : String(error)})` };
}

function samePieces(a: readonly Buffer[], b: readonly Buffer[]): boolean {
  return a.length === b.length && a.every((p, i) => p === b[i]);
}

/** The parts fed to ffmpeg one after another, without first copying them into one buffer. */
async function* piecesOf(parts: readonly Buffer[]): AsyncGenerator<Buffer> {
  for (const p of parts) {
    await Promise.resolve();
    yield p;
  }
}
