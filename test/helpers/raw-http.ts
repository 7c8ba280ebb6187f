// One HTTP/1.1 request written to a socket byte for byte (no client normalises its target or headers), for tests
// that send what a real client would not.
import { connect } from 'node:net';

/** The status of the answer (from its status line; a stream is not read further) and what came with it in the
 *  same read, or why there is none. */
export function rawAnswer(
  port: number,
  bytes: Buffer,
  timeoutMs = 10_000,
): Promise<{ status: number; text: string } | string> {
  return new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1', () => socket.write(bytes));
    let text = '';
    const timer = setTimeout(() => {
      socket.destroy();
      resolve(`no status line in ${timeoutMs} ms`);
    }, timeoutMs);
    socket.on('data', (c) => {
      text += c;
      const m = /^HTTP\/1\.1 (\d{3})/.exec(text);
      if (m) {
        clearTimeout(timer);
        socket.destroy();
        resolve({ status: Number(m[1]), text });
      }
    });
    socket.on('error', (e) => {
      clearTimeout(timer);
      resolve(e.message);
    });
    socket.on('close', () => {
      clearTimeout(timer);
      resolve(`closed without a status line (${JSON.stringify(text.slice(0, 80))})`);
    });
  });
}
