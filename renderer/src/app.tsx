import { useEffect, useState } from 'react';
import type { AppApi } from '../../electron/common/ipc/app-api.ts';
import type { EngineStatus } from '../../electron/common/model/status.ts';
import { SessionList } from './features/sessions/session-list.tsx';
import { SessionView } from './features/sessions/session-view.tsx';

export function App({ api }: { readonly api: AppApi }) {
  const [open, setOpen] = useState<string | null>(null);
  const [status, setStatus] = useState<EngineStatus | null>(null);
  useEffect(() => {
    void api.status().then((r) => {
      if (r.ok) setStatus(r.value);
    });
  }, [api]);
  return (
    <>
      <header>
        <strong>Agent Evidence</strong>{' '}
        <span aria-live="polite">
          {status === null ? 'engine not reachable' : status.recording ? 'recording' : 'paused'}
        </span>
      </header>
      <main>
        {open === null ? (
          <SessionList api={api} onOpen={setOpen} />
        ) : (
          <SessionView
            api={api}
            id={open}
            onBack={() => {
              setOpen(null);
            }}
          />
        )}
      </main>
    </>
  );
}
