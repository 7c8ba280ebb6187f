// The gateway as a real child process (`node --import tsx src/main.ts`, the same entry point `npm start` runs),
// for tests that kill it or run several. PORT=0: the child picks a free port and its "ready" log line says which.
// Run directly under node (not npx, not the tsx CLI) so a signal reaches the gateway itself, not a wrapper.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { TEST_KEY, TEST_SDKAPPID } from './app';

const ROOT = resolve(import.meta.dirname, '../..');

export interface SpawnedGateway {
  port: number;
  /** http://127.0.0.1:<port>/graphql */
  url: string;
  child: ChildProcess;
  /** Everything the child wrote so far (for failure messages). */
  output(): string;
  /** Sends `signal` and resolves once the process has exited. */
  kill(signal?: NodeJS.Signals): Promise<void>;
}

/** Starts a gateway with the test app credentials (userSig() of helpers/app works) and `env` on top (keep LOG_LEVEL at info or below: the ready line is read). */
export async function spawnGateway(env: Record<string, string>, timeoutMs = 20_000): Promise<SpawnedGateway> {
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/main.ts'], {
    cwd: ROOT,
    env: {
      ...process.env,
      NODE_ENV: 'test',
      IM_SDKAPPID: String(TEST_SDKAPPID),
      IM_SECRET_KEY: TEST_KEY,
      PORT: '0',
      LOG_LEVEL: 'info',
      ...env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  const exited = new Promise<void>((resolveExit) => child.once('exit', () => resolveExit()));
  const port = await new Promise<number>((resolvePort, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`gateway did not start in ${timeoutMs} ms:\n${output}`));
    }, timeoutMs);
    const onData = (chunk: Buffer) => {
      output += chunk.toString();
      // pino writes one JSON object per line; the ready line carries the port.
      for (const line of output.split('\n')) {
        if (!line.includes('IM gateway ready')) continue;
        try {
          const { port: p } = JSON.parse(line) as { port?: number };
          if (typeof p === 'number') {
            clearTimeout(timer);
            resolvePort(p);
            return;
          }
        } catch {
          /* a partial line; wait for the rest */
        }
      }
    };
    child.stdout!.on('data', onData);
    child.stderr!.on('data', (chunk: Buffer) => {
      output += chunk.toString();
    });
    void exited.then(() => {
      clearTimeout(timer);
      reject(new Error(`gateway exited before it was ready (code ${child.exitCode}):\n${output}`));
    });
  });
  return {
    port,
    url: `http://127.0.0.1:${port}/graphql`,
    child,
    output: () => output,
    async kill(signal = 'SIGTERM') {
      if (child.exitCode === null && child.signalCode === null) child.kill(signal);
      await exited;
    },
  };
}

/** A fresh directory for a SQLite file; `remove()` deletes it with the database and its WAL. */
export function tempDatabase(): { url: string; remove(): void } {
  const dir = mkdtempSync(join(tmpdir(), 'im-test-'));
  return { url: join(dir, 'im.db'), remove: () => rmSync(dir, { recursive: true, force: true }) };
}

/** One GraphQL request over HTTP as `user` (the envelope of a single-field operation, or the GraphQL errors). */
export async function httpCall<T = any>(
  url: string,
  userSig: string,
  query: string,
  variables?: Record<string, unknown>,
): Promise<T> {
  const res = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${userSig}` },
    body: JSON.stringify({ query, variables }),
  });
  const body = (await res.json()) as { data?: Record<string, unknown>; errors?: unknown[] };
  if (body.errors) throw new Error(`GraphQL errors: ${JSON.stringify(body.errors)}`);
  return Object.values(body.data!)[0] as T;
}
