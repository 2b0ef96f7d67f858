// Found while fuzzing the endpoint (before f43a044): one hostile event made other clients' valid
// events fail. Events that arrive in the same event-loop turn are written in one SQLite transaction
// (IngestQueue group commit). For a non-Claude agent the payload's `cwd` is not type-checked, and
// the first event of a new session JSON.stringify's it into the session's metadata; nested ~10,000
// deep that threw, the transaction rolled back, and every event in the batch was answered E_IO, the
// well-behaved client's included. Since f43a044 a failed batch is retried event by event (and such
// nesting is refused before parsing); this keeps the well-behaved client's ack.
// The daemon is stopped (SIGSTOP) while both frames are written so they are read in the same turn.
import path from 'node:path';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { startDaemon } from '../../helpers/daemon-process.ts';
import type { DaemonProcess } from '../../helpers/daemon-process.ts';
import { RawClient, hookPayload } from '../../helpers/raw-client.ts';
import { makeTempDir } from '../../helpers/temp-dir.ts';
import { answerOrCrash, deepArray } from './daemon-race.ts';

describe.skipIf(process.platform === 'win32')('hostile input: one bad event in a group commit', () => {
  const tmp = makeTempDir('aev-fuzz-repro-');
  let daemon: DaemonProcess | undefined;
  afterEach(async () => {
    daemon?.child.kill('SIGCONT');
    if (daemon?.child.exitCode === null) await daemon.stop();
  });
  afterAll(() => {
    tmp.cleanup();
  });

  it("acknowledges a well-behaved client's event that shares a transaction with a hostile one", async () => {
    daemon = await startDaemon(path.join(tmp.dir, 'data'));
    const good = await RawClient.hello(daemon.paths.socketPath);
    const hostile = await RawClient.hello(daemon.paths.socketPath);
    daemon.child.kill('SIGSTOP');
    const cwd = deepArray(10_000);
    hostile.write(
      `{"type":"event","id":"bad","event":{"agent":"codex","payload":{"session_id":"evil","hook_event_name":"turn","cwd":${cwd}}}}\n`,
    );
    good.send({ type: 'event', id: 'ok', event: { agent: 'claude-code', payload: hookPayload('good', 'Stop') } });
    await new Promise((r) => setTimeout(r, 200));
    daemon.child.kill('SIGCONT');
    const answer = await answerOrCrash(daemon, good, (f) => f.id === 'ok');
    expect(answer, JSON.stringify(answer)).toMatchObject({ type: 'ack' });
    good.close();
    hostile.close();
  }, 60_000);
});
