// Shared by the ingest queue's unit tests: a flush the test finishes by hand, and a normalized event.
import type { CommitDurability } from '../../electron/engine/ingest/ingest-queue.ts';
import { normalizeEvent } from '../../electron/engine/ingest/normalize-event.ts';
import type { NormalizedEvent } from '../../electron/engine/ingest/normalize-event.ts';
import { hookPayload } from './raw-client.ts';

/** A disk whose flushes finish when the test says so. */
export class ManualDisk implements CommitDurability {
  readonly deferred = true;
  readonly flushes: PromiseWithResolvers<undefined>[] = [];
  blockingFlushes = 0;
  commitsHeld: Promise<void> | null = null;

  sync(): Promise<void> {
    const flush = Promise.withResolvers<undefined>();
    this.flushes.push(flush);
    return flush.promise;
  }

  syncBlocking(): void {
    this.blockingFlushes += 1;
  }
}

/** A hook event of `kind` for agent session `session`, as the endpoint hands it to the queue. */
export function queuedEvent(session: string, kind = 'Notification'): NormalizedEvent {
  const payload = hookPayload(session, kind);
  const bytes = Buffer.from(JSON.stringify({ type: 'event', id: 1, event: { agent: 'claude-code', payload } }));
  return normalizeEvent({ agent: 'claude-code', payload }, { transport: 'socket-frame', bytes });
}
