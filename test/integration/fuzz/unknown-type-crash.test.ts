// Found by bench/fuzz-endpoint.ts (seed 1, before f43a044): one frame from an ingest client killed
// the daemon. EndpointConnection answered an unknown `type` with `JSON.stringify(type)` in the
// message; for a `type` nested ~10,000 deep that threw RangeError inside the socket's data handler,
// nothing caught it and the process exited (code 1). Since f43a044 such frames are refused before
// parsing (E_SCHEMA, depth > 256) and the type is described, not serialized; this keeps it so.
import { describe, expect, it } from 'vitest';
import { RawClient } from '../../helpers/raw-client.ts';
import { answerOrCrash, deepArray, fuzzDaemons } from './daemon-race.ts';

describe('hostile input: a deeply nested frame type', () => {
  const daemons = fuzzDaemons();

  it('refuses a type nested 10,000 deep with a coded error and stays up', async () => {
    const daemon = await daemons.start('data');
    const hostile = await RawClient.hello(daemon.paths.socketPath);
    // The id first: an engine that refuses before parsing echoes what it finds in the first 4 KiB.
    hostile.write(`{"id":"deep","type":${deepArray(10_000)}}\n`);
    const answer = await answerOrCrash(daemon, hostile, (f) => f.id === 'deep');
    expect(answer).toMatchObject({ type: 'error' });
    expect(['E_UNKNOWN_TYPE', 'E_SCHEMA']).toContain(answer.code);
    // And it still serves everyone else.
    const next = await RawClient.hello(daemon.paths.socketPath, 'control');
    next.send({ type: 'request', id: 'p', method: 'ping' });
    expect(await answerOrCrash(daemon, next, (f) => f.id === 'p')).toMatchObject({ type: 'result' });
    hostile.close();
    next.close();
  }, 60_000);
});
