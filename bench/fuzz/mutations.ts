import { MAX_FRAME_BYTES } from '../../electron/common/protocol/constants.ts';
import type { Frame } from './base-frames.ts';
import { JsonText } from './json-text.ts';
import type { Rng } from './rng.ts';

/** Every way the fuzzer damages a valid frame; each is counted in the summary and can be skipped. */
export const MUTATIONS = [
  'bit-flip',
  'truncate',
  'duplicate-key',
  'remove-key',
  'wrong-type',
  'huge-number',
  'deep-nesting',
  'long-string',
  'invalid-utf8',
  'lone-surrogate',
  'nul-byte',
  'stray-cr',
  'bom',
  'proto-key',
  'bad-id',
  'unknown-type',
] as const;
export type MutationName = (typeof MUTATIONS)[number];

export interface Mutated {
  readonly bytes: Buffer;
  readonly mutations: readonly MutationName[];
}

type Container = Record<string, unknown> | unknown[];
interface Slot {
  readonly parent: Container;
  readonly key: string | number;
}

/** Every value position in the frame (breadth first, bounded), so a mutation can land anywhere. */
function slots(root: Container): Slot[] {
  const out: Slot[] = [];
  const queue: Container[] = [root];
  while (queue.length > 0 && out.length < 400) {
    const node = queue.shift();
    if (node === undefined) break;
    const keys: (string | number)[] = Array.isArray(node) ? node.map((_, i) => i) : Object.keys(node);
    for (const key of keys) {
      out.push({ parent: node, key });
      const child = get({ parent: node, key });
      if (typeof child === 'object' && child !== null) queue.push(child as Container);
    }
  }
  return out;
}

function get(s: Slot): unknown {
  return Array.isArray(s.parent) ? s.parent[s.key as number] : s.parent[s.key as string];
}

function set(s: Slot, value: unknown): void {
  if (Array.isArray(s.parent)) s.parent[s.key as number] = value;
  else s.parent[s.key as string] = value;
}

function objects(root: Container): Record<string, unknown>[] {
  const all = [root, ...slots(root).map(get)];
  return all.filter((v): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v));
}

/** Fields the engine reads rather than stores as they are: where a damaged value is most telling. */
const TELLING_KEYS: ReadonlySet<string> = new Set([
  'type',
  'id',
  'event',
  'agent',
  'payload',
  'protocol',
  'api',
  'client',
  'method',
  'params',
  'events',
  'terminalId',
  'session_id',
  'hook_event_name',
  'tool_name',
  'tool_use_id',
  'tool_input',
  'transcript_path',
  'cwd',
  'truncated',
  'sentAt',
]);

/** A slot (of `only` type, when given), the fields the engine interprets weighted up (structure-aware fuzzing). */
function pickSlot(rng: Rng, root: Container, only?: 'string'): Slot | undefined {
  const all = slots(root).filter((s) => only === undefined || typeof get(s) === only);
  const telling = all.filter((s) => TELLING_KEYS.has(String(s.key)));
  if (telling.length > 0 && rng.chance(0.4)) return rng.pick(telling);
  return all.length > 0 ? rng.pick(all) : undefined;
}

function pickStringSlot(rng: Rng, root: Container): Slot | undefined {
  return pickSlot(rng, root, 'string');
}

const OTHER_TYPES: readonly unknown[] = [null, true, false, 0, -1, 1.5, '', 'str', [], {}, [1, 'a', null], { x: 1 }];
const HUGE_NUMBERS = [
  '1e400',
  '-1e400',
  '1e308',
  '-0',
  '9007199254740993',
  '18446744073709551616',
  '123456789012345678901234567890123456789',
  '1e-400',
  '1E+2',
  '-9223372036854775809',
];
const BAD_UTF8: readonly number[][] = [
  [0xff],
  [0xc0, 0x80],
  [0x80],
  [0xe2, 0x82],
  [0xed, 0xa0, 0x80], // a UTF-16 surrogate encoded as UTF-8 (CESU-8), forbidden by RFC 3629 §3
  [0xf4, 0x90, 0x80, 0x80], // above U+10FFFF
  [0xf0, 0x9f, 0x98],
];
const PROTO_KEYS = ['__proto__', 'constructor', 'prototype', 'toString', 'hasOwnProperty'];
const BAD_IDS: readonly unknown[] = [-1, 1.5, '', 'x'.repeat(129), 'x'.repeat(128), {}, [], null, true, 1e21, 2 ** 53];
const BAD_TYPES: readonly unknown[] = [
  'evnt',
  'EVENT',
  '',
  null,
  1,
  'hello ',
  'terminal.resize',
  'ack',
  'error',
  ['event'],
];

