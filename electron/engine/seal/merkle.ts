import { hash } from 'node:crypto';
import { AevError } from '../../common/errors.ts';

// RFC 6962 §2.1 Merkle Tree Hash over SHA-256, with distinct leaf and node prefixes so a leaf can
// never be passed off as an inner node (second-preimage protection).
const HASH_BYTES = 32;
const LEAF_PREFIX = Buffer.from([0x00]);
const NODE_PREFIX = 0x01;

/** MTH({d}) = SHA-256(0x00 || d). */
export function leafHash(data: Buffer): Buffer {
  return hash('sha256', Buffer.concat([LEAF_PREFIX, data]), 'buffer');
}

/**
 * MTH(D[n]) over leaf hashes; MTH({}) = SHA-256(""). Built level by level, pairing left to right and
 * carrying an odd last node up unchanged, which yields exactly RFC 6962's split at the largest power of
 * two below n. The n - 1 node hashes go through one reused 65-byte buffer and one-shot crypto.hash:
 * per-call overhead, not SHA-256 itself, is what a big window costs.
 */
export function merkleRoot(leafHashes: readonly Buffer[]): Buffer {
  return rangeRoot(leafHashes, 0, leafHashes.length);
}

/** RFC 6962 §2.1.1 PATH(m, D[n]): the audit path (bottom-up) proving leaf `index` is in the tree. */
export function inclusionProof(leafHashes: readonly Buffer[], index: number): Buffer[] {
  if (!Number.isSafeInteger(index) || index < 0 || index >= leafHashes.length)
    throw new AevError('E_INTERNAL', `no leaf ${index} in a tree of ${leafHashes.length}`);
  // PATH(m, D[lo:hi]) = PATH(m, D[lo:lo+k]) : MTH(D[lo+k:hi]) when m < k, else
  // PATH(m - k, D[lo+k:hi]) : MTH(D[lo:lo+k]). Walking down collects the siblings top-down.
  const siblings: Buffer[] = [];
  let lo = 0;
  let hi = leafHashes.length;
  let m = index;
  while (hi - lo > 1) {
    const k = largestPowerOfTwoBelow(hi - lo);
    if (m < k) {
      siblings.push(rangeRoot(leafHashes, lo + k, hi));
      hi = lo + k;
    } else {
      siblings.push(rangeRoot(leafHashes, lo, lo + k));
      lo += k;
      m -= k;
    }
  }
  return siblings.reverse();
}

/**
 * RFC 9162 §2.1.3.2: checks an inclusion proof against a root without trusting the prover. `treeSize`
 * must come from the signed record, not from the proof. Returns false, never throws, on any garbage.
 */
export function verifyInclusion(
  leaf: Buffer,
  index: number,
  treeSize: number,
  proof: readonly Buffer[],
  root: Buffer,
): boolean {
  if (!Number.isSafeInteger(index) || !Number.isSafeInteger(treeSize) || index < 0 || index >= treeSize) return false;
  if (!isHash(leaf) || !isHash(root) || !Array.isArray(proof) || !proof.every(isHash)) return false;
  let fn = index;
  let sn = treeSize - 1;
  let r = leaf;
  for (const p of proof) {
    if (sn === 0) return false;
    if (fn % 2 === 1 || fn === sn) {
      r = nodeHash(p, r);
      // Right-shift until fn is a right child again (or 0): skips levels where the tree has no sibling.
      while (fn % 2 === 0 && fn !== 0) {
        fn = Math.floor(fn / 2);
        sn = Math.floor(sn / 2);
      }
    } else {
      r = nodeHash(r, p);
    }
    fn = Math.floor(fn / 2);
    sn = Math.floor(sn / 2);
  }
  return sn === 0 && r.equals(root);
}

function rangeRoot(leafHashes: readonly Buffer[], lo: number, hi: number): Buffer {
  if (hi === lo) return hash('sha256', Buffer.alloc(0), 'buffer');
  const level = leafHashes.slice(lo, hi);
  for (const leaf of level)
    if (!isHash(leaf)) throw new AevError('E_INTERNAL', `a Merkle leaf hash must be ${HASH_BYTES} bytes`);
  const scratch = Buffer.allocUnsafe(1 + 2 * HASH_BYTES);
  scratch[0] = NODE_PREFIX;
  for (let n = level.length; n > 1;) {
    let w = 0;
    for (let i = 0; i + 1 < n; i += 2) {
      scratch.set(level[i] as Buffer, 1);
      scratch.set(level[i + 1] as Buffer, 1 + HASH_BYTES);
      level[w++] = hash('sha256', scratch, 'buffer');
    }
    if (n % 2 === 1) level[w++] = level[n - 1] as Buffer;
    n = w;
  }
  return level[0] as Buffer;
}

function nodeHash(left: Buffer, right: Buffer): Buffer {
  return hash('sha256', Buffer.concat([Buffer.of(NODE_PREFIX), left, right]), 'buffer');
}

function isHash(b: unknown): b is Buffer {
  return Buffer.isBuffer(b) && b.length === HASH_BYTES;
}

function largestPowerOfTwoBelow(n: number): number {
  let k = 1;
  while (k * 2 < n) k *= 2;
  return k;
}
