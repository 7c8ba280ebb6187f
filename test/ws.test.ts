// The shared keep-alive sweep: one timer pings every socket; one that does not answer is terminated, one that does
// stays open.
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import WebSocket, { WebSocketServer } from 'ws';
import { keepAlive } from '../src/ws';

const cleanup: (() => void)[] = [];
afterEach(() => {
  cleanup.splice(0).forEach((f) => f());
});

describe('keep-alive', () => {
  it('when a client stops answering pings, then it is terminated; a client that answers stays', async () => {
    const server = createServer();
    const wss = new WebSocketServer({ server });
    const stop = keepAlive(wss, 50);
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    cleanup.push(() => {
      stop();
      wss.close();
      server.close();
    });
    const url = `ws://127.0.0.1:${(server.address() as AddressInfo).port}`;
    const silent = new WebSocket(url, { autoPong: false });
    const alive = new WebSocket(url);
    await Promise.all([silent, alive].map((s) => new Promise((r) => s.once('open', r))));
    const silentClosed = new Promise<number>((r) => silent.once('close', (code) => r(code)));
    expect(await silentClosed).toBe(1006); // terminated, not closed politely
    await new Promise((r) => setTimeout(r, 200));
    expect(alive.readyState).toBe(WebSocket.OPEN);
    alive.close();
  });
});
