// raw-ws, the physical limit: a bare `ws` server that answers the graphql-transport-ws handshake (so the same load
// client can hold its sockets) and, for each POST /send, serializes one frame once and writes that same buffer to
// every subscribed socket. No auth, no GraphQL, no storage, no per-viewer work.
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { WebSocketServer, type WebSocket } from 'ws';
import type { ServerUnderTest } from '../server-under-test';

export async function startRawWs(): Promise<ServerUnderTest> {
  const subscribed = new Set<WebSocket>();
  let sent = 0;

  const server = createServer((req, res) => {
    if (req.method !== 'POST' || req.url !== '/send') return void res.writeHead(404).end();
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const { text } = JSON.parse(Buffer.concat(chunks).toString('utf8')) as { text: string };
      sent++;
      // The same fields the gateway's subscribers select, so the frames weigh about the same.
      const frame = Buffer.from(
        JSON.stringify({
          id: '1',
          type: 'next',
          payload: {
            data: {
              onRecvNewMessage: {
                msgID: `${Math.floor(Date.now() / 1000)}-rawws${String(sent).padStart(7, '0')}`,
                sender: 'sender',
                groupID: 'room',
                seq: String(sent),
                timestamp: Math.floor(Date.now() / 1000),
                elemType: 1,
                textElem: { text },
                cursor: 'AAAAAAAAAAAAAAAAAAAAAA',
              },
            },
          },
        }),
      );
      for (const socket of subscribed) socket.send(frame, { binary: false });
      res.writeHead(200, { 'content-type': 'application/json' }).end('{"code":0}');
    });
  });

  const wss = new WebSocketServer({
    server,
    path: '/graphql',
    handleProtocols: (p) => (p.has('graphql-transport-ws') ? 'graphql-transport-ws' : false),
  });
  wss.on('connection', (socket) => {
    socket.on('message', (data) => {
      const msg = JSON.parse(String(data)) as { type: string };
      if (msg.type === 'connection_init') socket.send('{"type":"connection_ack"}');
      else if (msg.type === 'subscribe') subscribed.add(socket);
      else if (msg.type === 'ping') socket.send('{"type":"pong"}');
    });
    socket.on('close', () => subscribed.delete(socket));
  });

  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    port: (server.address() as AddressInfo).port,
    subscriptions: () => subscribed.size,
    commands: {},
    async stop() {
      for (const s of wss.clients) s.terminate();
      await new Promise<void>((resolve) => wss.close(() => resolve()));
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
    },
  };
}
