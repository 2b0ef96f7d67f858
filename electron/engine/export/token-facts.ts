import { createHash } from 'node:crypto';
import { Worker } from 'node:worker_threads';
import { workerBeside } from '../runtime/worker-path.ts';
import { tokenChecker } from '../verify/token-check.ts';
import { bundlePath } from './bundle-layout.ts';
import type { Selection } from './bundle-selection.ts';
import type { ReportToken } from './report-html.ts';

/** One exported token and the chain record it stamps (null when the record is not in the export). */
export interface TokenToCheck {
  readonly sessionId: string;
  readonly record: number;
  readonly file: string;
  readonly response: Uint8Array;
  readonly recordBytes: Uint8Array | null;
}

/** What the token thread is given (its workerData); it answers with the ReportToken list. */
export interface TokenFactsWork {
  readonly tokens: readonly TokenToCheck[];
  readonly trustPem: string;
}

/** Every token of the selection, with the record bytes its imprint is taken from. */
export function tokensToCheck(selection: Selection): TokenToCheck[] {
  const out: TokenToCheck[] = [];
  for (const s of selection.sessions) {
    const records = new Map([...s.content, ...s.context].map((r) => [r.body.seq, r.stored.record]));
    for (const t of s.tokens)
      out.push({
        sessionId: s.facts.sessionId,
        record: t.seq,
        file: bundlePath.token(s.facts.sessionId, t.seq, t.n),
        response: t.response,
        recordBytes: records.get(t.seq) ?? null,
      });
  }
  return out;
}

/**
 * Each exported token checked as the verifier will (RFC 3161 against the exporter's anchors), with its
 * genTime. Lenient: with no usable anchors, each token shows the verifier's reason.
 */
export function checkTokenFacts(tokens: readonly TokenToCheck[], trustPem: string): ReportToken[] {
  const check = tokenChecker(trustPem, true);
  return tokens.map((t) => {
    const imprint = createHash('sha256')
      .update(t.recordBytes ?? new Uint8Array(0))
      .digest();
    const v = check(Buffer.from(t.response.buffer, t.response.byteOffset, t.response.byteLength), imprint);
    return {
      sessionId: t.sessionId,
      record: t.record,
      file: t.file,
      valid: v.valid,
      genTime: v.genTime === undefined ? null : new Date(v.genTime).toISOString(),
      problem: v.valid ? null : `${v.code ?? 'invalid'}: ${v.message ?? ''}`,
    };
  });
}

/** The token checks running on their thread: their facts, and `stop` for an export that ends early. */
export interface TokenFactsJob {
  readonly facts: Promise<readonly ReportToken[]>;
  /** Ends the thread if it still runs (its facts then resolve empty); resolves once it is gone. */
  stop(): Promise<void>;
}

/**
 * The token facts for report.html, checked on a worker thread (token-facts-worker.ts) while the exporter
 * archives the windows. The checks are ASN.1 decoding and a signature per token (~0.5–1 ms each; an
 * hour's export has ~1,100), which report.html needs only at the very end: on the engine thread they ran
 * after everything else, with the reader and writer threads idle. The thread starts at once and ends
 * after its one answer; if it cannot start or fails, the checks are made on this thread, as before.
 */
export function startTokenFacts(selection: Selection, trustPem: string): TokenFactsJob {
  const tokens = tokensToCheck(selection);
  const here = (): TokenFactsJob => ({
    facts: Promise.resolve().then(() => checkTokenFacts(tokens, trustPem)),
    stop: () => Promise.resolve(),
  });
  if (tokens.length === 0) return here();
  let worker: Worker;
  try {
    const workerData: TokenFactsWork = { tokens, trustPem };
    worker = new Worker(workerBeside(import.meta.url, 'token-facts-worker'), { workerData });
  } catch {
    return here();
  }
  let stopped = false;
  // Settled at the thread's exit, not at its answer, so that once the facts are in, the thread is gone
  // (the export leaves no thread behind; Node joins the thread before 'exit'). A thread that fails or
  // ends without answering: the checks are made here instead.
  const facts = new Promise<readonly ReportToken[]>((resolve) => {
    let reply: readonly ReportToken[] | undefined;
    worker.once('message', (answer: readonly ReportToken[]) => {
      reply = answer;
    });
    worker.on('error', () => {
      // 'exit' follows; the listener keeps the error from being thrown here.
    });
    worker.once('exit', () => {
      resolve(stopped ? [] : (reply ?? checkTokenFacts(tokens, trustPem)));
    });
  });
  return {
    facts,
    async stop() {
      stopped = true;
      await worker.terminate();
    },
  };
}
