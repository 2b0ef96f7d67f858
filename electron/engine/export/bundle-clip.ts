import type { Database } from 'better-sqlite3';
import { AevError } from '../../common/errors.ts';
import type { MediaDescriptor, MediaKind } from '../../common/model/media.ts';
import { prepared } from '../index/prepared.ts';
import type { Vault } from '../vault/vault.ts';
import type { BundleClip } from './bundle-manifest.ts';
import { CLIP_CAPTIONS, CLIP_CAST, CLIP_MP4, REPORT_HTML, bundlePath } from './bundle-layout.ts';
import type { Selection } from './bundle-selection.ts';
import { buildCues, captionLine, renderWebVtt } from './captions.ts';
import { findFfmpeg } from './clip-ffmpeg.ts';
import { clipEvent, pairToolCalls } from './clip-events.ts';
import type { ClipEvent } from './clip-events.ts';
import { remuxClip } from './clip-remux.ts';
import { clipDurationMs, clipTimeAt, planClipVideo, videoItem } from './clip-video.ts';
import type { ClipVideoPlan, VideoItem } from './clip-video.ts';
import { joinedContent, readObjectPieces } from './content-reader.ts';
import { readAhead } from './read-ahead.ts';
import { reportHtml } from './report-html.ts';
import type { AsyncStreamedContent, StreamedContent } from './ustar-writer.ts';
import type { DeferredImage } from './inline-images.ts';
import type { ReadObject } from './object-reader-thread.ts';
import type { ReportSession, ReportStill, ReportToken } from './report-html.ts';

/** Stills embedded in report.html up to this many bytes in all; later ones are linked by path. */
const STILLS_EMBED_BYTES = 48 * 1024 * 1024;

export interface ClipFiles {
  /** The files for people, in the order they go into the archive (report.html made as it is archived). */
  readonly files: readonly { readonly path: string; readonly bytes: Buffer | StreamedContent | AsyncStreamedContent }[];
  readonly manifest: BundleClip;
  /** Why there is no clip.mp4, when there is none. */
  readonly videoNote: string | null;
}

export interface ClipFinish {
  readonly bundleId: string;
  readonly createdAt: string;
  readonly device: string;
  readonly encrypted: boolean;
  readonly selection: Selection;
  readonly sessions: readonly Omit<ReportSession, 'agent' | 'startedAt' | 'endedAt'>[];
  /** Reads a still again from the vault (the export's reader thread), for report.html. */
  readonly readStill: (objectId: string) => Promise<ReadObject>;
  /** The exported tokens' checks for report.html (token-facts.ts), started when the export began. */
  readonly tokens: Promise<readonly ReportToken[]>;
  readonly uncovered: readonly string[];
  readonly env: Readonly<Record<string, string | undefined>>;
}

/**
 * Collects, while the exporter writes the sealed items, what the files for people are made of
 * (docs/bundle-format.md "clip/ and report.html"): the agent session's events, video descriptors,
 * terminal chunks and stills. Then builds clip.mp4 (remuxed, not re-encoded), captions.vtt,
 * terminal.cast and report.html, all in memory.
 */
export class ClipCollector {
  readonly #db: Database;
  readonly #vault: Vault;
  readonly #events: ClipEvent[] = [];
  readonly #video: VideoItem[] = [];
  readonly #terminal = new Map<string, { seq: number; bytes: Buffer }[]>();
  readonly #stills: ReportStill[] = [];
  #stillBytes = 0;
  #readStill: ClipFinish['readStill'] | null = null;

  constructor(db: Database, vault: Vault) {
    this.#db = db;
    this.#vault = vault;
  }

  /** An included (not withheld) event of the agent session. */
  event(sessionId: string, seq: number, plain: Buffer): void {
    const row = prepared<[string, number], { received_at: string }>(
      this.#db,
      'SELECT received_at FROM events WHERE session_id = ? AND seq = ?',
    ).get(sessionId, seq);
    const e = row === undefined ? null : clipEvent(plain, Date.parse(row.received_at));
    if (e !== null) this.#events.push(e);
  }

