// A child process that holds idle subscribed sockets for figure 5: one process cannot hold 20,000 sockets under a
// 20,000 open-file limit next to everything else, so the harness spreads them over a few of these.
import { LoadClient, type SubscriberSpec } from './load-client';

if (!process.send) throw new Error('socket-holder.ts runs as a child of the bench, with an IPC channel');

const client = new LoadClient(() => {
  deliveries++;
});
let deliveries = 0;

process.on('message', async (raw) => {
  const { id, cmd, args } = raw as { id: number; cmd: string; args: { port: number; specs: SubscriberSpec[] } };
  try {
    if (cmd === 'open') await client.open(args.port, args.specs, 100);
    else if (cmd === 'close') await client.close();
    else throw new Error(`unknown command ${cmd}`);
    process.send!({ id, result: { sockets: client.size, deliveries, problems: client.problems.slice(0, 5) } });
    if (cmd === 'close') setTimeout(() => process.exit(0), 10);
  } catch (e) {
    process.send!({ id, error: e instanceof Error ? e.message : String(e) });
  }
});
process.on('disconnect', () => process.exit(0));
process.send({ ready: true });
