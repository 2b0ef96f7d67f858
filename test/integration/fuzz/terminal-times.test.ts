// Found by bench/fuzz-endpoint.ts (category terminal, seed 1): terminal.data that the protocol
// forbids is answered E_INTERNAL, or stored where it does not belong.
// - TerminalIngest checks only that a frame's first time is not before the previous frame's last:
//   times going backwards inside a frame reach MediaStore.add as an interval that "ends before it
//   starts" (E_INTERNAL); a time like 2^53 becomes an invalid Date ("internal error") after `lastT`
//   was raised to it, so every later terminal.data and even terminal.close of that terminal fail
//   too and its exit status is never recorded. docs/protocol.md: cast times "never going back".
// - terminal.data pipelined right behind terminal.close passes the "open on this connection" check
//   (the close has not finished) and is queued after it: stored after the exit marker, or, once the
//   session is sealed, answered E_INTERNAL "sealed for good" instead of E_NOT_FOUND.
import { describe, expect, it } from 'vitest';
import { RawClient } from '../../helpers/raw-client.ts';
import { answerOrCrash, fuzzDaemons } from './daemon-race.ts';

describe('hostile input: asciicast times in terminal.data', () => {
  const daemons = fuzzDaemons();

  it('refuses backwards and absurd times as schema errors, and the terminal still closes', async () => {
    const daemon = await daemons.start('data');
    const run = await RawClient.hello(daemon.paths.socketPath);
    const answer = (id: number): Promise<Record<string, unknown>> => answerOrCrash(daemon, run, (f) => f.id === id);
    run.send({
      type: 'terminal.open',
      id: 1,
      terminalId: 'fuzz-times',
      agent: 'generic',
      command: ['sh'],
      width: 80,
      height: 24,
      timestamp: 1_767_225_600,
      env: {},
      recordInput: false,
    });
    expect(await answer(1)).toMatchObject({ type: 'result' });

    run.send({
      type: 'terminal.data',
      id: 2,
      terminalId: 'fuzz-times',
      events: [
        [5, 'o', 'a'],
        [1, 'o', 'b'],
      ],
    });
    expect(await answer(2)).toMatchObject({ type: 'error', code: 'E_SCHEMA' });
    run.write('{"type":"terminal.data","id":3,"terminalId":"fuzz-times","events":[[9007199254740993,"o","x"]]}\n');
    expect(await answer(3)).toMatchObject({ type: 'error', code: 'E_SCHEMA' });

    // The terminal is still usable: later output and the exit status are recorded.
    run.send({ type: 'terminal.data', id: 4, terminalId: 'fuzz-times', events: [[6, 'o', 'still here']] });
    expect(await answer(4)).toMatchObject({ type: 'result' });
    run.send({ type: 'terminal.close', id: 5, terminalId: 'fuzz-times', exitCode: 0 });
    expect(await answer(5)).toMatchObject({ type: 'result', value: { closed: true } });
    run.close();
  }, 60_000);

  it('refuses terminal.data pipelined behind terminal.close', async () => {
    const daemon = await daemons.start('data2');
    const run = await RawClient.hello(daemon.paths.socketPath);
    const answer = (id: number): Promise<Record<string, unknown>> => answerOrCrash(daemon, run, (f) => f.id === id);
    run.send({
      type: 'terminal.open',
      id: 1,
      terminalId: 'fuzz-late',
      agent: 'generic',
      command: ['sh'],
      width: 80,
      height: 24,
      timestamp: 1_767_225_600,
      env: {},
      recordInput: false,
    });
    expect(await answer(1)).toMatchObject({ type: 'result' });
    // One write, so both frames are read before the close has been stored.
    run.write(
      `${JSON.stringify({ type: 'terminal.close', id: 2, terminalId: 'fuzz-late', exitCode: 0 })}\n${JSON.stringify({ type: 'terminal.data', id: 3, terminalId: 'fuzz-late', events: [[1, 'o', 'after the exit']] })}\n`,
    );
    expect(await answer(2)).toMatchObject({ type: 'result', value: { closed: true } });
    expect(await answer(3)).toMatchObject({ type: 'error', code: 'E_SCHEMA' });
    run.close();
  }, 60_000);
});
