import { useState } from 'react';
import type { VerifyItem, VerifyReport } from '../../../../electron/common/model/verification.ts';

const ORDER: Readonly<Record<VerifyItem['status'], number>> = { fail: 0, pending: 1, pass: 2 };

/**
 * The verifier's report for people: one sentence that says whether the evidence holds, the counts, then
 * every item that failed or waits (with its code and the item it names), and the passed ones on request.
 */
export function VerifyReportView({ name, report }: { readonly name: string; readonly report: VerifyReport }) {
  const [showPassed, setShowPassed] = useState(false);
  const c = report.counts;
  const items = [...report.items].sort((a, b) => ORDER[a.status] - ORDER[b.status]);
  const shown = showPassed ? items : items.filter((i) => i.status !== 'pass');
  return (
    <section aria-label="Verification report" className={`report ${report.ok ? 'ok' : 'bad'}`}>
      <h2 role="status" data-verdict={report.ok ? 'verified' : 'not-verified'}>
        {report.ok ? 'VERIFIED' : 'NOT VERIFIED'}: {name}
      </h2>
      <p>
        {summary(report)} {c.pass} passed, {c.fail} failed, {c.pending} pending.
      </p>
      <label>
        <input
          type="checkbox"
          checked={showPassed}
          onChange={(e) => {
            setShowPassed(e.target.checked);
          }}
        />{' '}
        Show the {c.pass} passed item(s) too
      </label>
      {shown.length === 0 ? (
        <p>Nothing failed and nothing is pending.</p>
      ) : (
        <table className="report-items">
          <thead>
            <tr>
              <th scope="col">Result</th>
              <th scope="col">Item</th>
              <th scope="col">Code</th>
              <th scope="col">Detail</th>
            </tr>
          </thead>
          <tbody>
            {shown.map((i, n) => (
              <tr key={n} className={i.status} data-status={i.status} data-code={i.code}>
                <td>{i.status === 'pass' ? 'ok' : i.status === 'fail' ? 'FAIL' : 'pending'}</td>
                <td>{i.item}</td>
                <td>
                  <code>{i.code}</code>
                </td>
                <td>{i.message}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </section>
  );
}

function summary(r: VerifyReport): string {
  if (r.ok && r.counts.pending === 0) return 'Every file, signature, proof and time-stamp checks out.';
  if (r.ok) return 'The evidence checks out; some items could not be checked here.';
  if (r.counts.fail === 0) return 'Nothing failed, but some time-stamps are still pending.';
  const first = r.items.find((i) => i.status === 'fail');
  return `The bundle does not verify${first === undefined ? '' : `: ${first.item} (${first.code})`}.`;
}
