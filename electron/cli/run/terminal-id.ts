import { randomBytes } from 'node:crypto';

/** RFC 4648 §6 base32 alphabet, lower case: URL-safe and within the protocol's terminal id pattern. */
const BASE32 = 'abcdefghijklmnopqrstuvwxyz234567';
const ID_CHARS = 20;

/** A new terminal id: `t_` and 20 random base32 characters (100 bits), e.g. `t_k3v9…`. */
export function newTerminalId(): string {
  // 256 is a multiple of 32, so the low five bits of a uniform byte are a uniform base32 digit.
  const digits = Array.from(randomBytes(ID_CHARS), (byte) => BASE32.charAt(byte & 31));
  return `t_${digits.join('')}`;
}
