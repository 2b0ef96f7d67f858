// Found by bench/fuzz-endpoint.ts (category control-readback, before f43a044): an agent could store
// a payload that killed the daemon when anyone read it back. The event was valid (claude-code
// tool_input is any object), acknowledged and stored; `sessions.show` with payloads then built its
// result frame with JSON.stringify, which overflowed the stack on nesting ~20,000 deep, inside a
// promise callback (EndpointConnection#onRequest): an unhandled rejection that ended the process, on
// every later read again. Since f43a044 such payloads are refused at ingest (depth > 256) and an
// unserializable answer becomes an error frame. Either way: refused, or stored and readable.
import { describe, expect, it } from 'vitest';
import { RawClient } from '../../helpers/raw-client.ts';
import { answerOrCrash, deepArray, fuzzDaemons } from './daemon-race.ts';

describe('hostile input: reading back a deeply nested payload', () => {
  const daemons = fuzzDaemons();

  it('refuses, or stores and shows, a payload nested 20,000 deep without dying', async () => {
    const daemon = await daemons.start('data');
    const agent = await RawClient.hello(daemon.paths.socketPath);
    const payload = `{"session_id":"deep","hook_event_name":"PreToolUse","tool_name":"Bash","tool_input":{"x":${deepArray(20_000)}}}`;
    agent.write(`{"type":"event","id":"e","event":{"agent":"claude-code","payload":${payload}}}\n`);
    const ack = await answerOrCrash(daemon, agent, (f) => f.id === 'e');
    expect(['ack', 'error']).toContain(ack.type);
    if (ack.type === 'error') {
      // Refused at the door: fine, as long as it says why and nothing was stored to trip over.
      expect(ack.code).toBe('E_SCHEMA');
      agent.close();
      return;
    }

    const viewer = await RawClient.hello(daemon.paths.socketPath, 'control');
    viewer.send({ type: 'request', id: 's', method: 'sessions.show', params: { id: ack.sessionId, payloads: true } });
    // A result, or a coded refusal; either way the engine must still be there afterwards.
    const answer = await answerOrCrash(daemon, viewer, (f) => f.id === 's');
    expect(['result', 'error']).toContain(answer.type);
    viewer.send({ type: 'request', id: 'p', method: 'ping' });
    expect(await answerOrCrash(daemon, viewer, (f) => f.id === 'p')).toMatchObject({ type: 'result' });
    agent.close();
    viewer.close();
  }, 60_000);
});
