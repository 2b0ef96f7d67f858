import { useEffect, useState } from 'react';
import type { RefObject } from 'react';
import type { AppApi } from '../../../../electron/common/ipc/app-api.ts';
import { bytesFromBase64 } from '../../api/base64.ts';
import { ChunkSource } from './chunk-source.ts';
import { videoPlan } from './video-plan.ts';
import type { VideoPlan } from './video-plan.ts';

interface Props {
  readonly api: AppApi;
  readonly recording: string;
  readonly videoRef: RefObject<HTMLVideoElement | null>;
  /** The recording's timeline, once known: how video time maps to wall clock. */
  readonly onPlan: (plan: VideoPlan | null) => void;
}

/**
 * The screen recording, decrypted by the engine and played through Media Source Extensions: the player
 * asks for the recording's layout (`videoIndex`), then only for the chunks it shows (ChunkSource).
 */
export function MsePlayer({ api, recording, videoRef, onPlan }: Props) {
  const [error, setError] = useState<string | null>(null);

  useEffect(() => {
    const video = videoRef.current;
    if (video === null) return;
    let source: ChunkSource | null = null;
    let cancelled = false;
    void api.videoIndex({ recording }).then((r) => {
      if (cancelled) return;
      if (!r.ok) {
        setError(`no video: ${r.message} [${r.code}]`);
        return;
      }
      const plan = videoPlan(r.value);
      onPlan(plan);
      if (plan === null) {
        setError('the recording holds no video yet');
        return;
      }
      source = new ChunkSource(
        video,
        plan,
        async (chunk) => {
          const from = new Date(chunk.fromMs).toISOString();
          const to = new Date(chunk.toMs).toISOString();
          const v = await api.readVideo({ recording, from, to });
          if (!v.ok) throw new Error(`${v.message} [${v.code}]`);
          return bytesFromBase64(v.value.mp4);
        },
        setError,
      );
    });
    return () => {
      cancelled = true;
      source?.dispose();
    };
  }, [api, recording, videoRef, onPlan]);

  return (
    <div className="player">
      <video ref={videoRef} controls muted playsInline aria-label="Screen recording" data-recording={recording} />
      {error !== null && <p role="alert">{error}</p>}
    </div>
  );
}
