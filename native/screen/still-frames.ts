import { z } from 'zod';
import { assertNever } from '../../electron/common/errors.ts';

/**
 * What the still worker tells its parent, on its stdout, as length-prefixed binary frames:
 *
 *   "AEVS" | u32 BE header length | header (UTF-8 JSON) | u32 BE body length | body
 *
 * The PNG travels as the raw body of the `still` frame (no base64: a 4K still is megabytes). The still and
 * the window title are separate frames, written in that order, because reading the title can kill the
 * worker (an X error aborts the process): whatever arrived complete before that still counts.
 */
export type WorkerMessage =
  | { readonly kind: 'still'; readonly width: number; readonly height: number; readonly png: Uint8Array }
  | { readonly kind: 'title'; readonly title: string | null }
  | { readonly kind: 'unavailable'; readonly message: string };

export interface DecodedFrames {
  readonly messages: readonly WorkerMessage[];
  /** Bytes after the last complete frame that are not one: a worker killed mid-write, or stray output. */
  readonly trailing: 'none' | 'truncated' | 'garbled';
}

const MAGIC = Buffer.from('AEVS', 'latin1');
const MAX_HEADER_BYTES = 64 * 1024;

const headerSchema = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('still'), width: z.number().int().positive(), height: z.number().int().positive() }),
  z.object({ kind: z.literal('title'), title: z.string().nullable() }),
  z.object({ kind: z.literal('unavailable'), message: z.string() }),
]);

export function encodeFrame(message: WorkerMessage): Buffer {
  const { header, body } = split(message);
  const headerBytes = Buffer.from(JSON.stringify(header), 'utf8');
  const lengths = Buffer.alloc(4);
  lengths.writeUInt32BE(headerBytes.length, 0);
  const bodyLength = Buffer.alloc(4);
  bodyLength.writeUInt32BE(body.length, 0);
  return Buffer.concat([MAGIC, lengths, headerBytes, bodyLength, body]);
}

/** Reads frames from the start of `bytes` until they run out or stop making sense. Never throws. */
export function decodeFrames(bytes: Buffer): DecodedFrames {
  const messages: WorkerMessage[] = [];
  let at = 0;
  while (at < bytes.length) {
    const frame = readFrame(bytes, at);
    if (frame === 'truncated' || frame === 'garbled') return { messages, trailing: frame };
    messages.push(frame.message);
    at = frame.next;
  }
  return { messages, trailing: 'none' };
}

function readFrame(bytes: Buffer, at: number): { message: WorkerMessage; next: number } | 'truncated' | 'garbled' {
  const available = bytes.length - at;
  const magicLength = Math.min(MAGIC.length, available);
  if (!bytes.subarray(at, at + magicLength).equals(MAGIC.subarray(0, magicLength))) return 'garbled';
  if (available < 8) return 'truncated';
  const headerLength = bytes.readUInt32BE(at + 4);
  if (headerLength > MAX_HEADER_BYTES) return 'garbled';
  const headerEnd = at + 8 + headerLength;
  if (bytes.length < headerEnd + 4) return 'truncated';
  const bodyLength = bytes.readUInt32BE(headerEnd);
  const bodyEnd = headerEnd + 4 + bodyLength;
  if (bytes.length < bodyEnd) return 'truncated';
  let json: unknown;
  try {
    json = JSON.parse(bytes.toString('utf8', at + 8, headerEnd));
  } catch {
    return 'garbled';
  }
  const header = headerSchema.safeParse(json);
  if (!header.success) return 'garbled';
  const body = bytes.subarray(headerEnd + 4, bodyEnd);
  const data = header.data;
  if (data.kind !== 'still' && bodyLength !== 0) return 'garbled';
  const message: WorkerMessage = data.kind === 'still' ? { ...data, png: body } : data;
  return { message, next: bodyEnd };
}

function split(message: WorkerMessage): { header: object; body: Uint8Array } {
  switch (message.kind) {
    case 'still':
      return { header: { kind: 'still', width: message.width, height: message.height }, body: message.png };
    case 'title':
      return { header: { kind: 'title', title: message.title }, body: new Uint8Array(0) };
    case 'unavailable':
      return { header: { kind: 'unavailable', message: message.message }, body: new Uint8Array(0) };
    default:
      return assertNever(message, 'worker message');
  }
}
