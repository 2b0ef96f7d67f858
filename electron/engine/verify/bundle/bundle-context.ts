import type { ReportBuilder } from '../report-builder.ts';
import type { TokenCheck } from '../verify-session.ts';
import type { BundleEntry } from './tar-reader.ts';

/** What every bundle check shares: the archive's files, the report, and which files a check accounted for. */
export interface BundleContext {
  readonly files: ReadonlyMap<string, BundleEntry>;
  readonly report: ReportBuilder;
  readonly checkToken: TokenCheck;
  /** Paths some check read or expected; anything else under sessions/ is unexpected. */
  readonly claimed: Set<string>;
  /** The device key from device/device.pub; null when it is missing or garbled. */
  devicePublicKey: Buffer | null;
  deviceFingerprint: string | null;
}

/** A file's kept bytes (null when absent or too large to keep); marks it as accounted for. */
export function fileBytes(ctx: BundleContext, path: string): Buffer | null {
  ctx.claimed.add(path);
  return ctx.files.get(path)?.bytes ?? null;
}

/** Parses JSON without throwing. */
export function parseJson(bytes: Buffer | null): unknown {
  if (bytes === null) return undefined;
  try {
    return JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(bytes)) as unknown;
  } catch {
    return undefined;
  }
}