/** A fresh copy: a later mutation may write into it, and the lists are shared by every frame. */
function pickValue(rng: Rng, values: readonly unknown[]): unknown {
  return structuredClone(rng.pick(values));
}

/** Nesting that the parser accepts but a recursive serializer may not (V8's JSON.stringify overflows near 8,000). */
function deepText(rng: Rng): string {
  const depth = rng.pick([50, 1000, 7000, 9000, 30_000, 100_000, 170_000]);
  switch (rng.int(3)) {
    case 0:
      return `${'['.repeat(depth)}${']'.repeat(depth)}`;
    case 1: {
      const d = Math.min(depth, 170_000);
      return `${'{"a":'.repeat(d)}1${'}'.repeat(d)}`;
    }
    default: {
      const d = Math.min(depth, 100_000);
      return `${'[{"a":'.repeat(d)}null${'}]'.repeat(d)}`;
    }
  }
}

/**
 * Applies `count` mutations (from `allowed`) to a deep copy of `frame` and returns the wire bytes
 * (without the line terminator). Tree mutations first, byte mutations on the encoded result last.
 */
export function mutate(rng: Rng, frame: Frame, allowed: readonly MutationName[], count: number): Mutated {
  const tree = structuredClone(frame);
  const text = new JsonText();
  const applied: MutationName[] = [];
  const byteLevel: MutationName[] = [];
  let longString: { token: string; target: number } | undefined;
  for (let i = 0; i < count && allowed.length > 0; i++) {
    const m = rng.pick(allowed);
    applied.push(m);
    const anySlot = pickSlot(rng, tree);
    switch (m) {
      case 'bit-flip':
      case 'truncate':
      case 'stray-cr':
      case 'bom':
        byteLevel.push(m);
        break;
      case 'remove-key':
        if (anySlot === undefined) break;
        if (Array.isArray(anySlot.parent)) anySlot.parent.splice(anySlot.key as number, 1);
        else Reflect.deleteProperty(anySlot.parent, anySlot.key);
        break;
      case 'duplicate-key': {
        const obj = rng.pick(objects(tree));
        const key = rng.pick(Object.keys(obj).length > 0 ? Object.keys(obj) : ['type']);
        const dup = text.duplicateKey(key);
        const value = rng.chance(0.5) ? pickValue(rng, OTHER_TYPES) : obj[key];
        // Before or after the original: parsers keep the last one, so both orders matter.
        const entries = Object.entries(obj);
        for (const k of Object.keys(obj)) Reflect.deleteProperty(obj, k);
        if (rng.chance(0.5)) obj[dup] = value;
        for (const [k, v] of entries) obj[k] = v;
        if (!(dup in obj)) obj[dup] = value;
        break;
      }
      case 'wrong-type':
        if (anySlot !== undefined) set(anySlot, pickValue(rng, OTHER_TYPES));
        break;
      case 'huge-number':
        if (anySlot !== undefined) set(anySlot, text.raw(rng.pick(HUGE_NUMBERS)));
        break;
      case 'deep-nesting':
        if (anySlot !== undefined) set(anySlot, text.raw(deepText(rng)));
        break;
      case 'long-string': {
        const s = pickStringSlot(rng, tree) ?? anySlot;
        if (s === undefined) break;
        const token = text.raw('""');
        set(s, token);
        const target = rng.pick([
          MAX_FRAME_BYTES - 2,
          MAX_FRAME_BYTES - 1,
          MAX_FRAME_BYTES,
          MAX_FRAME_BYTES + 1,
          MAX_FRAME_BYTES + rng.range(2, 65_536),
          rng.range(64 * 1024, MAX_FRAME_BYTES - 1),
        ]);
        longString = { token, target };
        break;
      }
      case 'invalid-utf8': {
        const s = pickStringSlot(rng, tree);
        const bad = Buffer.from(rng.pick(BAD_UTF8));
        if (s === undefined || rng.chance(0.3)) byteLevel.push(m);
        else
          set(s, text.raw(Buffer.concat([Buffer.from(`"${rng.word(0, 4)}`), bad, Buffer.from(`${rng.word(0, 4)}"`)])));
        break;
      }
      case 'lone-surrogate': {
        const s = pickStringSlot(rng, tree);
        if (s === undefined) break;
        const lone = rng.pick(['\ud800', '\udfff', '\udc00x', 'a\ud83d']);
        // As a JSON escape (what JSON.stringify writes for a lone surrogate) or as a key.
        if (rng.chance(0.8)) set(s, `${String(get(s))}${lone}`);
        else {
          const obj = rng.pick(objects(tree));
          obj[`k${lone}`] = 1;
        }
        break;
      }
      case 'nul-byte': {
        const s = pickStringSlot(rng, tree);
        if (s === undefined) break;
        // Escaped NUL is valid JSON; a raw NUL inside a string is not (RFC 8259 §7).
        if (rng.chance(0.5)) set(s, `${String(get(s))}\u0000`);
        else set(s, text.raw(Buffer.from([0x22, 0x61, 0x00, 0x62, 0x22])));
        break;
      }
      case 'proto-key': {
        const obj = rng.pick(objects(tree));
        obj[text.duplicateKey(rng.pick(PROTO_KEYS))] = pickValue(rng, [
          { polluted: true, session_id: 'x' },
          'x',
          1,
          null,
        ]);
        break;
      }
      case 'bad-id':
        tree.id = rng.chance(0.2) ? text.raw(rng.pick(HUGE_NUMBERS)) : pickValue(rng, BAD_IDS);
        break;
      case 'unknown-type':
        tree.type = pickValue(rng, BAD_TYPES);
        break;
    }
  }
  let bytes = text.encode(tree);
  if (longString !== undefined) {
    const fill = Math.max(0, longString.target - bytes.length);
    text.fill(longString.token, Buffer.from(`"${'x'.repeat(fill)}"`));
    bytes = text.encode(tree);
  }
  for (const m of byteLevel) bytes = mutateBytes(rng, bytes, m);
  return { bytes, mutations: applied };
}

