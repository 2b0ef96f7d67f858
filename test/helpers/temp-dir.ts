import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

/** A fresh private temp folder; `cleanup` removes it. */
export function makeTempDir(prefix = 'aev-'): { readonly dir: string; cleanup(): void } {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), prefix));
  return {
    dir,
    cleanup() {
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** Every regular file below `root`, recursively (sockets and other specials skipped). */
export function listFiles(root: string): string[] {
  const out: string[] = [];
  for (const entry of fs.readdirSync(root, { withFileTypes: true })) {
    const p = path.join(root, entry.name);
    if (entry.isDirectory()) out.push(...listFiles(p));
    else if (entry.isFile()) out.push(p);
  }
  return out;
}

/** Files under `root` whose bytes contain `needle` (UTF-8 or UTF-16LE, to catch any encoding). */
export function filesContaining(root: string, needle: string): string[] {
  const utf8 = Buffer.from(needle, 'utf8');
  const utf16 = Buffer.from(needle, 'utf16le');
  return listFiles(root).filter((f) => {
    const bytes = fs.readFileSync(f);
    return bytes.includes(utf8) || bytes.includes(utf16);
  });
}
