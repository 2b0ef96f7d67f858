import { create } from 'asciinema-player';
import type { Player } from 'asciinema-player';
import { useEffect, useRef, useState } from 'react';
import type { AppApi } from '../../../../electron/common/ipc/app-api.ts';

export interface TerminalHandle {
  readonly player: Player;
  /** The element the player lives in (where the user's pointer and keys reach it). */
  readonly element: HTMLElement;
  /** Wall clock (ms) of cast time 0. */
  readonly originMs: number;
  /** Shows the player's time on the element (data-time), where tests and tools can read it. */
  readonly showTime: (termS: number) => void;
}

interface Props {
  readonly api: AppApi;
  /** The terminal session (kind "terminal") the agent ran in. */
  readonly session: string;
  readonly onReady: (handle: TerminalHandle | null) => void;
}

/**
 * The agent's terminal, replayed by asciinema-player from the sealed cast (asciicast v2) the engine
 * decrypts. Idle time is never compressed: cast time must stay wall-clock time to keep step with the video.
 */
export function TerminalReplay({ api, session, onReady }: Props) {
  const host = useRef<HTMLDivElement | null>(null);
  const [note, setNote] = useState<string | null>(null);

  useEffect(() => {
    const el = host.current;
    if (el === null) return;
    let player: Player | null = null;
    let cancelled = false;
    void api.readTerminal({ session }).then((r) => {
      if (cancelled) return;
      if (!r.ok) {
        setNote(`no terminal replay: ${r.message} [${r.code}]`);
        return;
      }
      if (r.value.truncated) setNote(`the terminal recording is long: only its first ${r.value.bytes} bytes are shown`);
      player = create({ data: r.value.cast }, el, {
        preload: true,
        fit: 'width',
        controls: true,
        terminalFontSize: 'small',
      });
      onReady({
        player,
        element: el,
        originMs: Date.parse(r.value.startedAt),
        showTime: (t) => {
          el.dataset.time = t.toFixed(3);
          el.dataset.duration = String(player?.getDuration() ?? '');
        },
      });
    });
    return () => {
      cancelled = true;
      onReady(null);
      player?.dispose();
    };
  }, [api, session, onReady]);

  return (
    <section className="terminal-replay" aria-label="Terminal replay">
      <div ref={host} data-terminal-session={session} />
      {note !== null && <p role="status">{note}</p>}
    </section>
  );
}
