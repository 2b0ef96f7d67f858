/**
 * The RFC 6381 §3.3 codecs parameter (`avc1.PPCCLL`) of an H.264 fMP4, read from the avcC box of its init
 * segment, which Media Source Extensions need before they accept a single byte.
 * Box layout: ISO/IEC 14496-12 §4.2 (size, type, 64-bit largesize when size is 1); sample entries §8.5.2
 * (avc1 is a VisualSampleEntry: 8 bytes of SampleEntry, then 70 bytes of visual fields before its boxes);
 * avcC: ISO/IEC 14496-15 §5.3.3.1 (version, profile, compatibility, level).
 */
export function avcCodecString(mp4: Uint8Array): string | null {
  const view = new DataView(mp4.buffer, mp4.byteOffset, mp4.byteLength);
  const path = ['moov', 'trak', 'mdia', 'minf', 'stbl', 'stsd'];
  let range: [number, number] | null = [0, mp4.byteLength];
  for (const name of path) {
    range = findBox(view, range[0], range[1], name);
    if (range === null) return null;
  }
  // stsd: a FullBox (4 bytes version+flags) with a 4-byte entry count, then the sample entries.
  const entries = range[0] + 8;
  for (const entry of ['avc1', 'avc3']) {
    const sample = findBox(view, entries, range[1], entry);
    if (sample === null) continue;
    const avcC = findBox(view, sample[0] + 78, sample[1], 'avcC');
    if (avcC === null || avcC[1] - avcC[0] < 4) return null;
    const hex = [1, 2, 3].map((i) =>
      view
        .getUint8(avcC[0] + i)
        .toString(16)
        .padStart(2, '0'),
    );
    return `${entry}.${hex.join('')}`;
  }
  return null;
}

/** The payload range [start, end) of the first box named `type` among the siblings in [from, to). */
function findBox(view: DataView, from: number, to: number, type: string): [number, number] | null {
  let at = from;
  while (at + 8 <= to) {
    let size = view.getUint32(at);
    let header = 8;
    if (size === 1) {
      if (at + 16 > to) return null;
      size = Number(view.getBigUint64(at + 8));
      header = 16;
    } else if (size === 0) {
      size = to - at;
    }
    if (size < header || at + size > to) return null;
    const name = String.fromCharCode(
      view.getUint8(at + 4),
      view.getUint8(at + 5),
      view.getUint8(at + 6),
      view.getUint8(at + 7),
    );
    if (name === type) return [at + header, at + size];
    at += size;
  }
  return null;
}
