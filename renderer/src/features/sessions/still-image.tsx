import { useEffect, useState } from 'react';
import type { AppApi } from '../../../../electron/common/ipc/app-api.ts';
import type { StillAnswer } from '../../../../electron/common/protocol/control-answers.ts';

interface Props {
  readonly api: AppApi;
  readonly session: string;
  /** The event's seq: stills are taken at PreToolUse (before) and PostToolUse (after). */
  readonly event: number;
  readonly label: string;
}

/** A full-resolution still from the vault, shown from memory (a data: URL, never a file). */
export function StillImage({ api, session, event, label }: Props) {
  const [answer, setAnswer] = useState<StillAnswer | null>(null);
  const [error, setError] = useState<string | null>(null);
  useEffect(() => {
    let cancelled = false;
    setAnswer(null);
    setError(null);
    void api.readStill({ session, event }).then((r) => {
      if (cancelled) return;
      if (r.ok) setAnswer(r.value);
      else setError(`${r.message} [${r.code}]`);
    });
    return () => {
      cancelled = true;
    };
  }, [api, session, event]);
  if (error !== null)
    return (
      <p className="still missing">
        {label}: {error}
      </p>
    );
  if (answer === null) return <p className="still loading">{label}: loading…</p>;
  const s = answer.still;
  if (s === null) return <p className="still missing">{label}: no still was taken</p>;
  const when = new Date(s.takenAt).toLocaleTimeString();
  return (
    <figure className="still">
      <img
        src={`data:image/png;base64,${s.png}`}
        alt={`${label}: the screen at ${when}`}
        width={s.width ?? undefined}
        height={s.height ?? undefined}
      />
      <figcaption>
        {label} · {when}
        {s.source === 'video' ? ' · frame from the screen recording' : ''}
      </figcaption>
    </figure>
  );
}
