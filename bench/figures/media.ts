// Figure 9, media (issue 17): (a) upload and download throughput of one file through the gateway — a GraphQL
// multipart createFileMessage, sendMessage to a C2C receiver, and the receiver's download from the signed URL in its
// history — against writing and reading the same bytes with plain fs streams in the same run, rounds interleaved
// (gateway upload, fs write, gateway download, fs read); (b) the gateway's peak RSS while ten 100 MB uploads run at
// once, read from /proc/<pid>/status of its process (the higher of VmHWM after resetting it through clear_refs and
// VmRSS sampled every 10 ms), against the bytes in flight: streamed uploads keep it far below them. The harness
// streams each request body from one 1 MB buffer, so its own memory stays out of the way; the gateway writes to its
// temp data directory's disk store (the default), on the same file system as the fs baseline. With --cpu-prof the
// gateway's uploads and downloads are profiled (fig9-upload-r<n>, fig9-download-r<n>).
import { randomBytes } from 'node:crypto';
import { once } from 'node:events';
import { createReadStream, createWriteStream, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { request, type IncomingMessage } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import type { Writable } from 'node:stream';
import { atMost, fmt, profiled, start, type BenchEnv, type FigureResult } from '../figure';
import { postJson } from '../http';
import { userSig } from '../keys';
import type { ServerHandle } from '../servers';
import { median, sleep } from '../stats';

const MB = 1024 * 1024;
const UPLOADER = 'uploader';
const RECEIVER = 'downloader';
const CREATE_FILE = `mutation($file: Upload!, $fileName: String) { createFileMessage(file: $file, fileName: $fileName) { code desc data { id } } }`;
const SEND = `mutation($id: String!, $receiver: String) { sendMessage(id: $id, receiver: $receiver) { code desc data { msgID } } }`;
const HISTORY = `query($userID: String!) { getC2CHistoryMessageList(userID: $userID, count: 1) { code desc data { msgID fileElem { fileSize url } } } }`;

/** The same 1 MB of random bytes, repeated up to `bytes` (the last piece cut). */
async function writeBytes(out: Writable, bytes: number, chunk: Buffer): Promise<void> {
  for (let sent = 0; sent < bytes; sent += chunk.length) {
    const piece = bytes - sent >= chunk.length ? chunk : chunk.subarray(0, bytes - sent);
    if (!out.write(piece)) await once(out, 'drain');
  }
}

/** A GraphQL multipart request (operations, map, one file) streamed to the gateway; resolves with the draft id. */
async function upload(port: number, bytes: number, chunk: Buffer, fileName: string): Promise<string> {
  const boundary = `----bench${randomBytes(12).toString('hex')}`;
  const field = (name: string, value: string) =>
    `--${boundary}\r\nContent-Disposition: form-data; name="${name}"\r\n\r\n${value}\r\n`;
  const head = Buffer.from(
    field('operations', JSON.stringify({ query: CREATE_FILE, variables: { file: null, fileName } })) +
      field('map', JSON.stringify({ 0: ['variables.file'] })) +
      `--${boundary}\r\nContent-Disposition: form-data; name="0"; filename="${fileName}"\r\n` +
      'Content-Type: application/octet-stream\r\n\r\n',
  );
  const tail = Buffer.from(`\r\n--${boundary}--\r\n`);
  const req = request({
    host: '127.0.0.1',
    port,
    path: '/graphql',
    method: 'POST',
    headers: {
      authorization: `Bearer ${userSig(UPLOADER)}`,
      'content-type': `multipart/form-data; boundary=${boundary}`,
      'content-length': head.length + bytes + tail.length,
    },
  });
  const answered = new Promise<IncomingMessage>((resolve, reject) => {
    req.on('response', resolve);
    req.on('error', reject);
  });
  req.write(head);
  await writeBytes(req, bytes, chunk);
  req.end(tail);
  const res = await answered;
  const parts: Buffer[] = [];
  for await (const c of res) parts.push(c as Buffer);
  const text = Buffer.concat(parts).toString('utf8');
  const result = (JSON.parse(text) as { data?: { createFileMessage?: { code: number; data?: { id: string } } } }).data
    ?.createFileMessage;
  if (res.statusCode !== 200 || result?.code !== 0 || !result.data) throw new Error(`upload: ${text.slice(0, 300)}`);
  return result.data.id;
}

/** GET of a media URL as `user`; resolves with the bytes read (streamed, not kept). */
function download(port: number, url: string, user: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = request(
      { host: '127.0.0.1', port, path: url, headers: { authorization: `Bearer ${userSig(user)}` } },
      (res) => {
        let n = 0;
        res.on('data', (c: Buffer) => (n += c.length));
        res.on('end', () => (res.statusCode === 200 ? resolve(n) : reject(new Error(`download: ${res.statusCode}`))));
        res.on('error', reject);
      },
    );
    req.on('error', reject);
    req.end();
  });
}

