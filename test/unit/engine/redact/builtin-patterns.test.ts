import { describe, expect, it } from 'vitest';
import { BUILTIN_IDS, BUILTIN_PATTERNS } from '../../../../electron/engine/redact/builtin-patterns.ts';
import { createRedactor, DEFAULT_REDACTION } from '../../../../electron/engine/redact/redaction-config.ts';
import { RedactionTally } from '../../../../electron/engine/redact/redaction-tally.ts';
import type { Redactor } from '../../../../electron/engine/redact/redactor.ts';
import { privateKeys, SAMPLES as S } from './secret-samples.ts';

const redactor = createRedactor(DEFAULT_REDACTION) as Redactor;

function redact(text: string): { readonly text: string; readonly counts: ReturnType<RedactionTally['toList']> } {
  const tally = new RedactionTally();
  return { text: redactor.redactText(text, tally), counts: tally.toList() };
}

/** [input, what it must become]: the secret replaced by [REDACTED:<id>], its context kept. */
type Hit = readonly [string, string];

const R = (id: string): string => `[REDACTED:${id}]`;

const HITS: Readonly<Record<string, readonly Hit[]>> = {
  'aws-access-key-id': [
    [
      `aws configure set aws_access_key_id ${S.awsKeyId}`,
      `aws configure set aws_access_key_id ${R('aws-access-key-id')}`,
    ],
    [`"AccessKeyId": "${S.awsStsKeyId}"`, `"AccessKeyId": "${R('aws-access-key-id')}"`],
  ],
  'aws-secret-access-key': [
    [`aws_secret_access_key = ${S.awsSecret}`, `aws_secret_access_key = ${R('aws-secret-access-key')}`],
    [`"SecretAccessKey": "${S.awsSecret}",`, `"SecretAccessKey": "${R('aws-secret-access-key')}",`],
    [`alice,,${S.awsKeyId},${S.awsSecret}`, `alice,,${R('aws-access-key-id')},${R('aws-secret-access-key')}`],
  ],
  'github-token': [
    [`git clone https://${S.ghp}@github.com/o/r`, `git clone https://${R('github-token')}@github.com/o/r`],
    [`GH_TOKEN=${S.gho} gh pr list`, `GH_TOKEN=${R('github-token')} gh pr list`],
    [`token ${S.ghs}`, `token ${R('github-token')}`],
    [`${S.ghu}.`, `${R('github-token')}.`],
    [`pat: ${S.githubPat}`, `pat: ${R('github-token')}`],
  ],
  'gitlab-token': [[`PRIVATE-TOKEN: ${S.glpat}`, `PRIVATE-TOKEN: ${R('gitlab-token')}`]],
  'npm-token': [[`//registry.npmjs.org/:_authToken=${S.npm}`, `//registry.npmjs.org/:_authToken=${R('npm-token')}`]],
  'slack-token': [
    [`SLACK_BOT=${S.slackBot}`, `SLACK_BOT=${R('slack-token')}`],
    [`app token ${S.slackApp} here`, `app token ${R('slack-token')} here`],
  ],
  'webhook-url': [
    [
      `curl -X POST https://hooks.slack.com/services/${S.slackWebhookPath} -d '{}'`,
      `curl -X POST https://hooks.slack.com/services/${R('webhook-url')} -d '{}'`,
    ],
    [
      `https://discord.com/api/webhooks/123456789012345678/${S.discordWebhookToken}`,
      `https://discord.com/api/webhooks/123456789012345678/${R('webhook-url')}`,
    ],
  ],
  'anthropic-api-key': [[`x-api-key: ${S.anthropic}`, `x-api-key: ${R('anthropic-api-key')}`]],
  'openai-api-key': [
    [`client = OpenAI(api_key="${S.openaiProject}")`, `client = OpenAI(api_key="${R('openai-api-key')}")`],
    [`key ${S.openaiLegacy}`, `key ${R('openai-api-key')}`],
  ],
  'stripe-key': [
    [`Stripe(${JSON.stringify(S.stripeLive)})`, `Stripe("${R('stripe-key')}")`],
    [`restricted ${S.stripeRestricted}`, `restricted ${R('stripe-key')}`],
    [`webhook ${S.stripeWebhook}`, `webhook ${R('stripe-key')}`],
  ],
  'google-api-key': [[`maps?key=${S.google}&q=x`, `maps?key=${R('google-api-key')}&q=x`]],
  jwt: [
    [`id token ${S.jwt} expires`, `id token ${R('jwt')} expires`],
    [`Cookie: session=${S.jwt}`, `Cookie: session=${R('jwt')}`],
  ],
  'authorization-header': [
    [
      `curl -H "Authorization: Bearer ${S.bearer}" https://api.example.com`,
      `curl -H "Authorization: Bearer ${R('authorization-header')}" https://api.example.com`,
    ],
    [`Authorization: Basic ${S.basic}`, `Authorization: Basic ${R('authorization-header')}`],
    [`proxy-authorization: token abcdefgh12`, `proxy-authorization: token ${R('authorization-header')}`],
  ],
  'bearer-token': [[`use Bearer ${S.bearer} for the call`, `use Bearer ${R('bearer-token')} for the call`]],
  'url-credentials': [
    [
      'psql postgres://admin:hunter2@db.example.com:5432/app',
      `psql postgres://admin:${R('url-credentials')}@db.example.com:5432/app`,
    ],
    ['REDIS_URL=redis://:s3cret@cache:6379', `REDIS_URL=redis://:${R('url-credentials')}@cache:6379`],
  ],
  'curl-user': [
    ['curl -s -u alice:wonderland https://x', `curl -s -u alice:${R('curl-user')} https://x`],
    ['curl --user "bob:p@ss w" https://x', `curl --user "bob:${R('curl-user')} w" https://x`],
  ],
  'mysql-password': [
    ['mysql -u root -pS3cret! shop', `mysql -u root -p${R('mysql-password')} shop`],
    [`mysqldump -h db -p'pa ss' shop > dump.sql`, `mysqldump -h db -p'${R('mysql-password')}' shop > dump.sql`],
  ],
  'env-assignment': [
    ['export DB_PASSWORD=hunter2', `export DB_PASSWORD=${R('env-assignment')}`],
    ['PGPASSWORD="pa ss" psql -h db', `PGPASSWORD="${R('env-assignment')}" psql -h db`],
    ['docker run -e API_KEY=abc123 img', `docker run -e API_KEY=${R('env-assignment')} img`],
    ['SECRET_KEY=django-insecure-xyz', `SECRET_KEY=${R('env-assignment')}`],
  ],
  'cli-secret-flag': [
    ['tool login --password hunter2 --user a', `tool login --password ${R('cli-secret-flag')} --user a`],
    ['kubectl --token=abc.def get pods', `kubectl --token=${R('cli-secret-flag')} get pods`],
    [`gh auth --api-key 'k e y'`, `gh auth --api-key '${R('cli-secret-flag')}'`],
    ['az login --client-secret xyz123', `az login --client-secret ${R('cli-secret-flag')}`],
  ],
  'secret-assignment': [
    ['db.connect(password="hunter2")', `db.connect(password="${R('secret-assignment')}")`],
    [`const token = 'abc';`, `const token = '${R('secret-assignment')}';`],
    ['{"client_secret":"shh"}', `{"client_secret":"${R('secret-assignment')}"}`],
    ['{\\"password\\":\\"x y\\"}', `{\\"password\\":\\"${R('secret-assignment')}\\"}`],
    ['passphrase := `correct horse battery staple`', `passphrase := \`${R('secret-assignment')}\``],
  ],
  'config-line': [
    ['[client]\npassword=hunter2\nuser=root', `[client]\npassword=${R('config-line')}\nuser=root`],
    ['db:\n  password: hunter2\n  host: x', `db:\n  password: ${R('config-line')}\n  host: x`],
    ['spring.datasource.password = s3cret', `spring.datasource.password = ${R('config-line')}`],
    ['  - api_key: abc-def ', `  - api_key: ${R('config-line')} `],
  ],
  'generic-secret': [
    [`signing_key_v2: ${S.generic}`, `signing_key_v2: ${R('generic-secret')}`],
    [`"webhookSecretValue" => '${S.generic}'`, `"webhookSecretValue" => '${R('generic-secret')}'`],
  ],
};

