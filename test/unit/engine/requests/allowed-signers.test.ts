import { afterAll, describe, expect, it } from 'vitest';
import { findAllowedSigner } from '../../../../electron/engine/requests/allowed-signers.ts';
import { REQUEST_NAMESPACE } from '../../../../electron/engine/requests/request-format.ts';
import { generateDeviceKey, loadDeviceKey, publicKeyOpenSsh } from '../../../../electron/engine/seal/device-key.ts';
import { signSshsig } from '../../../../electron/engine/seal/sshsig.ts';
import { makeTempDir } from '../../../helpers/temp-dir.ts';
import { SshKeygen } from '../seal/ssh-keygen-driver.ts';

/**
 * `--trust-requester FILE` must trust exactly what `ssh-keygen -Y verify -f FILE -n agent-evidence-request`
 * trusts: each line below is judged by our reader and by the real ssh-keygen, and both must agree.
 */
describe('allowed signers for clip requests (checked against ssh-keygen)', () => {
  const tmp = makeTempDir('aev-allowed-');
  const ssh = new SshKeygen(tmp.dir);
  afterAll(() => {
    tmp.cleanup();
  });
  const lead = loadDeviceKey(generateDeviceKey().privateKeyPkcs8Der);
  const other = loadDeviceKey(generateDeviceKey().privateKeyPkcs8Der);
  const key = publicKeyOpenSsh(lead.publicKeyRaw, '');
  const otherKey = publicKeyOpenSsh(other.publicKeyRaw, '');
  const message = Buffer.from('{"a request":"its canonical bytes"}');
  const signature = signSshsig(message, lead.privateKey, REQUEST_NAMESPACE);

  const cases: readonly [string, string, string, boolean][] = [
    ['a plain line', `lead ${key}`, 'lead', true],
    ['our namespace', `lead namespaces="${REQUEST_NAMESPACE}" ${key}`, 'lead', true],
    ['only the chain-record namespace', `lead namespaces="agent-evidence" ${key}`, 'lead', false],
    ['a namespace wildcard', `lead namespaces="agent-evidence-*" ${key}`, 'lead', true],
    ['a negated namespace', `lead namespaces="*,!${REQUEST_NAMESPACE}" ${key}`, 'lead', false],
    ['a certificate authority', `lead cert-authority ${key}`, 'lead', false],
    ['a key that expired', `lead valid-before="20200101" ${key}`, 'lead', false],
    ['a key not valid yet', `lead valid-after="20990101Z" ${key}`, 'lead', false],
    ['a validity window around now', `lead valid-after="20200101",valid-before="209901011200" ${key}`, 'lead', true],
    ['several principals', `"lead,ops" namespaces="x,${REQUEST_NAMESPACE}" ${key}`, 'ops', true],
    ['another key', `lead ${otherKey}`, 'lead', false],
    ['a commented-out line', `# lead ${key}`, 'lead', false],
    ['a trailing comment', `lead ${key} the lead's laptop`, 'lead', true],
    ['tabs', `lead\tnamespaces="${REQUEST_NAMESPACE}"\t${key}`, 'lead', true],
  ];

  it.each(cases)('agrees with ssh-keygen on %s', (_what, line, principal, expected) => {
    const ours = findAllowedSigner(`${line}\n`, lead.publicKeyRaw, REQUEST_NAMESPACE, Date.now());
    const theirs = ssh.verify(message, signature, line, principal, REQUEST_NAMESPACE);
    expect(theirs.status === 0, theirs.stderr).toBe(expected);
    expect(ours !== null).toBe(expected);
  });

  it('names the principals and the line that trusted the key', () => {
    const text = `# team leads\nops ${otherKey}\n"lead@example.com" namespaces="${REQUEST_NAMESPACE}" ${key}\n`;
    expect(findAllowedSigner(text, lead.publicKeyRaw, REQUEST_NAMESPACE, Date.now())).toEqual({
      principals: 'lead@example.com',
      line: 3,
    });
  });
});
