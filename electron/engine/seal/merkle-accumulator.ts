import { createHash } from 'node:crypto';

/**
 * Builds an RFC 6962 Merkle tree hash incrementally: appending a leaf is O(log n) and the root of
 * what was appended so far is O(log n), so sealing a window of 100,000 events costs microseconds at
 * the window boundary instead of a stall. The stack holds the roots of perfect subtrees, largest
 * first; folding it from the right gives exactly RFC 6962's MTH (its split at the largest power of two).
 */
export class MerkleAccumulator {
  readonly #stack: { size: number; hash: Buffer }[] = [];
  #count = 0;

  /** Appends a leaf hash (already H(0x00 || data)). */
  append(leafHash: Buffer): void {
    let node = { size: 1, hash: leafHash };
    for (let top = this.#stack.at(-1); top !== undefined && top.size === node.size; top = this.#stack.at(-1)) {
      this.#stack.pop();
      node = { size: top.size * 2, hash: nodeHash(top.hash, node.hash) };
    }
    this.#stack.push(node);
    this.#count += 1;
  }

  get count(): number {
    return this.#count;
  }

  root(): Buffer {
    if (this.#stack.length === 0) return createHash('sha256').digest();
    let hash = (this.#stack.at(-1) as { hash: Buffer }).hash;
    for (let i = this.#stack.length - 2; i >= 0; i--) hash = nodeHash((this.#stack[i] as { hash: Buffer }).hash, hash);
    return hash;
  }
}

function nodeHash(left: Buffer, right: Buffer): Buffer {
  return createHash('sha256').update(NODE_PREFIX).update(left).update(right).digest();
}

const NODE_PREFIX = Buffer.from([0x01]);
