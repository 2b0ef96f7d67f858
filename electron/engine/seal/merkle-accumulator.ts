import { hash } from 'node:crypto';

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
    if (this.#stack.length === 0) return hash('sha256', Buffer.alloc(0), 'buffer');
    let root = (this.#stack.at(-1) as { hash: Buffer }).hash;
    for (let i = this.#stack.length - 2; i >= 0; i--) root = nodeHash((this.#stack[i] as { hash: Buffer }).hash, root);
    return root;
  }
}

// RFC 6962 §2.1: node = SHA-256(0x01 || left || right). One reused input buffer and the one-shot
// crypto.hash: on the ingest path a Hash object per node costs more than the hashing itself.
const scratch = Buffer.alloc(65, 0x01);

function nodeHash(left: Buffer, right: Buffer): Buffer {
  scratch.set(left, 1);
  scratch.set(right, 33);
  return hash('sha256', scratch, 'buffer');
}
