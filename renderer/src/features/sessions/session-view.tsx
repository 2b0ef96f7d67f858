import { useEffect, useMemo, useRef, useState } from 'react';
import type { AppApi, SessionDetailView, VideoSegment } from '../../../../electron/common/ipc/app-api.ts';
import { MsePlayer } from '../player/mse-player.tsx';
import { EventDetails } from './event-details.tsx';
import { timelineItems, ToolTimeline } from './tool-timeline.tsx';
import type { TimelineItem } from './tool-timeline.tsx';

interface Props {
  readonly api: AppApi;
  readonly id: string;
  readonly onBack: () => void;
}

// The recorder keeps going for a grace period after an agent stops: show a little of it.
const TAIL_MS = 10_000;

/** One session: its screen video, the tool calls beneath it (each a seek target) and the selected call's details. */
export function SessionView({ api, id, onBack }: Props) {
  const [detail, setDetail] = useState<SessionDetailView | null>(null);
  const [segment, setSegment] = useState<VideoSegment | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [selected, setSelected] = useState<TimelineItem | null>(null);
  const videoRef = useRef<HTMLVideoElement | null>(null);

  useEffect(() => {
    void (async () => {
      const shown = await api.showSession(id);
      if (!shown.ok) {
        setError(`${shown.message} [${shown.code}]`);
        return;
      }
      setDetail(shown.value);
      const range = videoRange(shown.value);
      if (range === null) return;
      const video = await api.readVideo(range.recording, range.from, range.to);
      if (video.ok) setSegment(video.value);
      else setError(`no video: ${video.message} [${video.code}]`);
    })();
  }, [api, id]);

  const items = useMemo(() => (detail === null ? [] : timelineItems(detail.events, detail.toolCalls)), [detail]);

  const pick = (item: TimelineItem) => {
    setSelected(item);
    const offset = item.event.pins.video?.offsetMs;
    const video = videoRef.current;
    if (offset !== undefined && video !== null) video.currentTime = offset / 1000;
  };

  const s = detail?.session;
  return (
    <section aria-labelledby="session-title" className="session">
      <button type="button" className="link" onClick={onBack}>
        ← All sessions
      </button>
      <h1 id="session-title">{s === undefined ? id : `${s.agent} · ${s.kind} · ${s.state}`}</h1>
      {error !== null && <p role="alert">{error}</p>}
      {detail === null ? (
        <p>Loading…</p>
      ) : (
        <div className="session-body">
          <div className="main-column">
            {segment !== null ? <MsePlayer segment={segment} videoRef={videoRef} /> : <p>No screen video.</p>}
            <ToolTimeline items={items} selected={selected?.call.toolUseId ?? null} onPick={pick} />
          </div>
          <EventDetails call={selected?.call ?? null} events={detail.events} />
        </div>
      )}
    </section>
  );
}

/** The recording the session's events are pinned to, over the session's time (or a screen session itself). */
function videoRange(d: SessionDetailView): { recording: string; from: string; to: string } | null {
  const end = Date.parse(d.session.endedAt ?? d.session.lastEventAt) + TAIL_MS;
  const recording =
    d.session.kind === 'screen' ? d.session.id : d.events.find((e) => e.pins.video !== null)?.pins.video?.recording;
  if (recording === undefined) return null;
  return { recording, from: d.session.startedAt, to: new Date(end).toISOString() };
}
