import type { CastFrame } from '../../../native/pty/asciicast.ts';
import { splitForJson } from './json-split.ts';

/** Cast events serialized once (each a JSON array), in order, ready to become one terminal.data frame. */
export interface CastBatch {
  readonly events: readonly string[];
  /** UTF-8 bytes of the events joined with commas. */
  readonly bytes: number;
}

export interface CastBatcherOptions {
  /** Largest batch, in serialized bytes; a single event larger than this is split. */
  readonly maxBatchBytes: number;
  /** Most serialized bytes held (open batch plus batches not yet handed out) before output is dropped. */
  readonly maxBufferedBytes: number;
  /** Most events in one batch (the protocol's own limit per terminal.data frame). */
  readonly maxBatchEvents?: number;
}

/** What `add` did with an event. `dropped-first` is the first drop of the whole session (warn once). */
export type AddResult = 'kept' | 'dropped' | 'dropped-first';

const DEFAULT_MAX_BATCH_EVENTS = 100_000;
/** Room for an event's `[seconds,"o",""]` (under 40 bytes) and some of its data. */
const MIN_BATCH_BYTES = 128;

/**
 * Groups cast events into batches bounded in bytes and holds them until the stream takes them. Memory is
 * bounded: past `maxBufferedBytes` of waiting data, output and input events are dropped (resizes are
 * kept: they are tiny and a player needs them to draw what follows) until half the room is free again;
 * then an asciicast "m" marker says how many bytes were not recorded, at the time recording resumed.
 */
export class CastBatcher {
  readonly #options: Required<CastBatcherOptions>;
  readonly #ready: CastBatch[] = [];
  #open: string[] = [];
  #openBytes = 0;
  #readyBytes = 0;
  #dropping = false;
  #droppedSinceMarker = 0;
  #droppedTotal = 0;
  #everDropped = false;

  constructor(options: CastBatcherOptions) {
    if (options.maxBatchBytes < MIN_BATCH_BYTES) throw new RangeError('maxBatchBytes is too small');
    this.#options = { maxBatchEvents: DEFAULT_MAX_BATCH_EVENTS, ...options };
  }

  /** Serialized bytes waiting: the open batch and the batches not yet taken. */
  get bufferedBytes(): number {
    return this.#openBytes + this.#readyBytes;
  }

  /** Bytes of event data dropped over the whole session. */
  get droppedBytes(): number {
    return this.#droppedTotal;
  }

  /** Whether a batch is open (an event is waiting for the next flush). */
  get hasOpenBatch(): boolean {
    return this.#open.length > 0;
  }

  get readyCount(): number {
    return this.#ready.length;
  }

  add(frame: CastFrame): AddResult {
    const [time, code, data] = frame;
    const whole = JSON.stringify(frame);
    const wholeBytes = Buffer.byteLength(whole, 'utf8');
    if (code === 'o' || code === 'i') {
      if (this.#dropping && this.bufferedBytes <= this.#options.maxBufferedBytes / 2) this.#dropping = false;
      if (!this.#dropping && this.bufferedBytes + wholeBytes > this.#options.maxBufferedBytes) this.#dropping = true;
      if (this.#dropping) return this.#drop(data);
    }
    // One marker per gap, where recording resumes: a resize kept in the middle of a gap does not end it.
    if (!this.#dropping) this.#flushDropMarker(time);
    if (wholeBytes <= this.#options.maxBatchBytes) this.#append(whole, wholeBytes);
    else for (const piece of this.#split(frame)) this.#append(piece, Buffer.byteLength(piece, 'utf8'));
    return 'kept';
  }

  /** Closes the open batch, so the next `take` returns it. */
  cut(): void {
    if (this.#open.length === 0) return;
    const batch: CastBatch = { events: this.#open, bytes: this.#openBytes };
    this.#ready.push(batch);
    this.#readyBytes += batch.bytes;
    this.#open = [];
    this.#openBytes = 0;
  }

  /** The end of the session: a last marker for output dropped since the previous one, then a cut. */
  finish(time: number): void {
    this.#flushDropMarker(time);
    this.cut();
  }

  /** The oldest closed batch, which leaves the buffer. */
  take(): CastBatch | undefined {
    const batch = this.#ready.shift();
    if (batch !== undefined) this.#readyBytes -= batch.bytes;
    return batch;
  }

  /** Forgets everything waiting (recording has stopped). */
  clear(): void {
    this.#ready.length = 0;
    this.#readyBytes = 0;
    this.#open = [];
    this.#openBytes = 0;
  }

  #drop(data: string): AddResult {
    const bytes = Buffer.byteLength(data, 'utf8');
    this.#droppedSinceMarker += bytes;
    this.#droppedTotal += bytes;
    if (this.#everDropped) return 'dropped';
    this.#everDropped = true;
    return 'dropped-first';
  }

  /** A marker (asciicast v2 "m") for bytes dropped since the last one; markers are never dropped. */
  #flushDropMarker(time: number): void {
    if (this.#droppedSinceMarker === 0) return;
    const note = `aev: ${this.#droppedSinceMarker} bytes of terminal data not recorded (the recorder fell behind)`;
    this.#droppedSinceMarker = 0;
    const marker = JSON.stringify([time, 'm', note]);
    this.#append(marker, Buffer.byteLength(marker, 'utf8'));
  }

  /** An event too large for one batch, as several serialized events of the same time and code. */
  #split(frame: CastFrame): string[] {
    const [time, code, data] = frame;
    const overhead = Buffer.byteLength(JSON.stringify([time, code, '']), 'utf8');
    return splitForJson(data, this.#options.maxBatchBytes - overhead).map((piece) =>
      JSON.stringify([time, code, piece]),
    );
  }

  #append(event: string, bytes: number): void {
    const separator = this.#open.length === 0 ? 0 : 1;
    if (
      this.#open.length >= this.#options.maxBatchEvents ||
      this.#openBytes + separator + bytes > this.#options.maxBatchBytes
    ) {
      this.cut();
    }
    this.#openBytes += (this.#open.length === 0 ? 0 : 1) + bytes;
    this.#open.push(event);
  }
}
