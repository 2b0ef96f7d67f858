import type { RunOrder } from './capture-protocol.ts';

/**
 * Where the pixels come from: getDisplayMedia (a browser; the tests' Chromium with its fake screen), or
 * in the desktop app the screen Electron main picked with desktopCapturer, opened by its source id.
 */
export type ScreenPick = { readonly kind: 'display' } | { readonly kind: 'desktop'; readonly sourceId: string };

/** `?source=desktop:<id>` (Electron main loads the page so), anything else: getDisplayMedia. */
export function screenPickFrom(search: string): ScreenPick {
  const source = new URLSearchParams(search).get('source') ?? '';
  if (source.startsWith('desktop:') && source.length > 'desktop:'.length)
    return { kind: 'desktop', sourceId: source.slice('desktop:'.length) };
  return { kind: 'display' };
}

/** Chromium's legacy constraints that select a desktopCapturer source (not in the standard DOM types). */
interface DesktopConstraints {
  readonly audio: false;
  readonly video: {
    readonly mandatory: {
      readonly chromeMediaSource: 'desktop';
      readonly chromeMediaSourceId: string;
      readonly maxWidth: number;
      readonly maxHeight: number;
      readonly maxFrameRate: number;
    };
  };
}

/**
 * Opens the screen at no more than `fps` and `maxLongSide` (Chromium scales in the capturer). A screen
 * capturer delivers a frame when the screen changes, so an idle screen costs next to nothing.
 */
export async function openScreen(pick: ScreenPick, order: RunOrder): Promise<MediaStream> {
  const side = order.maxLongSide;
  if (pick.kind === 'display') {
    return navigator.mediaDevices.getDisplayMedia({
      audio: false,
      video: { frameRate: { max: order.fps }, width: { max: side }, height: { max: side } },
    });
  }
  const constraints: DesktopConstraints = {
    audio: false,
    video: {
      mandatory: {
        chromeMediaSource: 'desktop',
        chromeMediaSourceId: pick.sourceId,
        maxWidth: side,
        maxHeight: side,
        maxFrameRate: order.fps,
      },
    },
  };
  return navigator.mediaDevices.getUserMedia(constraints as MediaStreamConstraints);
}
