import { AevError } from '../../common/errors.ts';
import type { EngineStatus } from '../../common/model/status.ts';
import {
  CONTROL_METHODS,
  pauseParamsSchema,
  sessionsListParamsSchema,
  sessionsShowParamsSchema,
  videoReadParamsSchema,
} from '../../common/protocol/frames.ts';
import type { ControlMethod } from '../../common/protocol/frames.ts';
import type { VideoRange } from '../capture/video-reader.ts';
import type { SessionQueries } from '../index/session-queries.ts';

/** A screen recording's range as playable fMP4 (electron/engine/capture/video-reader.ts). */
export type VideoSource = (recording: string, fromMs: number, toMs: number) => VideoRange;

// Answers are single JSON lines: a longer range is asked for in pieces.
const MAX_VIDEO_ANSWER_BYTES = 64 * 1024 * 1024;

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

  constructor(queries: SessionQueries, status: () => EngineStatus, recording: RecordingControl, video: VideoSource) {
    this.#queries = queries;
    this.#status = status;
    this.#recording = recording;
    this.#video = video;
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
        return this.#queries.show(p.id, p.payloads);
      }
      case 'video.read':
        return this.#readVideo(params);
    }
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
