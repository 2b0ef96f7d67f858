import { describe, expect, it } from 'vitest';
import {
  navigationAllowed,
  permissionAllowed,
  permissionCheckAllowed,
} from '../../../../electron/engine/host/permission-policy.ts';

const CAPTURE = 'app://renderer/capture/index.html';
const APP = 'app://renderer/index.html#/sessions';

describe('permissions of the app’s windows', () => {
  it('grants screen capture to the capture page’s top frame only', () => {
    expect(permissionAllowed('display-capture', CAPTURE, true)).toBe(true);
    expect(permissionAllowed('display-capture', CAPTURE, false)).toBe(false);
    expect(permissionAllowed('display-capture', APP, true)).toBe(false);
    expect(permissionAllowed('display-capture', 'https://evil.example/capture/index.html', true)).toBe(false);
    expect(permissionAllowed('display-capture', 'app://prompt/capture/index.html', true)).toBe(false);
  });

  it('never grants camera, microphone, notifications, geolocation or anything else', () => {
    for (const permission of ['media', 'notifications', 'geolocation', 'clipboard-read', 'openExternal', 'usb', 'hid'])
      for (const url of [APP, CAPTURE]) expect(permissionAllowed(permission, url, true), permission).toBe(false);
  });

  it('lets the player go fullscreen from the app page', () => {
    expect(permissionAllowed('fullscreen', APP, true)).toBe(true);
    expect(permissionAllowed('fullscreen', 'app://prompt/pause', true)).toBe(false);
  });

  it('answers synchronous checks by origin with the same limits', () => {
    expect(permissionCheckAllowed('display-capture', 'app://renderer')).toBe(true);
    expect(permissionCheckAllowed('media', 'app://renderer')).toBe(false);
    expect(permissionCheckAllowed('display-capture', 'app://prompt')).toBe(false);
    expect(permissionCheckAllowed('fullscreen', 'null')).toBe(false);
  });
});

describe('navigation of the app’s windows', () => {
  it('stays within the page’s own app host', () => {
    expect(navigationAllowed('app://prompt/pause', 'app://prompt/pause?t=abc')).toBe(true);
    expect(navigationAllowed(APP, 'app://renderer/index.html')).toBe(true);
  });

  it.each([
    ['to the web', APP, 'https://example.com/'],
    ['to a file', APP, 'file:///etc/passwd'],
    ['to another app host', 'app://prompt/pause', 'app://renderer/index.html'],
    ['with user info', APP, 'app://renderer@evil/'],
    ['with a port', APP, 'app://renderer:1/'],
    ['from a page that is not ours', 'https://example.com/', 'https://example.com/next'],
    ['to a javascript: URL', APP, 'javascript:alert(1)'],
    ['to garbage', APP, 'not a url'],
  ])('is refused %s', (_what, from, to) => {
    expect(navigationAllowed(from, to)).toBe(false);
  });
});
