import { randomBytes } from 'node:crypto';
import { AevError, isAevError } from '../../common/errors.ts';
import type { ExportResultView, JobView } from '../../common/ipc/app-views.ts';
import type { VerifyReport } from '../../common/model/verification.ts';

// A job's progress lines and the jobs kept for polling are bounded: a long session cannot grow memory.
const MAX_MESSAGES = 300;
const MAX_JOBS = 50;

/** What a running job may report. */
export interface JobHandle {
  say(message: string): void;
  checked(count: number): void;
}

type Outcome =
  | { readonly kind: 'export'; readonly value: ExportResultView }
  | { readonly kind: 'verify'; readonly value: { readonly name: string; readonly report: VerifyReport } };

interface Job {
  view: JobView;
}

/**
 * Exports and verifications run in the app host, not in the engine, and take seconds to minutes: the
 * UI starts one, gets an id at once, and polls its progress (issue #6, "Export dialog … progress").
 * Ids are random so one page cannot guess another's job.
 */
export class AppJobs {
  readonly #jobs = new Map<string, Job>();
  readonly #now: () => number;

  constructor(now: () => number) {
    this.#now = now;
  }

  start(kind: JobView['kind'], run: (job: JobHandle) => Promise<Outcome>): string {
    const id = `job_${randomBytes(12).toString('base64url')}`;
    const job: Job = {
      view: {
        job: id,
        kind,
        state: 'running',
        startedAt: new Date(this.#now()).toISOString(),
        endedAt: null,
        messages: [],
        checked: 0,
        exported: null,
        verified: null,
        error: null,
      },
    };
    this.#jobs.set(id, job);
    this.#forgetOld();
    const handle: JobHandle = {
      say: (message) => {
        job.view = { ...job.view, messages: [...job.view.messages, message].slice(-MAX_MESSAGES) };
      },
      checked: (count) => {
        job.view = { ...job.view, checked: count };
      },
    };
    void run(handle).then(
      (outcome) => {
        job.view = {
          ...job.view,
          state: 'done',
          endedAt: new Date(this.#now()).toISOString(),
          exported: outcome.kind === 'export' ? outcome.value : null,
          verified: outcome.kind === 'verify' ? outcome.value : null,
        };
      },
      (error: unknown) => {
        job.view = {
          ...job.view,
          state: 'failed',
          endedAt: new Date(this.#now()).toISOString(),
          error: isAevError(error)
            ? { code: error.code, message: error.message }
            : { code: 'E_INTERNAL', message: error instanceof Error ? error.message : String(error) },
        };
      },
    );
    return id;
  }

  view(id: string): JobView {
    const job = this.#jobs.get(id);
    if (job === undefined) throw new AevError('E_NOT_FOUND', `no job ${id}`);
    return job.view;
  }

  /** Resolves when no job is running (tests, shutdown). */
  async idle(pollMs = 50): Promise<void> {
    while ([...this.#jobs.values()].some((j) => j.view.state === 'running'))
      await new Promise((resolve) => setTimeout(resolve, pollMs));
  }

  #forgetOld(): void {
    for (const [id, job] of this.#jobs) {
      if (this.#jobs.size <= MAX_JOBS) return;
      if (job.view.state !== 'running') this.#jobs.delete(id);
    }
  }
}
