// GraphiQL, served with its assets from the installed @graphql-yoga/graphiql package (yoga's default page loads
// them from a CDN): the playground works offline, behind firewalls, and in CI's headless browser.
// With subscriptionsProtocol 'WS' the page brings its own fetcher: yoga's GraphiQL (4.5) hands the Headers tab to
// its graphql-ws executor only as request extensions, which that executor does not send (connection_init goes out
// with an empty payload), and a browser WebSocket cannot carry an Authorization header. Ours puts the tab's headers
// in connection_init ({ headers }), which src/auth/viewer.ts reads, on a socket of its own per run.
import { createReadStream, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import type { ServerResponse } from 'node:http';
import { Kind, parse, print } from 'graphql';
import type { GraphiQLOptions } from 'graphql-yoga';

export const GRAPHIQL_ASSETS = '/graphiql-assets';
const require = createRequire(import.meta.url);
const DIST = join(dirname(require.resolve('@graphql-yoga/graphiql/package.json')), 'dist');
const GRAPHQL_WS_UMD = join(dirname(require.resolve('graphql-ws/package.json')), 'umd', 'graphql-ws.min.js');
const FILES: Record<string, { type: string; path: string }> = {
  'graphiql.css': { type: 'text/css', path: join(DIST, 'graphiql.css') },
  'yoga-graphiql.umd.js': { type: 'application/javascript', path: join(DIST, 'yoga-graphiql.umd.js') },
  'monacoeditorwork/editor.worker.bundle.js': {
    type: 'application/javascript',
    path: join(DIST, 'monacoeditorwork/editor.worker.bundle.js'),
  },
  'monacoeditorwork/json.worker.bundle.js': {
    type: 'application/javascript',
    path: join(DIST, 'monacoeditorwork/json.worker.bundle.js'),
  },
  'monacoeditorwork/graphql.worker..bundle.js': {
    type: 'application/javascript',
    path: join(DIST, 'monacoeditorwork/graphql.worker..bundle.js'),
  },
  'graphql-ws.min.js': { type: 'application/javascript', path: GRAPHQL_WS_UMD },
};

// The page's fetcher for subscriptionsProtocol 'WS' (see the top of this file). Queries and mutations: one POST with
// the tab's headers. Subscriptions: graphql-ws, the tab's headers in connection_init; a refused socket (4403) ends
// the run with a GraphQL error that says what to fix, instead of a spinner or a stack trace.
const WS_FETCHER = `function imFetcher(url){
const wsUrl=url.replace(/^http/,'ws');
function isSubscription(p,o){
const ops=((o&&o.documentAST&&o.documentAST.definitions)||[]).filter(function(d){return d.kind==='OperationDefinition'});
const op=p.operationName?ops.find(function(d){return d.name&&d.name.value===p.operationName}):ops[0];
return op?op.operation==='subscription':/^\\s*subscription\\b/.test(String(p.query).replace(/#.*$/gm,''));}
function closed(e){return e&&e.code?'WebSocket closed with '+e.code+' '+(e.reason||'')+(e.code===4403?': put a valid Authorization: Bearer <UserSig> in Headers':''):String(e&&e.message||e);}
return function(params,opts){
const headers=(opts&&opts.headers)||{};
if(!isSubscription(params,opts))return fetch(url,{method:'POST',headers:Object.assign({'content-type':'application/json',accept:'application/graphql-response+json, application/json'},headers),body:JSON.stringify(params)}).then(function(r){return r.json()});
const client=graphqlWs.createClient({url:wsUrl,lazy:true,retryAttempts:0,connectionParams:{headers:headers}});
const events=client.iterate(params);let failed=false;
return{[Symbol.asyncIterator](){return this},
next:function(){return failed?Promise.resolve({done:true,value:undefined}):events.next().catch(function(e){failed=true;client.dispose();return{done:false,value:{errors:[{message:closed(e)}]}}})},
return:function(){return Promise.resolve(events.return&&events.return()).finally(function(){client.dispose()}).then(function(){return{done:true,value:undefined}})}};};}`;

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
  const ws = opts.subscriptionsProtocol === 'WS';
  const endpoint = JSON.stringify(opts.endpoint ?? '').replace(/</g, '\\u003c');
  const render = ws
    ? `Object.assign(${options},{fetcher:imFetcher(new URL(${endpoint}||location.pathname,location.href).href)})`
    : options;
  return `<!doctype html><html lang=en><head><meta charset=utf-8><title>${title}</title>
<link rel=icon href="data:,"><link rel=stylesheet href=${GRAPHIQL_ASSETS}/graphiql.css></head><body id=body class=no-focus-outline>
<noscript>You need to enable JavaScript to run this app.</noscript><div id=root>Loading ${title}...</div>
<script>const workers={},workerUrls=${workers};
function prepareBlob(r){return URL.createObjectURL(new Blob([r],{type:"application/javascript"}))}
function prepareWorkers(){return Promise.all(Object.entries(workerUrls).map(async([k,u])=>{workers[k]=prepareBlob(await (await fetch(u)).text())}))}
self.MonacoEnvironment={globalAPI:!1,getWorkerUrl:function(_,label){return workers[label]}}</script>
<script src=${GRAPHIQL_ASSETS}/yoga-graphiql.umd.js></script>${
    ws
      ? `
<script src=${GRAPHIQL_ASSETS}/graphql-ws.min.js></script>
<script>${WS_FETCHER}</script>`
      : ''
  }
<script>prepareWorkers().finally(()=>{YogaGraphiQL.renderYogaGraphiQL(root,${render})})</script></body></html>`;
}

