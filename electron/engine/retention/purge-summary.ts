import type { ItemsSummary } from '../../common/model/chain.ts';
import { leafHash, merkleRoot } from '../seal/merkle.ts';

/** One item of a per-session sequence: its seq and what its Merkle leaf hashes (event digest, descriptor hash). */
export interface SealedItem {
  readonly seq: number;
  readonly leafInput: Buffer;
}

/**
 * Count, seq range and RFC 6962 root of items in seq order: the same shape and tree a window seals
 * (docs/chain-format.md), so a tombstone commits to what it deleted exactly as the windows did.
 */
export function itemsSummary(items: readonly SealedItem[]): ItemsSummary {
  return {
    count: items.length,
    firstSeq: items[0]?.seq ?? null,
    lastSeq: items.at(-1)?.seq ?? null,
    root: merkleRoot(items.map((i) => leafHash(i.leafInput))).toString('hex'),
  };
}

export function sameSummary(a: ItemsSummary, b: ItemsSummary): boolean {
  return a.count === b.count && a.firstSeq === b.firstSeq && a.lastSeq === b.lastSeq && a.root === b.root;
}
