import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { inclusionProof, leafHash, merkleRoot, verifyInclusion } from '../../../../electron/engine/seal/merkle.ts';
import { MerkleAccumulator } from '../../../../electron/engine/seal/merkle-accumulator.ts';

// The RFC 6962 reference inputs and roots used by certificate-transparency's and trillian's tests.
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

describe('RFC 6962 Merkle tree', () => {
  it('gives the reference roots for trees of 1 to 8 leaves', () => {
    const leaves = INPUTS.map(leafHash);
    for (let n = 1; n <= 8; n++) expect(merkleRoot(leaves.slice(0, n)).toString('hex'), `size ${n}`).toBe(ROOTS[n - 1]);
  });

  it('hashes the empty tree to SHA-256 of nothing', () => {
    expect(merkleRoot([]).toString('hex')).toBe(createHash('sha256').digest('hex'));
  });

  it('proves and verifies every leaf of every tree up to 33 leaves', () => {
    const all = Array.from({ length: 33 }, (_, i) => leafHash(Buffer.from(`leaf ${i}`)));
    for (let n = 1; n <= 33; n++) {
      const leaves = all.slice(0, n);
      const root = merkleRoot(leaves);
      for (let i = 0; i < n; i++)
        expect(verifyInclusion(leaves[i]!, i, n, inclusionProof(leaves, i), root), `${i}/${n}`).toBe(true);
    }
  });

  it('rejects a proof for the wrong index, size, leaf or root', () => {
    const leaves = Array.from({ length: 11 }, (_, i) => leafHash(Buffer.from([i])));
    const root = merkleRoot(leaves);
    const proof = inclusionProof(leaves, 4);
    expect(verifyInclusion(leaves[4]!, 5, 11, proof, root)).toBe(false);
    // A size that changes the path's shape (RFC 9162 takes the size from the signed head, not the proof).
    expect(verifyInclusion(leaves[4]!, 4, 5, proof, root)).toBe(false);
    expect(verifyInclusion(leaves[3]!, 4, 11, proof, root)).toBe(false);
    expect(verifyInclusion(leaves[4]!, 4, 11, proof, leafHash(Buffer.from('x')))).toBe(false);
    expect(verifyInclusion(leaves[4]!, 11, 11, proof, root)).toBe(false);
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
