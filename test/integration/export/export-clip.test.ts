import { execFileSync, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { VerifyReport } from '../../../electron/common/model/verification.ts';
import { ageEncrypt } from '../../../electron/engine/age/age-encrypt.ts';
import { generateIdentity } from '../../../electron/engine/age/age-keys.ts';
import { parseCast } from '../../../native/pty/asciicast.ts';
import { runAev, testEnv } from '../../helpers/daemon-process.ts';
import { startOpensslTsa } from '../../helpers/openssl-tsa.ts';
import type { OpensslTsa } from '../../helpers/openssl-tsa.ts';
import { hookPayload, RawClient, terminalOpenFrame } from '../../helpers/raw-client.ts';
import { openIndexFile, until } from '../../helpers/sealing.ts';
import { startTestEngine } from '../../helpers/test-engine.ts';
import { listFiles, makeTempDir } from '../../helpers/temp-dir.ts';
import { hasProgram, runClient, startXvfb } from '../screen/x-server.ts';
import type { Xvfb } from '../screen/x-server.ts';

const missing = ['Xvfb', 'ffmpeg', 'ffprobe', 'xsetroot', 'openssl'].filter((p) => !hasProgram(p));
if (missing.length > 0)
  console.warn(
    `skipping clip export tests: ${missing.join(', ')} missing (Debian: xvfb, ffmpeg, x11-xserver-utils, openssl)`,
  );

const HOSTILE = '<script>alert("pwned")</script> && echo done --> & <b>';

/**
 * The files for people in a bundle (docs/bundle-format.md "clip/ and report.html"): a real engine records
 * a real Xvfb screen with real ffmpeg while an agent makes tool calls and a terminal streams output;
 * `aev export --plain` writes clip.mp4 (remuxed, with the calls as subtitles), captions.vtt,
 * terminal.cast and report.html, and `aev verify` ties the playable copies to the sealed media.
 */
describe.skipIf(missing.length > 0)('clip and report in an exported bundle (real Xvfb, ffmpeg, openssl TSA)', () => {
  const work = makeTempDir('aev-clip-');
  let x: Xvfb;
  let tsa: OpensslTsa;
  let env: NodeJS.ProcessEnv;
  let bundle: string;
  let dir: string;
  let sessionId: string;
  let trustFile: string;
  let range: { from: string; to: string };
  let exportStderr: string;

  beforeAll(async () => {
    x = await startXvfb(640, 480);
    runClient(x.display, 'xsetroot', ['-solid', '#000000']);
    tsa = await startOpensslTsa();
    trustFile = path.join(work.dir, 'trust.pem');
    fs.writeFileSync(trustFile, tsa.rootPem);
    const t = await startTestEngine({
      windowMs: 1000,
      tsa: { endpoints: [{ url: tsa.url, minSpacingMs: 0 }], trustPem: tsa.rootPem, timeoutMs: 5000 },
      screen: {
        fps: 5,
        maxLongSide: 1920,
        graceMs: 1000,
        stills: 'video',
        env: { ...process.env, DISPLAY: x.display },
      },
    });
    let stopped = false;
    try {
      const term = await RawClient.hello(t.info.socketPath);
      term.send(terminalOpenFrame('o', 't_clip'));
      await term.waitFor((f) => f.id === 'o');
      const agent = await RawClient.hello(t.info.socketPath);
      let n = 0;
      const send = async (kind: string, extra: Record<string, unknown> = {}): Promise<string> => {
        const id = `e${n++}`;
        agent.send({
          type: 'event',
          id,
          event: { agent: 'claude-code', payload: hookPayload('clip-agent', kind, extra) },
        });
        const ack = (await agent.waitFor((f) => f.id === id)) as { type: string; sessionId: string };
        expect(ack.type, JSON.stringify(ack)).toBe('ack');
        return ack.sessionId;
      };
      sessionId = await send('SessionStart');
      // Recording starts (slower on a loaded machine), then a keyframe and a second of black.
      await until(() => t.engine.status().screen.state === 'recording', 15_000, 'the screen recording');
      await sleep(1500);
      const calls: [string, string, Record<string, unknown>][] = [
        ['#ff0000', 'Bash', { command: 'npm test' }],
        ['#00c000', 'Write', { file_path: '/work/src/app.ts', content: 'x' }],
        ['#0000ff', 'Bash', { command: HOSTILE }],
      ];
      for (const [i, [colour, tool, input]] of calls.entries()) {
        runClient(x.display, 'xsetroot', ['-solid', colour]);
        await sleep(300);
        await send('PreToolUse', { tool_name: tool, tool_use_id: `tu${i}`, tool_input: input });
        term.send({
          type: 'terminal.data',
          id: `d${i}`,
          terminalId: 't_clip',
          events: [[i + 0.5, 'o', `out ${i}\r\n`]],
        });
        await term.waitFor((f) => f.id === `d${i}`);
        // A still from the video waits for the fragment showing its moment (about a second); one still at a time.
        await sleep(1600);
        await send('PostToolUse', {
          tool_name: tool,
          tool_use_id: `tu${i}`,
          tool_input: input,
          tool_response: { stdout: 'ok' },
        });
        await sleep(1600);
      }
      await send('SessionEnd', { reason: 'exit' });
      term.send({ type: 'terminal.close', id: 'c', terminalId: 't_clip', exitCode: 0 });
      await term.waitFor((f) => f.id === 'c');
      agent.close();
      term.close();
      const db = openIndexFile(t.dataRoot, true);
      await until(
        () =>
          db
            .prepare<[], { n: number }>("SELECT COUNT(*) AS n FROM sessions WHERE kind = 'screen' AND chain_final = 1")
            .get()?.n === 1,
        20_000,
        'the recording to stop and seal',
      );
      await until(() => t.engine.status().sealing.tsa.pending === 0, 20_000, 'stamped');
      const events = db
        .prepare<[string], { received_at: string }>('SELECT received_at FROM events WHERE session_id = ? ORDER BY seq')
        .all(sessionId);
      db.close();
      // From SessionStart: screen windows hold the fragments that arrived in them, a second after their moment.
      range = { from: events[0]!.received_at, to: new Date(Date.parse(events.at(-1)!.received_at) + 1).toISOString() };
      await sleep(1500); // the windows after the last event get sealed and stamped too
      await until(() => t.engine.status().sealing.tsa.pending === 0, 20_000, 'stamped');
      await t.engine.stop();
      stopped = true;
      env = testEnv(t.dataRoot);
      bundle = path.join(work.dir, 'clip.aevb.tar');
      const e = await runAev(
        ['export', sessionId, '--from', range.from, '--to', range.to, '--out', bundle, '--plain', '--trust', trustFile],
        env,
        undefined,
        120_000,
      );
      expect(e.code, e.stderr).toBe(0);
      exportStderr = e.stderr;
      dir = extract(bundle, 'clean');
    } finally {
      if (!stopped) await t.engine.stop();
    }
  }, 180_000);

  afterAll(async () => {
    await tsa.close();
    await x.stop();
    work.cleanup();
  });

  function extract(file: string, name: string): string {
    const out = path.join(work.dir, name);
    fs.mkdirSync(out);
    execFileSync('tar', ['xf', file, '-C', out]);
    return out;
  }

  function repack(from: string, name: string): string {
    const out = path.join(work.dir, `${name}.tar`);
    const files = listFiles(from)
      .map((f) => path.relative(from, f))
      .sort();
    execFileSync('tar', [
      '--format=ustar',
      '--owner=0',
      '--group=0',
      '--numeric-owner',
      '-cf',
      out,
      '-C',
      from,
      ...files,
    ]);
    return out;
  }

  async function verify(
    file: string,
    extraEnv: Record<string, string> = {},
    identityFile?: string,
  ): Promise<{ code: number | null; report: VerifyReport }> {
    const identity = identityFile === undefined ? [] : ['--identity', identityFile];
    const r = await runAev(['verify', file, ...identity, '--json'], { ...env, ...extraEnv }, undefined, 120_000);
    let report: VerifyReport = { ok: false, items: [], counts: { pass: 0, fail: 0, pending: 0 } };
    try {
      report = JSON.parse(r.stdout) as VerifyReport;
    } catch {
      // asserted through `code`
    }
    return { code: r.code, report };
  }

  function notPassed(report: VerifyReport): string {
    return JSON.stringify(
      report.items.filter((i) => i.status !== 'pass'),
      null,
      1,
    );
  }

  /** Replaces a file of an extracted bundle and fixes its SHA256SUMS line, so only the clip check can see it. */
  function substitute(at: string, file: string, bytes: Buffer): void {
    fs.writeFileSync(path.join(at, file), bytes);
    const sums = path.join(at, 'SHA256SUMS');
    const hex = createHash('sha256').update(bytes).digest('hex');
    const lines = fs.readFileSync(sums, 'utf8').split('\n');
    const i = lines.findIndex((l) => l.endsWith(`  ${file}`));
    expect(i).toBeGreaterThanOrEqual(0);
    lines[i] = `${hex}  ${file}`;
    fs.writeFileSync(sums, lines.join('\n'));
  }

  it('writes clip.mp4 that plays: an H.264 video stream and a mov_text track narrating the tool calls', () => {
    const clip = path.join(dir, 'clip/clip.mp4');
    const probe = JSON.parse(
      execFileSync('ffprobe', ['-v', 'error', '-show_streams', '-of', 'json', clip]).toString(),
    ) as { streams: { codec_type: string; codec_name: string }[] };
    expect(probe.streams.map((s) => `${s.codec_type}/${s.codec_name}`).sort()).toEqual([
      'subtitle/mov_text',
      'video/h264',
    ]);
    const decode = spawnSync('ffmpeg', ['-v', 'error', '-i', clip, '-map', '0:v', '-f', 'null', '-']);
    expect(decode.status, decode.stderr.toString()).toBe(0);
    const srt = execFileSync('ffmpeg', ['-v', 'error', '-i', clip, '-map', '0:s', '-f', 'srt', '-']).toString();
    expect(srt).toMatch(/\d\d:\d\d:\d\d PreToolUse Bash: npm test/);
    expect(srt).toMatch(/PostToolUse Write: \/work\/src\/app\.ts/);
    const manifest = JSON.parse(fs.readFileSync(path.join(dir, 'manifest.json'), 'utf8')) as {
      clip: { video: { fragments: number[] } | null; terminal: { chunks: number[] } | null };
    };
    expect(manifest.clip.video?.fragments.length).toBeGreaterThan(3);
    expect(manifest.clip.terminal?.chunks[0]).toBe(1);
  });

  it('puts each tool call’s caption at the clip time showing that moment (the colour painted before it)', () => {
    const vtt = fs.readFileSync(path.join(dir, 'clip/captions.vtt'), 'utf8');
    const expected: [RegExp, readonly number[]][] = [
      [/PreToolUse Bash: npm test/, [255, 0, 0]],
      [/PreToolUse Write:/, [0, 192, 0]],
      [/PreToolUse Bash: &lt;script/, [0, 0, 255]],
    ];
    for (const [line, rgb] of expected) {
      const cue = vtt.split('\n\n').find((b) => line.test(b)) ?? '';
      const m = /^(\d\d):(\d\d):(\d\d)\.(\d\d\d) -->/m.exec(cue);
      expect(m, cue).not.toBeNull();
      const ms = Number(m![1]) * 3_600_000 + Number(m![2]) * 60_000 + Number(m![3]) * 1000 + Number(m![4]);
      // Tolerance one frame interval (5 fps): the frame at the cue, or the one after it.
      const seen = [colourAt(path.join(dir, 'clip/clip.mp4'), ms), colourAt(path.join(dir, 'clip/clip.mp4'), ms + 200)];
      expect(
        seen.some((c) => c.every((v, i) => Math.abs(v - (rgb[i] ?? 0)) <= 40)),
        `${String(line)} at ${ms} ms saw ${JSON.stringify(seen)}`,
      ).toBe(true);
    }
  });

  it('writes captions.vtt as WebVTT with escaped cue text, cues in order', () => {
    const vtt = fs.readFileSync(path.join(dir, 'clip/captions.vtt'), 'utf8');
    expect(vtt.startsWith('WEBVTT\n\n')).toBe(true);
    const timings = [...vtt.matchAll(/^(\d\d):(\d\d):(\d\d)\.(\d\d\d) --> (\d\d):(\d\d):(\d\d)\.(\d\d\d)$/gm)].map(
      (m) => {
        const ms = (i: number): number =>
          Number(m[i]) * 3_600_000 + Number(m[i + 1]) * 60_000 + Number(m[i + 2]) * 1000 + Number(m[i + 3]);
        return [ms(1), ms(5)] as const;
      },
    );
    expect(timings.length).toBeGreaterThanOrEqual(7); // a title and six tool events
    for (const [i, [start, end]] of timings.entries()) {
      expect(end).toBeGreaterThan(start);
      if (i > 0) expect(start).toBeGreaterThanOrEqual(timings[i - 1]![1]);
    }
    expect(vtt).toContain('PreToolUse Bash: &lt;script&gt;alert("pwned")&lt;/script&gt; &amp;&amp; echo done --&gt;');
    expect(vtt).not.toContain('<script');
    // ffmpeg's WebVTT demuxer reads it back.
    const srt = execFileSync('ffmpeg', [
      '-v',
      'error',
      '-f',
      'webvtt',
      '-i',
      path.join(dir, 'clip/captions.vtt'),
      '-f',
      'srt',
      '-',
    ]);
    expect(srt.toString()).toContain('PreToolUse Bash: npm test');
  });

  it('writes terminal.cast as a playable asciicast v2 file', () => {
    const cast = parseCast(fs.readFileSync(path.join(dir, 'clip/terminal.cast'), 'utf8'));
    expect(cast.ok, JSON.stringify(cast)).toBe(true);
    if (!cast.ok) return;
    expect(cast.header.width).toBe(80);
    expect(cast.frames.filter((f) => f[1] === 'o').map((f) => f[2])).toEqual(['out 0\r\n', 'out 1\r\n', 'out 2\r\n']);
  });

  it('writes report.html: self-contained, hostile input escaped, stills embedded, no script', () => {
    const html = fs.readFileSync(path.join(dir, 'report.html'), 'utf8');
    expect(html).not.toMatch(/<script/i);
    expect(html).not.toMatch(/(src|href)="https?:/i);
    expect(html).toContain('&#60;script&#62;alert(&#34;pwned&#34;)&#60;/script&#62; &#38;&#38; echo done');
    expect(html).toContain('npm test');
    expect(html).toContain('/work/src/app.ts');
    expect((html.match(/<img alt="before" src="data:image\/png;base64,/g) ?? []).length).toBeGreaterThanOrEqual(3);
    expect(html).toMatch(/<img alt="after" src="data:image\/png;base64,/);
    // Each embedded image (read again from the vault as the page is made) is exactly one of the archived stills.
    const stills = new Set(
      fs
        .readdirSync(dir, { recursive: true, encoding: 'utf8' })
        .filter((f) => f.endsWith('.png'))
        .map((f) => fs.readFileSync(path.join(dir, f)).toString('base64')),
    );
    const embedded = [...html.matchAll(/src="data:image\/png;base64,([A-Za-z0-9+/=]+)"/g)].map((m) => m[1]);
    expect(embedded.length).toBeGreaterThanOrEqual(4);
    for (const image of embedded) expect(stills.has(image ?? '')).toBe(true);
    expect(html).toMatch(/3 of 3|\d+ of \d+ RFC 3161/);
    expect(html).toContain('VERIFY.md');
  });

  it('verifies: the clip is the sealed fragments, the cast the sealed chunks', async () => {
    const r = await verify(bundle);
    expect(r.code, notPassed(r.report)).toBe(0);
    const clip = r.report.items.find((i) => i.item === 'file clip/clip.mp4');
    expect(clip).toMatchObject({ status: 'pass', code: 'OK' });
    expect(r.report.items.find((i) => i.item === 'file clip/terminal.cast')).toMatchObject({ status: 'pass' });
  });

  /** The bundle with clip.mp4 replaced by a test pattern (SHA256SUMS fixed), as a plain tar. */
  function otherVideoBundle(name: string): string {
    const at = extract(bundle, name);
    const other = execFileSync('ffmpeg', [
      ...['-v', 'error', '-f', 'lavfi', '-i', 'testsrc=size=640x480:rate=5', '-t', '3', '-c:v', 'libx264'],
      ...['-f', 'mp4', '-movflags', 'frag_keyframe+empty_moov', 'pipe:1'],
    ]);
    substitute(at, 'clip/clip.mp4', other);
    return repack(at, name);
  }

  it('fails with CLIP_MISMATCH when clip.mp4 is another video, even with SHA256SUMS fixed', async () => {
    const r = await verify(otherVideoBundle('other-video'));
    expect(r.code).toBe(1);
    const failures = r.report.items.filter((i) => i.status === 'fail');
    expect(failures, JSON.stringify(failures)).toEqual([
      expect.objectContaining({ item: 'file clip/clip.mp4', code: 'CLIP_MISMATCH' }),
    ]);
  });

  it('fails with CLIP_MISMATCH in an age-encrypted bundle too (the clip is checked while it is decrypted)', async () => {
    const { identity, recipient } = generateIdentity();
    const identityFile = path.join(work.dir, 'lead.age-identity');
    fs.writeFileSync(identityFile, `${identity}\n`, { mode: 0o600 });
    const encrypt = (plain: string, name: string): string => {
      const out = path.join(work.dir, `${name}.aevb.age`);
      fs.writeFileSync(out, ageEncrypt(fs.readFileSync(plain), [recipient]));
      return out;
    };
    // The same bundle encrypted verifies: the failure below is the substituted clip, not the encryption.
    const clean = await verify(encrypt(bundle, 'clean-encrypted'), {}, identityFile);
    expect(clean.code, notPassed(clean.report)).toBe(0);
    expect(clean.report.items.find((i) => i.item === 'file clip/clip.mp4')).toMatchObject({ status: 'pass' });
    const r = await verify(encrypt(otherVideoBundle('other-video-encrypted'), 'other-video'), {}, identityFile);
    expect(r.code).toBe(1);
    const failures = r.report.items.filter((i) => i.status === 'fail');
    expect(failures, JSON.stringify(failures)).toEqual([
      expect.objectContaining({ item: 'file clip/clip.mp4', code: 'CLIP_MISMATCH' }),
    ]);
  });

  it('fails with CLIP_MISMATCH when the clip leaves out the last sealed fragment', async () => {
    const at = extract(bundle, 'short-clip');
    const manifest = JSON.parse(fs.readFileSync(path.join(at, 'manifest.json'), 'utf8')) as {
      clip: { video: { sessionId: string; init: number; fragments: number[] } };
    };
    const v = manifest.clip.video;
    const media = (seq: number): Buffer => fs.readFileSync(path.join(at, `sessions/${v.sessionId}/media/${seq}.m4s`));
    const shorter = execFileSync(
      'ffmpeg',
      [
        ...['-v', 'error', '-f', 'mp4', '-i', 'pipe:0', '-c', 'copy', '-f', 'mp4'],
        '-movflags',
        'frag_keyframe+empty_moov',
        'pipe:1',
      ],
      { input: Buffer.concat([media(v.init), ...v.fragments.slice(0, -1).map(media)]) },
    );
    substitute(at, 'clip/clip.mp4', shorter);
    const r = await verify(repack(at, 'short-clip'));
    expect(r.code).toBe(1);
    expect(r.report.items.filter((i) => i.status === 'fail')).toEqual([
      expect.objectContaining({ item: 'file clip/clip.mp4', code: 'CLIP_MISMATCH' }),
    ]);
  });

  it('fails with CLIP_MISMATCH when terminal.cast is not the sealed chunks', async () => {
    const at = extract(bundle, 'other-cast');
    const cast = fs.readFileSync(path.join(at, 'clip/terminal.cast'), 'utf8').replace('out 1', 'out X');
    substitute(at, 'clip/terminal.cast', Buffer.from(cast));
    const r = await verify(repack(at, 'other-cast'));
    expect(r.code).toBe(1);
    expect(r.report.items.filter((i) => i.status === 'fail')).toEqual([
      expect.objectContaining({ item: 'file clip/terminal.cast', code: 'CLIP_MISMATCH' }),
    ]);
  });

  it('without ffmpeg, verify still checks the clip: its packets are read in-process', async () => {
    const r = await verify(bundle, { AEV_FFMPEG: path.join(work.dir, 'no-such-ffmpeg') });
    expect(r.code, notPassed(r.report)).toBe(0);
    const clip = r.report.items.find((i) => i.item === 'file clip/clip.mp4');
    expect(clip).toMatchObject({ status: 'pass', code: 'OK' });
    expect(clip?.message).toMatch(/^its \d+ video packets are the sealed fragments' packets/);
  });

  it('names the packet whose bytes changed in clip.mp4, without ffmpeg', async () => {
    const at = extract(bundle, 'one-byte');
    const clip = fs.readFileSync(path.join(at, 'clip/clip.mp4'));
    // Where the 4th video packet lies, as ffprobe says (independent of the verifier's reader).
    const probe = JSON.parse(
      execFileSync('ffprobe', [
        ...['-v', 'error', '-select_streams', 'v:0', '-show_entries', 'packet=pos,size', '-of', 'json'],
        path.join(at, 'clip/clip.mp4'),
      ]).toString(),
    ) as { packets: { pos: string; size: string }[] };
    const p = probe.packets[3];
    expect(p).toBeDefined();
    const where = Number(p?.pos) + Math.floor(Number(p?.size) / 2);
    clip[where] = (clip[where] ?? 0) ^ 0x80;
    substitute(at, 'clip/clip.mp4', clip);
    const r = await verify(repack(at, 'one-byte'), { AEV_FFMPEG: path.join(work.dir, 'no-such-ffmpeg') });
    expect(r.code).toBe(1);
    const failures = r.report.items.filter((i) => i.status === 'fail');
    expect(failures).toEqual([expect.objectContaining({ item: 'file clip/clip.mp4', code: 'CLIP_MISMATCH' })]);
    expect(failures[0]?.message).toMatch(/first difference at packet 4\)$/);
  });

  it('falls back to ffmpeg for a clip the in-process reader does not read, and says not checked without ffmpeg', async () => {
    const at = extract(bundle, 'plain-mp4');
    // The same packets, fragmented with moof-relative offsets, and an empty mdat before the first moof:
    // ffmpeg reads it as before, the in-process reader refuses it (sample data may not precede a moof).
    const again = execFileSync(
      'ffmpeg',
      [
        ...['-v', 'error', '-f', 'mp4', '-i', 'pipe:0', '-map', '0', '-c', 'copy', '-f', 'mp4'],
        ...['-movflags', 'frag_keyframe+empty_moov+default_base_moof', 'pipe:1'],
      ],
      { input: fs.readFileSync(path.join(at, 'clip/clip.mp4')) },
    );
    const moof = again.indexOf('moof') - 4;
    const emptyMdat = Buffer.from('000000086d646174', 'hex');
    substitute(at, 'clip/clip.mp4', Buffer.concat([again.subarray(0, moof), emptyMdat, again.subarray(moof)]));
    const tar = repack(at, 'plain-mp4');
    const r = await verify(tar);
    expect(r.code, notPassed(r.report)).toBe(0);
    expect(r.report.items.find((i) => i.item === 'file clip/clip.mp4')).toMatchObject({ status: 'pass' });
    const none = await verify(tar, { AEV_FFMPEG: path.join(work.dir, 'no-such-ffmpeg') });
    expect(none.code, notPassed(none.report)).toBe(0);
    const unchecked = none.report.items.find((i) => i.item === 'file clip/clip.mp4');
    expect(unchecked).toMatchObject({ status: 'pending', code: 'CLIP_UNCHECKED' });
    expect(unchecked?.message).toMatch(/no ffmpeg found.*clip\.mp4: an mdat before the first moof/);
  });

  it('without ffmpeg, export leaves clip.mp4 out and says why in the manifest and on stderr', async () => {
    expect(exportStderr).not.toMatch(/no clip\/clip\.mp4/);
    const out = path.join(work.dir, 'no-ffmpeg.aevb.tar');
    const e = await runAev(
      ['export', sessionId, '--from', range.from, '--to', range.to, '--out', out, '--plain', '--trust', trustFile],
      { ...env, AEV_FFMPEG: path.join(work.dir, 'no-such-ffmpeg') },
      undefined,
      120_000,
    );
    expect(e.code, e.stderr).toBe(0);
    expect(e.stderr).toMatch(/no clip\/clip\.mp4: no ffmpeg found/);
    const at = extract(out, 'no-ffmpeg');
    expect(fs.existsSync(path.join(at, 'clip/clip.mp4'))).toBe(false);
    expect(fs.existsSync(path.join(at, 'clip/captions.vtt'))).toBe(true);
    const manifest = JSON.parse(fs.readFileSync(path.join(at, 'manifest.json'), 'utf8')) as {
      clip: { video: unknown; videoNote: string };
    };
    expect(manifest.clip.video).toBeNull();
    expect(manifest.clip.videoNote).toMatch(/no ffmpeg found/);
    const r = await verify(out);
    expect(r.code, notPassed(r.report)).toBe(0);
  });
});

/** The colour in the middle of the last frame at or before `ms` of an MP4 file, decoded by ffmpeg. */
function colourAt(file: string, ms: number): number[] {
  const out = execFileSync(
    'ffmpeg',
    [
      ...['-v', 'error', '-copyts', '-i', file, '-map', '0:v', '-vf', `select='lte(t\\,${ms / 1000})',scale=8:8`],
      ...['-fps_mode', 'passthrough', '-f', 'rawvideo', '-pix_fmt', 'rgb24', 'pipe:1'],
    ],
    { maxBuffer: 64 * 1024 * 1024 },
  );
  const px = out.subarray(out.length - 192 + 27 * 3);
  return [px[0] ?? -1, px[1] ?? -1, px[2] ?? -1];
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