async function call(server: ServerHandle, user: string, query: string, variables: Record<string, unknown>) {
  const answer = await postJson(
    server.port,
    '/graphql',
    { query, variables },
    { authorization: `Bearer ${userSig(user)}` },
  );
  const result = Object.values((JSON.parse(answer.body) as { data?: Record<string, any> }).data ?? {})[0];
  if (result?.code !== 0) throw new Error(`${query.slice(0, 40)}…: ${answer.body.slice(0, 300)}`);
  return result;
}

interface Round {
  gatewayUploadMBps: number;
  fsWriteMBps: number;
  gatewayDownloadMBps: number;
  fsReadMBps: number;
}

async function throughputRound(
  env: BenchEnv,
  server: ServerHandle,
  bytes: number,
  chunk: Buffer,
  dir: string,
  label?: string,
): Promise<Round> {
  const timed = <T>(what: string, fn: () => Promise<T>) =>
    label ? profiled(env, server, `fig9-${what}-${label}`, fn) : fn();
  const mbps = (ms: number) => bytes / MB / (ms / 1000);
  let t = performance.now();
  const id = await timed('upload', () => upload(server.port, bytes, chunk, 'report.bin'));
  const up = performance.now() - t;
  await call(server, UPLOADER, SEND, { id, receiver: RECEIVER });
  const [m] = (await call(server, RECEIVER, HISTORY, { userID: UPLOADER })).data;
  if (m?.fileElem?.fileSize !== bytes) throw new Error(`figure 9: history shows ${JSON.stringify(m)}`);

  const file = join(dir, 'plain.bin');
  t = performance.now();
  const out = createWriteStream(file);
  await writeBytes(out, bytes, chunk);
  out.end();
  await once(out, 'close');
  const write = performance.now() - t;

  t = performance.now();
  const got = await timed('download', () => download(server.port, m.fileElem.url, RECEIVER));
  const down = performance.now() - t;
  if (got !== bytes) throw new Error(`figure 9: downloaded ${got} of ${bytes} bytes`);

  t = performance.now();
  let read = 0;
  for await (const c of createReadStream(file)) read += (c as Buffer).length;
  const readMs = performance.now() - t;
  if (read !== bytes) throw new Error(`figure 9: fs read ${read} of ${bytes} bytes`);
  rmSync(file, { force: true });
  return {
    gatewayUploadMBps: mbps(up),
    fsWriteMBps: mbps(write),
    gatewayDownloadMBps: mbps(down),
    fsReadMBps: mbps(readMs),
  };
}

/** VmRSS and VmHWM of a process, in bytes. */
function memoryOf(pid: number): { rss: number; hwm: number } {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kb = (key: string) => Number(new RegExp(`^${key}:\\s+(\\d+) kB`, 'm').exec(status)?.[1] ?? NaN) * 1024;
  return { rss: kb('VmRSS'), hwm: kb('VmHWM') };
}

/** Resets the peak RSS (VmHWM) of a process we started (Linux: "5" > clear_refs); false where not allowed. */
function resetPeak(pid: number): boolean {
  try {
    writeFileSync(`/proc/${pid}/clear_refs`, '5');
    return true;
  } catch {
    return false;
  }
}

interface Concurrent {
  idleRss: number;
  peakRss: number;
  peakFrom: string;
  seconds: number;
}

