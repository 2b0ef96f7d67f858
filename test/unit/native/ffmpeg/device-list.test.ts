import fs from 'node:fs';
import { describe, expect, it } from 'vitest';
import {
  avfoundationScreens,
  parseAvfoundationDevices,
  parseEncoders,
  parseFilters,
  parseInputDevices,
} from '../../../../native/ffmpeg/device-list.ts';

// Real listings from real ffmpeg builds; test/fixtures/ffmpeg/SOURCES.md says where each one came from.
function fixture(name: string): string {
  return fs.readFileSync(new URL(`../../../fixtures/ffmpeg/${name}`, import.meta.url), 'utf8');
}

describe('parseAvfoundationDevices', () => {
  it('finds the screen after four cameras, as ffmpeg 3.4 listed them', () => {
    const devices = parseAvfoundationDevices(fixture('avfoundation-ffmpeg3.4-four-cameras.txt'));
    expect(devices.video).toEqual([
      { index: 0, name: 'CamTwist' },
      { index: 1, name: 'Built-in iSight' },
      { index: 2, name: 'CamTwist (2VUY)' },
      { index: 3, name: 'Capture screen 0' },
    ]);
    expect(devices.audio.map((d) => d.name)).toEqual([
      'Soundflower (64ch)',
      'Built-in Microphone',
      'Soundflower (2ch)',
      'Built-in Input',
    ]);
    expect(avfoundationScreens(devices)).toEqual([{ index: 3, name: 'Capture screen 0' }]);
  });

  it('lists both screens of a two-display Mac with their own indexes', () => {
    const devices = parseAvfoundationDevices(fixture('avfoundation-two-screens.txt'));
    expect(avfoundationScreens(devices)).toEqual([
      { index: 1, name: 'Capture screen 0' },
      { index: 2, name: 'Capture screen 1' },
    ]);
    expect(devices.audio).toEqual([{ index: 0, name: 'Built-in Microphone' }]);
  });

  it('reads the newer "AVFoundation indev" prefix and ignores the trailing I/O error line', () => {
    const devices = parseAvfoundationDevices(fixture('avfoundation-indev-hide-banner.txt'));
    expect(devices.video).toEqual([
      { index: 0, name: 'FaceTime HD Camera (Built-in)' },
      { index: 1, name: 'Capture screen 0' },
    ]);
    expect(devices.audio.map((d) => d.index)).toEqual([0, 1]);
  });

  it('keeps non-ASCII device names whole when the log prefix is absent', () => {
    const devices = parseAvfoundationDevices(fixture('avfoundation-unprefixed-cjk.txt'));
    expect(devices.video.map((d) => d.name)).toEqual(['FaceTime高清摄像头（内建）', 'Capture screen 0']);
    expect(devices.audio.map((d) => d.name)).toEqual(['MS-T800', 'Edu Audio Device', 'MacBook Pro麦克风']);
  });

  it('finds nothing in output that is not a device list', () => {
    expect(parseAvfoundationDevices(fixture('devices-macos.txt'))).toEqual({ video: [], audio: [] });
  });
});

describe('parseInputDevices', () => {
  it('lists input devices only (D flag) from a Debian -devices listing, splitting aliases', () => {
    const devices = parseInputDevices(fixture('devices-linux-debian-5.1.txt'));
    expect(devices).toContain('x11grab');
    expect(devices).toContain('lavfi');
    expect(devices).toEqual(expect.arrayContaining(['video4linux2', 'v4l2', 'alsa', 'kmsgrab']));
    expect(devices).not.toContain('opengl'); // output only
    expect(devices).not.toContain('xv');
  });

  it('reads the macOS -devices listing', () => {
    expect(parseInputDevices(fixture('devices-macos.txt'))).toEqual(['avfoundation', 'lavfi']);
  });

  it('reads the devices out of a Windows ffmpeg 7 -formats listing (the d column) and nothing else', () => {
    expect(parseInputDevices(fixture('formats-windows-7.0.2-excerpt.txt'))).toEqual([
      'dshow',
      'gdigrab',
      'lavfi',
      'openal',
      'vfwcap',
    ]);
  });
});

describe('parseFilters', () => {
  it('finds ddagrab (a |->V source), hwdownload, scale and mpdecimate in a Windows build', () => {
    const filters = parseFilters(fixture('filters-windows-7.0.2-excerpt.txt'));
    expect(filters).toEqual(expect.arrayContaining(['ddagrab', 'hwdownload', 'scale', 'mpdecimate', 'setsar']));
    expect(filters).toContain('avsynctest'); // |->AV
    expect(filters).toContain('buffersink'); // V->|
    expect(filters).not.toContain('='); // the legend
    expect(filters).toHaveLength(36); // every row after the 8-line legend
  });

  it('reads every filter of the Debian build and finds no ddagrab there', () => {
    const listing = fixture('filters-linux-debian-5.1.txt');
    const filters = parseFilters(listing);
    const rows = listing.split('\n').filter((l) => /^ [TSC.]{3} /.test(l)).length;
    expect(filters).toHaveLength(rows);
    expect(filters.length).toBeGreaterThan(400);
    expect(filters).toEqual(expect.arrayContaining(['mpdecimate', 'scale', 'hwdownload', 'crop']));
    expect(filters).not.toContain('ddagrab');
  });
});

describe('parseEncoders', () => {
  it('finds libx264 among the Debian encoders and skips the legend', () => {
    const encoders = parseEncoders(fixture('encoders-linux-debian-5.1.txt'));
    expect(encoders).toEqual(expect.arrayContaining(['libx264', 'libx264rgb', 'aac', 'png']));
    expect(encoders).not.toContain('=');
    expect(encoders.length).toBeGreaterThan(100);
  });
});
