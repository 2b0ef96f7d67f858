import type { Database } from 'better-sqlite3';
import { AevError } from '../../common/errors.ts';
import type { SessionKind } from '../../common/model/media.ts';
import type { RequestDecisionEntry } from '../access/access-entry.ts';
import { appendAccessLog } from '../access/append-access.ts';
import type { AccessStore, AppendedAccess } from '../access/append-access.ts';
import { recordExport } from '../access/export-entry.ts';
import type { RecordedExport } from '../access/export-entry.ts';
import { exportBundle } from '../export/export-bundle.ts';
import type { ExportResult } from '../export/export-bundle.ts';
import { selectBundle } from '../export/bundle-selection.ts';
import { openStoreReadOnly } from '../verify/open-store.ts';
import type { VerifiedRequest } from './verify-request.ts';

/** What a verified request would export from this vault, for the reviewer to see before deciding. */
export interface RequestInspection {
  readonly session: {
    readonly id: string;
    readonly kind: SessionKind;
    readonly agent: string;
    readonly startedAt: string;
    readonly endedAt: string | null;
  };
  /** The requested range resolved against this vault (a tool-call range becomes times). */
  readonly range: { readonly from: string; readonly to: string };
  /** The whole sealed windows the bundle would hold, per session (the agent's, the screen's, the terminal's). */
  readonly windows: readonly {
    readonly sessionId: string;
    readonly kind: SessionKind;
    readonly records: readonly number[];
    readonly from: string;
    readonly to: string;
  }[];
}

/**
 * Resolves a verified request against the developer's vault without changing anything (a read-only
 * view, fine beside a running engine). An unknown session, a range with nothing sealed in it and a
 * request decided before (E_REQUEST_REPLAYED) are coded errors.
 */
export async function inspectRequest(store: AccessStore, v: VerifiedRequest): Promise<RequestInspection> {
  const { db, close } = await openStoreReadOnly(store);
  try {
    const decided = earlierDecision(db, v.request.nonce);
    if (decided !== null)
      throw new AevError(
        'E_REQUEST_REPLAYED',
        `this request was already ${decided.decision} on ${decided.decidedAt}: a request is decided once`,
      );
    const session = db
      .prepare<[string], { id: string; kind: SessionKind; agent: string; started_at: string; ended_at: string | null }>(
        'SELECT id, kind, agent, started_at, ended_at FROM sessions WHERE id = ?',
      )
      .get(v.request.sessionId);
    if (session === undefined)
      throw new AevError(
        'E_NOT_FOUND',
        `the request names session ${v.request.sessionId}, which this vault does not hold (see \`aev sessions list\`)`,
      );
    let selection: ReturnType<typeof selectBundle>;
    try {
      selection = selectBundle(db, session.id, v.request.range);
    } catch (error) {
      // selectBundle speaks to a person typing options; here the range came from the request file.
      if (error instanceof AevError && error.code === 'E_USAGE')
        throw new AevError('E_REQUEST_INVALID', `the requested range cannot be used: ${error.message}`);
      throw error;
    }
    return {
      session: {
        id: session.id,
        kind: session.kind,
        agent: session.agent,
        startedAt: session.started_at,
        endedAt: session.ended_at,
      },
      range: selection.range,
      windows: selection.sessions.map((s) => ({
        sessionId: s.facts.sessionId,
        kind: s.facts.kind,
        records: s.content.map((r) => r.body.seq),
        from: s.content[0]?.body.from ?? selection.range.from,
        to: s.content.at(-1)?.body.to ?? selection.range.to,
      })),
    };
  } finally {
    close();
  }
}

export interface ApproveOptions {
  readonly out: string;
  /** TSA trust anchors shipped in the bundle (as `aev export --trust`). */
  readonly trustPem: string;
  /** The principal of the reviewer's allowed-signers file that names the requester, if any. */
  readonly trustedAs: string | null;
  readonly env?: Readonly<Record<string, string | undefined>>;
  readonly onProgress?: (message: string) => void;
}

export interface Approved extends RecordedExport {
  readonly bundle: ExportResult;
}

/**
 * Approves: exports the requested range, encrypted to the requester's age recipient only, then puts the
 * decision and the export on the access log in one step, which is also what claims the nonce. A bundle
 * exists only when its export is on record: if recording fails (or the request was decided meanwhile),
 * the bundle is removed again.
 */
export async function approveRequest(store: AccessStore, v: VerifiedRequest, o: ApproveOptions): Promise<Approved> {
  const r = v.request;
  const bundle = await exportBundle({
    ...store,
    sessionId: r.sessionId,
    range: r.range,
    out: o.out,
    recipients: [r.recipient],
    plain: false,
    withhold: [],
    trustPem: o.trustPem,
    ...(o.env === undefined ? {} : { env: o.env }),
    ...(o.onProgress === undefined ? {} : { onProgress: o.onProgress }),
  });
  const recorded = await recordExport(store, bundle, [r.recipient], {
    request: r.nonce,
    before: [decisionEntry(v, 'approved', o.trustedAs, null)],
  });
  return { bundle, ...recorded };
}

/** Denies: nothing is written but the decision, on the access log (which claims the nonce). */
export async function denyRequest(
  store: AccessStore,
  v: VerifiedRequest,
  reason: string,
  trustedAs: string | null,
): Promise<AppendedAccess> {
  return appendAccessLog(store, [decisionEntry(v, 'denied', trustedAs, reason)]);
}

function decisionEntry(
  v: VerifiedRequest,
  decision: 'approved' | 'denied',
  trustedAs: string | null,
  denyReason: string | null,
): RequestDecisionEntry {
  const r = v.request;
  return {
    kind: 'request-decision',
    decision,
    nonce: r.nonce,
    requestSha256: v.sha256,
    requester: r.requester.fingerprint,
    trustedAs,
    sessionId: r.sessionId,
    range: r.range,
    reason: r.reason,
    denyReason,
    expiresAt: r.expiresAt,
  };
}

/** The decision on a nonce; none when the index predates migration 004 (nothing was decided then). */
function earlierDecision(
  db: Database,
  nonce: string,
): { readonly decision: 'approved' | 'denied'; readonly decidedAt: string } | null {
  const table = db
    .prepare<[], { name: string }>("SELECT name FROM sqlite_master WHERE type = 'table' AND name = 'request_decisions'")
    .get();
  if (table === undefined) return null;
  const row = db
    .prepare<[string], { decision: 'approved' | 'denied'; decided_at: string }>(
      'SELECT decision, decided_at FROM request_decisions WHERE nonce = ?',
    )
    .get(nonce);
  return row === undefined ? null : { decision: row.decision, decidedAt: row.decided_at };
}
