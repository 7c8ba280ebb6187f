// /demo: a small chat page built on the client package, for trying the gateway in a browser. It signs UserSigs for
// any userID you type, so it is served only with the public dev key (IM_SECRET_KEY unset), which production
// refuses to start with: a deployment with a real key has no /demo at all (404).
// The page's script is client/demo/main.ts bundled by esbuild on the first request (a few hundred ms, then cached).
import { readFileSync } from 'node:fs';
import type { ServerResponse } from 'node:http';
import { fileURLToPath } from 'node:url';
import type { Config } from './config';
import { issueUserSig, isValidUserID } from './auth/usersig';

const DEMO = new URL('../client/demo/', import.meta.url);
let bundle: Promise<string> | undefined;

async function build(): Promise<string> {
  const { build: esbuild } = await import('esbuild');
  const out = await esbuild({
    entryPoints: [fileURLToPath(new URL('main.ts', DEMO))],
    bundle: true,
    write: false,
    format: 'iife',
    platform: 'browser',
    target: 'es2022',
    minify: true,
    legalComments: 'none',
  });
  return out.outputFiles[0]!.text;
}

/** Serves the demo's paths; false when `path` is not one of them or the demo is off. `target`: the request target
 *  (path and query), parsed only for the demo's own routes. */
export function serveDemo(path: string, target: string, config: Config, res: ServerResponse): boolean {
  if (!config.devCredentials || config.production || !(path === '/demo' || path.startsWith('/demo/'))) return false;
  if (path === '/demo' || path === '/demo/') {
    res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' }).end(readFileSync(new URL('index.html', DEMO)));
  } else if (path === '/demo/app.js') {
    bundle ??= build();
    bundle.then(
      (js) => res.writeHead(200, { 'content-type': 'application/javascript' }).end(js),
      (e: unknown) => {
        bundle = undefined;
        res.writeHead(500, { 'content-type': 'text/plain' }).end(`demo bundle failed: ${String(e)}`);
      },
    );
  } else if (path === '/demo/usersig') {
    const userID = new URLSearchParams(target.split('?')[1] ?? '').get('userID') ?? '';
    if (!isValidUserID(userID)) {
      res
        .writeHead(400, { 'content-type': 'application/json' })
        .end('{"error":"userID must be printable ASCII, at most 32 bytes."}');
    } else {
      res
        .writeHead(200, { 'content-type': 'application/json', 'cache-control': 'no-store' })
        .end(JSON.stringify({ userSig: issueUserSig(userID, config.sdkAppId, config.secretKey, 24 * 3600) }));
    }
  } else {
    res.writeHead(404).end();
  }
  return true;
}
