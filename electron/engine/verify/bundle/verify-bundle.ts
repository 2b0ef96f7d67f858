import type { VerifyItem, VerifyReport } from '../../../common/model/verification.ts';
import type { ManifestSession, SessionFacts } from '../../export/bundle-manifest.ts';
import { sessionFactsSchema } from '../../export/bundle-manifest.ts';
import { bundlePath, CLIP_MP4, MANIFEST, mediaExtension, TRUST_PEM } from '../../export/bundle-layout.ts';
import { ReportBuilder } from '../report-builder.ts';
import { tokenChecker } from '../token-check.ts';
import type { BundleContext } from './bundle-context.ts';
import { fileBytes, parseJson } from './bundle-context.ts';
import { openBundleStream, readAgeIdentities } from './bundle-source.ts';
import { checkBundleItems } from './check-bundle-items.ts';
import { checkBundleRecords } from './check-bundle-records.ts';
import { reportRedaction } from '../redaction-check.ts';
import { checkBundleTokens } from './check-bundle-tokens.ts';
import { CLIP_KEEP_BYTES, checkClip, startSealedSamples } from './check-clip.ts';
import { streamedClipPackets } from './clip-sample-sink.ts';
import type { ClipPackets, EarlySealedSamples } from './clip-sample-sink.ts';
import { findFfmpeg } from '../../export/clip-ffmpeg.ts';
import { ffmpegCandidates } from '../../../../native/ffmpeg/locate-ffmpeg.ts';
import { checkDevice, checkManifest, checkSums } from './check-manifest.ts';
import { ArchiveError, readArchive } from './tar-reader.ts';
import type { BundleEntry, ReadArchiveOptions } from './tar-reader.ts';

export interface VerifyBundleOptions {
  readonly file: string;
  /** An age identity file; needed when the bundle is encrypted. */
  readonly identityFile?: string | undefined;
  /** TSA trust anchors (PEM) to use instead of the bundle's tsa/trust.pem. */
  readonly trustPem?: string | undefined;
  readonly limits?: ReadArchiveOptions['limits'];
  readonly onItem?: (item: VerifyItem) => void;
  /** Where ffmpeg is looked for to check clip/clip.mp4 (AEV_FFMPEG, PATH); default process.env. */
  readonly env?: Readonly<Record<string, string | undefined>>;
}

/**
 * `aev verify BUNDLE` (docs/bundle-format.md "What aev verify BUNDLE checks"): decrypts, reads the
 * archive strictly, then checks the device key, the signed manifest, SHA256SUMS, every record, proof,
 * event, media item and token, and reports every item with a code. A refused archive is one coded item.
 */
