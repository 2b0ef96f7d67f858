import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import * as asn1js from 'asn1js';
import * as pkijs from 'pkijs';
import { assertNever } from '../../electron/common/errors.ts';

/**
 * A real RFC 3161 TSA on loopback: certificates made with the openssl CLI, replies made by
 * `openssl ts -reply`, served over HTTP on 127.0.0.1. `setMode` makes it misbehave on purpose.
 */
export type OpensslTsaMode =
  'ok' | 'http500' | 'garbage' | 'slow' | 'wrong-content-type' | 'other-imprint' | 'wrong-nonce' | 'down';

/** 'good' has the RFC 3161 §2.3 critical timeStamping EKU; the others break one rule each. */
export type OpensslTsaLeaf = 'good' | 'eku-not-critical' | 'leaf-is-ca' | 'no-signing-key-usage';

export interface OpensslTsaOptions {
  readonly leaf?: OpensslTsaLeaf;
  readonly keyType?: 'rsa' | 'ec';
  /** ESS signing-certificate v1 (SHA-1 ESSCertID, RFC 2634) or v2 (RFC 5816, the default). */
  readonly essVersion?: 1 | 2;
  /** Imprint algorithms the TSA accepts (openssl names); add 'sha1' to get a SHA-1 token. */
  readonly digests?: readonly string[];
  /** Root -> intermediate -> leaf instead of root -> leaf; the intermediate is embedded in tokens. */
  readonly intermediate?: boolean;
  /** How long 'slow' holds a request before answering (default 10 s). */
  readonly slowMs?: number;
}

export interface OpensslTsa {
  readonly url: string;
  readonly dir: string;
  readonly rootPem: string;
  readonly leafPem: string;
  readonly intermediatePem: string | undefined;
  readonly rootPath: string;
  readonly leafPath: string;
  readonly leafKeyPath: string;
  readonly policy: string;
  /** Requests received over HTTP so far. */
  requestCount(): number;
  /** Signs a TimeStampReq without HTTP (same path the server uses in 'ok' mode). */
  stamp(query: Uint8Array): Promise<Uint8Array>;
  setMode(mode: OpensslTsaMode): Promise<void>;
  close(): Promise<void>;
}

export const TSA_POLICY = '1.2.3.4.1';
const TST_INFO_OID = '1.2.840.113549.1.9.16.1.4';

export function runOpenssl(
  args: readonly string[],
  cwd: string,
): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile('openssl', args, { cwd, encoding: 'utf8' }, (error, stdout, stderr) => {
      const code = error === null ? 0 : typeof error.code === 'number' ? error.code : 1;
      resolve({ code, stdout, stderr });
    });
  });
}

async function openssl(args: readonly string[], cwd: string): Promise<void> {
  const result = await runOpenssl(args, cwd);
  if (result.code !== 0) throw new Error(`openssl ${args.join(' ')} failed: ${result.stderr}`);
}

const PKI_CONFIG = `[ req ]
distinguished_name = dn
prompt = no
[ dn ]
CN = unused
[ ca_ext ]
basicConstraints = critical, CA:TRUE
keyUsage = critical, keyCertSign, cRLSign
subjectKeyIdentifier = hash
[ good ]
basicConstraints = critical, CA:FALSE
keyUsage = critical, digitalSignature, nonRepudiation
extendedKeyUsage = critical, timeStamping
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid
[ eku-not-critical ]
basicConstraints = critical, CA:FALSE
keyUsage = critical, digitalSignature
extendedKeyUsage = timeStamping
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid
[ no-signing-key-usage ]
basicConstraints = critical, CA:FALSE
keyUsage = critical, keyEncipherment
extendedKeyUsage = critical, timeStamping
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid
[ leaf-is-ca ]
basicConstraints = critical, CA:TRUE
keyUsage = critical, digitalSignature, keyCertSign
extendedKeyUsage = critical, timeStamping
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid
`;

function keyArgs(keyType: 'rsa' | 'ec'): string[] {
  return keyType === 'rsa' ? ['-newkey', 'rsa:2048'] : ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256'];
}

/** Splits a command line with no quoted parts (subjects with spaces are passed separately). */
const words = (line: string): string[] => line.split(' ');