/** Near misses: each looks like a secret to a careless pattern, and none may be touched. */
const MISSES: Readonly<Record<string, readonly string[]>> = {
  'private-key': [
    '-----BEGIN PUBLIC KEY-----\nMFkwEwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAE\n-----END PUBLIC KEY-----',
    '-----BEGIN CERTIFICATE-----\nMIIBszCCAVmgAwIBAgIU\n-----END CERTIFICATE-----',
    "const HEADER = '-----BEGIN RSA PRIVATE KEY-----';",
    '-----BEGIN PRIVATE KEY-----\n...\n-----END PRIVATE KEY-----',
  ],
  'aws-access-key-id': [S.awsKeyId.slice(0, -1), S.awsKeyId.toLowerCase(), `${S.awsKeyId}X`],
  'aws-secret-access-key': [`checksum ${S.awsSecret} of the upload`, 'aws_secret_access_key = $AWS_SECRET_ACCESS_KEY'],
  'github-token': [`ghp_${'a'.repeat(10)}`, `ghx_${'Zx9'.repeat(12)}`, 'the ghp_ prefix'],
  'gitlab-token': ['glpat-short'],
  'anthropic-api-key': ['sk-ant-short', `sk-ant-${'abcdefghij'.repeat(3)}`],
  'npm-token': ['npm_install_dependencies_for_the_project', 'npm_config_cache'],
  'slack-token': ['xoxb-123', 'xoxz-1234567890-abc'],
  'webhook-url': ['https://hooks.slack.com/services/', 'https://discord.com/api/webhooks'],
  'openai-api-key': [
    'sk-this-is-not-a-real-key-at-all',
    'task-1234567890abcdefghij-done',
    'risk-assessment-2024-final-report-v2',
  ],
  'stripe-key': [`pk_live_${'Ab3'.repeat(8)}`, 'sk_live', 'rk_prod_abcdefghijklmnop'],
  'google-api-key': [`AIza${'Sy0'.repeat(11)}x`],
  jwt: ['eyJhbGciOiJIUzI1NiJ9', 'eyJ.abc.def', 'keyJust.some.words'],
  'authorization-header': [
    'curl -H "Authorization: Bearer $TOKEN" https://x',
    'curl -H "Authorization: Bearer ${GITHUB_TOKEN}" https://x',
    'Authorization: none',
    'the Authorization header carries a token',
  ],
  'bearer-token': ['the bearer of bad news', 'Bearer token', 'use a Bearer authorizationHeaderValue'],
  'url-credentials': [
    'https://example.com:8443/path',
    'git@github.com:org/repo.git',
    'postgres://user@host/db',
    'postgres://user:${PGPASSWORD}@host/db',
    'http://[::1]:8080/',
  ],
  'curl-user': ['curl -u alice https://x', 'curl -d user:pass https://x'],
  'mysql-password': [
    'mysql -u root -p shop',
    'mkdir -p /tmp/a && cp -p a b',
    'git log -p --stat',
    'ssh -p 2222 host',
    'mysql -P 3306 -h db shop',
    'mysql -u root -p$DB_PASS shop',
  ],
  'env-assignment': [
    'PASSWORD_FILE=/run/secrets/db',
    'TOKEN_URL=https://auth.example.com',
    'echo $GITHUB_TOKEN',
    'GITHUB_TOKEN=$(cat ~/.token)',
    'export DB_PASSWORD=',
    'if [ "$PASSWORD" == "" ]; then',
    'PASSWORD==x',
  ],
  'cli-secret-flag': [
    'echo $PW | docker login --password-stdin',
    'tool --token-file ~/.tok',
    'docker build --secret id=npm,src=.npmrc .',
    'tool --password $DB_PASS',
    'tool --token - < file',
    'tool --password --verbose',
  ],
  'secret-assignment': [
    'labels = { password: "Password", token: "Token" }',
    'token = "${TOKEN}"',
    'password_hash = "abc"',
    '"max_tokens": "4096"',
    'password: "********"',
  ],
  'config-line': [
    '  password: string;',
    'token: str = ""',
    'password = get_password()',
    'password:',
    'password_policy: strict',
    '  token: Token,',
    'password: ${DB_PASSWORD}',
    'GH_TOKEN=$(gh auth token) gh pr list',
  ],
  'generic-secret': [
    'key: some_normal_identifier',
    'monkey: bananasbananasbananas',
    'primaryKey: AccountIdentifierValue',
    'token_count: 1234567890123456',
    'keyPath: /home/user/.ssh/id_ed25519_work',
  ],
};

