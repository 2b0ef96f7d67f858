import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';

/**
 * `transcript_path` values a hostile agent might send (the engine reads the named file on each event,
 * DESIGN.md §4): a real growing transcript, a directory, a FIFO and a symlink that all end in `.jsonl`,
 * devices, relative and missing paths. The fuzzer never sends anything outside this list there, so a
 * run cannot make the engine read the rest of the machine.
 */
export function hostileTranscriptPaths(dir: string): string[] {
  fs.mkdirSync(dir, { recursive: true });
  const real = path.join(dir, 'transcript.jsonl');
  fs.writeFileSync(real, `${JSON.stringify({ type: 'user', message: 'hello' })}\n`);
  const folder = path.join(dir, 'folder.jsonl');
  fs.mkdirSync(folder, { recursive: true });
  const link = path.join(dir, 'link.jsonl');
  if (!fs.existsSync(link)) fs.symlinkSync(real, link);
  const paths = [real, folder, link, path.join(dir, 'missing.jsonl'), 'relative/transcript.jsonl', '/dev/zero'];
  const fifo = path.join(dir, 'fifo.jsonl');
  // A FIFO must not block the engine's read (it opens with O_NONBLOCK and checks the file type).
  if (fs.existsSync(fifo) || spawnSync('mkfifo', [fifo]).status === 0) paths.push(fifo);
  return paths;
}

/** Grows the real transcript so the engine has something new to capture now and then. */
export function appendTranscript(dir: string, line: string): void {
  fs.appendFileSync(path.join(dir, 'transcript.jsonl'), `${line}\n`);
}
