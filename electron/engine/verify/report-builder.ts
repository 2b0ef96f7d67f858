import type { VerifyCode, VerifyItem, VerifyReport, VerifyStatus } from '../../common/model/verification.ts';

/** Collects verification results; every failure is kept, not just the first (unlike a throw-on-first verifier). */
export class ReportBuilder {
  readonly #items: VerifyItem[] = [];
  readonly #onItem: ((item: VerifyItem) => void) | undefined;

  constructor(onItem?: (item: VerifyItem) => void) {
    this.#onItem = onItem;
  }

  add(item: string, status: VerifyStatus, code: VerifyCode, message: string): void {
    const entry = { item, status, code, message };
    this.#items.push(entry);
    this.#onItem?.(entry);
  }

  pass(item: string, message: string): void {
    this.add(item, 'pass', 'OK', message);
  }

  fail(item: string, code: VerifyCode, message: string): void {
    this.add(item, 'fail', code, message);
  }

  pending(item: string, code: VerifyCode, message: string): void {
    this.add(item, 'pending', code, message);
  }

  build(allowPending: boolean): VerifyReport {
    const counts = { pass: 0, fail: 0, pending: 0 };
    for (const i of this.#items) counts[i.status] += 1;
    return { ok: counts.fail === 0 && (allowPending || counts.pending === 0), items: [...this.#items], counts };
  }
}