  /** An included media item of any exported session. */
  media(
    sessionKind: string,
    m: {
      readonly seq: number;
      readonly kind: string;
      readonly objectId: string;
      readonly descriptor: Buffer;
      readonly content: StreamedContent;
      readonly sha256: string;
    },
  ): void {
    const d = JSON.parse(m.descriptor.toString('utf8')) as MediaDescriptor;
    if (sessionKind === 'screen') {
      const v = videoItem(d);
      if (v !== null) this.#video.push(v);
    } else if (sessionKind === 'terminal' && m.kind === 'terminal') {
      const chunks = this.#terminal.get(d.sessionId) ?? [];
      chunks.push({ seq: m.seq, bytes: joinedContent(m.content) });
      this.#terminal.set(d.sessionId, chunks);
    } else if (sessionKind === 'agent' && m.kind === 'still' && typeof d.info.event === 'number') {
      const embed = this.#stillBytes + m.content.size <= STILLS_EMBED_BYTES;
      if (embed) this.#stillBytes += m.content.size;
      this.#stills.push({
        event: d.info.event,
        at: typeof d.info.at === 'string' ? d.info.at : '',
        path: bundlePath.media(d.sessionId, m.seq, 'still'),
        png: embed ? this.#stillAgain(d.sessionId, m) : null,
      });
    }
  }

  /**
   * A still for report.html, read again from the vault when the page reaches it (inline-images.ts says
   * why), and refused if it is not the very bytes archived under its seal a moment ago.
   */
  #stillAgain(
    sessionId: string,
    m: { readonly seq: number; readonly objectId: string; readonly sha256: string; readonly content: StreamedContent },
  ): DeferredImage {
    const { size } = m.content;
    return {
      size,
      fetch: async () => {
        if (this.#readStill === null) throw new AevError('E_INTERNAL', 'report.html: no vault reader for the stills');
        const r = await this.#readStill(m.objectId);
        const pieces = [...r.content.pieces()];
        if (r.content.size !== size || r.sha256 !== m.sha256) {
          r.release();
          throw new AevError('E_OBJECT_CORRUPT', `still ${m.seq} of ${sessionId} changed during the export`, {
            sessionId,
            seq: m.seq,
          });
        }
        return {
          bytes: pieces.length === 1 && pieces[0] !== undefined ? pieces[0] : Buffer.concat(pieces),
          release: r.release,
        };
      },
    };
  }

  async finish(o: ClipFinish): Promise<ClipFiles> {
    this.#readStill = o.readStill;
    const files: { path: string; bytes: Buffer | StreamedContent | AsyncStreamedContent }[] = [];
    const fromMs = Date.parse(o.selection.range.from);
    const toMs = Date.parse(o.selection.range.to);
    const plan = planClipVideo(this.#video, { fromMs, toMs });
    const events = [...this.#events].sort((a, b) => a.atMs - b.atMs || a.seq - b.seq);
    // Captions run on the clip's timeline; with no clip, on the range's (ms since its start).
    const timed = events
      .map((e) => ({ atMs: plan === null ? e.atMs - fromMs : clipTimeAt(plan, e.atMs), line: captionLine(e) }))
      .filter((t): t is { atMs: number; line: string } => t.atMs !== null && t.atMs >= 0);
    const startMs = plan?.fragments[0]?.startMs ?? fromMs;
    const title = `Agent Evidence ${o.bundleId}, from ${new Date(startMs).toISOString().replace('T', ' ').slice(0, 19)} UTC`;
    const vtt = renderWebVtt(buildCues(title, timed, plan === null ? toMs - fromMs : clipDurationMs(plan)));
    let videoNote: string | null = null;
    let video: BundleClip['video'] = null;
    if (plan === null) videoNote = 'no screen recording with a keyframe in the exported windows';
    else {
      const ffmpeg = await findFfmpeg(o.env);
      if (ffmpeg.path === null) videoNote = ffmpeg.reason;
      else {
        const r = await remuxClip(ffmpeg.path, this.#videoBytes(plan), vtt);
        if (r.ok) {
          files.push({ path: CLIP_MP4, bytes: r.mp4 });
          video = { sessionId: plan.sessionId, init: plan.init.seq, fragments: plan.fragments.map((f) => f.seq) };
        } else videoNote = r.reason;
      }
    }
    files.push({ path: CLIP_CAPTIONS, bytes: Buffer.from(vtt, 'utf8') });
    const terminal = this.#terminalSlice();
    if (terminal !== null) files.push({ path: CLIP_CAST, bytes: terminal.bytes });
    const report = reportHtml({
      bundleId: o.bundleId,
      createdAt: o.createdAt,
      device: o.device,
      range: o.selection.range,
      encrypted: o.encrypted,
      sessions: o.sessions.map((s) => {
        const facts = o.selection.sessions.find((x) => x.facts.sessionId === s.sessionId)?.facts;
        return { ...s, agent: facts?.agent ?? '', startedAt: facts?.startedAt ?? '', endedAt: facts?.endedAt ?? null };
      }),
      calls: pairToolCalls(events),
      events,
      stills: this.#stills,
      tokens: await o.tokens,
      uncovered: o.uncovered,
      clip: { video: video === null ? null : CLIP_MP4, terminal: terminal !== null },
    });
    files.push({ path: REPORT_HTML, bytes: report });
    const manifest: BundleClip = {
      video,
      ...(videoNote === null ? {} : { videoNote }),
      terminal: terminal === null ? null : { sessionId: terminal.sessionId, chunks: terminal.chunks },
    };
    return { files, manifest, videoNote };
  }

  /** The init segment, then the fragments, decrypted from the vault (read ahead) and checked again. */
  async *#videoBytes(plan: ClipVideoPlan): AsyncGenerator<Buffer> {
    const items = [plan.init, ...plan.fragments];
    for await (const [item, { content, sha256 }] of readAhead(items, (i) =>
      readObjectPieces(this.#vault, i.kind satisfies MediaKind, i.object),
    )) {
      if (content.size !== item.bytes || sha256 !== item.sha256)
        throw new AevError('E_OBJECT_CORRUPT', `video item ${item.seq} of ${item.sessionId} changed during the export`);
      yield* content.pieces();
    }
  }

  /**
   * The terminal session with the most exported chunks (the first on a tie): its chunks concatenated in
   * seq order, header first, are an asciicast v2 file with times from the terminal's start, as stored.
   */
  #terminalSlice(): { sessionId: string; chunks: number[]; bytes: Buffer } | null {
    let best: [string, { seq: number; bytes: Buffer }[]] | null = null;
    for (const entry of this.#terminal) if (best === null || entry[1].length > best[1].length) best = entry;
    if (best === null) return null;
    const chunks = [...best[1]].sort((a, b) => a.seq - b.seq);
    if (chunks[0]?.seq !== 1) return null; // no header: not a playable cast
    return { sessionId: best[0], chunks: chunks.map((c) => c.seq), bytes: Buffer.concat(chunks.map((c) => c.bytes)) };
  }
}
