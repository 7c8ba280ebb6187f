// Resume cursors. A cursor is the message's position in the server's global commit order, encrypted (AES, one
// block, with a check word) so that clients cannot read how many messages happened elsewhere between two of
// theirs, nor forge a position. Opaque to clients, cheap to decode.
import { createCipheriv, createDecipheriv, createHash } from 'node:crypto';

const CHECK = 0x494d4355; // "IMCU"

export interface CursorCodec {
  encode(order: number): string;
  /** The order, or undefined when the string is not a cursor this server made. */
  decode(cursor: string): number | undefined;
}

export function createCursorCodec(secret: string): CursorCodec {
  const key = createHash('sha256').update(`im-gateway cursor\u0000${secret}`).digest().subarray(0, 16);
  return {
    encode(order) {
      const block = Buffer.alloc(16);
      block.writeBigUInt64BE(BigInt(order), 0);
      block.writeUInt32BE(CHECK, 8);
      const c = createCipheriv('aes-128-ecb', key, null).setAutoPadding(false);
      return Buffer.concat([c.update(block), c.final()]).toString('base64url');
    },
    decode(cursor) {
      if (typeof cursor !== 'string' || !/^[A-Za-z0-9_-]{22}$/.test(cursor)) return undefined;
      const d = createDecipheriv('aes-128-ecb', key, null).setAutoPadding(false);
      const block = Buffer.concat([d.update(Buffer.from(cursor, 'base64url')), d.final()]);
      if (block.readUInt32BE(8) !== CHECK || block.readUInt32BE(12) !== 0) return undefined;
      const order = block.readBigUInt64BE(0);
      return order <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(order) : undefined;
    },
  };
}
