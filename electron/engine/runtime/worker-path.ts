import { fileURLToPath } from 'node:url';

/**
 * The file of worker `name` in the folder of the module at `moduleUrl`: `.ts` when running from source,
 * `.js` from dist/ (the build compiles every module beside the others).
 */
export function workerBeside(moduleUrl: string, name: string): string {
  const extension = moduleUrl.endsWith('.ts') ? '.ts' : '.js';
  return fileURLToPath(new URL(`./${name}${extension}`, moduleUrl));
}