/** Issues `name`.pem/.key signed by `issuer` with the extension section `section`. */
async function issue(
  dir: string,
  name: string,
  subject: string,
  issuer: string,
  section: string,
  keyType: 'rsa' | 'ec',
): Promise<void> {
  const req = `req -new -config pki.cnf -nodes -keyout ${name}.key -out ${name}.csr`;
  await openssl([...words(req), ...keyArgs(keyType), '-subj', subject], dir);
  const serial = `0x${randomBytes(8).toString('hex')}`;
  const x509 = `x509 -req -in ${name}.csr -CA ${issuer}.pem -CAkey ${issuer}.key -set_serial ${serial} -days 30`;
  await openssl(words(`${x509} -extfile pki.cnf -extensions ${section} -out ${name}.pem`), dir);
}

function tsaConfig(dir: string, signer: string, options: OpensslTsaOptions, withName: boolean): string {
  return `[ tsa ]
default_tsa = tsa_config
[ tsa_config ]
dir = ${dir}
serial = $dir/tsaserial
crypto_device = builtin
signer_cert = $dir/${signer}.pem
signer_key = $dir/${signer}.key
${options.intermediate === true ? 'certs = $dir/intermediate.pem' : ''}
signer_digest = sha256
default_policy = ${TSA_POLICY}
other_policies = 1.2.3.4.5
digests = ${(options.digests ?? ['sha256', 'sha384', 'sha512']).join(', ')}
accuracy = secs:1, millisecs:500, microsecs:100
clock_precision_digits = 0
ordering = yes
tsa_name = ${withName ? 'yes' : 'no'}
ess_cert_id_chain = no
ess_cert_id_alg = ${options.essVersion === 1 ? 'sha1' : 'sha256'}
`;
}

/** Changes the imprint or the nonce of a request, so openssl stamps something the client did not ask for. */
function tamperRequest(query: Uint8Array, what: 'imprint' | 'nonce'): Uint8Array {
  const request = new pkijs.TimeStampReq({ schema: asn1js.fromBER(query).result });
  if (what === 'imprint') {
    const digest = new Uint8Array(request.messageImprint.hashedMessage.valueBlock.valueHexView);
    digest[0] = (digest[0] ?? 0) ^ 0xff;
    request.messageImprint.hashedMessage = new asn1js.OctetString({ valueHex: digest });
  } else {
    request.nonce = new asn1js.Integer({ value: 42 });
  }
  return new Uint8Array(request.toSchema().toBER(false));
}

/** TimeStampResp ::= SEQUENCE { status PKIStatusInfo (granted), timeStampToken } (RFC 3161 §2.4.2). */
function grantedResponse(token: Uint8Array): Uint8Array {
  const status = new asn1js.Sequence({ value: [new asn1js.Integer({ value: 0 })] });
  const tokenBlock = asn1js.fromBER(token).result;
  return new Uint8Array(new asn1js.Sequence({ value: [status, tokenBlock] }).toBER(false));
}

