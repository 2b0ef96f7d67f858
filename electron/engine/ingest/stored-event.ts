/** The decrypted form of an event as the index stores it: our metadata plus the bytes as received. */
export interface StoredEventMeta {
  readonly v: 1;
  readonly id: string;
  readonly sessionId: string;
  readonly seq: number;
  readonly transport: 'socket-frame' | 'http-body';
}

export interface StoredEvent {
  readonly meta: StoredEventMeta;
  readonly payload: Record<string, unknown>;
}

/** Parses decrypted event bytes; the payload is inside the socket frame or is the HTTP body itself. */
export function parseStoredEvent(plain: Buffer): StoredEvent {
  const doc = JSON.parse(plain.toString('utf8')) as { meta: StoredEventMeta; received: Record<string, unknown> };
  const received = doc.received;
  const payload =
    doc.meta.transport === 'socket-frame'
      ? ((received.event as { payload: Record<string, unknown> } | undefined)?.payload ?? {})
      : received;
  return { meta: doc.meta, payload };
}
