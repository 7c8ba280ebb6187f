// Just enough RFC 6455 for a load client: the upgrade request, masked client frames, and a reader of the server's
// unmasked frames that hands out payload offsets in the chunk it got, copying only a frame split across reads.
// The `ws` library costs ~10 µs per received message; this costs one 'data' event per read, several frames each.
import { randomBytes } from 'node:crypto';

export const Opcode = { TEXT: 1, CLOSE: 8, PING: 9, PONG: 10 } as const;

export function upgradeRequest(host: string, port: number, path: string, protocol: string): string {
  return (
    `GET ${path} HTTP/1.1\r\nHost: ${host}:${port}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n` +
    `Sec-WebSocket-Key: ${randomBytes(16).toString('base64')}\r\nSec-WebSocket-Version: 13\r\nSec-WebSocket-Protocol: ${protocol}\r\n\r\n`
  );
}

/** A final, masked client frame. */
export function clientFrame(opcode: number, payload: Buffer | string): Buffer {
  const data = typeof payload === 'string' ? Buffer.from(payload) : payload;
  const ext = data.length < 126 ? 0 : data.length < 65536 ? 2 : 8;
  const frame = Buffer.allocUnsafe(2 + ext + 4 + data.length);
  frame[0] = 0x80 | opcode;
  if (ext === 0) frame[1] = 0x80 | data.length;
  else if (ext === 2) {
    frame[1] = 0x80 | 126;
    frame.writeUInt16BE(data.length, 2);
  } else {
    frame[1] = 0x80 | 127;
    frame.writeBigUInt64BE(BigInt(data.length), 2);
  }
  const maskAt = 2 + ext;
  randomBytes(4).copy(frame, maskAt);
  for (let i = 0; i < data.length; i++) frame[maskAt + 4 + i] = data[i]! ^ frame[maskAt + (i & 3)]!;
  return frame;
}

export type FrameHandler = (opcode: number, buf: Buffer, start: number, end: number) => void;

/** Reads server frames (never masked, never fragmented by ws or graphql-ws servers). */
export class FrameReader {
  private rest: Buffer | null = null;

  constructor(private readonly onFrame: FrameHandler) {}

  push(chunk: Buffer): void {
    let buf = chunk;
    if (this.rest) {
      buf = Buffer.concat([this.rest, chunk]);
      this.rest = null;
    }
    let at = 0;
    while (buf.length - at >= 2) {
      const opcode = buf[at]! & 0x0f;
      let len = buf[at + 1]! & 0x7f;
      let header = 2;
      if (len === 126) {
        if (buf.length - at < 4) break;
        len = buf.readUInt16BE(at + 2);
        header = 4;
      } else if (len === 127) {
        if (buf.length - at < 10) break;
        len = Number(buf.readBigUInt64BE(at + 2));
        header = 10;
      }
      if (buf.length - at < header + len) break;
      this.onFrame(opcode, buf, at + header, at + header + len);
      at += header + len;
    }
    if (at < buf.length) this.rest = buf.subarray(at);
  }
}
