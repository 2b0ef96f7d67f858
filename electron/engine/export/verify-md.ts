import { ALLOWED_SIGNERS, MANIFEST, MANIFEST_SIG, SUMS, TRUST_PEM } from './bundle-layout.ts';

export interface VerifyMdInput {
  readonly bundleId: string;
  /** Every record file with its signature file. */
  readonly records: readonly { readonly record: string; readonly signature: string }[];
  /** Every token with the record it stamps. */
  readonly tokens: readonly { readonly token: string; readonly record: string }[];
  readonly withheld: number;
}

const SSH = `ssh-keygen -Y verify -f ${ALLOWED_SIGNERS} -I aev-device -n agent-evidence`;

/**
 * VERIFY.md (docs/bundle-format.md): the stock-tool commands with this bundle's real paths, one per
 * line in one `sh` block, so an auditor can paste it (or a test can run it line by line).
 */
export function verifyMd(input: VerifyMdInput): string {
  const lines = [
    `sha256sum -c ${SUMS}`,
    `${SSH} -s ${MANIFEST_SIG} < ${MANIFEST}`,
    ...input.records.map((r) => `${SSH} -s ${r.signature} < ${r.record}`),
    ...input.tokens.map((t) => `openssl ts -verify -in ${t.token} -data ${t.record} -CAfile ${TRUST_PEM}`),
  ];
  return `# Verifying evidence bundle ${input.bundleId}

This bundle verifies offline. With Agent Evidence installed: \`aev verify <this bundle>\`, which also
recomputes every Merkle root from \`sessions/*/proofs/\`. With stock tools only (\`sha256sum\`,
OpenSSH ≥ 8.1 \`ssh-keygen\`, \`openssl\`), run these commands from the folder the bundle was extracted
into; each must succeed (exit 0).

1. \`sha256sum -c\`: every file is the one the device signed the list of.
2. \`ssh-keygen -Y verify\`: the manifest and each chain record are signed by the device key in
   \`device/allowed_signers\` (namespace \`agent-evidence\`). Its fingerprint (\`ssh-keygen -l -f
   device/device.pub\`) is the \`device\` field of every record.
3. \`openssl ts -verify\`: each RFC 3161 time-stamp token is over the SHA-256 of its record and chains
   to \`${TRUST_PEM}\` (the exporter's trust anchors; you may use your own instead).

\`\`\`sh
${lines.join('\n')}
\`\`\`
${input.withheld > 0 ? `\n${input.withheld} event(s) were withheld by the exporter: their files are absent, their leaves are listed in \`manifest.json\` and in the proofs, so every root still verifies.\n` : ''}
See docs/bundle-format.md and docs/signatures.md of Agent Evidence for the formats.
`;
}
