import type { MediaKind } from '../../common/model/media.ts';

// docs/bundle-format.md "Layout": the one place that spells the paths inside a bundle, shared by the
// exporter and the verifier so the two cannot drift apart.

export const MANIFEST = 'manifest.json';
export const MANIFEST_SIG = 'manifest.json.sig';
export const SUMS = 'SHA256SUMS';
export const VERIFY_MD = 'VERIFY.md';
export const ALLOWED_SIGNERS = 'device/allowed_signers';
export const DEVICE_PUB = 'device/device.pub';
export const TRUST_PEM = 'tsa/trust.pem';
export const CLIP_MP4 = 'clip/clip.mp4';
export const CLIP_CAPTIONS = 'clip/captions.vtt';
export const CLIP_CAST = 'clip/terminal.cast';
export const REPORT_HTML = 'report.html';

/** The limits a reader enforces (docs/bundle-format.md "Container"). */
export const BUNDLE_LIMITS = {
  maxFileBytes: 4 * 1024 ** 3,
  maxTotalBytes: 64 * 1024 ** 3,
  maxEntries: 1_000_000,
  maxPathBytes: 255,
} as const;

/** Paths are relative, made of a small safe alphabet, so no OS or shell reads them differently. */
export const SAFE_PATH = /^[A-Za-z0-9._/-]+$/;

export function sessionDir(sessionId: string): string {
  return `sessions/${sessionId}`;
}

export const bundlePath = {
  session: (s: string) => `${sessionDir(s)}/session.json`,
  record: (s: string, seq: number) => `${sessionDir(s)}/records/${seq}.json`,
  recordSig: (s: string, seq: number) => `${sessionDir(s)}/records/${seq}.json.sig`,
  token: (s: string, seq: number, n: number) => `${sessionDir(s)}/tokens/${seq}.${n}.tsr`,
  event: (s: string, seq: number) => `${sessionDir(s)}/events/${seq}.json`,
  mediaDescriptor: (s: string, seq: number) => `${sessionDir(s)}/media/${seq}.desc.json`,
  media: (s: string, seq: number, kind: MediaKind) => `${sessionDir(s)}/media/${seq}.${mediaExtension(kind)}`,
  proof: (s: string, record: number) => `${sessionDir(s)}/proofs/${record}.json`,
};

/** The file extension of a media item's plaintext, by kind (fMP4 segments, asciicast chunks…). */
export function mediaExtension(kind: MediaKind): string {
  switch (kind) {
    case 'video-init':
    case 'video-fragment':
      return 'm4s';
    case 'terminal':
      return 'cast.part';
    case 'still':
      return 'png';
    case 'transcript':
      return 'jsonl';
  }
}
