import type { SessionWindows, WindowBadge, WindowState } from '../../../../electron/common/protocol/control-answers.ts';

const LABELS: Readonly<Record<WindowState, string>> = {
  'time-stamped': 'time-stamped',
  pending: 'time-stamp pending',
  sealed: 'sealed, not time-stamped',
  gap: 'gap on record',
  purged: 'purged by retention',
};

const SYMBOLS: Readonly<Record<WindowState, string>> = {
  'time-stamped': '✔',
  pending: '…',
  sealed: '○',
  gap: '!',
  purged: '✕',
};

/** One window's standing, as words (the symbol and colour only repeat them). */
export function WindowBadgeView({ badge }: { readonly badge: WindowBadge }) {
  return (
    <span className={`badge ${badge.state}`} title={describe(badge)}>
      <span aria-hidden="true">{SYMBOLS[badge.state]} </span>
      window {badge.seq}: {LABELS[badge.state]}
    </span>
  );
}

/** The session's counts: what a list row and a session header show. */
export function SealSummary({ windows }: { readonly windows: SessionWindows | null }) {
  if (windows === null) return <span className="seal-summary">…</span>;
  const c = windows.counts;
  const parts: [WindowState, number][] = (['time-stamped', 'pending', 'sealed', 'gap', 'purged'] as const)
    .map((s): [WindowState, number] => [s, c[s]])
    .filter(([, n]) => n > 0);
  return (
    <span className="seal-summary">
      {parts.length === 0 && windows.openEvents === 0 ? <span className="badge">nothing sealed yet</span> : null}
      {parts.map(([state, n]) => (
        <span key={state} className={`badge ${state}`} data-state={state}>
          <span aria-hidden="true">{SYMBOLS[state]} </span>
          {n} {LABELS[state]}
        </span>
      ))}
      {windows.openEvents > 0 && (
        <span className="badge open" data-state="open">
          {windows.openEvents} event(s) in the open window
        </span>
      )}
    </span>
  );
}

/**
 * Every window of the session in time order, one coloured cell each (issue #6, "a verification badge
 * per window"); each cell names its window and standing for screen readers and on hover.
 */
export function WindowStrip({
  windows,
  current,
}: {
  readonly windows: SessionWindows | null;
  readonly current: number | null;
}) {
  if (windows === null || windows.windows.length === 0) return null;
  return (
    <ol className="window-strip" aria-label="Sealed windows">
      {windows.windows.map((w) => (
        <li
          key={w.seq}
          className={`cell ${w.state}${w.seq === current ? ' current' : ''}`}
          data-window={w.seq}
          data-state={w.state}
          title={describe(w)}
        >
          <span className="visually-hidden">{describe(w)}</span>
        </li>
      ))}
    </ol>
  );
}

export function describe(w: WindowBadge): string {
  const when = `${new Date(w.from).toLocaleTimeString()}–${new Date(w.to).toLocaleTimeString()}`;
  const gap = w.gap === null ? '' : `: ${w.gap.reason}${w.gap.detail === null ? '' : ` (${w.gap.detail})`}`;
  return `window ${w.seq}, ${when}, ${LABELS[w.state]}${gap}; ${w.events} event(s), ${w.media} media item(s)`;
}
