import { MAX_FRAME_BYTES } from '../../common/protocol/constants.ts';

/** Protections of the local endpoint against buggy or hostile clients (docs/protocol.md §Limits). */
export interface EndpointLimits {
  readonly maxConnections: number;
  readonly maxFrameBytes: number;
  /** Frames per second one connection may sustain, and its burst. */
  readonly framesPerSecond: number;
  readonly burst: number;
  /** Unacknowledged events one connection may have in flight before we stop reading from it. */
  readonly maxInFlight: number;
  /** A connection that keeps flooding past its limit this many times is closed. */
  readonly maxRateLimited: number;
  /** Connections that never say hello are closed after this long. */
  readonly helloTimeoutMs: number;
}

export const DEFAULT_LIMITS: EndpointLimits = {
  maxConnections: 256,
  maxFrameBytes: MAX_FRAME_BYTES,
  framesPerSecond: 50_000,
  burst: 20_000,
  maxInFlight: 4_096,
  maxRateLimited: 10_000,
  helloTimeoutMs: 10_000,
};
