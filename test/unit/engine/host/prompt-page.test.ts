import { describe, expect, it } from 'vitest';
import {
  MAX_PROMPT_BODY_BYTES,
  parsePromptForm,
  promptKindOf,
  promptPageHtml,
  promptTokenOf,
  promptUrl,
} from '../../../../electron/engine/host/prompt-page.ts';

const form = (fields: Record<string, string>): string => new URLSearchParams(fields).toString();

describe('tray prompts: the pause reason', () => {
  it('takes a trimmed reason', () => {
    expect(parsePromptForm('pause', form({ action: 'ok', reason: '  lunch break ' }))).toEqual({
      ok: true,
      value: { kind: 'pause', reason: 'lunch break' },
    });
  });

  it('treats Cancel as cancel whatever else the form holds', () => {
    expect(parsePromptForm('pause', form({ action: 'cancel', reason: '' }))).toEqual({
      ok: true,
      value: { kind: 'cancel' },
    });
  });

  it.each([
    ['a blank reason', form({ action: 'ok', reason: '   ' })],
    ['no reason', form({ action: 'ok' })],
    ['an extra field', form({ action: 'ok', reason: 'x', force: '1' })],
    ['no action', form({ reason: 'x' })],
    ['a prototype field', `action=ok&reason=x&__proto__=1`],
    ['a repeated field', 'action=ok&reason=a&reason=b'],
    ['a reason longer than the engine takes', form({ action: 'ok', reason: 'x'.repeat(501) })],
  ])('refuses %s', (_what, body) => {
    expect(parsePromptForm('pause', body).ok).toBe(false);
  });

  it('refuses a body longer than a prompt can be', () => {
    const r = parsePromptForm('pause', form({ action: 'ok', reason: 'x'.repeat(MAX_PROMPT_BODY_BYTES) }));
    expect(r).toMatchObject({ ok: false, code: 'E_FRAME_TOO_LARGE' });
  });
});

describe('tray prompts: the recovery passphrase', () => {
  const secret = 'a long recovery passphrase';

  it('takes a new passphrase typed twice the same', () => {
    expect(parsePromptForm('new-passphrase', form({ action: 'ok', passphrase: secret, confirm: secret }))).toEqual({
      ok: true,
      value: { kind: 'passphrase', passphrase: secret },
    });
  });

  it('refuses two different passphrases and a short one, without repeating them', () => {
    const differ = parsePromptForm('new-passphrase', form({ action: 'ok', passphrase: secret, confirm: `${secret}!` }));
    expect(differ).toEqual({ ok: false, code: 'E_USAGE', message: 'the two passphrases differ' });
    const short = parsePromptForm('new-passphrase', form({ action: 'ok', passphrase: 'short', confirm: 'short' }));
    expect(short.ok).toBe(false);
    if (!short.ok) expect(short.message).not.toContain('short:');
  });

  it('takes the passphrase to unlock as typed (no trimming: spaces may be part of it)', () => {
    expect(parsePromptForm('passphrase', form({ action: 'ok', passphrase: ' spaced ' }))).toEqual({
      ok: true,
      value: { kind: 'passphrase', passphrase: ' spaced ' },
    });
  });
});

describe('tray prompt pages', () => {
  it('are addressed under app://prompt/ and nothing else maps to a prompt', () => {
    expect(promptKindOf(promptUrl('pause'))).toBe('pause');
    expect(promptKindOf('app://prompt/new-passphrase?x#y')).toBe('new-passphrase');
    for (const url of ['app://prompt/prompt.css', 'app://renderer/pause', 'app://prompt/pause/x', 'nope'])
      expect(promptKindOf(url)).toBeNull();
  });

  it('carry no script and post back to their own address', () => {
    for (const kind of ['pause', 'new-passphrase', 'passphrase'] as const) {
      const html = promptPageHtml(kind, 'tok/en');
      expect(html).not.toMatch(/<script|\son[a-z]+=/i);
      expect(html).toContain(`<form method="post" action="/${kind}?t=tok%2Fen">`);
      expect(promptTokenOf(`app://prompt/${kind}?t=tok%2Fen`)).toBe('tok/en');
      expect(html).toContain("default-src 'none'");
    }
  });

  it('escape the error they show', () => {
    const html = promptPageHtml('pause', 't', '<img src=x onerror=alert(1)>');
    expect(html).not.toContain('<img');
    expect(html).toContain('&#60;img src=x onerror=alert(1)&#62;');
  });
});