/** Serves one asset; false when the path is not one. */
export function serveGraphiQLAsset(path: string, res: ServerResponse): boolean {
  if (!path.startsWith(`${GRAPHIQL_ASSETS}/`)) return false;
  const file = path.slice(GRAPHIQL_ASSETS.length + 1);
  const asset = FILES[file];
  if (!asset) return false;
  res.writeHead(200, { 'content-type': asset.type, 'cache-control': 'public, max-age=86400' });
  createReadStream(asset.path).pipe(res);
  return true;
}

// The seed flow as ready tabs (GraphiQL uses them when the browser has no saved tabs): the named operations of
// examples/operations.graphql, each with the fragments it spreads and example variables to edit.
const SEED_TABS: Record<string, Record<string, unknown>> = {
  CreateGroup: {
    groupType: 'Work',
    groupName: 'Work',
    groupID: 'work',
    memberList: [{ userID: 'bob' }, { userID: 'carol' }, { userID: 'dave' }],
  },
  CreateTextMessage: { text: 'for bob and carol only' },
  CreateTargetedGroupMessage: { id: '<data.id of CreateTextMessage>', receiverList: ['bob', 'carol'] },
  SendMessage: { id: '<data.id of CreateTargetedGroupMessage>', groupID: 'work' },
  OnRecvNewMessage: {},
  GetGroupHistoryMessageList: { groupID: 'work', count: 20 },
};

export function seedTabs(headers: string): { query: string; variables: string; headers: string }[] {
  const document = parse(readFileSync(new URL('../examples/operations.graphql', import.meta.url), 'utf8'));
  const fragments = new Map(
    document.definitions.filter((d) => d.kind === Kind.FRAGMENT_DEFINITION).map((d) => [d.name.value, d]),
  );
  return Object.entries(SEED_TABS).map(([name, variables]) => {
    const op = document.definitions.find((d) => d.kind === Kind.OPERATION_DEFINITION && d.name?.value === name);
    if (!op) throw new Error(`examples/operations.graphql has no operation ${name}`);
    const used = [...fragments.values()].filter((f) => print(op).includes(`...${f.name.value}`));
    return {
      query: [op, ...used].map((d) => print(d)).join('\n\n'),
      variables: JSON.stringify(variables, null, 2),
      headers,
    };
  });
}
