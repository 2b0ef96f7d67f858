import { useCallback, useEffect, useMemo, useRef, useState } from 'react';
import type { AppApi, SessionDetailView } from '../../../../electron/common/ipc/app-api.ts';
import type { SessionWindows } from '../../../../electron/common/protocol/control-answers.ts';
import { ExportDialog } from '../export/export-dialog.tsx';
import { MsePlayer } from '../player/mse-player.tsx';
import { videoTimeAt, wallAt } from '../player/video-plan.ts';
import type { VideoPlan } from '../player/video-plan.ts';
import { ClockSync, playerTime } from '../terminal/clock-sync.ts';
import { TerminalReplay } from '../terminal/terminal-replay.tsx';
import type { TerminalHandle } from '../terminal/terminal-replay.tsx';
import { EventDetails } from './event-details.tsx';
import { SealSummary, WindowStrip } from './seal-badges.tsx';
import { Timeline } from './timeline.tsx';
import { timelineItems } from './timeline-items.ts';
import type { TimelineItem } from './timeline-items.ts';

interface Props {
  readonly api: AppApi;
  readonly id: string;
  readonly onBack: () => void;
  readonly onVerify: (path: string) => void;
}

// While windows wait for their time-stamps, their badges are refreshed this often.
const WINDOWS_REFRESH_MS = 5000;

/**
 * One session: the screen video with the timeline of prompts and tool calls beneath it (each a seek
 * target), the agent's terminal replayed in step with the video, the selected row's details with the
 * screen before and after it, and a verification badge for every sealed window.
 */
export function SessionView({ api, id, onBack, onVerify }: Props) {
  const [detail, setDetail] = useState<SessionDetailView | null>(null);
  const [windows, setWindows] = useState<SessionWindows | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [selected, setSelected] = useState<TimelineItem | null>(null);
  const [plan, setPlan] = useState<VideoPlan | null>(null);
  const [terminal, setTerminal] = useState<TerminalHandle | null>(null);
  const [exporting, setExporting] = useState(false);
  const videoRef = useRef<HTMLVideoElement | null>(null);

  useEffect(() => {
    void api.showSession({ id }).then((r) => {
      if (r.ok) setDetail(r.value);
      else setError(`${r.message} [${r.code}]`);
    });
  }, [api, id]);

  useEffect(() => {
    let timer: ReturnType<typeof setTimeout> | undefined;
    let stopped = false;
    const load = async () => {
      const r = await api.sessionWindows({ id });
      if (stopped || !r.ok) return;
      setWindows(r.value);
      if (r.value.counts.pending > 0 || r.value.openEvents > 0)
        timer = setTimeout(() => void load(), WINDOWS_REFRESH_MS);
    };
    void load();
    return () => {
      stopped = true;
      clearTimeout(timer);
    };
  }, [api, id]);

  const items = useMemo(() => (detail === null ? [] : timelineItems(detail.events, detail.toolCalls)), [detail]);
  const recording = detail === null ? undefined : recordingOf(detail);
  const terminalSession = detail === null ? undefined : terminalOf(detail);

  // The terminal follows the video (and the video a seek made in the terminal).
  useEffect(() => {
    const video = videoRef.current;
    if (terminal === null) return;
    if (plan === null || video === null) {
      const timer = setInterval(() => {
        terminal.showTime(playerTime(terminal.player) ?? 0);
      }, 250);
      return () => {
        clearInterval(timer);
      };
    }
    const sync = new ClockSync(
      video,
      terminal.player,
      terminal.element,
      {
        videoToTerm: (v) => (wallAt(plan, v) - terminal.originMs) / 1000,
        termToVideo: (t) => videoTimeAt(plan, terminal.originMs + t * 1000),
      },
      terminal.showTime,
    );
    return () => {
      sync.dispose();
    };
  }, [plan, terminal]);

  const pick = (item: TimelineItem) => {
    setSelected(item);
    const video = videoRef.current;
    if (plan !== null && video !== null && item.event.pins.video !== null) {
      const at = videoTimeAt(plan, Date.parse(item.event.receivedAt));
      // Before the first chunk is in, the element has no timeline yet: seek once it has.
      if (video.readyState === HTMLMediaElement.HAVE_NOTHING)
        video.addEventListener(
          'loadedmetadata',
          () => {
            video.currentTime = at;
          },
          { once: true },
        );
      else video.currentTime = at;
    } else if (terminal !== null && item.event.pins.terminal !== null) {
      void terminal.player.seek(item.event.pins.terminal.atSeconds);
    }
  };
  const onPlan = useCallback((p: VideoPlan | null) => {
    setPlan(p);
  }, []);
  const onTerminal = useCallback((t: TerminalHandle | null) => {
    setTerminal(t);
  }, []);

  const s = detail?.session;
  return (
    <section aria-labelledby="session-title" className="session">
      <div className="session-head">
        <button type="button" className="link" onClick={onBack}>
          ← All sessions
        </button>
        <h1 id="session-title">{s === undefined ? id : `${s.agent} · ${s.kind} · ${s.state}`}</h1>
        <SealSummary windows={windows} />
        <button
          type="button"
          disabled={detail === null}
          onClick={() => {
            setExporting(true);
          }}
        >
          Export…
        </button>
      </div>
      {error !== null && <p role="alert">{error}</p>}
      {detail === null ? (
        <p>Loading…</p>
      ) : (
        <div className="session-body">
          <div className="main-column">
            {recording !== undefined ? (
              <MsePlayer api={api} recording={recording} videoRef={videoRef} onPlan={onPlan} />
            ) : (
              <p>No screen video for this session.</p>
            )}
            <WindowStrip windows={windows} current={selected?.event.pins.window ?? null} />
            <Timeline
              items={items}
              selected={selected?.key ?? null}
              originMs={Date.parse(detail.session.startedAt)}
              onPick={pick}
            />
            {terminalSession !== undefined && (
              <TerminalReplay api={api} session={terminalSession} onReady={onTerminal} />
            )}
          </div>
          <EventDetails api={api} item={selected} events={detail.events} windows={windows} />
        </div>
      )}
      {exporting && detail !== null && (
        <ExportDialog
          api={api}
          detail={detail}
          items={items}
          selected={selected}
          videoWallMs={() => {
            const video = videoRef.current;
            return plan === null || video === null ? null : wallAt(plan, video.currentTime);
          }}
          onVerify={onVerify}
          onClose={() => {
            setExporting(false);
          }}
        />
      )}
    </section>
  );
}

/** The screen recording this session's events are pinned to (or the screen session itself). */
function recordingOf(d: SessionDetailView): string | undefined {
  if (d.session.kind === 'screen') return d.session.id;
  return d.events.find((e) => e.pins.video !== null)?.pins.video?.recording;
}

/** The terminal the agent ran in (`aev run`), found through its events' pins, or the terminal session itself. */
function terminalOf(d: SessionDetailView): string | undefined {
  if (d.session.kind === 'terminal') return d.session.id;
  return d.events.find((e) => e.pins.terminal !== null)?.pins.terminal?.session;
}
