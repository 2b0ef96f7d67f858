import { createHash, randomBytes } from 'node:crypto';
import path from 'node:path';
import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { ClipCollector } from '../../../../electron/engine/export/bundle-clip.ts';
import type { ClipFinish } from '../../../../electron/engine/export/bundle-clip.ts';
import type { ReadObject } from '../../../../electron/engine/export/object-reader-thread.ts';
import type { AsyncStreamedContent, StreamedContent } from '../../../../electron/engine/export/ustar-writer.ts';
import { createVault } from '../../../../electron/engine/vault/vault.ts';
import type { Vault } from '../../../../electron/engine/vault/vault.ts';
import { makeTempDir } from '../../../helpers/temp-dir.ts';
import { expectAevError } from '../vault/expect-aev-error.ts';

const SESSION = 's_report';

const sha256 = (bytes: Buffer) => createHash('sha256').update(bytes).digest('hex');

/** What the exporter hands ClipCollector.finish, for a bundle of `range` with no sessions' records. */
function finishing(
  range: { readonly from: string; readonly to: string },
  readStill: ClipFinish['readStill'],
  env: NodeJS.ProcessEnv,
): ClipFinish {
  return {
    bundleId: 'b_test',
    createdAt: '2026-11-30T10:00:00.000Z',
    device: 'SHA256:test',
    encrypted: true,
    selection: { range, sessions: [] },
    sessions: [],
    readStill,
    tokens: Promise.resolve([]),
    uncovered: [],
    env,
  };
}

/** A still as the exporter archived it (taken at tool-call event `event`): its descriptor, bytes and digest. */
function archivedStill(seq: number, event: number, png: Buffer) {
  const content: StreamedContent = { size: png.length, pieces: () => [png] };
  return {
    seq,
    kind: 'still',
    objectId: `o_${seq}`,
    descriptor: Buffer.from(
      JSON.stringify({
        sessionId: SESSION,
        kind: 'still',
        info: { event, at: event === 1 ? 'PreToolUse' : 'PostToolUse' },
      }),
    ),
    content,
    sha256: sha256(png),
  };
}

/** One tool call (events 1 and 2) as the index and the stored events hold it. */
function toolCall(clip: ClipCollector, db: Database.Database): void {
  db.exec('CREATE TABLE events (session_id TEXT, seq INTEGER, received_at TEXT)');
  for (const [seq, kind] of [
    [1, 'PreToolUse'],
    [2, 'PostToolUse'],
  ] as const) {
    db.prepare('INSERT INTO events VALUES (?, ?, ?)').run(SESSION, seq, `2026-11-30T10:00:0${seq}.000Z`);
    const received = {
      hook_event_name: kind,
      tool_name: 'Bash',
      tool_use_id: 'toolu_1',
      tool_input: { command: 'ls' },
    };
    clip.event(SESSION, seq, Buffer.from(JSON.stringify({ meta: { seq, transport: 'http-body' }, received })));
  }
}

/** report.html's bytes, with `readStill` answering for the stills the page embeds. */
async function reportWith(
  stills: readonly ReturnType<typeof archivedStill>[],
  readStill: (objectId: string) => Promise<ReadObject>,
): Promise<Buffer> {
  // The collector reads the events' times from the index; stills come back through readStill, not the vault.
  const db = new Database(':memory:');
  const clip = new ClipCollector(db, null as unknown as Vault);
  toolCall(clip, db);
  for (const s of stills) clip.media('agent', s);
  const range = { from: '2026-11-30T10:00:00.000Z', to: '2026-11-30T10:01:00.000Z' };
  const { files } = await clip.finish(finishing(range, readStill, { PATH: '' }));
  const report = files.find((f) => f.path === 'report.html');
  if (report === undefined || Buffer.isBuffer(report.bytes)) throw new Error('no streamed report.html');
  const out: Buffer[] = [];
  for await (const piece of (report.bytes as AsyncStreamedContent).pieces()) out.push(Buffer.from(piece));
  return Buffer.concat(out);
}

