import type { SourceNode } from './json-source.ts';

/** The original text, its parsed value and its layout: what an edit is printed against. */
export interface JsonOriginal {
  readonly text: string;
  readonly value: unknown;
  readonly node: SourceNode;
}

/**
 * Prints `value` so that every part equal to a part of the original is copied from the original text
 * verbatim (the user's spacing, key order, number spelling and escapes kept); only the containers we
 * changed are laid out anew, one member per line with `indent`. An edit therefore shows up in a diff
 * as the lines it really touches. Values match by key in objects and by equality in arrays, so
 * removing one element does not reprint the ones after it.
 */
export function printPreserving(
  value: unknown,
  original: JsonOriginal | undefined,
  indent: string,
  eol: string,
): string {
  const print = (v: unknown, orig: unknown, node: SourceNode | undefined, depth: number): string => {
    if (node !== undefined && same(v, orig)) return original?.text.slice(node.start, node.end) ?? JSON.stringify(v);
    const pad = indent.repeat(depth + 1);
    const close = indent.repeat(depth);
    if (Array.isArray(v)) {
      if (v.length === 0) return '[]';
      const pool =
        node?.kind === 'array' && Array.isArray(orig) ? node.items.map((n, k) => ({ n, v: orig[k] as unknown })) : [];
      const items = v.map((item: unknown) => {
        const at = pool.findIndex((p) => same(item, p.v));
        const match = at >= 0 ? pool.splice(at, 1)[0] : undefined;
        return pad + print(item, match?.v, match?.n, depth + 1);
      });
      return `[${eol}${items.join(`,${eol}`)}${eol}${close}]`;
    }
    if (typeof v === 'object' && v !== null) {
      const entries = Object.entries(v);
      if (entries.length === 0) return '{}';
      const origObject = isRecord(orig) ? orig : undefined;
      const members = entries.map(([key, child]) => {
        const childNode =
          node?.kind === 'object' && origObject !== undefined && Object.hasOwn(origObject, key)
            ? node.members.get(key)
            : undefined;
        return `${pad}${JSON.stringify(key)}: ${print(child, origObject?.[key], childNode, depth + 1)}`;
      });
      return `{${eol}${members.join(`,${eol}`)}${eol}${close}}`;
    }
    return JSON.stringify(v);
  };
  return print(value, original?.value, original?.node, 0);
}

function same(a: unknown, b: unknown): boolean {
  return a === b || (typeof a === 'object' && a !== null && JSON.stringify(a) === JSON.stringify(b));
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
