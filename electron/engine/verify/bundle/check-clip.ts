import { createHash } from 'node:crypto';
import type { MediaDescriptor } from '../../../common/model/media.ts';
import type { BundleClip, BundleManifest } from '../../export/bundle-manifest.ts';
import { CLIP_CAST, CLIP_MP4, bundlePath } from '../../export/bundle-layout.ts';
import { findFfmpeg } from '../../export/clip-ffmpeg.ts';
import { videoPacketDigests } from '../../export/clip-remux.ts';
import type { BundleContext } from './bundle-context.ts';
import { parseJson } from './bundle-context.ts';

/** clip.mp4 is held in memory for ffmpeg up to this size; a larger one is reported as not checked. */
export const CLIP_KEEP_BYTES = 1024 * 1024 * 1024;

/**
 * clip/ is made of exactly the sealed media the signed manifest names (docs/bundle-format.md "clip/"):
 * clip.mp4's video packets are the named init segment and fragments' packets, compared by ffmpeg's
 * framemd5 in stream copy (same timestamps, sizes and MD5 per packet), and terminal.cast is the named
 * terminal chunks concatenated. Those media files are checked against their seals by the item checks;
 * this check ties the playable copies to them. Without ffmpeg the clip is reported as not checked
 * (pending), never as passed. captions.vtt and report.html are covered by SHA256SUMS only.
 */
export async function checkClip(
  ctx: BundleContext,
  manifest: BundleManifest,
  env: Readonly<Record<string, string | undefined>>,
): Promise<void> {
  const clip = manifest.clip;
  if (clip === undefined) {
    for (const p of [CLIP_MP4, CLIP_CAST])
      if (ctx.files.has(p))
        ctx.report.fail(`file ${p}`, 'CLIP_MISMATCH', 'the manifest names no media this file is made of');
    return;
  }
  await checkVideo(ctx, manifest, clip, env);
  checkCast(ctx, manifest, clip);
}

async function checkVideo(
  ctx: BundleContext,
  manifest: BundleManifest,
  clip: BundleClip,
  env: Readonly<Record<string, string | undefined>>,
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
    if (file.bytes === null) {
      ctx.report.pending(item, 'CLIP_UNCHECKED', `not checked: media item ${seq} is too large to hold in memory`);
      return;
    }
    parts.push(file.bytes);
  }
  if (entry.bytes === null) {
    ctx.report.pending(item, 'CLIP_UNCHECKED', `not checked: ${entry.size} bytes are too many to hold in memory`);
    return;
  }
  const ffmpeg = await findFfmpeg(env);
  if (ffmpeg.path === null) {
    ctx.report.pending(item, 'CLIP_UNCHECKED', `not checked against the sealed video: ${ffmpeg.reason}`);
    return;
  }
  const [clipPackets, sealedPackets] = await Promise.all([
    videoPacketDigests(ffmpeg.path, entry.bytes),
    videoPacketDigests(ffmpeg.path, piecesOf(parts)),
  ]);
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
  if (a.length !== b.length || differs >= 0 || b.length === 0)
    ctx.report.fail(
      item,
      'CLIP_MISMATCH',
      `its video packets are not the sealed ones (${a.length} vs ${b.length} packets` +
        `${differs >= 0 ? `, first difference at packet ${differs + 1}` : ''})`,
    );
  else
    ctx.report.pass(
      item,
      `its ${a.length} video packets are the sealed fragments' packets (${v.fragments.length} fragments)`,
    );
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

/** The parts fed to ffmpeg one after another, without first copying them into one buffer. */
async function* piecesOf(parts: readonly Buffer[]): AsyncGenerator<Buffer> {
  for (const p of parts) {
    await Promise.resolve();
    yield p;
  }
}
