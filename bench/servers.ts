// Starts servers under test in child processes pinned to their own core, and talks to them over IPC.
import { fork, type ChildProcess } from 'node:child_process';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { join } from 'node:path';
import type { ServerKind } from './server-under-test';

export const REPO = fileURLToPath(new URL('..', import.meta.url));
const TSX = pathToFileURL(join(REPO, 'node_modules/tsx/dist/loader.mjs')).href;

export interface Usage {
  cpu: NodeJS.CpuUsage;
  mem: NodeJS.MemoryUsage;
  subscriptions: number;
}

export interface SpawnOptions {
  /** Core to pin the child to with taskset; undefined = not pinned. */
  core?: number;
  /** Variables added to the child's environment (figure 8 points gateways at PostgreSQL and Redis). */
  env?: Record<string, string>;
}

export interface ServerHandle {
  kind: ServerKind;
  port: number;
  pid: number;
  call<T = unknown>(cmd: string, args?: unknown): Promise<T>;
  usage(gc?: boolean): Promise<Usage>;
  stop(): Promise<void>;
}

/** A node process running `script` with the tsx loader, pinned when asked: servers and socket holders both. */
export function forkTs(
  script: string,
  args: string[],
  options: SpawnOptions = {},
  nodeFlags: string[] = [],
): ChildProcess {
  const flags = [...nodeFlags, '--import', TSX];
  const path = join(REPO, script);
  const common = {
    cwd: REPO,
    env: { ...process.env, ...options.env },
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'] as ('ignore' | 'inherit' | 'ipc')[],
  };
  return options.core === undefined
    ? fork(path, args, { ...common, execArgv: flags })
    : fork(path, args, {
        ...common,
        execPath: 'taskset',
        execArgv: ['-c', String(options.core), process.execPath, ...flags],
      });
}

/** Request/response over a child's IPC channel. */
export function ipc(child: ChildProcess) {
  let next = 1;
  const pending = new Map<number, { resolve: (v: any) => void; reject: (e: Error) => void }>();
  child.on('message', (raw) => {
    const m = raw as { id?: number; result?: unknown; error?: string };
    if (m.id === undefined) return;
    const p = pending.get(m.id);
    pending.delete(m.id);
    if (m.error !== undefined) p?.reject(new Error(m.error));
    else p?.resolve(m.result);
  });
  const failAll = (why: string) => {
    for (const p of pending.values()) p.reject(new Error(`child ${child.pid} ${why} before answering`));
    pending.clear();
  };
  child.on('exit', (code) => failAll(`exited (${code})`));
  // A broken IPC pipe is reported here; without a listener it would crash the harness.
  child.on('error', (e) => failAll(`failed (${e.message})`));
  return <T>(cmd: string, args?: unknown): Promise<T> =>
    new Promise<T>((resolve, reject) => {
      const id = next++;
      pending.set(id, { resolve, reject });
      child.send({ id, cmd, args });
    });
}

/** Resolves with the child's first message that has `ready`, or rejects if it exits first. */
export function ready<T extends { ready: true }>(child: ChildProcess, what: string, timeoutMs = 60_000): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`${what} did not start within ${timeoutMs} ms`)), timeoutMs);
    const onMessage = (m: unknown) => {
      if ((m as { ready?: boolean }).ready) {
        clearTimeout(timer);
        child.off('message', onMessage);
        resolve(m as T);
      }
    };
    child.on('message', onMessage);
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`${what} exited with ${code} while starting`));
    });
  });
}

export async function startServer(kind: ServerKind, options: SpawnOptions = {}): Promise<ServerHandle> {
  // 4 GB of heap: 20,000 idle subscriptions must fit; --expose-gc so memory is read after full collections.
  const child = forkTs('bench/server-child.ts', [kind], options, ['--expose-gc', '--max-old-space-size=4096']);
  const { port } = await ready<{ ready: true; port: number }>(child, kind);
  const call = ipc(child);
  let stopped = false;
  return {
    kind,
    port,
    pid: child.pid!,
    call,
    usage: (gc = false) => call<Usage>('usage', { gc }),
    async stop() {
      if (stopped) return;
      stopped = true;
      const exited = new Promise<void>((resolve) => {
        if (child.exitCode !== null) return resolve();
        child.once('exit', () => resolve());
      });
      await call('stop').catch(() => {});
      const force = setTimeout(() => child.kill('SIGKILL'), 10_000);
      await exited;
      clearTimeout(force);
    },
  };
}

/** CPU seconds (user + system) between two usage readings. */
export const cpuSeconds = (a: Usage, b: Usage) => (b.cpu.user + b.cpu.system - a.cpu.user - a.cpu.system) / 1e6;
