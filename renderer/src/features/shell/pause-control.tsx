import { useState } from 'react';
import type { AppApi } from '../../../../electron/common/ipc/app-api.ts';
import type { EngineStatus } from '../../../../electron/common/model/status.ts';

interface Props {
  readonly api: AppApi;
  readonly status: EngineStatus | null;
  readonly onChanged: () => void;
}

/**
 * Pause and resume recording. A pause needs a reason: it goes on record, and every open session gets a
 * signed gap for the paused time when recording resumes (invariant I4).
 */
export function PauseControl({ api, status, onChanged }: Props) {
  const [asking, setAsking] = useState(false);
  const [reason, setReason] = useState('');
  const [error, setError] = useState<string | null>(null);
  if (status === null) return <span className="engine-state">engine not reachable</span>;

  const pause = async () => {
    if (reason.trim() === '') {
      setError('Say why: the reason goes on record.');
      return;
    }
    const r = await api.pause({ reason: reason.trim() });
    if (!r.ok) {
      setError(`${r.message} [${r.code}]`);
      return;
    }
    setAsking(false);
    setReason('');
    setError(null);
    onChanged();
  };
  const resume = async () => {
    const r = await api.resume({});
    if (r.ok) onChanged();
    else setError(`${r.message} [${r.code}]`);
  };

  return (
    <span className="pause-control">
      <span className="engine-state" role="status" data-recording={status.recording}>
        {status.recording ? `recording (screen ${status.screen.state})` : 'paused'}
      </span>{' '}
      {status.recording ? (
        asking ? (
          <form
            className="inline"
            onSubmit={(e) => {
              e.preventDefault();
              void pause();
            }}
          >
            <label>
              Reason for pausing
              <input
                autoFocus
                value={reason}
                maxLength={500}
                onChange={(e) => {
                  setReason(e.target.value);
                }}
              />
            </label>{' '}
            <button type="submit">Pause recording</button>{' '}
            <button
              type="button"
              onClick={() => {
                setAsking(false);
                setError(null);
              }}
            >
              Cancel
            </button>
          </form>
        ) : (
          <button
            type="button"
            onClick={() => {
              setAsking(true);
            }}
          >
            Pause…
          </button>
        )
      ) : (
        <button type="button" onClick={() => void resume()}>
          Resume recording
        </button>
      )}
      {error !== null && (
        <span role="alert" className="error">
          {' '}
          {error}
        </span>
      )}
    </span>
  );
}
