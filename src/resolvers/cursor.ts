// Resume cursors. A cursor is the message's position in the server's global commit order, encrypted (AES, one
// block, with a check word) so that clients cannot read how many messages happened elsewhere between two of
// theirs, nor forge a position. Opaque to clients, cheap to decode. A page's nextSeq, which Tencent's API makes a
// number (a GraphQL Int here), is a list's keyset position, encrypted too, in 30 bits: a small Feistel
// permutation keyed by the server and the list, whose 8 zero check bits catch a forged or foreign nextSeq.
import { createCipheriv, createDecipheriv, createHash, createHmac } from 'node:crypto';
import { MAX_MEMBER_POSITION } from '../db/store';

const CHECK = 0x494d4355; // "IMCU"

export interface CursorCodec {
  encode(order: number): string;
  /** The order, or undefined when the string is not a cursor this server made. */
  decode(cursor: string): number | undefined;
  /** A position (1 to MAX_SEQ_POSITION) in `list` (what is paged: a message and a filter) as a nextSeq: 1 to 2^30. */
  encodeSeq(list: string, position: number): number;
  /** The position, or undefined when `seq` is not a nextSeq encodeSeq made for this list. */
  decodeSeq(list: string, seq: number): number | undefined;
}

/** Positions a nextSeq holds: 22 of its 30 bits. A message's readers stay far below; a group's members are
 *  renumbered before their join numbers would pass it (the store's MAX_MEMBER_POSITION). */
export const MAX_SEQ_POSITION = MAX_MEMBER_POSITION;
const HALF = 15;
const HALF_MASK = 2 ** HALF - 1;
const ROUNDS = 4;

/** Four Feistel rounds over two 15-bit halves (HMAC-SHA-256 of the list, the round and the half as the round
 *  function): a keyed permutation of 0 … 2^30 − 1, `back` its inverse. */
function feistel(key: Buffer, list: string, value: number, back: boolean): number {
  const f = (round: number, half: number) =>
    createHmac('sha256', key).update(`${list}\u0000${round}\u0000${half}`).digest().readUInt16BE(0) & HALF_MASK;
  let l = Math.floor(value / 2 ** HALF);
  let r = value & HALF_MASK;
  for (let i = 0; i < ROUNDS; i++) {
    if (back) [l, r] = [r ^ f(ROUNDS - 1 - i, l), l];
    else [l, r] = [r, l ^ f(i, r)];
  }
  return l * 2 ** HALF + r;
}

export function createCursorCodec(secret: string): CursorCodec {
  const key = createHash('sha256').update(`im-gateway cursor\u0000${secret}`).digest().subarray(0, 16);
  const seqKey = createHash('sha256').update(`im-gateway nextSeq\u0000${secret}`).digest();
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
    encodeSeq(list, position) {
      if (!Number.isInteger(position) || position < 1 || position > MAX_SEQ_POSITION)
        throw new RangeError(`A nextSeq holds a position from 1 to ${MAX_SEQ_POSITION}, not ${position}.`);
      return feistel(seqKey, list, position, false) + 1;
    },
    decodeSeq(list, seq) {
      if (!Number.isInteger(seq) || seq < 1 || seq > 2 ** (2 * HALF)) return undefined;
      const position = feistel(seqKey, list, seq - 1, true);
      return position >= 1 && position <= MAX_SEQ_POSITION ? position : undefined;
    },
  };
}
