/** Injected time source (Teleport habit): wall time for records, monotonic time for order and durations. */
export interface Clock {
  /** Wall-clock milliseconds since the epoch. */
  now(): number;
  /** Monotonic microseconds; never goes back within one process. */
  monoUs(): number;
}

export const systemClock: Clock = {
  now: () => Date.now(),
  monoUs: () => Number(process.hrtime.bigint() / 1000n),
};
