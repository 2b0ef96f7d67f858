export interface EngineStatus {
  readonly version: string;
  readonly pid: number;
  readonly startedAt: string;
  readonly dataRoot: string;
  readonly socketPath: string;
  readonly httpUrl: string | null;
  readonly vault: { readonly unlockedBy: 'keyring' | 'passphrase' };
  /** false while paused: fail-closed hooks deny tool calls then. */
  readonly recording: boolean;
  readonly ingest: {
    readonly eventsTotal: number;
    readonly eventsThisRun: number;
    readonly connections: number;
    readonly lastEventAt: string | null;
    readonly rejectedFrames: number;
  };
  readonly sessions: { readonly active: number; readonly total: number };
}
