import fs from 'node:fs';
import { PerformanceObserver, performance } from 'node:perf_hooks';
import type { PerformanceEntry } from 'node:perf_hooks';

/**
 * Times of one event on its way to the acknowledgement, `performance.now()` of the engine thread:
 * submitted to the queue, committed, the flush that covers it started and ended, acknowledged. A field
 * stays null when the event took another path (a refused event is never flushed).
 */
export interface AckSpan {
  submitted: number;
  committed: number | null;
  flushStarted: number | null;
  /** Flushes already in flight when this one started (acks keep flush order). */
  flushesAhead: number | null;
  flushEnded: number | null;
  acknowledged: number | null;
}

/** What the engine thread did meanwhile that an event may have waited for. */
export type AckTraceMark = 'hold' | 'seal' | 'gc';

export interface AckTraceFile {
  readonly v: 1;
  /** `performance.timeOrigin` of the engine: add it to any time here for milliseconds since the epoch. */
  readonly origin: number;
  readonly spans: readonly AckSpan[];
  /** [kind, start, end]; for "gc" the V8 collection kind follows (1 minor, 4 major, 8 incremental, 16 weak). */
  readonly marks: readonly (readonly [AckTraceMark, number, number, number?])[];
  /** Events past `maxSpans` that were not traced. */
  readonly dropped: number;
}

const DEFAULT_MAX_SPANS = 500_000;

/**
 * A diagnostic for ack latency (issue #2, docs/performance.md "Where an ack's tail goes"): with
 * AEV_TRACE_ACKS=FILE the daemon stamps every event between submit and ack, the log-restart holds, the
 * sealer's passes and the engine thread's garbage collections, and writes them to FILE when it stops.
 * Only times are kept, never event content. Off by default: the engine then passes null and pays one
 * null check per stamp.
 */
export class AckTrace {
  readonly #spans: AckSpan[] = [];
  readonly #marks: [AckTraceMark, number, number, number?][] = [];
  readonly #maxSpans: number;
  readonly #observer: PerformanceObserver;
  #dropped = 0;

  constructor(maxSpans = DEFAULT_MAX_SPANS) {
    this.#maxSpans = maxSpans;
    this.#observer = new PerformanceObserver((list) => {
      for (const e of list.getEntries()) this.#marks.push(['gc', e.startTime, e.startTime + e.duration, gcKind(e)]);
    });
    this.#observer.observe({ entryTypes: ['gc'] });
  }

  /** A new span for an event submitted now, or null once `maxSpans` are kept. */
  begin(): AckSpan | null {
    if (this.#spans.length >= this.#maxSpans) {
      this.#dropped += 1;
      return null;
    }
    const span: AckSpan = {
      submitted: performance.now(),
      committed: null,
      flushStarted: null,
      flushesAhead: null,
      flushEnded: null,
      acknowledged: null,
    };
    this.#spans.push(span);
    return span;
  }

  mark(kind: AckTraceMark, start: number, end: number = performance.now()): void {
    this.#marks.push([kind, start, end]);
  }

  toFile(): AckTraceFile {
    return { v: 1, origin: performance.timeOrigin, spans: this.#spans, marks: this.#marks, dropped: this.#dropped };
  }

  /** Stops observing and writes the trace to `file` (the user's alone: it says when they worked). */
  writeTo(file: string): void {
    this.#observer.disconnect();
    fs.writeFileSync(file, JSON.stringify(this.toFile()), { mode: 0o600 });
  }
}

function gcKind(entry: PerformanceEntry): number | undefined {
  // A gc entry's `detail` ({ kind, flags }, Node >= 16) is not in the PerformanceEntry typings.
  const detail: unknown = (entry as { readonly detail?: unknown }).detail;
  if (typeof detail !== 'object' || detail === null || !('kind' in detail)) return undefined;
  return typeof detail.kind === 'number' ? detail.kind : undefined;
}
