import { describe, expect, it } from 'vitest';
import { APP_METHODS } from '../../../../electron/common/ipc/app-api.ts';
import { checkAppCall, checkAppMessage, isRendererPage } from '../../../../electron/engine/host/app-call-guard.ts';
import type { IpcSender } from '../../../../electron/engine/host/app-call-guard.ts';

const app: IpcSender = { url: 'app://renderer/index.html#/sessions', topFrame: true };

function code(result: ReturnType<typeof checkAppCall>): string {
  return result.ok ? 'ok' : result.code;
}

describe('the IPC gate: who may call', () => {
  it('lets the top frame of the app page call a method with valid arguments', () => {
    const r = checkAppCall(app, 'listSessions', { limit: 20, agent: 'claude-code' });
    expect(r).toEqual({ ok: true, value: { method: 'listSessions', params: { limit: 20, agent: 'claude-code' } } });
  });

  it('refuses an iframe inside the app page', () => {
    const r = checkAppCall({ ...app, topFrame: false }, 'status', {});
    expect(r).toMatchObject({ ok: false, code: 'E_UNAUTHORIZED' });
  });

  it('refuses a frame that is gone', () => {
    expect(code(checkAppCall(null, 'status', {}))).toBe('E_UNAUTHORIZED');
  });

  it.each([
    ['a remote page', 'https://evil.example/'],
    ['a local file', 'file:///home/me/Downloads/page.html'],
    ['a data URL', 'data:text/html,<script>1</script>'],
    ['about:blank', 'about:blank'],
    ['the app scheme with another host', 'app://prompt/pause'],
    ['user info that names our host', 'app://renderer@evil.example/'],
    ['a port', 'app://renderer:8080/index.html'],
    ['a look-alike host', 'app://renderer.evil.example/'],
    ['another scheme with our host', 'http://renderer/'],
    ['an unparsable URL', 'not a url'],
    ['an empty URL', ''],
  ])('refuses %s', (_what, url) => {
    expect(code(checkAppCall({ url, topFrame: true }, 'status', {}))).toBe('E_UNAUTHORIZED');
  });

  it('recognizes the app page with any path, query or route', () => {
    for (const url of ['app://renderer/', 'app://renderer/index.html?x=1#/verify', 'APP://renderer/capture.html'])
      expect(isRendererPage(url)).toBe(true);
  });
});

describe('the IPC gate: what may be called', () => {
  it.each([
    ['an unknown method', 'deleteEverything'],
    ['a control method name instead of an app method', 'recording.pause'],
    ['a prototype key', '__proto__'],
    ['a method name that is not a string', 42],
    ['no method', undefined],
    ['an object', { toString: () => 'status' }],
  ])('refuses %s', (_what, method) => {
    expect(code(checkAppCall(app, method, {}))).toBe('E_UNKNOWN_METHOD');
  });

  it('never echoes a long method name back whole', () => {
    const r = checkAppCall(app, 'x'.repeat(10_000), {});
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.message.length).toBeLessThan(120);
  });

  it.each([
    ['an extra key', 'status', { now: true }],
    ['an extra key beside valid ones', 'pause', { reason: 'lunch', force: true }],
    ['a wrong type', 'pause', { reason: 42 }],
    ['an empty reason', 'pause', { reason: '' }],
    ['a missing argument', 'showSession', {}],
    ['a number out of range', 'listSessions', { limit: 0 }],
    ['a fractional limit', 'listSessions', { limit: 1.5 }],
    ['null arguments', 'status', null],
    ['no arguments', 'status', undefined],
    ['an array', 'status', []],
    ['a string', 'status', '{}'],
    ['an oversized reason', 'pause', { reason: 'x'.repeat(100_000) }],
    ['an oversized id', 'showSession', { id: 'x'.repeat(10_000) }],
  ])('refuses %s with E_SCHEMA', (_what, method, params) => {
    const r = checkAppCall(app, method, params);
    expect(r).toMatchObject({ ok: false, code: 'E_SCHEMA' });
    if (!r.ok) expect(r.message).toContain(`invalid arguments to ${method}`);
  });

  it('says which argument is wrong', () => {
    const r = checkAppCall(app, 'pause', { reason: 42 });
    expect(r.ok ? '' : r.message).toMatch(/reason: /);
  });

  it('has a schema for every method of the app API', () => {
    // A method with no schema would throw here instead of answering a Result.
    for (const method of APP_METHODS) expect(() => checkAppCall(app, method, {})).not.toThrow();
  });
});

describe('the IPC gate: the raw message', () => {
  it('takes exactly (method, params), as the preload sends them', () => {
    expect(checkAppMessage(app, ['status', {}]).ok).toBe(true);
    for (const args of [[], ['status'], ['status', {}, 'extra']])
      expect(checkAppMessage(app, args)).toMatchObject({ ok: false, code: 'E_SCHEMA' });
  });

  it('checks the sender before anything else', () => {
    for (const args of [['status', {}], ['status'], []])
      expect(checkAppMessage({ url: 'https://evil.example/', topFrame: true }, args)).toMatchObject({
        code: 'E_UNAUTHORIZED',
      });
  });
});
