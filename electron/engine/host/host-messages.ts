import { z } from 'zod';
import { ERROR_CODES } from '../../common/errors.ts';

/**
 * A message channel between Electron main and the engine's utility process (`child.postMessage` /
 * `process.parentPort` in the app; a forked Node child's IPC channel or a worker MessageChannel in tests).
 * Secrets (the recovery passphrase, the keyring's vault key) travel only here, never in argv or the
 * environment, which other processes of the same user can read (/proc/<pid>/environ, `ps`).
 */
export interface MessageLink {
  send(message: unknown): void;
  /**
   * Returns a function that removes the listener. `ports` are MessagePorts transferred with the message
   * (Electron's MessagePortMain from main; none over a forked child's IPC channel).
   */
  onMessage(listener: (message: unknown, ports?: readonly unknown[]) => void): () => void;
}

export const keyringInfoSchema = z.object({ backend: z.string().min(1).max(64), secure: z.boolean() }).strict();
export type KeyringInfo = z.infer<typeof keyringInfoSchema>;

const accountSchema = z.string().regex(/^[a-z0-9][a-z0-9-]{0,127}$/, 'not a keyring account name');
const errorCodeSchema = z.enum(ERROR_CODES);

/** Main → engine process. */
export const toEngineSchema = z.discriminatedUnion('type', [
  z
    .object({
      type: z.literal('start'),
      dataRoot: z.string().min(1).max(4096),
      /** The app's keyring (safeStorage in main), reached back over this channel; null: none usable. */
      keyring: keyringInfoSchema.nullable(),
      passphrase: z.string().min(1).max(1024).optional(),
    })
    .strict(),
  z
    .object({
      type: z.literal('keyring-reply'),
      id: z.number().int().positive(),
      result: z.union([
        z.object({ ok: z.literal(true), value: z.string().nullable() }).strict(),
        z.object({ ok: z.literal(false), code: errorCodeSchema, message: z.string().max(2000) }).strict(),
      ]),
    })
    .strict(),
  z.object({ type: z.literal('stop') }).strict(),
  /** Carries the capture page's MessagePort (DESIGN.md §4, Chromium backend; docs/screen-capture.md). */
  z.object({ type: z.literal('capture-port') }).strict(),
]);
export type ToEngine = z.infer<typeof toEngineSchema>;

/** Engine process → main. */
export const fromEngineSchema = z.discriminatedUnion('type', [
  z
    .object({
      type: z.literal('ready'),
      socketPath: z.string().min(1),
      pid: z.number().int(),
      createdVault: z.boolean(),
      previousStopUnclean: z.boolean(),
    })
    .strict(),
  z.object({ type: z.literal('failed'), code: errorCodeSchema, message: z.string().max(4000) }).strict(),
  z
    .object({
      type: z.literal('keyring'),
      id: z.number().int().positive(),
      op: z.enum(['get', 'set', 'delete']),
      account: accountSchema,
      secret: z.string().max(4096).optional(),
    })
    .strict(),
  z.object({ type: z.literal('stopped') }).strict(),
]);
export type FromEngine = z.infer<typeof fromEngineSchema>;
