import { AevError } from '../../common/errors.ts';
import type { EngineStatus } from '../../common/model/status.ts';
import type { SessionWindows } from '../../common/protocol/control-answers.ts';
import {
  CONTROL_METHODS,
  accessListParamsSchema,
  accessRecordParamsSchema,
  pauseParamsSchema,
  retentionHoldParamsSchema,
  retentionSessionParamsSchema,
  sessionsListParamsSchema,
  sessionsShowParamsSchema,
  sessionsWindowsParamsSchema,
  stillReadParamsSchema,
  terminalReadParamsSchema,
  videoIndexParamsSchema,
  videoReadParamsSchema,
} from '../../common/protocol/frames.ts';
import type { ControlMethod } from '../../common/protocol/frames.ts';
import type { VideoRange } from '../capture/video-reader.ts';
import type { SessionQueries } from '../index/session-queries.ts';
import type { AccessApi } from '../access/access-api.ts';
import type { ViewKind } from '../access/access-entry.ts';
import type { MediaReads } from './media-reads.ts';
import type { RetentionService } from '../retention/retention-service.ts';

/** A screen recording's range as playable fMP4 (electron/engine/capture/video-reader.ts). */
export type VideoSource = (recording: string, fromMs: number, toMs: number) => VideoRange;

// Answers are single JSON lines: a longer range is asked for in pieces.
const MAX_VIDEO_ANSWER_BYTES = 64 * 1024 * 1024;

/** The reads behind `video.index`, `terminal.read`, `still.read` and `sessions.windows`. */
export interface ControlReads {
  readonly media: Pick<MediaReads, 'videoIndex' | 'terminalCast' | 'still'>;
  readonly windows: (session: string) => SessionWindows;
}

/** `retention.*` (docs/retention.md). */
export type RetentionControl = Pick<RetentionService, 'status' | 'purge' | 'hold' | 'release'>;

/** Pausing puts a signed gap in every open session when recording resumes (invariant I4). */
export interface RecordingControl {
  pause(reason: string): { readonly paused: true; readonly since: string };
  resume(): { readonly paused: false; readonly gaps: number };
}

/** The control API (queries and, later, settings and export): never reachable from an ingest connection. */
export class ControlService {
  readonly #queries: SessionQueries;
  readonly #status: () => EngineStatus;
  readonly #recording: RecordingControl;
  readonly #video: VideoSource;
  /** Media and seal states read back for the desktop app (docs/protocol.md, "Reading media back"). */
  readonly #reads: ControlReads;
  /** The access log (DESIGN.md §5): reads of decrypted content are views on record; null in tests without one. */
  readonly #access: AccessApi | null;
  /** The retention policy and legal holds (docs/retention.md); null in tests without one. */
  readonly #retention: RetentionControl | null;

  constructor(
    queries: SessionQueries,
    status: () => EngineStatus,
    recording: RecordingControl,
    video: VideoSource,
    reads: ControlReads,
    access: AccessApi | null = null,
    retention: RetentionControl | null = null,
  ) {
    this.#queries = queries;
    this.#status = status;
    this.#recording = recording;
    this.#video = video;
    this.#reads = reads;
    this.#access = access;
    this.#retention = retention;
  }

  call(method: string, params: Readonly<Record<string, unknown>>): unknown {
    if (!isMethod(method)) throw new AevError('E_UNKNOWN_METHOD', `unknown method ${JSON.stringify(method)}`);
    switch (method) {
      case 'ping':
        return { pong: true };
      case 'status':
        return this.#status();
      case 'sessions.list': {
        const p = parse(sessionsListParamsSchema, params);
        return this.#queries.list(p);
      }
      case 'recording.pause':
        return this.#recording.pause(parse(pauseParamsSchema, params).reason);
      case 'recording.resume':
        return this.#recording.resume();
      case 'sessions.show': {
        const p = parse(sessionsShowParamsSchema, params);
        const detail = this.#queries.show(p.id, p.payloads);
        return p.payloads ? this.#view(p.id, 'payloads', detail) : detail;
      }
      case 'video.read':
        return this.#view(parse(videoReadParamsSchema, params).recording, 'video', this.#readVideo(params));
      case 'video.index':
        return this.#reads.media.videoIndex(parse(videoIndexParamsSchema, params).recording);
      case 'terminal.read': {
        const session = parse(terminalReadParamsSchema, params).session;
        return this.#view(session, 'terminal', this.#reads.media.terminalCast(session));
      }
      case 'still.read': {
        const p = parse(stillReadParamsSchema, params);
        return this.#view(p.session, 'still', this.#reads.media.still(p.session, p.event));
      }
      case 'sessions.windows':
        return this.#reads.windows(parse(sessionsWindowsParamsSchema, params).id);
      case 'access.list':
        return this.#accessApi().list(parse(accessListParamsSchema, params).limit);
      case 'access.record':
        return this.#accessApi().record(parse(accessRecordParamsSchema, params).entries);
      case 'retention.status':
        return this.#retentionApi().status();
      case 'retention.purge':
        return this.#retentionApi().purge(parse(retentionSessionParamsSchema, params).id);
      case 'retention.hold': {
        const p = parse(retentionHoldParamsSchema, params);
        return this.#retentionApi().hold(p.id, p.reason);
      }
      case 'retention.release':
        return this.#retentionApi().release(parse(retentionSessionParamsSchema, params).id);
    }
  }

  /** Decrypted content leaves the vault only once the view is on the access log (coalesced per minute). */
  async #view(sessionId: string, what: ViewKind, answer: unknown): Promise<unknown> {
    const value: unknown = await answer;
    this.#access?.viewed(sessionId, what);
    return value;
  }

  #retentionApi(): RetentionControl {
    if (this.#retention === null) throw new AevError('E_UNKNOWN_METHOD', 'this engine applies no retention policy');
    return this.#retention;
  }

  #accessApi(): AccessApi {
    if (this.#access === null) throw new AevError('E_UNKNOWN_METHOD', 'this engine keeps no access log');
    return this.#access;
  }

  async #readVideo(params: Readonly<Record<string, unknown>>): Promise<unknown> {
    const p = parse(videoReadParamsSchema, params);
    const range = this.#video(p.recording, Date.parse(p.from), Date.parse(p.to));
    const parts: Buffer[] = [];
    let size = 0;
    for await (const chunk of range.chunks()) {
      size += chunk.length;
      if (size > MAX_VIDEO_ANSWER_BYTES)
        throw new AevError('E_USAGE', 'the range holds more than 64 MiB of video: ask for a shorter one');
      parts.push(chunk);
    }
    const { recording, init, startMs, startPtsMs, endMs, fragments } = range;
    return {
      recording,
      init,
      start: new Date(startMs).toISOString(),
      startPtsMs,
      end: new Date(endMs).toISOString(),
      fragments,
      mp4: Buffer.concat(parts).toString('base64'),
    };
  }
}

function isMethod(m: string): m is ControlMethod {
  return (CONTROL_METHODS as readonly string[]).includes(m);
}

interface Parser<T> {
  safeParse(
    v: unknown,
  ):
    | { success: true; data: T }
    | { success: false; error: { issues: readonly { message: string; path: readonly PropertyKey[] }[] } };
}

function parse<T>(schema: Parser<T>, params: unknown): T {
  const r = schema.safeParse(params);
  if (r.success) return r.data;
  const issue = r.error.issues[0];
  throw new AevError(
    'E_SCHEMA',
    `invalid params${issue === undefined ? '' : ` (${issue.path.map(String).join('.')}: ${issue.message})`}`,
  );
}
