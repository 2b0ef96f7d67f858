import { useId, useState } from 'react';
import type { DragEvent } from 'react';
import type { AppApi, VerifyRequest } from '../../../../electron/common/ipc/app-api.ts';
import { useJob } from '../jobs/use-job.ts';
import { VerifyReportView } from './verify-report.tsx';

// The host takes at most this much in one call (MAX_DROPPED_BUNDLE_BYTES in the contract).
const MAX_DROP_BYTES = 64 * 1024 * 1024;

interface Props {
  readonly api: AppApi;
  /** A bundle to fill in (from "Verify this bundle" after an export). */
  readonly initialPath: string | null;
}

/**
 * Verifies an evidence bundle offline (DESIGN.md §6): opened by path, or dropped onto the page (or chosen
 * with the file picker, the keyboard's way to the same thing). An encrypted bundle needs the age identity
 * file of one of its recipients. The report lists every item with its code, failures first.
 */
export function VerifyView({ api, initialPath }: Props) {
  const [path, setPath] = useState(initialPath ?? '');
  const [identity, setIdentity] = useState('');
  const [trust, setTrust] = useState('');
  const [dropped, setDropped] = useState<{ name: string; base64: string } | null>(null);
  const [problem, setProblem] = useState<string | null>(null);
  const [over, setOver] = useState(false);
  const [job, setJob] = useState<string | null>(null);
  const { view, error } = useJob(api, job);
  const ids = useId();

  const take = async (file: File) => {
    if (file.size > MAX_DROP_BYTES) {
      setProblem(`${file.name} is ${file.size.toLocaleString()} bytes; bundles over 64 MiB must be opened by path.`);
      return;
    }
    setProblem(null);
    setDropped({ name: file.name, base64: await base64Of(file) });
    setPath('');
  };
  const onDrop = (e: DragEvent<HTMLDivElement>) => {
    e.preventDefault();
    setOver(false);
    const file = e.dataTransfer.files[0];
    if (file !== undefined) void take(file);
  };
  const start = async () => {
    const source: VerifyRequest['source'] | null =
      dropped !== null ? dropped : path.trim() === '' ? null : { path: path.trim() };
    if (source === null) {
      setProblem('Give the path of a bundle, or drop one here.');
      return;
    }
    setProblem(null);
    const r = await api.startVerify({
      source,
      ...(identity.trim() === '' ? {} : { identityFile: identity.trim() }),
      ...(trust.trim() === '' ? {} : { trustFile: trust.trim() }),
    });
    if (r.ok) setJob(r.value.job);
    else setProblem(`${r.message} [${r.code}]`);
  };
  const running = view?.state === 'running';

  return (
    <section aria-labelledby={`${ids}-title`} className="verify">
      <h1 id={`${ids}-title`}>Verify a bundle</h1>
      <form
        onSubmit={(e) => {
          e.preventDefault();
          void start();
        }}
      >
        <label>
          Bundle file (absolute path)
          <input
            value={path}
            placeholder="/home/me/Downloads/aev-….aevb.tar.age"
            onChange={(e) => {
              setPath(e.target.value);
              setDropped(null);
            }}
          />
        </label>
        <div
          className={`drop-zone${over ? ' over' : ''}`}
          onDragOver={(e) => {
            e.preventDefault();
            setOver(true);
          }}
          onDragLeave={() => {
            setOver(false);
          }}
          onDrop={onDrop}
          data-testid="drop-zone"
        >
          {dropped === null ? 'Or drop a bundle here, or ' : `Dropped: ${dropped.name}. Another? Drop it, or `}
          <label className="file-pick">
            choose a file
            <input
              type="file"
              onChange={(e) => {
                const file = e.target.files?.[0];
                if (file !== undefined) void take(file);
              }}
            />
          </label>
          .
        </div>
        <label>
          Age identity file (for an encrypted bundle)
          <input
            value={identity}
            placeholder="/home/me/.config/age/key.txt"
            onChange={(e) => {
              setIdentity(e.target.value);
            }}
          />
        </label>
        <label>
          TSA trust store (PEM; empty: the bundle’s own tsa/trust.pem)
          <input
            value={trust}
            onChange={(e) => {
              setTrust(e.target.value);
            }}
          />
        </label>
        {problem !== null && (
          <p role="alert" className="error">
            {problem}
          </p>
        )}
        <button type="submit" disabled={running}>
          Verify bundle
        </button>
      </form>
      {error !== null && <p role="alert">{error}</p>}
      {view !== null && (
        <div className="job" aria-label="Verification">
          {view.state === 'running' && <p role="status">Checking… {view.checked} item(s) so far</p>}
          {view.error !== null && (
            <p role="alert" className="error">
              {view.error.message} [{view.error.code}]
            </p>
          )}
          {view.verified !== null && <VerifyReportView name={view.verified.name} report={view.verified.report} />}
        </div>
      )}
    </section>
  );
}

async function base64Of(file: File): Promise<string> {
  const bytes = new Uint8Array(await file.arrayBuffer());
  let binary = '';
  // In slices: String.fromCharCode with a huge argument list overflows the stack.
  for (let i = 0; i < bytes.length; i += 0x8000) binary += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  return btoa(binary);
}
