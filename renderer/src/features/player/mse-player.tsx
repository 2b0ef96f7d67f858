import { useEffect, useState } from 'react';
import type { RefObject } from 'react';
import type { VideoSegment } from '../../../../electron/common/ipc/app-api.ts';
import { avcCodecString } from './avc-codec.ts';

interface Props {
  readonly segment: VideoSegment;
  readonly videoRef: RefObject<HTMLVideoElement | null>;
}

/**
 * Plays a `video.read` answer through Media Source Extensions (W3C MSE §3): the bytes are a fragmented MP4
 * whose timeline is the recording's own (presentation times from `startPtsMs`), so event pins
 * (`pins.video.offsetMs`) are seek targets as they are, with no offset arithmetic.
 */
export function MsePlayer({ segment, videoRef }: Props) {
  const [error, setError] = useState<string | null>(null);

  useEffect(() => {
    const video = videoRef.current;
    if (video === null) return;
    const codec = avcCodecString(segment.mp4);
    const type = `video/mp4; codecs="${codec ?? ''}"`;
    if (codec === null || !MediaSource.isTypeSupported(type)) {
      setError(codec === null ? 'the recording has no H.264 track' : `this browser cannot play ${type}`);
      return;
    }
    setError(null);
    const source = new MediaSource();
    const url = URL.createObjectURL(source);
    video.src = url;
    const onOpen = () => {
      const buffer = source.addSourceBuffer(type);
      buffer.addEventListener(
        'updateend',
        () => {
          // The first presentation time is not zero: start where the pictures are, not in a gap.
          if (buffer.buffered.length > 0) video.currentTime = buffer.buffered.start(0);
          if (source.readyState === 'open') source.endOfStream();
        },
        { once: true },
      );
      buffer.addEventListener('error', () => {
        setError('the browser refused the video data');
      });
      buffer.appendBuffer(segment.mp4);
    };
    source.addEventListener('sourceopen', onOpen, { once: true });
    return () => {
      source.removeEventListener('sourceopen', onOpen);
      video.removeAttribute('src');
      video.load();
      URL.revokeObjectURL(url);
    };
  }, [segment, videoRef]);

  return (
    <div className="player">
      <video ref={videoRef} controls muted playsInline aria-label="Screen recording" />
      {error !== null && <p role="alert">{error}</p>}
    </div>
  );
}