describe('built-in redaction patterns', () => {
  it('has positive and negative cases for every built-in pattern', () => {
    // private-key's positives are generated keys (below); secret-field's cases are in redactor.test.ts.
    const hits = new Set([...Object.keys(HITS), 'private-key', 'secret-field']);
    const misses = new Set([...Object.keys(MISSES), 'secret-field']);
    expect([...BUILTIN_IDS].filter((id) => !hits.has(id) || !misses.has(id))).toEqual([]);
    for (const p of BUILTIN_PATTERNS) {
      expect(p.regex.global, p.id).toBe(true);
      expect(p.replacement).toBe(`[REDACTED:${p.id}]`);
    }
  });

  for (const [id, hits] of Object.entries(HITS)) {
    describe(id, () => {
      it.each(hits)('redacts %j', (input, expected) => {
        const r = redact(input);
        expect(r.text).toBe(expected);
        expect(r.counts?.map((c) => c.pattern)).toContain(id);
      });
    });
  }

  for (const [id, misses] of Object.entries(MISSES)) {
    describe(`${id}: near misses`, () => {
      it.each(misses)('leaves %j alone', (input) => {
        expect(redact(input)).toEqual({ text: input, counts: null });
      });
    });
  }

  describe('private-key', () => {
    const keys = privateKeys();
    it.each(Object.keys(keys))('redacts a whole %s key and nothing around it', (kind) => {
      const pem = (keys[kind] ?? '').trimEnd();
      const r = redact(`before\n${pem}\nafter`);
      expect(r.text).toBe(`before\n${R('private-key')}\nafter`);
      expect(r.counts).toEqual([{ pattern: 'private-key', count: 1 }]);
    });

    it('redacts a key cut short by a truncated tool output up to where its base64 stops', () => {
      const pem = keys['RSA (PKCS#1)'] ?? '';
      const cut = pem.split('\n').slice(0, 4).join('\n');
      const r = redact(`${cut}…[aev: truncated]`);
      expect(r.text).toBe(`${R('private-key')}…[aev: truncated]`);
    });

    it('redacts a key inside JSON-escaped text, where newlines are \\n', () => {
      const escaped = JSON.stringify(keys['PKCS#8']);
      const r = redact(`{"content":${escaped}}`);
      expect(r.text).toBe(`{"content":"${R('private-key')}\\n"}`);
    });

    it('redacts two keys in one text as two', () => {
      const r = redact(`${keys.OPENSSH ?? ''}\n${keys['EC (SEC1)'] ?? ''}`);
      expect(r.counts).toEqual([{ pattern: 'private-key', count: 2 }]);
      expect(r.text).not.toContain('PRIVATE KEY');
    });
  });

  it('names an overlap by the more specific pattern and counts it once', () => {
    const r = redact(`export GITHUB_TOKEN=${S.ghp}`);
    expect(r.text).toBe(`export GITHUB_TOKEN=${R('github-token')}`);
    expect(r.counts).toEqual([{ pattern: 'github-token', count: 1 }]);
  });

  it('leaves ordinary agent traffic alone: prose, paths, code without literals, JSON of token counts', () => {
    const ordinary = [
      'Let me read the configuration file to understand how the password reset flow works.',
      '/home/dev/project/src/auth/token-store.ts',
      'npm install && npm test -- --reporter=verbose',
      'const token = await fetchToken(session.id);',
      'if (password.length < 12) throw new Error("password too short");',
      '{"input_tokens": 1024, "output_tokens": 2048, "cache_read_input_tokens": 0}',
      'git commit -m "Rotate the API key handling"',
      'ssh -i ~/.ssh/id_ed25519 -p 22 dev@host',
      'kubectl get secret db-credentials -o yaml',
    ];
    for (const text of ordinary) expect(redact(text), text).toEqual({ text, counts: null });
  });
});
