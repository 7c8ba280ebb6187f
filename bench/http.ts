// JSON POSTs over a keep-alive agent: the sender side of the fan-out figures (autocannon drives figure 1).
import { Agent, request } from 'node:http';

// Idle sockets are dropped after 4 s, before node's server closes them (keepAliveTimeout 5 s): reusing a socket the
// server is closing is the classic keep-alive race (ECONNRESET on a request the server never saw).
const agent = new Agent({ keepAlive: true, maxSockets: 64, timeout: 4000, scheduling: 'lifo' });

export interface HttpAnswer {
  status: number;
  body: string;
}

function once(port: number, path: string, body: string, headers: Record<string, string>): Promise<HttpAnswer> {
  return new Promise((resolve, reject) => {
    const req = request(
      {
        host: '127.0.0.1',
        port,
        path,
        method: 'POST',
        agent,
        headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body), ...headers },
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8') }));
        res.on('error', reject);
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}

/** One retry when a reused connection turns out to be closed (the request did not reach the server). */
export async function postJson(
  port: number,
  path: string,
  payload: unknown,
  headers: Record<string, string> = {},
): Promise<HttpAnswer> {
  const body = JSON.stringify(payload);
  try {
    return await once(port, path, body, headers);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code !== 'ECONNRESET' && code !== 'EPIPE') throw e;
    return once(port, path, body, headers);
  }
}

export function closeHttp(): void {
  agent.destroy();
}
