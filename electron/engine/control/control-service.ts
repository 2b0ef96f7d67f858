import { AevError } from '../../common/errors.ts';
import type { EngineStatus } from '../../common/model/status.ts';
import { CONTROL_METHODS, sessionsListParamsSchema, sessionsShowParamsSchema } from '../../common/protocol/frames.ts';
import type { ControlMethod } from '../../common/protocol/frames.ts';
import type { SessionQueries } from '../index/session-queries.ts';

/** The control API (queries and, later, settings and export): never reachable from an ingest connection. */
export class ControlService {
  readonly #queries: SessionQueries;
  readonly #status: () => EngineStatus;

  constructor(queries: SessionQueries, status: () => EngineStatus) {
    this.#queries = queries;
    this.#status = status;
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
      case 'sessions.show': {
        const p = parse(sessionsShowParamsSchema, params);
        return this.#queries.show(p.id, p.payloads);
      }
    }
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
