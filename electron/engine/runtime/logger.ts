/**
 * Structured, line-oriented log to stderr. Callers pass facts (ids, counts, codes), never payloads or
 * secrets: nothing an agent sent is ever logged.
 */
export interface Logger {
  info(message: string, fields?: Readonly<Record<string, unknown>>): void;
  warn(message: string, fields?: Readonly<Record<string, unknown>>): void;
  error(message: string, fields?: Readonly<Record<string, unknown>>): void;
}

export function streamLogger(write: (line: string) => void, now: () => number = Date.now): Logger {
  const emit = (level: string, message: string, fields?: Readonly<Record<string, unknown>>): void => {
    const extra = fields === undefined ? '' : ` ${JSON.stringify(fields)}`;
    write(`${new Date(now()).toISOString()} ${level} ${message}${extra}\n`);
  };
  return {
    info: (m, f) => {
      emit('info', m, f);
    },
    warn: (m, f) => {
      emit('warn', m, f);
    },
    error: (m, f) => {
      emit('error', m, f);
    },
  };
}

export const silentLogger: Logger = { info: () => undefined, warn: () => undefined, error: () => undefined };
