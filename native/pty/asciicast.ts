import { z } from 'zod';

/**
 * asciicast v2 (https://docs.asciinema.org/manual/asciicast/v2/): newline-delimited JSON, a header
 * object on the first line and one event array per following line. This module holds the types, the
 * line writer and a strict parser; `aev run` emits the fields below and nothing else.
 */
export interface CastHeader {
  readonly version: 2;
  readonly width: number;
  readonly height: number;
  /** Unix seconds (integer) when recording started. */
  readonly timestamp?: number;
  /** The official recorder captures only SHELL and TERM; we do the same (never the rest of the env). */
  readonly env?: { readonly SHELL?: string; readonly TERM?: string };
  readonly title?: string;
}

/** "o" output, "i" input (only when input recording is on), "r" resize ("COLSxROWS"), "m" marker. */
export type CastEventCode = 'o' | 'i' | 'r' | 'm';

/** `[time, code, data]`; time is seconds (float) since the start of the recording, non-decreasing. */
export type CastFrame = readonly [time: number, code: CastEventCode, data: string];

export type CastEvent = CastHeader | CastFrame;

export interface ParsedCast {
  readonly header: CastHeader;
  readonly frames: readonly CastFrame[];
}

/** `line` is 1-based, so a verifier can name the offending line of the file. */
export type ParseCastResult =
  ({ readonly ok: true } & ParsedCast) | { readonly ok: false; readonly line: number; readonly message: string };

export function isCastHeader(event: CastEvent): event is CastHeader {
  return !Array.isArray(event);
}

/** One line of a cast file, without the trailing newline. */
export function castLine(event: CastEvent): string {
  return JSON.stringify(event);
}

/** "COLSxROWS" as the "r" event data of asciicast v2. */
export function resizeData(cols: number, rows: number): string {
  return `${cols}x${rows}`;
}

const dimension = z.number().int().positive().max(65_535);

// Unknown header keys are allowed (later recorders add some); the known ones must have the types of v2.
const headerSchema = z.object({
  version: z.literal(2),
  width: dimension,
  height: dimension,
  timestamp: z.number().int().nonnegative().optional(),
  duration: z.number().nonnegative().optional(),
  idle_time_limit: z.number().nonnegative().optional(),
  command: z.string().optional(),
  title: z.string().optional(),
  env: z.record(z.string(), z.string()).optional(),
  theme: z.object({ fg: z.string(), bg: z.string(), palette: z.string() }).optional(),
});

const EVENT_CODES: readonly CastEventCode[] = ['o', 'i', 'r', 'm'];
const RESIZE_DATA = /^([1-9][0-9]{0,4})x([1-9][0-9]{0,4})$/;

/**
 * Checks that `text` is a complete asciicast v2 recording: a valid header, then events with finite,
 * non-negative, non-decreasing times, a known code, string data, and "r" data of the form COLSxROWS.
 * Blank lines are refused except the final newline. Never throws, whatever the input.
 */
export function parseCast(text: string): ParseCastResult {
  const lines = text.split('\n');
  if (lines.at(-1) === '') lines.pop();
  const first = lines[0];
  if (first === undefined) return { ok: false, line: 1, message: 'empty file: no header' };
  const headerJson = parseJson(first);
  if (!headerJson.ok) return { ok: false, line: 1, message: `header is not JSON: ${headerJson.message}` };
  const header = headerSchema.safeParse(headerJson.value);
  if (!header.success) {
    return { ok: false, line: 1, message: `header is not asciicast v2: ${z.prettifyError(header.error)}` };
  }
  const frames: CastFrame[] = [];
  let previous = 0;
  for (let i = 1; i < lines.length; i++) {
    const line = i + 1;
    const checked = checkFrame(lines[i] ?? '', previous);
    if (typeof checked === 'string') return { ok: false, line, message: checked };
    frames.push(checked);
    previous = checked[0];
  }
  return { ok: true, header: header.data, frames };
}

/** Returns the frame, or why the line is not one. */
function checkFrame(text: string, previousTime: number): CastFrame | string {
  if (text.trim() === '') return 'blank line';
  const parsed = parseJson(text);
  if (!parsed.ok) return `event is not JSON: ${parsed.message}`;
  const value = parsed.value;
  if (!Array.isArray(value) || value.length !== 3) return 'event is not a [time, code, data] array';
  const [time, code, data] = value as readonly unknown[];
  if (typeof time !== 'number' || !Number.isFinite(time) || time < 0) return 'event time is not a non-negative number';
  if (time < previousTime) return `event time ${time} goes back before ${previousTime}`;
  if (!isEventCode(code)) return `unknown event code ${JSON.stringify(code)}`;
  if (typeof data !== 'string') return 'event data is not a string';
  if (code === 'r' && !RESIZE_DATA.test(data)) return `resize data ${JSON.stringify(data)} is not COLSxROWS`;
  return [time, code, data];
}

function isEventCode(code: unknown): code is CastEventCode {
  return EVENT_CODES.some((known) => known === code);
}

function parseJson(text: string): { ok: true; value: unknown } | { ok: false; message: string } {
  try {
    return { ok: true, value: JSON.parse(text) as unknown };
  } catch (error) {
    return { ok: false, message: error instanceof Error ? error.message : 'invalid JSON' };
  }
}
