import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { decodeFrames, encodeFrame } from '../../../../native/screen/still-frames.ts';
import type { WorkerMessage } from '../../../../native/screen/still-frames.ts';

const still: WorkerMessage = { kind: 'still', width: 3, height: 2, png: randomBytes(300) };
const title: WorkerMessage = { kind: 'title', title: 'MARKER \u00e9\u20ac title' };

describe('still worker frames', () => {
  it('carries a still, a title and a refusal through intact and in order', () => {
    const messages: WorkerMessage[] = [
      still,
      title,
      { kind: 'title', title: null },
      { kind: 'unavailable', message: 'no' },
    ];
    const decoded = decodeFrames(Buffer.concat(messages.map(encodeFrame)));
    expect(decoded.trailing).toBe('none');
    expect(decoded.messages).toHaveLength(4);
    expect(decoded.messages[0]).toMatchObject({ kind: 'still', width: 3, height: 2 });
    expect(Buffer.from((decoded.messages[0] as { png: Uint8Array }).png)).toEqual(still.png);
    expect(decoded.messages.slice(1)).toEqual(messages.slice(1));
  });

  it('keeps the complete frames of a worker that died at any byte of its next frame', () => {
    const first = encodeFrame(still);
    const second = encodeFrame(title);
    for (let cut = 1; cut < second.length; cut++) {
      const decoded = decodeFrames(Buffer.concat([first, second.subarray(0, cut)]));
      expect(decoded.messages.map((m) => m.kind)).toEqual(['still']);
      expect(decoded.trailing).toBe('truncated');
    }
  });

  it('calls stray output garbled and reads nothing from it', () => {
    expect(decodeFrames(Buffer.from('Xlib: warning\n'))).toEqual({ messages: [], trailing: 'garbled' });
    const after = decodeFrames(Buffer.concat([encodeFrame(title), Buffer.from('oops')]));
    expect(after).toEqual({ messages: [title], trailing: 'garbled' });
  });

  it('refuses headers that are not ours: wrong shape, absurd length, or a body where none belongs', () => {
    const frame = (header: string, body = Buffer.alloc(0), headerLength = Buffer.byteLength(header)): Buffer => {
      const lengths = Buffer.alloc(8);
      lengths.writeUInt32BE(headerLength, 0);
      lengths.writeUInt32BE(body.length, 4);
      return Buffer.concat([
        Buffer.from('AEVS'),
        lengths.subarray(0, 4),
        Buffer.from(header),
        lengths.subarray(4),
        body,
      ]);
    };
    expect(decodeFrames(frame('{"kind":"still","width":-1,"height":2}')).trailing).toBe('garbled');
    expect(decodeFrames(frame('{"kind":"shell","cmd":"rm"}')).trailing).toBe('garbled');
    expect(decodeFrames(frame('not json')).trailing).toBe('garbled');
    expect(decodeFrames(frame('{"kind":"title","title":"t"}', Buffer.from('x'))).trailing).toBe('garbled');
    expect(decodeFrames(frame('{}', Buffer.alloc(0), 0x7fffffff)).trailing).toBe('garbled');
  });
});
