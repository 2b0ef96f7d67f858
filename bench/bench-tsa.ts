import { execFile, execFileSync } from 'node:child_process';
import fs from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';

/** A loopback RFC 3161 TSA for benchmarks: `openssl ts -reply` behind HTTP on 127.0.0.1. */
export interface BenchTsa {
  readonly url: string;
  readonly rootPem: string;
  close(): Promise<void>;
}

// One P-256 root and a leaf with the critical timeStamping EKU RFC 3161 §2.3 requires (openssl ts -reply
// refuses any other signer), plus the `ts` section that `openssl ts -reply` reads.
const CONFIG = `[ req ]
distinguished_name = subject
prompt = no
[ subject ]
CN = bench
[ root ]
basicConstraints = critical, CA:TRUE
keyUsage = critical, keyCertSign
[ leaf ]
basicConstraints = critical, CA:FALSE
keyUsage = critical, digitalSignature
extendedKeyUsage = critical, timeStamping
[ tsa ]
default_tsa = bench_tsa
[ bench_tsa ]
serial = DIR/serial
signer_cert = DIR/leaf.pem
signer_key = DIR/leaf.key
signer_digest = sha256
default_policy = 1.2.3.4.1
digests = sha256
ess_cert_id_alg = sha256
`;

/** Makes the keys and certificates in `dir` (openssl CLI) and starts serving. */
export async function startBenchTsa(dir: string): Promise<BenchTsa> {
  fs.mkdirSync(dir, { recursive: true });
  fs.writeFileSync(path.join(dir, 'bench.cnf'), CONFIG.replaceAll('DIR', dir));
  fs.writeFileSync(path.join(dir, 'serial'), '01\n');
  const ssl = (args: string): void => {
    execFileSync('openssl', args.split(' '), { cwd: dir, stdio: 'ignore' });
  };
  const ec = '-newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -config bench.cnf';
  ssl(`req -x509 ${ec} -extensions root -keyout root.key -out root.pem -days 2`);
  ssl(`req -new ${ec} -keyout leaf.key -out leaf.csr`);
  ssl('x509 -req -in leaf.csr -CA root.pem -CAkey root.key -days 2 -extfile bench.cnf -extensions leaf -out leaf.pem');
  let n = 0;
  const server = http.createServer((req, res) => {
    const parts: Buffer[] = [];
    req.on('data', (c: Buffer) => parts.push(c));
    req.on('end', () => {
      const q = path.join(dir, `q${++n}.tsq`);
      const r = `${q}.tsr`;
      fs.writeFileSync(q, Buffer.concat(parts));
      execFile('openssl', ['ts', '-reply', '-config', 'bench.cnf', '-queryfile', q, '-out', r], { cwd: dir }, (e) => {
        if (e !== null) {
          res.writeHead(500).end();
          return;
        }
        res.writeHead(200, { 'content-type': 'application/timestamp-reply' }).end(fs.readFileSync(r));
        fs.rmSync(q);
        fs.rmSync(r);
      });
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/tsa`,
    rootPem: fs.readFileSync(path.join(dir, 'root.pem'), 'utf8'),
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => {
          resolve();
        });
      }),
  };
}
