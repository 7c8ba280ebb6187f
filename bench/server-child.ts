// One server under test in its own process, so its CPU and memory are its own. Started by bench/servers.ts with
// `node --expose-gc --import tsx bench/server-child.ts <kind>`, usually under taskset; answers requests over IPC.
import { writeFileSync } from 'node:fs';
import { Session } from 'node:inspector/promises';
import { writeHeapSnapshot } from 'node:v8';
import type { ServerKind, ServerUnderTest } from './server-under-test';

interface Request {
  id: number;
  cmd: string;
  args?: unknown;
}

const starters: Record<ServerKind, () => Promise<ServerUnderTest>> = {
  gateway: async () => (await import('./gateway')).startGateway(),
  'raw-ws': async () => (await import('./baselines/raw-ws')).startRawWs(),
  'naive-yoga': async () => (await import('./baselines/naive-yoga')).startNaiveYoga(),
  'echo-yoga': async () => (await import('./baselines/echo-yoga')).startEchoYoga(),
};

const kind = process.argv[2] as ServerKind;
const start = starters[kind];
if (!start || !process.send)
  throw new Error(`usage: server-child.ts <${Object.keys(starters).join('|')}> (with an IPC channel)`);

const server = await start();
const send = (m: unknown) => process.send?.(m);

/** Full collections until the heap stops shrinking, so idle-connection bytes are live bytes only. */
async function collect(): Promise<void> {
  const gc = (globalThis as { gc?: () => void }).gc;
  if (!gc) return;
  for (let i = 0; i < 4; i++) {
    gc();
    await new Promise((r) => setTimeout(r, 30));
  }
}

// CPU profiles of measured windows only (set-up such as writing thousands of drafts stays out of them).
let profiler: Session | null = null;
async function profile(cmd: 'start' | 'stop', file?: string): Promise<void> {
  if (cmd === 'start') {
    profiler = new Session();
    profiler.connect();
    await profiler.post('Profiler.enable');
    await profiler.post('Profiler.start');
  } else if (profiler) {
    const { profile: result } = await profiler.post('Profiler.stop');
    if (file) writeFileSync(file, JSON.stringify(result));
    profiler.disconnect();
    profiler = null;
  }
}

process.on('message', async (raw) => {
  const { id, cmd, args } = raw as Request;
  try {
    let result: unknown;
    if (cmd === 'usage') {
      if ((args as { gc?: boolean } | undefined)?.gc) await collect();
      result = { cpu: process.cpuUsage(), mem: process.memoryUsage(), subscriptions: server.subscriptions() };
    } else if (cmd === 'profile') {
      const { action, file } = args as { action: 'start' | 'stop'; file?: string };
      await profile(action, file);
    } else if (cmd === 'heapSnapshot') {
      await collect();
      result = writeHeapSnapshot((args as { file: string }).file);
    } else if (cmd === 'stop') {
      await server.stop();
      send({ id, result: null });
      setTimeout(() => process.exit(0), 20);
      return;
    } else {
      const handler = server.commands[cmd];
      if (!handler) throw new Error(`${kind} has no command "${cmd}"`);
      result = await handler(args);
    }
    send({ id, result });
  } catch (e) {
    send({ id, error: e instanceof Error ? (e.stack ?? e.message) : String(e) });
  }
});
// The harness went away: clean up (the gateway's temp database) and do not linger.
process.on('disconnect', () => {
  setTimeout(() => process.exit(0), 2000).unref();
  server.stop().finally(() => process.exit(0));
});

send({ ready: true, port: server.port });
