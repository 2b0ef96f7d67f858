import type { TrayView } from './tray-view.ts';

export interface Notice {
  readonly kind: 'started' | 'stopped' | 'failed' | 'recovered' | 'purged';
  readonly title: string;
  readonly body: string;
}

/**
 * The desktop notifications due between two successive views (issue #6: recording starts, stops,
 * fails). Decided on transitions only, so a status poll every few seconds never repeats a notice; each
 * problem is announced once when it appears, and once more when it is gone.
 */
export function noticesBetween(prev: TrayView | null, next: TrayView): Notice[] {
  const out: Notice[] = [];
  const before = new Set((prev?.problems ?? []).map((p) => p.key));
  const after = new Set(next.problems.map((p) => p.key));
  for (const problem of next.problems)
    if (!before.has(problem.key)) out.push({ kind: 'failed', title: failureTitle(problem.key), body: problem.text });
  for (const key of before)
    if (!after.has(key) && next.reachable)
      out.push({ kind: 'recovered', title: recoveredTitle(key), body: next.statusLine });
  // The engine's first automatic purge, once per engine run, even in the first view: a hosted engine
  // purges at its start, before the app's first status poll, and the user must still hear of it.
  if (next.purge !== null && next.purge.at !== prev?.purge?.at)
    out.push({ kind: 'purged', title: 'Old evidence deleted', body: next.purge.text });
  // The first view after start-up only reports problems (and a purge): the user just launched the app.
  if (prev === null) return out;
  if (!prev.capturing && next.capturing) out.push({ kind: 'started', title: 'Recording', body: next.statusLine });
  else if (prev.capturing && !next.capturing)
    out.push({
      kind: 'stopped',
      title: next.paused ? 'Recording paused' : 'Recording stopped',
      body: next.paused ? next.statusLine : next.reachable ? 'No agent session is open' : next.statusLine,
    });
  return out;
}

function failureTitle(key: TrayView['problems'][number]['key']): string {
  switch (key) {
    case 'engine':
      return 'Recording failed: the engine stopped';
    case 'storage':
      return 'Recording failed: the disk is full';
    case 'screen':
      return 'Screen recording failed';
    case 'timestamps':
      return 'Time-stamps are delayed';
  }
}

function recoveredTitle(key: TrayView['problems'][number]['key']): string {
  switch (key) {
    case 'engine':
      return 'The engine is running again';
    case 'storage':
      return 'Storage is writable again';
    case 'screen':
      return 'Screen recording works again';
    case 'timestamps':
      return 'Time-stamps caught up';
  }
}
