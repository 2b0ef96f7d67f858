/**
 * Additional authenticated data for encrypted index columns: binds each ciphertext to its row and
 * purpose, so a ciphertext copied into another row (or column) fails to decrypt.
 */
export function payloadAad(eventId: string): Buffer {
  return Buffer.from(`agent-evidence/v1/event\u0000${eventId}`, 'utf8');
}

export function sessionMetaAad(sessionId: string): Buffer {
  return Buffer.from(`agent-evidence/v1/session-meta\u0000${sessionId}`, 'utf8');
}
