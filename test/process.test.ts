// The gateway as an operator runs it: `npm start` stops on SIGTERM with nothing left serving, a taken port is one
// clear line, and the dev key listens on 127.0.0.1 only unless HOST says otherwise.
import { spawn, type ChildProcess } from 'node:child_process';
import { createServer, type Server } from 'node:net';
import type { AddressInfo } from 'node:net';
import { resolve } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { loadConfig } from '../src/config';
import { TEST_KEY, TEST_SDKAPPID, userSig } from './helpers/app';
import { spawnGateway, tempDatabase } from './helpers/spawn';
import { rawAnswer } from './helpers/raw-http';
import { until } from './helpers/raw-ws';

const ROOT = resolve(import.meta.dirname, '..');
const cleanup: (() => unknown)[] = [];
afterEach(async () => {
  for (const c of cleanup.splice(0).reverse()) await c();
});

/** A port that was free a moment ago. */
async function freePort(): Promise<number> {
  const s = createServer();
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', () => r()));
  const { port } = s.address() as AddressInfo;
  await new Promise<void>((r) => s.close(() => r()));
  return port;
}

/** Runs `command` in its own process group (so cleanup can end whatever it left), collecting its output. */
function run(command: string, args: string[], env: Record<string, string>) {
  const child = spawn(command, args, {
    cwd: ROOT,
    detached: true,
    stdio: ['ignore', 'pipe', 'pipe'],
    env: {
      ...process.env,
      NODE_ENV: 'test',
      IM_SDKAPPID: String(TEST_SDKAPPID),
      IM_SECRET_KEY: TEST_KEY,
      DATABASE_URL: ':memory:',
      LOG_LEVEL: 'info',
      ...env,
    },
  });
  let output = '';
  child.stdout!.on('data', (c: Buffer) => {
    output += c.toString();
  });
  child.stderr!.on('data', (c: Buffer) => {
    output += c.toString();
  });
  const exited = new Promise<void>((r) => child.once('exit', () => r()));
  cleanup.push(() => {
    try {
      process.kill(-child.pid!, 'SIGKILL');
    } catch {
      /* already gone */
    }
  });
  return { child, output: () => output, exited };
}

const answers = async (port: number) => {
  try {
    return (await fetch(`http://127.0.0.1:${port}/health`)).status === 200;
  } catch {
    return false;
  }
};

describe('npm start', () => {
  it('when npm start gets SIGTERM, then the gateway itself stops: nothing keeps serving the port', async () => {
    const port = await freePort();
    const { child, output, exited } = run('npm', ['start', '--silent'], { PORT: String(port) });
    await until(() => output().includes('IM gateway ready'), `the ready line:\n${output()}`, 30_000);
    expect(await answers(port)).toBe(true);
    child.kill('SIGTERM');
    await exited;
    await until(() => output().includes('shutting down'), `the gateway's own shutdown line:\n${output()}`, 10_000);
    // Bounded: an orphan would keep answering for the whole wait.
    let served = true;
    for (let i = 0; i < 50 && served; i++) {
      served = await answers(port);
      if (served) await new Promise((r) => setTimeout(r, 100));
    }
    expect(served).toBe(false);
  }, 60_000);
});

describe('a taken port', () => {
  let holder: Server | undefined;
  afterEach(() => new Promise<void>((r) => (holder ? holder.close(() => r()) : r())));

  it('when PORT is in use, then start-up fails with one line naming it and no stack trace', async () => {
    holder = createServer();
    await new Promise<void>((r) => holder!.listen(0, '127.0.0.1', () => r()));
    const { port } = holder.address() as AddressInfo;
    const { child, output, exited } = run(process.execPath, ['--import', 'tsx', 'src/main.ts'], {
      PORT: String(port),
      HOST: '127.0.0.1',
    });
    await exited;
    expect(child.exitCode).toBe(1);
    const lines = output().trim().split('\n');
    const errors = lines.filter((l) => /"level":50|error/i.test(l));
    expect(errors).toHaveLength(1);
    expect(errors[0]).toContain(`127.0.0.1:${port} is already in use`);
    expect(output()).not.toMatch(/\n\s+at /);
    expect(output()).not.toContain('"stack"');
  }, 60_000);
});

