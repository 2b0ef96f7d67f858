import { describe, expect, it } from 'vitest';
import { encodePng } from '../../../../native/screen/png-encoder.ts';
import type { WorkerMessage } from '../../../../native/screen/still-frames.ts';
import { stillVerdict } from '../../../../native/screen/still-verdict.ts';
import type { WorkerOutcome } from '../../../../native/screen/still-verdict.ts';

const png = encodePng({ width: 4, height: 2, data: Buffer.alloc(32, 9), channels: 4, bytesPerRow: 16, order: 'bgr' });
const still: WorkerMessage = { kind: 'still', width: 4, height: 2, png };

function outcome(messages: WorkerMessage[], more: Partial<WorkerOutcome> = {}): WorkerOutcome {
  return {
    frames: { messages, trailing: 'none' },
    exitCode: 0,
    signal: null,
    timedOut: false,
    oversized: false,
    stderrTail: '',
    timeoutMs: 5000,
    ...more,
  };
}

describe('stillVerdict', () => {
  it('returns the still and the title the worker sent', () => {
    const result = stillVerdict(outcome([still, { kind: 'title', title: 'editor \u2014 main.ts' }]));
    expect(result).toEqual({ ok: true, png, width: 4, height: 2, windowTitle: 'editor \u2014 main.ts' });
  });

  it('keeps the still, with no title, when the worker died reading the title', () => {
    const xError = 'X Error of failed request:  BadWindow (invalid Window parameter)\n';
    const result = stillVerdict(outcome([still], { exitCode: 1, stderrTail: xError }));
    expect(result).toMatchObject({ ok: true, windowTitle: null, width: 4 });
  });

  it('keeps the still, with no title, when the title step ran into the timeout', () => {
    expect(stillVerdict(outcome([still], { timedOut: true, signal: 'SIGKILL' }))).toMatchObject({ ok: true });
  });

  it('refuses a still whose PNG does not match the size in its frame', () => {
    const result = stillVerdict(outcome([{ ...still, width: 5 }]));
    expect(result).toMatchObject({ ok: false, code: 'STILL_CRASHED' });
  });

  it('passes on why the worker found no still source', () => {
    const result = stillVerdict(outcome([{ kind: 'unavailable', message: 'nut-js is not installed' }]));
    expect(result).toEqual({ ok: false, code: 'STILL_UNAVAILABLE', message: 'nut-js is not installed' });
  });

  it('reports a timeout when nothing came before the worker was killed', () => {
    const result = stillVerdict(outcome([], { timedOut: true, signal: 'SIGKILL', exitCode: null }));
    expect(result).toEqual({
      ok: false,
      code: 'STILL_TIMEOUT',
      message: 'no still within 5000 ms; the still worker was killed',
    });
  });

  it('calls an unopenable display unavailable, not a crash', () => {
    const result = stillVerdict(
      outcome([], { signal: 'SIGSEGV', exitCode: null, stderrTail: 'Could not open main display\n' }),
    );
    expect(result).toMatchObject({ ok: false, code: 'STILL_UNAVAILABLE' });
  });

  it('reports a crash with how the worker ended and the end of what it said', () => {
    const result = stillVerdict(
      outcome([], {
        frames: { messages: [], trailing: 'garbled' },
        signal: 'SIGABRT',
        exitCode: null,
        stderrTail: 'first\n\nlibnut: something broke\n',
      }),
    );
    expect(result).toEqual({
      ok: false,
      code: 'STILL_CRASHED',
      message:
        'the still worker ended without a still (signal SIGABRT, after writing unexpected output): first | libnut: something broke',
    });
    expect(stillVerdict(outcome([], { oversized: true, exitCode: null }))).toMatchObject({ code: 'STILL_CRASHED' });
  });
});
