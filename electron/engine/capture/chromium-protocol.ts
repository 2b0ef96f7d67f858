import { z } from 'zod';

/**
 * What passes between the engine and the Chromium capture page (DESIGN.md §4), whatever carries it: the
 * Electron MessagePort (chromium-page-port.ts) or the loopback HTTP server (chromium-page-server.ts). The
 * page's own copy of these shapes is renderer/capture/capture-protocol.ts; the e2e test holds them together.
 */

/** The engine asks the page to record run `id`; boundaries are `boundaryMs + k · windowMs` (wall clock). */
export interface CaptureRunOrder {
  readonly id: string;
  readonly fps: number;
  readonly maxLongSide: number;
  readonly windowMs: number;
  /** One window boundary (epoch ms) of the sealer's grid: the page forces a keyframe on each. */
  readonly boundaryMs: number;
}

/** The page's instructions; `version` grows with every change, so a page can wait for the next one. */
export interface CaptureControl {
  readonly version: number;
  /** null: record nothing (no agent active, paused, or the engine stopping). */
  readonly run: CaptureRunOrder | null;
}

/**
 * A piece of the run's fragmented MP4 as the page's muxer emitted it: the init segment (ftyp + moov),
 * whose `wallMs` is the wall-clock time of video t = 0, or one fragment (moof + mdat), whose `wallMs` is
 * the wall-clock time of its first frame.
 */
export interface PagePart {
  readonly runId: string;
  /** The page instance sending it: the first page to send for a run records it, any other is refused. */
  readonly pageId: string;
  readonly kind: 'init' | 'fragment';
  readonly wallMs: number;
  readonly bytes: Uint8Array;
}

/** The page is done with a run: after a stop (error null) or because recording broke (what broke). */
export interface PageEnded {
  readonly runId: string;
  readonly pageId: string;
  readonly error: string | null;
}

/** Ids the page echoes back: the engine's run ids (`cap_…`) and the page's random UUID. */
const ID = z.string().regex(/^[A-Za-z0-9_-]{1,64}$/);
/** What a page may say about why it stopped, cut to a length that fits a gap record. */
export const MAX_PAGE_ERROR_CHARS = 500;

export const PAGE_PART_FIELDS = z.strictObject({
  runId: ID,
  pageId: ID,
  kind: z.enum(['init', 'fragment']),
  wallMs: z.number().nonnegative(),
});

export const PAGE_ENDED_FIELDS = z.strictObject({
  runId: ID,
  pageId: ID,
  error: z.string().max(4096).nullable(),
});

/** Messages a page sends over a MessagePort (structured clone keeps the Uint8Array). */
export const PAGE_MESSAGE = z.discriminatedUnion('type', [
  PAGE_PART_FIELDS.extend({ type: z.literal('part'), bytes: z.instanceof(Uint8Array) }),
  PAGE_ENDED_FIELDS.extend({ type: z.literal('ended') }),
]);

export type PageMessage = z.infer<typeof PAGE_MESSAGE>;

/** Messages the engine sends to a page over a MessagePort. */
export type EngineToPageMessage =
  | { readonly type: 'control'; readonly control: CaptureControl }
  /** A part was not taken: the page stops that run (the engine records the gap and orders a new one). */
  | { readonly type: 'refused'; readonly runId: string; readonly code: string; readonly message: string };
