// Kept apart from the zod schemas so the `aev hook` hot path can import them without loading zod.

export const PROTOCOL_VERSION = 1;
/** A frame is one line; longer lines are refused with E_FRAME_TOO_LARGE (and skipped to the next newline). */
export const MAX_FRAME_BYTES = 1024 * 1024;
