import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { AevError } from '../../../../electron/common/errors.ts';
import { captureBackendFromEnv, DEFAULT_PAGE_DIR } from '../../../../electron/engine/capture/chromium-config.ts';
import { checkAndSetDefaults } from '../../../../electron/engine/engine-config.ts';

describe('choosing the capture backend (AEV_CAPTURE)', () => {
  it('is ffmpeg unless the environment says chromium', () => {
    expect(captureBackendFromEnv({})).toEqual({ backend: 'ffmpeg' });
    expect(captureBackendFromEnv({ AEV_CAPTURE: '' })).toEqual({ backend: 'ffmpeg' });
    expect(captureBackendFromEnv({ AEV_CAPTURE: 'chromium' })).toEqual({
      backend: 'chromium',
      httpPort: 0,
      pageDir: DEFAULT_PAGE_DIR,
    });
    expect(DEFAULT_PAGE_DIR.endsWith(path.join('dist', 'renderer'))).toBe(true);
    expect(
      captureBackendFromEnv({ AEV_CAPTURE: 'chromium', AEV_CAPTURE_PORT: 'off', AEV_CAPTURE_PAGE_DIR: 'x/y' }),
    ).toEqual({ backend: 'chromium', httpPort: null, pageDir: path.resolve('x/y') });
  });

  it('says what is wrong with a value it cannot use', () => {
    expect(() => captureBackendFromEnv({ AEV_CAPTURE: 'gstreamer' })).toThrow(
      /AEV_CAPTURE must be "ffmpeg" or "chromium"/,
    );
    expect(() => captureBackendFromEnv({ AEV_CAPTURE: 'chromium', AEV_CAPTURE_PORT: '70000' })).toThrow(AevError);
  });

  it('is read from the screen’s environment by the engine config, and an explicit choice wins', () => {
    const screen = { fps: 5, maxLongSide: 1920, graceMs: 0, env: { AEV_CAPTURE: 'chromium', AEV_CAPTURE_PORT: '0' } };
    expect(checkAndSetDefaults({ dataRoot: '/tmp/x', screen }).capture.backend).toBe('chromium');
    expect(checkAndSetDefaults({ dataRoot: '/tmp/x', screen, capture: { backend: 'ffmpeg' } }).capture.backend).toBe(
      'ffmpeg',
    );
    expect(checkAndSetDefaults({ dataRoot: '/tmp/x', screen: null }).capture.backend).toBe('ffmpeg');
    expect(() =>
      checkAndSetDefaults({
        dataRoot: '/tmp/x',
        screen,
        capture: { backend: 'chromium', httpPort: -1, pageDir: '/p' },
      }),
    ).toThrow(/invalid capture page port/);
  });
});