function mutateBytes(rng: Rng, input: Buffer, m: MutationName): Buffer {
  const bytes = Buffer.from(input);
  if (bytes.length === 0) return bytes;
  switch (m) {
    case 'bit-flip': {
      for (let n = rng.range(1, 8); n > 0; n--) {
        const at = rng.int(bytes.length);
        bytes[at] = (bytes[at] ?? 0) ^ (1 << rng.int(8));
      }
      return bytes;
    }
    case 'truncate':
      return bytes.subarray(0, rng.range(1, Math.max(1, bytes.length - 1)));
    case 'stray-cr': {
      const at = rng.int(bytes.length);
      return Buffer.concat([bytes.subarray(0, at), Buffer.from('\r'), bytes.subarray(at)]);
    }
    case 'bom':
      return Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), bytes]);
    case 'invalid-utf8': {
      const at = rng.int(bytes.length);
      return Buffer.concat([bytes.subarray(0, at), Buffer.from(rng.pick(BAD_UTF8)), bytes.subarray(at)]);
    }
    default:
      return bytes;
  }
}

/** How many mutations a frame gets: mostly one, sometimes a pile-up. */
export function mutationCount(rng: Rng): number {
  const x = rng.float();
  return x < 0.6 ? 1 : x < 0.9 ? 2 : 3;
}
