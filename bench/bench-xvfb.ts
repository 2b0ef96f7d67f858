import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';

export interface BenchXvfb {
  readonly display: string;
  readonly child: ChildProcess;
  stop(): Promise<void>;
}

/** Xvfb on a display it picks itself (-displayfd writes the number once it is ready). */
export async function startBenchXvfb(size: string): Promise<BenchXvfb> {
  const child = spawn('Xvfb', ['-displayfd', '3', '-screen', '0', `${size}x24`, '-nolisten', 'tcp', '-noreset'], {
    stdio: ['ignore', 'ignore', 'ignore', 'pipe'],
  });
  const number = await new Promise<string>((resolve, reject) => {
    let text = '';
    (child.stdio[3] as NodeJS.ReadableStream).on('data', (d: Buffer) => {
      text += d.toString();
      if (text.includes('\n')) resolve(text.trim());
    });
    child.once('exit', () => {
      reject(new Error('Xvfb exited before it was ready'));
    });
  });
  return {
    display: `:${number}`,
    child,
    async stop() {
      if (child.exitCode !== null || child.signalCode !== null) return;
      const gone = new Promise((r) => child.once('exit', r));
      child.kill('SIGTERM');
      await gone;
    },
  };
}
