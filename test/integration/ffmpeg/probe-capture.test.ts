import fs from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { AevError } from '../../../electron/common/errors.ts';
import { resolveCapture } from '../../../native/ffmpeg/probe-capture.ts';
import { makeTempDir } from '../../helpers/temp-dir.ts';
import { hasFfmpeg } from './ffmpeg-run.ts';

// resolveCapture against the real ffmpeg on PATH (Debian's, which has x11grab and libx264), and against
// real programs that are not a capable ffmpeg. ffmpeg-static is not installed here, so PATH is the fallback.
if (!hasFfmpeg) console.warn('skipping capture probe tests: install ffmpeg');

const temp = makeTempDir('aev-probe-');
afterAll(() => {
  temp.cleanup();
});

/** resolveCapture's refusal: E_CAPTURE_UNAVAILABLE with a message matching `message`; returns the message. */
async function refusal(attempt: Promise<unknown>, message: RegExp): Promise<string> {
  const error: unknown = await attempt.then(
    () => null,
    (e: unknown) => e,
  );
  if (!(error instanceof AevError)) throw new Error(`expected an AevError, got ${String(error)}`);
  expect(error.code).toBe('E_CAPTURE_UNAVAILABLE');
  expect(error.message).toMatch(message);
  return error.message;
}

/** A PATH holding only a program called ffmpeg that is really `program` (a symlink to it). */
function pathWithFfmpegAs(program: string): string {
  const dir = fs.mkdtempSync(path.join(temp.dir, 'bin-'));
  fs.symlinkSync(program, path.join(dir, 'ffmpeg'));
  return dir;
}

describe.skipIf(!hasFfmpeg || process.platform !== 'linux')('resolveCapture on Linux', () => {
  it('picks the ffmpeg on PATH and x11grab when an X display is set', async () => {
    const capture = await resolveCapture({ ...process.env, AEV_FFMPEG: undefined, DISPLAY: ':0' }, 'linux');
    expect(capture).toMatchObject({ ffmpeg: 'ffmpeg', source: 'PATH', backend: 'x11grab' });
    expect(capture.version).toMatch(/^\d/);
    expect(capture.avfoundation).toBeUndefined();
  });

  it('uses AEV_FFMPEG when it names a capable ffmpeg', async () => {
    const real = (await resolveCapture({ ...process.env, DISPLAY: ':0' }, 'linux')).ffmpeg;
    const absolute = path.join(pathWithFfmpegAs(fs.realpathSync(whichSync(real))), 'ffmpeg');
    const capture = await resolveCapture({ ...process.env, AEV_FFMPEG: absolute, DISPLAY: ':0' }, 'linux');
    expect(capture).toMatchObject({ ffmpeg: absolute, source: 'AEV_FFMPEG', backend: 'x11grab' });
  });

  it('says DISPLAY is not set', async () => {
    const env = { ...process.env, DISPLAY: undefined, WAYLAND_DISPLAY: undefined };
    await refusal(resolveCapture(env, 'linux'), /DISPLAY is not set/);
  });

  it('says a Wayland-only session cannot be recorded by this backend', async () => {
    const env = { ...process.env, DISPLAY: undefined, WAYLAND_DISPLAY: 'wayland-0' };
    await refusal(resolveCapture(env, 'linux'), /Wayland session without an X display/);
  });

  it('does not replace a broken AEV_FFMPEG with another ffmpeg, and says why it is broken', async () => {
    const env = { ...process.env, AEV_FFMPEG: path.join(temp.dir, 'no-such-ffmpeg'), DISPLAY: ':0' };
    const message = await refusal(resolveCapture(env, 'linux'), /AEV_FFMPEG \(.*no-such-ffmpeg\): not found/);
    expect(message).not.toMatch(/on PATH/);
  });

  it('names every missing piece of a program that is not ffmpeg, and what to install', async () => {
    const env = { ...process.env, AEV_FFMPEG: '/bin/true', DISPLAY: ':0' };
    await refusal(
      resolveCapture(env, 'linux'),
      /lacks the libx264 encoder, the scale filter, the mpdecimate filter, the x11grab input device.*apt-get install ffmpeg/,
    );
  });

  it('says no ffmpeg was found on PATH', async () => {
    const env = { ...process.env, AEV_FFMPEG: undefined, PATH: pathWithFfmpegAs('/nonexistent'), DISPLAY: ':0' };
    await refusal(resolveCapture(env, 'linux'), /ffmpeg on PATH: not found\. Fix: apt-get install ffmpeg/);
  });

  it('judges the same build by the needs of another OS (Windows wants ddagrab or gdigrab)', async () => {
    const env = { ...process.env, AEV_FFMPEG: fs.realpathSync(whichSync('ffmpeg')) }; // on Windows PATH holds ffmpeg.exe
    await refusal(
      resolveCapture(env, 'win32'),
      /lacks a screen grabber \(the ddagrab filter or the gdigrab input device\).*winget install/,
    );
  });
});

function whichSync(program: string): string {
  for (const dir of (process.env.PATH ?? '').split(path.delimiter)) {
    const candidate = path.join(dir, program);
    if (fs.existsSync(candidate)) return candidate;
  }
  throw new Error(`${program} not on PATH`);
}
