import type { Redactor } from './redactor.ts';
import { RedactionTally } from './redaction-tally.ts';

const NEWLINE = 0x0a;

/**
 * Redacts JSONL (agent transcripts) line by line: a line that parses as JSON is redacted as JSON (so
 * `{"env":{"API_TOKEN":"…"}}` is caught by its key) and re-serialized only if something changed; any
 * other line (a split piece of an over-long line, garbage) is redacted as text. Lines with nothing to
 * redact keep their exact bytes, invalid UTF-8 included.
 */
export function redactJsonl(redactor: Redactor, bytes: Buffer, tally: RedactionTally): Buffer {
  let parts: Buffer[] | null = null;
  let start = 0;
  while (start < bytes.length) {
    const nl = bytes.indexOf(NEWLINE, start);
    const end = nl < 0 ? bytes.length : nl + 1;
    const line = bytes.subarray(start, end);
    const redacted = redactLine(redactor, line, tally);
    if (redacted !== null) (parts ??= [bytes.subarray(0, start)]).push(redacted);
    else parts?.push(line);
    start = end;
  }
  return parts === null ? bytes : Buffer.concat(parts);
}

/** The redacted line, or null when it holds nothing to redact. */
function redactLine(redactor: Redactor, line: Buffer, tally: RedactionTally): Buffer | null {
  const hasNewline = line.at(-1) === NEWLINE;
  const text = line.subarray(0, hasNewline ? -1 : undefined).toString('utf8');
  // A line of its own tally: if the JSON walk gives up half-way (too deep), the text pass counts afresh.
  let lineTally = new RedactionTally();
  let out: string;
  try {
    const value = JSON.parse(text) as unknown;
    const redacted = redactor.redactJson(value, lineTally);
    out = redacted === value ? text : JSON.stringify(redacted);
  } catch {
    lineTally = new RedactionTally();
    out = redactor.redactText(text, lineTally);
  }
  if (lineTally.total === 0) return null;
  tally.addAll(lineTally);
  return Buffer.from(hasNewline ? `${out}\n` : out, 'utf8');
}