describe('a hostile request', () => {
  it("when an upload's map holds a path that is not a string, then that request gets 400 and the process goes on serving", async () => {
    const db = tempDatabase();
    cleanup.push(() => db.remove());
    const gw = await spawnGateway({ DATABASE_URL: db.url });
    cleanup.push(() => gw.kill('SIGKILL'));
    const form = new FormData();
    form.set(
      'operations',
      JSON.stringify({
        query: 'mutation($file: Upload!) { createFileMessage(file: $file) { code } }',
        variables: { file: null },
      }),
    );
    form.set('map', '{"0":[1]}');
    form.set('0', new Blob([new Uint8Array(1024)]), 'a.bin');
    const res = await fetch(gw.url, {
      method: 'POST',
      headers: { authorization: `Bearer ${userSig('alice')}` },
      body: form,
      signal: AbortSignal.timeout(10_000),
    }).catch((e: Error) => e);
    // It once ended the process: the file part met the path 1 in a listener of busboy's, and the throw was uncaught.
    expect(res instanceof Response ? res.status : `${res.message}\n${gw.output()}`).toBe(400);
    expect(gw.child.exitCode, gw.output()).toBeNull();
    expect(await answers(gw.port)).toBe(true);
  });

  it('when request targets are no URL ("//", "/\\", "//[", …), then each gets an answer below 500 and the process goes on serving', async () => {
    const db = tempDatabase();
    cleanup.push(() => db.remove());
    const gw = await spawnGateway({ DATABASE_URL: db.url });
    cleanup.push(() => gw.kill('SIGKILL'));
    const targets = [
      '//',
      '///',
      '//[',
      '/\\',
      '//%',
      '//a:b@',
      '//:99999',
      '//media/x',
      '/media/%zz',
      '//graphql',
      '*',
    ];
    const upgrade = [
      'Upgrade: websocket',
      'Connection: Upgrade',
      'Sec-WebSocket-Version: 13',
      'Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==',
    ];
    // "//" once ended the process: the media route parsed every target with new URL(), which throws on it.
    for (const target of targets) {
      const status = await rawStatus(gw.port, target);
      expect(typeof status === 'number' && status < 500 ? 'answered' : `${target}: ${status}\n${gw.output()}`).toBe(
        'answered',
      );
      expect(gw.child.exitCode, `${target}\n${gw.output()}`).toBeNull();
    }
    expect(await rawStatus(gw.port, '//', upgrade)).not.toBe(101);
    expect(await answers(gw.port)).toBe(true);
  });
});

/** The status of a GET of `target` with `headers`, sent byte for byte, or why there is none. */
const rawStatus = async (port: number, target: string, headers: string[] = []): Promise<number | string> => {
  const request = [`GET ${target} HTTP/1.1`, 'Host: 127.0.0.1', 'Connection: close', ...headers, '', ''].join('\r\n');
  const answer = await rawAnswer(port, Buffer.from(request), 5000);
  return typeof answer === 'string' ? `${target}: ${answer}` : answer.status;
};

describe('HOST', () => {
  it('when the dev key is in use, then the gateway listens on 127.0.0.1 unless HOST is set; with a real key, on every interface', () => {
    expect(loadConfig({}).host).toBe('127.0.0.1');
    expect(loadConfig({ HOST: '0.0.0.0' }).host).toBe('0.0.0.0');
    expect(loadConfig({ IM_SECRET_KEY: TEST_KEY }).host).toBeUndefined();
    expect(loadConfig({ IM_SECRET_KEY: TEST_KEY, HOST: '10.0.0.5' }).host).toBe('10.0.0.5');
  });
});