function answer(bytes: Buffer): ReadObject {
  return {
    content: { size: bytes.length, pieces: () => [bytes] },
    sha256: sha256(bytes),
    release: () => undefined,
  };
}

describe("report.html's stills, read again from the vault as the page is made", () => {
  const pngs = [randomBytes(70_000), randomBytes(65_536), randomBytes(1)];
  const stills = pngs.map((p, i) => archivedStill(i + 1, i === 0 ? 1 : 2, p));

  it('embeds the very bytes that were archived', async () => {
    const asked: string[] = [];
    const html = (
      await reportWith(stills, (id) => {
        asked.push(id);
        return Promise.resolve(answer(pngs[Number(id.slice(2)) - 1]!));
      })
    ).toString('utf8');
    expect(asked).toEqual(['o_1', 'o_2', 'o_3']);
    for (const p of pngs) expect(html).toContain(`data:image/png;base64,${p.toString('base64')}`);
  });

  it('refuses a still whose bytes changed between the archive and the page (E_OBJECT_CORRUPT)', async () => {
    const changed = Buffer.from(pngs[1]!);
    changed[100] = changed[100]! ^ 1;
    await expectAevError(
      reportWith(stills, (id) => Promise.resolve(answer(id === 'o_2' ? changed : pngs[Number(id.slice(2)) - 1]!))),
      'E_OBJECT_CORRUPT',
      'still 2 of s_report changed during the export',
    );
  });

  it('refuses a still that came back with another size, even with a matching digest claimed', async () => {
    const longer = Buffer.concat([pngs[0]!, Buffer.from('x')]);
    await expectAevError(
      reportWith(stills, (id) =>
        Promise.resolve(
          id === 'o_1' ? { ...answer(longer), sha256: stills[0]!.sha256 } : answer(pngs[Number(id.slice(2)) - 1]!),
        ),
      ),
      'E_OBJECT_CORRUPT',
      'changed during the export',
    );
  });
});

describe("clip.mp4's video, read again from the vault for the remux", () => {
  it('fails the export when a video item no longer has the bytes archived under its seal', async () => {
    const tmp = makeTempDir();
    const vault = await createVault({
      vaultDir: path.join(tmp.dir, 'vault'),
      keyring: null,
      passphrase: 'clip re-read test passphrase',
      scryptLogN: 14,
    });
    try {
      // What the first pass archived (and the descriptors seal) …
      const archived = { init: randomBytes(900), fragment: randomBytes(5_000) };
      // … and what the vault holds when the clip is made: the fragment was replaced meanwhile.
      await vault.objects.put('video-init', 'v_init', archived.init);
      await vault.objects.put('video-fragment', 'v_frag', randomBytes(5_000));
      const clip = new ClipCollector(new Database(':memory:'), vault);
      const item = (seq: number, kind: 'video-init' | 'video-fragment', object: string, bytes: Buffer) => ({
        seq,
        kind,
        objectId: object,
        descriptor: Buffer.from(
          JSON.stringify({
            sessionId: 's_screen',
            seq,
            kind,
            object,
            sha256: sha256(bytes),
            bytes: bytes.length,
            start: '2026-11-30T10:00:00.000Z',
            end: '2026-11-30T10:00:01.000Z',
            info: kind === 'video-init' ? {} : { init: 1, ptsMs: 0, keyframe: true },
          }),
        ),
        content: { size: bytes.length, pieces: () => [bytes] },
        sha256: sha256(bytes),
      });
      clip.media('screen', item(1, 'video-init', 'v_init', archived.init));
      clip.media('screen', item(2, 'video-fragment', 'v_frag', archived.fragment));
      await expectAevError(
        clip.finish(
          finishing(
            { from: '2026-11-30T10:00:00.000Z', to: '2026-11-30T10:00:01.000Z' },
            () => Promise.reject(new Error('no stills here')),
            process.env,
          ),
        ),
        'E_OBJECT_CORRUPT',
        'video item 2 of s_screen changed during the export',
      );
    } finally {
      vault.close();
      tmp.cleanup();
    }
  });
});