async function concurrentUploads(env: BenchEnv, server: ServerHandle, chunk: Buffer): Promise<Concurrent> {
  const { concurrent, concurrentMB } = env.profile.media;
  // A warm-up upload, so the code paths are loaded before the idle reading.
  await upload(server.port, MB, chunk, 'warm.bin');
  await server.usage(true); // full collections: the idle reading is live memory
  await sleep(200);
  const idleRss = memoryOf(server.pid).rss;
  const reset = resetPeak(server.pid);
  let sampled = idleRss;
  let sampling = true;
  const sampler = (async () => {
    while (sampling) {
      sampled = Math.max(sampled, memoryOf(server.pid).rss);
      await sleep(10);
    }
  })();
  const t = performance.now();
  try {
    await Promise.all(
      Array.from({ length: concurrent }, (_, i) => upload(server.port, concurrentMB * MB, chunk, `video${i}.bin`)),
    );
  } finally {
    sampling = false;
    await sampler;
  }
  const seconds = (performance.now() - t) / 1000;
  const { hwm } = memoryOf(server.pid);
  // VmHWM is updated lazily by the kernel, the samples may miss a short peak: the higher of the two.
  return reset && hwm > sampled
    ? { idleRss, peakRss: hwm, peakFrom: 'VmHWM', seconds }
    : {
        idleRss,
        peakRss: sampled,
        peakFrom: reset ? 'VmRSS samples' : 'VmRSS samples (VmHWM not resettable)',
        seconds,
      };
}

export async function media(env: BenchEnv): Promise<FigureResult> {
  const { rounds, fileMB, concurrent, concurrentMB } = env.profile.media;
  const bytes = fileMB * MB;
  const chunk = randomBytes(MB);
  const dir = mkdtempSync(join(tmpdir(), 'im-bench-fs-'));
  // The RSS reading gets a gateway of its own, started beside the first (an idle server costs nothing).
  const rssStarting = start(env, 'gateway');
  rssStarting.catch(() => {});
  const results: Round[] = [];
  let mem!: Concurrent;
  try {
    const server = await start(env, 'gateway');
    try {
      await throughputRound(env, server, Math.min(bytes, 2 * MB), chunk, dir); // warm-up
      for (let r = 0; r < rounds; r++) {
        const round = await throughputRound(env, server, bytes, chunk, dir, `r${r + 1}`);
        results.push(round);
        env.log(
          `  round ${r + 1}: upload ${fmt(round.gatewayUploadMBps)} MB/s (fs write ${fmt(round.fsWriteMBps)}), ` +
            `download ${fmt(round.gatewayDownloadMBps)} MB/s (fs read ${fmt(round.fsReadMBps)})`,
        );
      }
    } finally {
      await server.stop();
    }
    const rssServer = await rssStarting;
    try {
      env.log(`  ${concurrent} concurrent uploads of ${fmt(concurrentMB)} MB`);
      mem = await concurrentUploads(env, rssServer, chunk);
    } finally {
      await rssServer.stop();
    }
  } catch (e) {
    await (await rssStarting.catch(() => undefined))?.stop();
    throw e;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }

  const up = median(results.map((r) => r.gatewayUploadMBps / r.fsWriteMBps));
  const down = median(results.map((r) => r.gatewayDownloadMBps / r.fsReadMBps));
  const med = (k: keyof Round) => median(results.map((r) => r[k]));
  const inFlight = concurrent * concurrentMB * MB;
  const growth = (mem.peakRss - mem.idleRss) / inFlight;
  const mb = (n: number) => fmt(n / MB);
  return {
    figure: 9,
    title: `Media (${fmt(fileMB)} MB file through the gateway ÷ plain fs streams; peak RSS, ${concurrent} concurrent ${fmt(concurrentMB)} MB uploads)`,
    ratios: [
      { label: 'upload MB/s, gateway ÷ fs write', value: up, goal: '—', met: true },
      { label: 'download MB/s, gateway ÷ fs read', value: down, goal: '—', met: true },
      {
        label: `gateway peak RSS growth ÷ bytes in flight (${mb(inFlight)} MB)`,
        value: growth,
        ...atMost(0.25)(growth),
      },
      { label: 'gateway peak RSS (MB)', value: mem.peakRss / MB, goal: '—', met: true },
    ],
    detail:
      `upload ${fmt(med('gatewayUploadMBps'))} MB/s against fs write ${fmt(med('fsWriteMBps'))} MB/s, download ` +
      `${fmt(med('gatewayDownloadMBps'))} MB/s against fs read ${fmt(med('fsReadMBps'))} MB/s (medians of ${rounds} rounds, ` +
      `createFileMessage + sendMessage + the receiver's GET of its signed URL, disk store); ${concurrent} uploads of ` +
      `${fmt(concurrentMB)} MB at once in ${fmt(mem.seconds, 1)} s: gateway RSS ${mb(mem.idleRss)} MB idle → ` +
      `${mb(mem.peakRss)} MB peak (${mem.peakFrom}), ${mb(mem.peakRss - mem.idleRss)} MB more for ${mb(inFlight)} MB uploaded`,
    correctness: {},
    rounds: [{ throughput: results, concurrent: mem }],
  };
}
