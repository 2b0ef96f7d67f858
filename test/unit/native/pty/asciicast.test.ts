import { describe, expect, it } from 'vitest';
import { castLine, isCastHeader, parseCast, resizeData } from '../../../../native/pty/asciicast.ts';
import type { CastEvent } from '../../../../native/pty/asciicast.ts';

const HEADER = '{"version":2,"width":80,"height":24,"timestamp":1700000000,"env":{"SHELL":"/bin/bash","TERM":"xterm"}}';

function cast(...lines: string[]): string {
  return `${[HEADER, ...lines].join('\n')}\n`;
}

function failure(text: string): { line: number; message: string } {
  const result = parseCast(text);
  if (result.ok) throw new Error('expected the cast to be refused');
  return { line: result.line, message: result.message };
}

describe('asciicast v2 lines', () => {
  it('writes each event as one JSON line that parses back to the same event', () => {
    const events: CastEvent[] = [
      { version: 2, width: 120, height: 40, timestamp: 1_700_000_000, env: { TERM: 'xterm-256color' } },
      [0.25, 'o', 'line one\r\n\u001b[31mred\u001b[0m \u{1F600}'],
      [1.5, 'r', resizeData(100, 30)],
      [2, 'i', 'q'],
    ];
    const text = events.map((e) => `${castLine(e)}\n`).join('');
    expect(text.split('\n')).toHaveLength(5);
    const parsed = parseCast(text);
    expect(parsed).toEqual({ ok: true, header: events[0], frames: events.slice(1) });
  });

  it('tells the header from an event', () => {
    expect(isCastHeader({ version: 2, width: 1, height: 1 })).toBe(true);
    expect(isCastHeader([0, 'o', 'x'])).toBe(false);
  });
});

describe('parseCast', () => {
  it('accepts a recording from the official recorder with fields we never write', () => {
    const header = '{"version":2,"width":80,"height":24,"idle_time_limit":2,"command":"bash","title":"demo"}';
    const result = parseCast(`${header}\n[0.1,"o","$ "]\n[0.2,"m","chapter"]`);
    expect(result.ok).toBe(true);
  });

  it('accepts a header-only recording (nothing was printed)', () => {
    expect(parseCast(`${HEADER}\n`)).toMatchObject({ ok: true, frames: [] });
  });

  it('refuses an empty file and a header that is not JSON', () => {
    expect(failure('')).toMatchObject({ line: 1, message: 'empty file: no header' });
    expect(failure('not json\n')).toMatchObject({ line: 1 });
  });

  it('refuses a header of another version or without a size', () => {
    expect(failure('{"version":1,"width":80,"height":24}\n').message).toContain('version');
    expect(failure('{"version":2,"width":80}\n').message).toContain('height');
    expect(failure('{"version":2,"width":0,"height":24}\n').message).toContain('width');
    expect(failure('[0,"o","x"]\n').line).toBe(1);
  });

  it('names the line of an event whose time goes backwards', () => {
    expect(failure(cast('[1.0,"o","a"]', '[0.5,"o","b"]'))).toEqual({
      line: 3,
      message: 'event time 0.5 goes back before 1',
    });
  });

  it.each([
    ['[-1,"o","x"]', 'non-negative'],
    ['["1","o","x"]', 'non-negative'],
    ['[1,"x","exit"]', 'unknown event code "x"'],
    ['[1,"o",42]', 'data is not a string'],
    ['[1,"o"]', '[time, code, data]'],
    ['{"t":1}', '[time, code, data]'],
    ['[1,"r","80 24"]', 'not COLSxROWS'],
    ['[1,"r","0x24"]', 'not COLSxROWS'],
    ['[1,"o","x"', 'not JSON'],
    ['', 'blank line'],
  ])('refuses the event %s', (line, reason) => {
    const result = failure(cast('[0.5,"o","ok"]', line, '[2,"o","after"]'));
    expect(result.line).toBe(3);
    expect(result.message).toContain(reason);
  });

  it('never throws on garbage', () => {
    for (const garbage of ['\u0000\u0001', '{}', 'null', '[]\n[]', '{"version":2,"width":1,"height":1}\nnull']) {
      expect(parseCast(garbage).ok).toBe(false);
    }
  });
});
