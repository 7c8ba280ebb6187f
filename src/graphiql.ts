// GraphiQL, served with its assets from the installed @graphql-yoga/graphiql package (yoga's default page loads
// them from a CDN): the playground works offline, behind firewalls, and in CI's headless browser.
import { createReadStream } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import type { ServerResponse } from 'node:http';
import type { GraphiQLOptions } from 'graphql-yoga';

export const GRAPHIQL_ASSETS = '/graphiql-assets';
const DIST = join(dirname(createRequire(import.meta.url).resolve('@graphql-yoga/graphiql/package.json')), 'dist');
const FILES: Record<string, string> = {
  'graphiql.css': 'text/css',
  'yoga-graphiql.umd.js': 'application/javascript',
  'monacoeditorwork/editor.worker.bundle.js': 'application/javascript',
  'monacoeditorwork/json.worker.bundle.js': 'application/javascript',
  'monacoeditorwork/graphql.worker..bundle.js': 'application/javascript',
};

const escapeHtml = (s: string) => s.replace(/[&<>"]/g, (c) => `&#${c.charCodeAt(0)};`);

export function renderGraphiQL(opts: GraphiQLOptions = {}): string {
  const title = escapeHtml(opts.title ?? 'GraphiQL');
  const workers = JSON.stringify({
    editorWorkerService: `${GRAPHIQL_ASSETS}/monacoeditorwork/editor.worker.bundle.js`,
    json: `${GRAPHIQL_ASSETS}/monacoeditorwork/json.worker.bundle.js`,
    graphql: `${GRAPHIQL_ASSETS}/monacoeditorwork/graphql.worker..bundle.js`,
  });
  // JSON in a script: escape "<" so no option can close the tag.
  const options = JSON.stringify(opts).replace(/</g, '\\u003c');
  return `<!doctype html><html lang=en><head><meta charset=utf-8><title>${title}</title>
<link rel=stylesheet href=${GRAPHIQL_ASSETS}/graphiql.css></head><body id=body class=no-focus-outline>
<noscript>You need to enable JavaScript to run this app.</noscript><div id=root>Loading ${title}...</div>
<script>const workers={},workerUrls=${workers};
function prepareBlob(r){return URL.createObjectURL(new Blob([r],{type:"application/javascript"}))}
function prepareWorkers(){return Promise.all(Object.entries(workerUrls).map(async([k,u])=>{workers[k]=prepareBlob(await (await fetch(u)).text())}))}
self.MonacoEnvironment={globalAPI:!1,getWorkerUrl:function(_,label){return workers[label]}}</script>
<script src=${GRAPHIQL_ASSETS}/yoga-graphiql.umd.js></script>
<script>prepareWorkers().finally(()=>{YogaGraphiQL.renderYogaGraphiQL(root,${options})})</script></body></html>`;
}

/** Serves one asset; false when the path is not one. */
export function serveGraphiQLAsset(path: string, res: ServerResponse): boolean {
  if (!path.startsWith(`${GRAPHIQL_ASSETS}/`)) return false;
  const file = path.slice(GRAPHIQL_ASSETS.length + 1);
  const type = FILES[file];
  if (!type) return false;
  res.writeHead(200, { 'content-type': type, 'cache-control': 'public, max-age=86400' });
  createReadStream(join(DIST, file)).pipe(res);
  return true;
}
