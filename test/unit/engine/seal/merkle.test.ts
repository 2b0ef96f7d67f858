import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { inclusionProof, leafHash, merkleRoot, verifyInclusion } from '../../../../electron/engine/seal/merkle.ts';
import { MerkleAccumulator } from '../../../../electron/engine/seal/merkle-accumulator.ts';

// The RFC 6962 reference inputs, roots and audit paths of certificate-transparency's
// cpp/merkletree/merkle_tree_test.cc (also used by trillian and transparency-dev/merkle).
const INPUTS = ['', '00', '10', '2021', '3031', '40414243', '5051525354555657', '606162636465666768696a6b6c6d6e6f'].map(
  (h) => Buffer.from(h, 'hex'),
);
const ROOTS = [
  '6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d',
  'fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125',
  'aeb6bcfe274b70a14fb067a5e5578264db0fa9b51af5e0ba159158f329e06e77',
  'd37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7',
  '4e3bbb1f7b478dcfe71fb631631519a3bca12c9aefca1612bfce4c13a86264d4',
  '76e67dadbcdf1e10e1b74ddc608abd2f98dfb16fbce75277b5232a127f2087ef',
  'ddb89be403809e325750d3d263cd78929c2942b7942a34b77e122c9594a74c8c',
  '5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328',
];
const PATHS: readonly (readonly [index: number, size: number, path: readonly string[]])[] = [
  [0, 1, []],
  [
    0,
    8,
    [
      '96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7',
      '5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e',
      '6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4',
    ],
  ],
  [
    5,
    8,
    [
      'bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b',
      'ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0',
      'd37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7',
    ],
  ],
  [2, 3, ['fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125']],
  [
    1,
    5,
    [
      '6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d',
      '5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e',
      'bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b',
    ],
  ],
];

const sha256 = (...parts: Buffer[]): Buffer => createHash('sha256').update(Buffer.concat(parts)).digest();

/** MTH exactly as RFC 6962 §2.1 words it (recursive split at the largest power of two < n): an oracle. */
function referenceRoot(d: readonly Buffer[]): Buffer {
  if (d.length === 0) return sha256();
  if (d.length === 1) return d[0]!;
  let k = 1;
  while (k * 2 < d.length) k *= 2;
  return sha256(Buffer.of(1), referenceRoot(d.slice(0, k)), referenceRoot(d.slice(k)));
}

/** How many siblings RFC 6962 §2.1.1 PATH(m, D[n]) has. */
function pathLength(m: number, n: number): number {
  if (n <= 1) return 0;
  let k = 1;
  while (k * 2 < n) k *= 2;
  return 1 + (m < k ? pathLength(m, k) : pathLength(m - k, n - k));
}

const leavesOf = (n: number, tag = 'leaf'): Buffer[] =>
  Array.from({ length: n }, (_, i) => leafHash(Buffer.from(`${tag} ${i}`)));

