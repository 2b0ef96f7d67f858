import type { CastHeader } from '../../../native/pty/asciicast.ts';
import type { AgentKind } from '../../common/model/agent.ts';
import type { TerminalCloseFrame, TerminalOpenFrame } from '../../common/protocol/frames.ts';
import type { CastBatch } from './cast-batcher.ts';

/** What the stream knows of its terminal before the first cast event. */
export interface TerminalDescription {
  readonly terminalId: string;
  readonly agent: AgentKind;
  /** The command line as run, program first. */
  readonly command: readonly string[];
  readonly recordInput: boolean;
}

/** Bytes of a terminal.data frame around its events: type, a request id, the terminal id (≤ 64). */
export const DATA_ENVELOPE_BYTES = 256;

// The limits of terminalOpenFrameSchema (electron/common/protocol/frames.ts): a command line or an
// environment value beyond them would get the whole recording refused, so they are shortened instead.
const MAX_ARGS = 256;
const MAX_ARG_LENGTH = 4096;
const MAX_SHELL_LENGTH = 4096;
const MAX_TERM_LENGTH = 256;
const MAX_TITLE_LENGTH = 1024;

/** terminal.open from the cast header (asciicast v2) and the terminal's description. */
export function openFrameLine(id: string, terminal: TerminalDescription, header: CastHeader): string {
  const env: { SHELL?: string; TERM?: string } = {};
  if (header.env?.SHELL !== undefined) env.SHELL = clip(header.env.SHELL, MAX_SHELL_LENGTH);
  if (header.env?.TERM !== undefined) env.TERM = clip(header.env.TERM, MAX_TERM_LENGTH);
  const frame: TerminalOpenFrame = {
    type: 'terminal.open',
    id,
    terminalId: terminal.terminalId,
    agent: terminal.agent,
    command: terminal.command.slice(0, MAX_ARGS).map((arg) => clip(arg, MAX_ARG_LENGTH)),
    width: header.width,
    height: header.height,
    timestamp: header.timestamp ?? Math.floor(Date.now() / 1000),
    env,
    ...(header.title === undefined ? {} : { title: clip(header.title, MAX_TITLE_LENGTH) }),
    recordInput: terminal.recordInput,
  };
  return JSON.stringify(frame);
}

/**
 * terminal.data around a batch. The events are already JSON (serialized once, when they were sized), so
 * the frame is assembled around them rather than serialized a second time.
 */
export function dataFrameLine(id: string, terminalId: string, batch: CastBatch): string {
  return `{"type":"terminal.data","id":${JSON.stringify(id)},"terminalId":${JSON.stringify(terminalId)},"events":[${batch.events.join(',')}]}`;
}

export function closeFrameLine(id: string, terminalId: string, exitCode: number, signal: number | undefined): string {
  const frame: TerminalCloseFrame = {
    type: 'terminal.close',
    id,
    terminalId,
    exitCode,
    ...(signal === undefined ? {} : { signal }),
  };
  return JSON.stringify(frame);
}

/** At most `max` UTF-16 code units (zod's string length), never ending in half a surrogate pair. */
function clip(text: string, max: number): string {
  if (text.length <= max) return text;
  const last = text.charCodeAt(max - 1);
  return text.slice(0, last >= 0xd800 && last <= 0xdbff ? max - 1 : max);
}
