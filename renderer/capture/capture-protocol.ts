/**
 * The capture page's side of its channel to the engine (the engine's side, with the validation, is
 * electron/engine/capture/chromium-protocol.ts; renderer code cannot import it at run time).
 */

/** Record run `id`: keyframes on `boundaryMs + k · windowMs` (wall clock), `fps` at most, long side capped. */
export interface RunOrder {
  readonly id: string;
  readonly fps: number;
  readonly maxLongSide: number;
  readonly windowMs: number;
  readonly boundaryMs: number;
}

export interface CaptureControl {
  readonly version: number;
  readonly run: RunOrder | null;
}

/**
 * What the muxer emits: the init segment (ftyp + moov; `wallMs` = wall clock of video t = 0) or one
 * fragment (moof + mdat; `wallMs` = wall clock of its first frame).
 */
export interface CapturedPart {
  readonly kind: 'init' | 'fragment';
  readonly wallMs: number;
  readonly bytes: Uint8Array<ArrayBuffer>;
}

/** The engine no longer takes this run (it stopped or failed it, or another page records it). */
export class RunRefused extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'RunRefused';
  }
}

/** The page's channel to the engine: the Electron MessagePort, or the loopback HTTP server. */
export interface EngineLink {
  /** The control after version `after`: at once when newer, else when it changes (or a while later). */
  nextControl(after: number): Promise<CaptureControl>;
  /** Delivers one part; rejects with RunRefused when the engine refuses the run. */
  sendPart(runId: string, part: CapturedPart): Promise<void>;
  /** The run is over on this side: stopped as asked (error null) or broken (what broke). */
  sendEnded(runId: string, error: string | null): Promise<void>;
}