describe('RFC 6962 Merkle tree', () => {
  it('hashes a leaf as SHA-256(0x00 || data)', () => {
    expect(leafHash(Buffer.from('abc')).equals(sha256(Buffer.of(0), Buffer.from('abc')))).toBe(true);
    expect(leafHash(Buffer.alloc(0)).toString('hex')).toBe(ROOTS[0]);
  });

  it('gives the reference roots for trees of 1 to 8 leaves', () => {
    const leaves = INPUTS.map(leafHash);
    for (let n = 1; n <= 8; n++) expect(merkleRoot(leaves.slice(0, n)).toString('hex'), `size ${n}`).toBe(ROOTS[n - 1]);
  });

  it('hashes the empty tree to SHA-256 of nothing', () => {
    expect(merkleRoot([]).toString('hex')).toBe(createHash('sha256').digest('hex'));
  });

  it('agrees with the recursive RFC 6962 definition for every size up to 70', () => {
    const all = leavesOf(70);
    for (let n = 0; n <= 70; n++)
      expect(merkleRoot(all.slice(0, n)).equals(referenceRoot(all.slice(0, n))), `${n}`).toBe(true);
  });

  it.each(PATHS)('gives the reference audit path for leaf %i of %i', (index, size, path) => {
    const leaves = INPUTS.slice(0, size).map(leafHash);
    const proof = inclusionProof(leaves, index);
    expect(proof.map((p) => p.toString('hex'))).toEqual(path);
    expect(verifyInclusion(leaves[index]!, index, size, proof, merkleRoot(leaves))).toBe(true);
  });

  it('proves and verifies every leaf of every tree up to 33 leaves', () => {
    const all = leavesOf(33);
    for (let n = 1; n <= 33; n++) {
      const leaves = all.slice(0, n);
      const root = merkleRoot(leaves);
      for (let i = 0; i < n; i++)
        expect(verifyInclusion(leaves[i]!, i, n, inclusionProof(leaves, i), root), `${i}/${n}`).toBe(true);
    }
  });

  it('rejects every proof checked against another index, size, leaf or root, for trees up to 33', () => {
    const all = leavesOf(34);
    const stranger = leafHash(Buffer.from('not in the tree'));
    for (let n = 1; n <= 33; n++) {
      const leaves = all.slice(0, n);
      const root = merkleRoot(leaves);
      for (let i = 0; i < n; i++) {
        const proof = inclusionProof(leaves, i);
        const at = `${i}/${n}`;
        for (let j = 0; j <= n; j++)
          if (j !== i) expect(verifyInclusion(leaves[i]!, j, n, proof, root), `${at} as ${j}`).toBe(false);
        // A size whose path for leaf i has another length must fail. (A size with the very same path shape,
        // e.g. leaf 0 of 3 or of 4, cannot be told apart by the proof: RFC 9162 takes the size from the signed head.)
        for (let size = i + 1; size <= 2 * n; size++)
          if (pathLength(i, size) !== proof.length)
            expect(verifyInclusion(leaves[i]!, i, size, proof, root), `${at} size ${size}`).toBe(false);
        expect(verifyInclusion(stranger, i, n, proof, root), `${at} stranger`).toBe(false);
        expect(verifyInclusion(leaves[i]!, i, n, proof, merkleRoot(all.slice(0, n + 1))), `${at} root`).toBe(false);
      }
    }
  });

  it('rejects a proof with a sibling changed, dropped or added', () => {
    const leaves = leavesOf(11);
    const root = merkleRoot(leaves);
    const proof = inclusionProof(leaves, 4);
    for (let k = 0; k < proof.length; k++) {
      const changed = proof.map((p, i) => (i === k ? sha256(p) : p));
      expect(verifyInclusion(leaves[4]!, 4, 11, changed, root), `sibling ${k}`).toBe(false);
    }
    expect(verifyInclusion(leaves[4]!, 4, 11, proof.slice(0, -1), root)).toBe(false);
    expect(verifyInclusion(leaves[4]!, 4, 11, [...proof, root], root)).toBe(false);
  });

  it('returns false, without throwing, for garbage arguments', () => {
    const leaves = leavesOf(5);
    const root = merkleRoot(leaves);
    const proof = inclusionProof(leaves, 2);
    const leaf = leaves[2]!;
    expect(verifyInclusion(leaf, 2, 5, proof, root)).toBe(true);
    expect(verifyInclusion(leaf, -1, 5, proof, root)).toBe(false);
    expect(verifyInclusion(leaf, 2.5, 5, proof, root)).toBe(false);
    expect(verifyInclusion(leaf, 2, Number.NaN, proof, root)).toBe(false);
    expect(verifyInclusion(leaf, 2, 2 ** 60, proof, root)).toBe(false);
    expect(verifyInclusion(leaf.subarray(0, 31), 2, 5, proof, root)).toBe(false);
    expect(verifyInclusion(leaf, 2, 5, [...proof.slice(0, -1), Buffer.alloc(33)], root)).toBe(false);
    expect(verifyInclusion(leaf, 2, 5, proof, Buffer.alloc(0))).toBe(false);
    expect(verifyInclusion(leaf, 2, 5, 'junk' as unknown as Buffer[], root)).toBe(false);
  });

  it('refuses to build a root from leaf hashes that are not 32 bytes, or a proof for a missing leaf', () => {
    expect(() => merkleRoot([...leavesOf(3), Buffer.alloc(31)])).toThrow(
      expect.objectContaining({ code: 'E_INTERNAL' }),
    );
    expect(() => inclusionProof(leavesOf(3), 3)).toThrow(expect.objectContaining({ code: 'E_INTERNAL' }));
    expect(() => inclusionProof([], 0)).toThrow(expect.objectContaining({ code: 'E_INTERNAL' }));
  });

  it('keeps leaves and inner nodes apart (a node cannot pose as a leaf)', () => {
    const leaves = [leafHash(Buffer.from('a')), leafHash(Buffer.from('b'))];
    const inner = merkleRoot(leaves);
    expect(merkleRoot([inner]).equals(inner)).toBe(true); // a one-leaf tree's root is the leaf hash itself
    expect(leafHash(Buffer.concat(leaves)).equals(inner)).toBe(false);
  });
});

describe('incremental Merkle accumulator', () => {
  it('gives the same root as the whole-tree computation for every size up to 300', () => {
    const leaves = Array.from({ length: 300 }, (_, i) => leafHash(Buffer.from(`e${i}`)));
    const acc = new MerkleAccumulator();
    expect(acc.root().equals(merkleRoot([]))).toBe(true);
    leaves.forEach((leaf, i) => {
      acc.append(leaf);
      expect(acc.root().equals(merkleRoot(leaves.slice(0, i + 1))), `size ${i + 1}`).toBe(true);
    });
    expect(acc.count).toBe(300);
  });
});
