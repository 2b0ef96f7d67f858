import { useEffect, useState } from 'react';
import type { AppApi } from '../../../../electron/common/ipc/app-api.ts';
import type { JobView } from '../../../../electron/common/ipc/app-views.ts';

const POLL_MS = 300;

/** Follows an export or verification job of the app host until it is done or failed. */
export function useJob(
  api: AppApi,
  job: string | null,
): { readonly view: JobView | null; readonly error: string | null } {
  const [view, setView] = useState<JobView | null>(null);
  const [error, setError] = useState<string | null>(null);
  useEffect(() => {
    setView(null);
    setError(null);
    if (job === null) return;
    let stopped = false;
    let timer: ReturnType<typeof setTimeout> | undefined;
    const poll = async () => {
      const r = await api.jobStatus({ job });
      if (stopped) return;
      if (!r.ok) {
        setError(`${r.message} [${r.code}]`);
        return;
      }
      setView(r.value);
      if (r.value.state === 'running') timer = setTimeout(() => void poll(), POLL_MS);
    };
    void poll();
    return () => {
      stopped = true;
      clearTimeout(timer);
    };
  }, [api, job]);
  return { view, error };
}
