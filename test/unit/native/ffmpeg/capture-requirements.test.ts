import fs from 'node:fs';
import { describe, expect, it } from 'vitest';
import { chooseBackend, displayProblem, installHint } from '../../../../native/ffmpeg/capture-requirements.ts';
import type { FfmpegAbilities } from '../../../../native/ffmpeg/capture-requirements.ts';
import {
  parseAvfoundationDevices,
  parseEncoders,
  parseFilters,
  parseInputDevices,
} from '../../../../native/ffmpeg/device-list.ts';

// The decision is made from the tool's own listings; these are real ones from each OS (SOURCES.md).
function fixture(name: string): string {
  return fs.readFileSync(new URL(`../../../fixtures/ffmpeg/${name}`, import.meta.url), 'utf8');
}

const debian: FfmpegAbilities = {
  inputDevices: parseInputDevices(fixture('devices-linux-debian-5.1.txt')),
  filters: parseFilters(fixture('filters-linux-debian-5.1.txt')),
  encoders: parseEncoders(fixture('encoders-linux-debian-5.1.txt')),
};
const windows: FfmpegAbilities = {
  inputDevices: parseInputDevices(fixture('formats-windows-7.0.2-excerpt.txt')),
  filters: parseFilters(fixture('filters-windows-7.0.2-excerpt.txt')),
  encoders: ['libx264'],
};

describe('chooseBackend', () => {
  it('records Linux with x11grab when the build has it (Debian ffmpeg)', () => {
    expect(chooseBackend('linux', debian)).toEqual({ ok: true, backend: 'x11grab' });
  });

  it('prefers ddagrab on Windows when the build has the filter and hwdownload', () => {
    expect(chooseBackend('win32', windows)).toEqual({ ok: true, backend: 'ddagrab' });
  });

  it('falls back to gdigrab on a Windows build without ddagrab (ffmpeg before 6.0)', () => {
    const old = { ...windows, filters: windows.filters.filter((f) => f !== 'ddagrab') };
    expect(chooseBackend('win32', old)).toEqual({ ok: true, backend: 'gdigrab' });
  });

  it('records macOS with avfoundation when a "Capture screen" is listed', () => {
    const mac: FfmpegAbilities = {
      ...debian,
      inputDevices: parseInputDevices(fixture('devices-macos.txt')),
      avfoundation: parseAvfoundationDevices(fixture('avfoundation-two-screens.txt')),
    };
    expect(chooseBackend('darwin', mac)).toEqual({ ok: true, backend: 'avfoundation' });
  });

  it('names the missing Screen Recording permission when avfoundation lists no screen', () => {
    const noScreen: FfmpegAbilities = {
      ...debian,
      inputDevices: ['avfoundation'],
      avfoundation: { video: [{ index: 0, name: 'FaceTime HD Camera' }], audio: [] },
    };
    const choice = chooseBackend('darwin', noScreen);
    expect(choice).toEqual({ ok: false, missing: [expect.stringContaining('Screen Recording permission')] });
  });

  it('lists every missing piece of a build, e.g. the macOS build asked to record Linux', () => {
    const macBuild: FfmpegAbilities = {
      inputDevices: parseInputDevices(fixture('devices-macos.txt')),
      filters: ['scale'],
      encoders: [],
    };
    expect(chooseBackend('linux', macBuild)).toEqual({
      ok: false,
      missing: ['the libx264 encoder', 'the mpdecimate filter', 'the x11grab input device'],
    });
  });

  it('says a Windows build with neither grabber cannot record', () => {
    const bare = { ...windows, inputDevices: ['dshow', 'lavfi'], filters: ['scale', 'mpdecimate'] };
    expect(chooseBackend('win32', bare)).toEqual({
      ok: false,
      missing: ['a screen grabber (the ddagrab filter or the gdigrab input device)'],
    });
  });
});

describe('displayProblem', () => {
  it('is satisfied by DISPLAY, and not asked on Windows or macOS', () => {
    expect(displayProblem('linux', { DISPLAY: ':0' })).toBeNull();
    expect(displayProblem('win32', {})).toBeNull();
    expect(displayProblem('darwin', {})).toBeNull();
  });

  it('says a Wayland-only session has no X display for x11grab', () => {
    expect(displayProblem('linux', { WAYLAND_DISPLAY: 'wayland-0' })).toMatch(/Wayland session without an X display/);
  });

  it('says DISPLAY is not set', () => {
    expect(displayProblem('linux', { DISPLAY: '' })).toMatch(/DISPLAY is not set/);
  });
});

describe('installHint', () => {
  it('tells each OS what to install', () => {
    expect(installHint('linux')).toContain('apt-get install ffmpeg');
    expect(installHint('linux')).toContain('set AEV_FFMPEG to an ffmpeg built with x11grab');
    expect(installHint('darwin')).toContain('brew install ffmpeg');
    expect(installHint('win32')).toContain('ddagrab');
  });
});