export async function startOpensslTsa(options: OpensslTsaOptions = {}): Promise<OpensslTsa> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'aev-tsa-'));
  const keyType = options.keyType ?? 'rsa';
  const leaf = options.leaf ?? 'good';
  fs.writeFileSync(path.join(dir, 'pki.cnf'), PKI_CONFIG);
  fs.writeFileSync(path.join(dir, 'tsaserial'), '01\n');
  const rootReq = 'req -x509 -new -config pki.cnf -extensions ca_ext -nodes -keyout root.key -out root.pem -days 365';
  await openssl([...words(rootReq), ...keyArgs('ec'), '-subj', '/O=AEV Test/CN=AEV Test TSA Root'], dir);
  let issuer = 'root';
  if (options.intermediate === true) {
    await issue(dir, 'intermediate', '/O=AEV Test/CN=AEV Test TSA Intermediate', 'root', 'ca_ext', 'ec');
    issuer = 'intermediate';
  }
  await issue(dir, 'tsa', '/O=AEV Test/CN=AEV Test TSA', issuer, leaf, keyType);
  // openssl ts -reply refuses a signer without a critical timeStamping EKU, or one that is a CA
  // (TS_RESP_CTX_set_signer_cert); a bad TSA gets its TSTInfo from a shadow good signer and is
  // then signed by `openssl cms -sign -cades` (which adds signingCertificateV2) with the bad leaf.
  const shadow = leaf === 'good' ? 'tsa' : 'shadow';
  if (leaf !== 'good') await issue(dir, 'shadow', '/O=AEV Test/CN=AEV Shadow TSA', issuer, 'good', keyType);
  fs.writeFileSync(path.join(dir, 'tsa.cnf'), tsaConfig(dir, shadow, options, leaf === 'good'));

  let serialise: Promise<unknown> = Promise.resolve();
  let counter = 0;
  const stampNow = async (query: Uint8Array): Promise<Uint8Array> => {
    const n = ++counter;
    fs.writeFileSync(path.join(dir, `q${n}.tsq`), query);
    await openssl(['ts', '-reply', '-config', 'tsa.cnf', '-queryfile', `q${n}.tsq`, '-out', `r${n}.tsr`], dir);
    if (leaf === 'good') return new Uint8Array(fs.readFileSync(path.join(dir, `r${n}.tsr`)));
    await openssl(['ts', '-reply', '-in', `r${n}.tsr`, '-token_out', '-out', `t${n}.der`], dir);
    await openssl(words(`cms -verify -noverify -inform DER -in t${n}.der -binary -out i${n}.der`), dir);
    const sign = `cms -sign -binary -nodetach -in i${n}.der -econtent_type ${TST_INFO_OID} -signer tsa.pem -inkey tsa.key`;
    const chain = options.intermediate === true ? ' -certfile intermediate.pem' : '';
    await openssl(words(`${sign} -md sha256 -nosmimecap -cades -outform DER -out b${n}.der${chain}`), dir);
    return grantedResponse(new Uint8Array(fs.readFileSync(path.join(dir, `b${n}.der`))));
  };
  // One openssl at a time: `ts -reply` rewrites the serial file.
  const stamp = (query: Uint8Array): Promise<Uint8Array> => {
    const result = serialise.then(() => stampNow(query));
    serialise = result.catch(() => undefined);
    return result;
  };

  let mode: OpensslTsaMode = 'ok';
  let requests = 0;
  const timers = new Set<NodeJS.Timeout>();
  const reply = (res: http.ServerResponse, body: Uint8Array, type = 'application/timestamp-reply'): void => {
    res.writeHead(200, { 'content-type': type, 'content-length': body.byteLength }).end(body);
  };
  const handle = async (req: http.IncomingMessage, res: http.ServerResponse): Promise<void> => {
    requests++;
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const query = new Uint8Array(Buffer.concat(chunks));
    if (req.method !== 'POST' || req.headers['content-type'] !== 'application/timestamp-query') {
      res.writeHead(415).end();
      return;
    }
    switch (mode) {
      case 'ok':
        reply(res, await stamp(query));
        return;
      case 'down':
        req.socket.destroy();
        return;
      case 'http500':
        res.writeHead(500, { 'content-type': 'text/plain' }).end('internal error');
        return;
      case 'garbage':
        reply(res, randomBytes(300));
        return;
      case 'slow': {
        const response = await stamp(query);
        const timer = setTimeout(() => {
          timers.delete(timer);
          if (!res.destroyed) reply(res, response);
        }, options.slowMs ?? 10_000);
        timers.add(timer);
        return;
      }
      case 'wrong-content-type':
        reply(res, await stamp(query), 'text/html');
        return;
      case 'other-imprint':
        reply(res, await stamp(tamperRequest(query, 'imprint')));
        return;
      case 'wrong-nonce':
        reply(res, await stamp(tamperRequest(query, 'nonce')));
        return;
      default:
        assertNever(mode, 'TSA mode');
    }
  };
  const server = http.createServer((req, res) => {
    handle(req, res).catch((error: unknown) => {
      if (!res.headersSent) res.writeHead(500).end(String(error));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  const stop = (): Promise<void> => {
    for (const timer of timers) clearTimeout(timer);
    timers.clear();
    server.closeAllConnections();
    return new Promise((resolve) => {
      server.close(() => {
        resolve();
      });
    });
  };

  const read = (name: string): string => fs.readFileSync(path.join(dir, name), 'utf8');
  return {
    url: `http://127.0.0.1:${port}/tsa`,
    dir,
    rootPem: read('root.pem'),
    leafPem: read('tsa.pem'),
    intermediatePem: options.intermediate === true ? read('intermediate.pem') : undefined,
    rootPath: path.join(dir, 'root.pem'),
    leafPath: path.join(dir, 'tsa.pem'),
    leafKeyPath: path.join(dir, 'tsa.key'),
    policy: TSA_POLICY,
    requestCount: () => requests,
    stamp,
    async setMode(next) {
      const wasDown = mode === 'down';
      mode = next;
      if (next === 'down' && !wasDown) await stop();
      if (next !== 'down' && wasDown) await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
    },
    async close() {
      if (mode !== 'down') await stop();
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}