export async function verifyBundle(o: VerifyBundleOptions): Promise<VerifyReport> {
  const report = new ReportBuilder(o.onItem);
  const env = o.env ?? process.env;
  let files: Map<string, BundleEntry>;
  let streamedClip: Promise<ClipPackets> | undefined;
  let sealedClip: EarlySealedSamples | null = null;
  // Looked for once, when first needed: only a clip the in-process reader does not read needs ffmpeg.
  let ffmpeg: ReturnType<typeof findFfmpeg> | undefined;
  const lookForFfmpeg = (): ReturnType<typeof findFfmpeg> => (ffmpeg ??= findFfmpeg(env));
  // With one candidate (AEV_FFMPEG, or ffmpeg on PATH: the usual case) the clip check's own runs show
  // whether it works, and it is asked for its version only when one fails (checkClip): each start of a
  // dynamically linked ffmpeg costs ~0.2 CPU s. With several, the first that runs is found first.
  const candidates = ffmpegCandidates(env);
  const only = candidates.length === 1 ? (candidates[0]?.path ?? null) : null;
  const ffmpegPath = (): Promise<string | null> =>
    only !== null ? Promise.resolve(only) : lookForFfmpeg().then((f) => f.path);
  try {
    const identities = o.identityFile === undefined ? [] : readAgeIdentities(o.identityFile);
    const { stream, encrypted, release } = openBundleStream(o.file, identities);
    files = await readArchive(stream, {
      ...(o.limits === undefined ? {} : { limits: o.limits }),
      ...(release === undefined ? {} : { release }),
      // Stills are checked by their digest alone, so their bytes are not kept (an hour holds hundreds).
      // Video items are kept for the clip check as views of the decrypted slabs they came in (no copy;
      // a plain tar's pieces are 4 MiB reads, so there they are copied out as usual).
      keep: (path, size) =>
        size <= KEEP_DEFAULT && !path.endsWith(STILL_SUFFIX) && path !== CLIP_MP4
          ? encrypted && path.endsWith(VIDEO_SUFFIX)
            ? 'pieces'
            : true
          : false,
      // clip.mp4's video packets are read in this process while the rest is decrypted (never held whole,
      // never written to a file; ffmpeg only for an MP4 that reader does not handle); over
      // CLIP_KEEP_BYTES it is left unchecked, as before.
      stream: (path, size) => {
        if (path !== CLIP_MP4 || size > CLIP_KEEP_BYTES || streamedClip !== undefined) return null;
        const packets = streamedClipPackets(sealedClip, ffmpegPath);
        streamedClip = packets.result;
        return packets.sink;
      },
      // The sealed side of the clip check starts as soon as the manifest names it.
      onEntry: (path, read) => {
        if (path === MANIFEST) sealedClip = startSealedSamples(read, read.get(MANIFEST)?.bytes ?? null);
      },
    });
    report.pass('archive', `${encrypted ? 'decrypted, ' : ''}${files.size} files, a well-formed ustar archive`);
  } catch (error) {
    if (!(error instanceof ArchiveError)) throw error;
    report.fail('archive', error.code, error.message);
    return report.build(false);
  }
  const ctx: BundleContext = {
    files,
    report,
    checkToken: tokenChecker(o.trustPem ?? files.get(TRUST_PEM)?.bytes?.toString('utf8') ?? '', true),
    claimed: new Set(),
    devicePublicKey: null,
    deviceFingerprint: null,
  };
  checkDevice(ctx);
  const manifest = checkManifest(ctx);
  checkSums(ctx, manifest);
  if (manifest !== null) {
    const seen = new Set<string>();
    for (const s of manifest.sessions) {
      if (seen.has(s.sessionId)) {
        report.fail(`session ${s.sessionId}`, 'MANIFEST_SCHEMA', 'the manifest lists this session twice');
        continue;
      }
      seen.add(s.sessionId);
      verifyBundleSession(ctx, s);
    }
    await checkClip(ctx, manifest, env, {
      ffmpeg: only !== null ? () => Promise.resolve({ path: only }) : lookForFfmpeg,
      ...(only === null ? {} : { unprobed: lookForFfmpeg }),
      ...(streamedClip === undefined ? {} : { clip: streamedClip }),
      sealed: sealedClip,
    });
  }
  for (const path of files.keys())
    if (path.startsWith('sessions/') && !ctx.claimed.has(path))
      report.fail(`file ${path}`, 'BUNDLE_UNEXPECTED', 'no manifest entry or proof accounts for this file');
  // Only a clip no ffmpeg could check is ever pending here: said, and not a failure of the evidence.
  return report.build(true);
}

const KEEP_DEFAULT = 16 * 1024 * 1024;
const STILL_SUFFIX = `.${mediaExtension('still')}`;
const VIDEO_SUFFIX = `.${mediaExtension('video-fragment')}`;

function verifyBundleSession(ctx: BundleContext, s: ManifestSession): void {
  const parsed = sessionFactsSchema.safeParse(parseJson(fileBytes(ctx, bundlePath.session(s.sessionId))));
  let facts: SessionFacts | null = null;
  if (!parsed.success || parsed.data.sessionId !== s.sessionId || parsed.data.kind !== s.kind)
    ctx.report.fail(
      `session ${s.sessionId}`,
      'SESSION_MISSING',
      'session.json is missing or does not match the manifest',
    );
  else facts = parsed.data;
  const records = checkBundleRecords(ctx, s, facts);
  // Which redaction was in force, as the bundled window records state it (docs/redaction.md).
  reportRedaction(
    `session ${s.sessionId}`,
    s.kind,
    [...records.values()].map((r) => r.body),
    ctx.report,
  );
  checkBundleItems(ctx, s, records);
  checkBundleTokens(ctx, s, records);
}
