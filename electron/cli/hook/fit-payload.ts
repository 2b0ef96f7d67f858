/**
 * Shortens the longest strings of a payload until its JSON fits `maxBytes`, so a huge tool output
 * (a file dump, a long log) still reaches the recorder as an event instead of being refused whole.
 * Returns the fitted payload and, per shortened field path, its original size in bytes.
 */
export function fitPayload(
  payload: Record<string, unknown>,
  maxBytes: number,
): { readonly payload: Record<string, unknown>; readonly truncated: Record<string, number> | undefined } {
  let size = Buffer.byteLength(JSON.stringify(payload));
  if (size <= maxBytes) return { payload, truncated: undefined };
  const copy = structuredClone(payload);
  const truncated: Record<string, number> = {};
  const strings = collectStrings(copy, '').sort((a, b) => b.bytes - a.bytes);
  for (const s of strings) {
    if (size <= maxBytes) break;
    const excess = size - maxBytes;
    // Keep the head of the text (usually the most telling part) and leave a visible marker.
    const keep = Math.max(0, s.bytes - excess - 256);
    const head = Buffer.from(s.value, 'utf8')
      .subarray(0, keep)
      .toString('utf8')
      .replace(/\uFFFD$/, '');
    const replacement = `${head}…[aev: truncated ${s.bytes} bytes to ${Buffer.byteLength(head)}]`;
    s.set(replacement);
    truncated[s.path] = s.bytes;
    size = Buffer.byteLength(JSON.stringify(copy));
  }
  return { payload: copy, truncated };
}

interface StringSlot {
  readonly path: string;
  readonly value: string;
  readonly bytes: number;
  readonly set: (v: string) => void;
}

function collectStrings(node: unknown, path: string, out: StringSlot[] = []): StringSlot[] {
  if (Array.isArray(node)) {
    node.forEach((v, i) => {
      if (typeof v === 'string') out.push(slot(`${path}[${i}]`, v, (x) => (node[i] = x)));
      else collectStrings(v, `${path}[${i}]`, out);
    });
  } else if (typeof node === 'object' && node !== null) {
    const rec = node as Record<string, unknown>;
    for (const [k, v] of Object.entries(rec)) {
      const p = path === '' ? k : `${path}.${k}`;
      if (typeof v === 'string') out.push(slot(p, v, (x) => (rec[k] = x)));
      else collectStrings(v, p, out);
    }
  }
  return out;
}

function slot(path: string, value: string, set: (v: string) => void): StringSlot {
  return { path, value, bytes: Buffer.byteLength(value), set };
}
