import type { Page } from 'playwright-core';

/** The <video>'s state (typed structurally: the test project has no DOM library). */
export async function videoState(page: Page): Promise<{ ready: number; duration: number | null; time: number }> {
  return page.locator('video').evaluate((v: { readyState: number; duration: number; currentTime: number }) => ({
    ready: v.readyState,
    // NaN until the Media Source has data.
    duration: Number.isFinite(v.duration) ? v.duration : null,
    time: v.currentTime,
  }));
}

/** The video's time and the terminal player's own time (asciinema-player's getCurrentTime, shown on its element). */
export async function clocks(page: Page): Promise<{ video: number; terminal: number; terminalDuration: number }> {
  const video = (await videoState(page)).time;
  const el = page.locator('[data-terminal-session]');
  const terminal = Number((await el.getAttribute('data-time')) ?? 'NaN');
  const terminalDuration = Number((await el.getAttribute('data-duration')) ?? 'NaN');
  return { video, terminal, terminalDuration };
}

/**
 * One pixel near the top-left of the current video frame (away from the X cursor in the middle), drawn
 * through a canvas. A string expression: the test project has no DOM library to type the page's globals.
 */
export async function pixelAt(page: Page): Promise<number[]> {
  return page.evaluate<number[]>(`(() => {
    const v = document.querySelector('video');
    const c = document.createElement('canvas');
    c.width = v.videoWidth;
    c.height = v.videoHeight;
    const g = c.getContext('2d');
    g.drawImage(v, 0, 0);
    return Array.from(g.getImageData(20, 20, 1, 1).data.slice(0, 3));
  })()`);
}

/** Colours after H.264 (CRF 30, 4:2:0) are close, not equal. */
export function near(a: readonly number[], b: readonly number[]): boolean {
  return a.length === b.length && a.every((v, i) => Math.abs(v - (b[i] ?? 0)) <= 40);
}

/** A copy of a ustar archive (POSIX.1-1988) with one byte of one member's data flipped. */
export function flipByteInTarMember(tar: Buffer, member: string): Buffer {
  const out = Buffer.from(tar);
  for (let at = 0; at + 512 <= out.length;) {
    const name = out
      .subarray(at, at + 100)
      .toString('utf8')
      .replace(/\0.*$/s, '');
    const prefix = out
      .subarray(at + 345, at + 500)
      .toString('utf8')
      .replace(/\0.*$/s, '');
    if (name === '') break;
    const size = parseInt(
      out
        .subarray(at + 124, at + 136)
        .toString('utf8')
        .replace(/\0.*$/s, '')
        .trim(),
      8,
    );
    const full = prefix === '' ? name : `${prefix}/${name}`;
    if (full === member) {
      const target = at + 512 + Math.floor(size / 2);
      out[target] = (out[target] ?? 0) ^ 0x01;
      return out;
    }
    at += 512 + Math.ceil(size / 512) * 512;
  }
  throw new Error(`${member} is not in the archive`);
}

/** Drops a file onto an element the way a file manager does: a `drop` event carrying a DataTransfer. */
export async function dropFile(page: Page, selector: string, name: string, bytes: Buffer): Promise<void> {
  await page.evaluate(
    `(([selector, name, b64]) => {
      const data = Uint8Array.from(atob(b64), (c) => c.charCodeAt(0));
      const transfer = new DataTransfer();
      transfer.items.add(new File([data], name));
      const target = document.querySelector(selector);
      target.dispatchEvent(new DragEvent('dragover', { dataTransfer: transfer, bubbles: true, cancelable: true }));
      target.dispatchEvent(new DragEvent('drop', { dataTransfer: transfer, bubbles: true, cancelable: true }));
    })(${JSON.stringify([selector, name, bytes.toString('base64')])})`,
  );
}

/** The focused element's attributes and text (no waiting: nothing focused is an answer too). */
export async function focused(page: Page): Promise<Readonly<Record<string, string | undefined>>> {
  return page.evaluate<Record<string, string>>(`(() => {
    const el = document.activeElement;
    if (el === null) return {};
    const out = { tag: el.tagName.toLowerCase(), text: (el.textContent ?? '').trim(), inDialog: el.closest('dialog') ? 'yes' : 'no' };
    for (const a of el.attributes) out[a.name] = a.value;
    return out;
  })()`);
}
