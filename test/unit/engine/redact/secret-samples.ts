import { generateKeyPairSync } from 'node:crypto';

/*
 * Secret-shaped test values, put together at run time: no file in the repository holds a string a
 * secret scanner would take for a live credential, and private keys are freshly generated.
 */

/** `n` characters cycling through letters and digits (deterministic, high entropy). */
export function chars(n: number, alphabet = 'aB3dE5fG7hJ9kL2mN4pQ6rS8tU1vW0xYz'): string {
  let out = '';
  for (let i = 0; i < n; i++) out += alphabet.charAt((i * 7 + 3) % alphabet.length);
  return out;
}

export const SAMPLES = {
  awsKeyId: ['AKIA', 'Q7X2M4N8P3R6T1W5'].join(''),
  awsStsKeyId: ['ASIA', 'J4K8L2Z6X9C3V7B1'].join(''),
  awsSecret: ['wJalrXUtnFEMI/K7MDENG/', 'bPxRfiCYEXAMPLEKEY'].join(''),
  ghp: `ghp_${chars(36)}`,
  gho: `gho_${chars(36)}`,
  ghs: `ghs_${chars(40)}`,
  ghu: `ghu_${chars(36)}`,
  githubPat: `github_pat_${chars(22)}_${chars(59)}`,
  glpat: `glpat-${chars(20)}`,
  npm: `npm_${chars(36)}`,
  slackBot: ['xoxb', '2468013579', '1357924680', chars(24)].join('-'),
  slackApp: ['xapp', '1', 'A0123456789', '1234567890123', chars(32, '0123456789abcdef')].join('-'),
  slackWebhookPath: ['T01ABCDEFG', 'B02HIJKLMN', chars(24)].join('/'),
  discordWebhookToken: chars(68),
  anthropic: `sk-ant-api03-${chars(93)}`,
  openaiProject: `sk-proj-${chars(48)}`,
  openaiLegacy: `sk-${chars(48)}`,
  stripeLive: `sk_live_${chars(24)}`,
  stripeRestricted: `rk_test_${chars(24)}`,
  stripeWebhook: `whsec_${chars(32)}`,
  google: `AIza${chars(35)}`,
  jwt: `${Buffer.from('{"alg":"HS256","typ":"JWT"}').toString('base64url')}.${Buffer.from('{"sub":"1234567890","name":"Ada"}').toString('base64url')}.${chars(43)}`,
  bearer: `${chars(20)}.${chars(12)}`,
  basic: Buffer.from('alice:s3cr3t-pa55').toString('base64'),
  generic: chars(32),
} as const;

/** Real PEM private keys of every common kind, generated for this run. */
export function privateKeys(): Record<string, string> {
  const rsa = generateKeyPairSync('rsa', { modulusLength: 1024 });
  const ec = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const ed = generateKeyPairSync('ed25519');
  const body = (n: number): string =>
    chars(n, 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/')
      .match(/.{1,64}/g)
      ?.join('\n') ?? '';
  return {
    'RSA (PKCS#1)': rsa.privateKey.export({ type: 'pkcs1', format: 'pem' }).toString(),
    'PKCS#8': ed.privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(),
    'EC (SEC1)': ec.privateKey.export({ type: 'sec1', format: 'pem' }).toString(),
    'ENCRYPTED PKCS#8': rsa.privateKey
      .export({ type: 'pkcs8', format: 'pem', cipher: 'aes-256-cbc', passphrase: 'pass phrase' })
      .toString(),
    'legacy encrypted RSA (Proc-Type, DEK-Info)': rsa.privateKey
      .export({ type: 'pkcs1', format: 'pem', cipher: 'aes-128-cbc', passphrase: 'pass phrase' })
      .toString(),
    OPENSSH: `-----BEGIN OPENSSH PRIVATE KEY-----\nb3BlbnNzaC1rZXktdjEAAAAABG5vbmUAAAAEbm9uZQAAAAAAAAABAAAAMwAAAAtzc2gtZW\n${body(300)}\n-----END OPENSSH PRIVATE KEY-----\n`,
    PGP: `-----BEGIN PGP PRIVATE KEY BLOCK-----\nVersion: GnuPG v2\nComment: a test key\n\n${body(400)}\n=Ab3d\n-----END PGP PRIVATE KEY BLOCK-----\n`,
  };
}
