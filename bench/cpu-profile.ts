// Summarises V8 .cpuprofile files: where the self time went, by function and by package or source file.
// `tsx bench/cpu-profile.ts <file.cpuprofile>… [--top=25]`; `npm run bench -- --cpu-prof` profiles the gateway's
// measured windows and prints these summaries per figure.
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  children?: number[];
}
interface CpuProfile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
}

export interface Share {
  name: string;
  ms: number;
  percent: number;
}
export interface ProfileSummary {
  busyMs: number;
  idleMs: number;
  functions: Share[];
  areas: Share[];
  stages: Share[];
}

type Frame = ProfileNode['callFrame'];

/**
 * Stages of the work. A sample belongs to the stage of the innermost frame on its stack that matches one, so node's
 * own internals count for whoever called them and the stages add up to 100 %.
 */
const STAGES: [string, (f: Frame) => boolean][] = [
  ['garbage collector', (f) => f.functionName === '(garbage collector)'],
  ['SQLite (better-sqlite3 and src/db)', (f) => f.url.includes('better-sqlite3') || f.url.includes('/src/db/')],
  ['UserSig verification', (f) => f.url.includes('/src/auth/usersig.ts')],
  [
    'message view and cursor',
    (f) => f.url.includes('/src/resolvers/message-view.ts') || f.url.includes('/src/resolvers/cursor.ts'),
  ],
  ['live subscriptions (src/resolvers/subscription.ts)', (f) => f.url.includes('/src/resolvers/subscription.ts')],
  ['router (src/realtime)', (f) => f.url.includes('/src/realtime/')],
  [
    'other resolvers and schema (src/resolvers, src/schema)',
    (f) => f.url.includes('/src/resolvers/') || f.url.includes('/src/schema/'),
  ],
  [
    'context, auth plugin, ws glue (src/app.ts, src/auth, src/ws.ts)',
    (f) => /\/src\/(app|ws)\.ts|\/src\/auth\//.test(f.url),
  ],
  ['baseline code (bench/)', (f) => f.url.includes('/bench/')],
  ['GraphQL parse and validate', (f) => f.url.includes('graphql/language/') || f.url.includes('graphql/validation/')],
  [
    'GraphQL execute (graphql, @graphql-tools/executor)',
    (f) => f.url.includes('@graphql-tools/executor') || /node_modules\/graphql\//.test(f.url),
  ],
  ['graphql-ws', (f) => f.url.includes('/graphql-ws/')],
  ['ws (frames, socket writes)', (f) => /node_modules\/ws\//.test(f.url)],
  [
    'yoga, envelop, whatwg-node (HTTP → Fetch)',
    (f) => /@whatwg-node|graphql-yoga|@envelop|@graphql-yoga|@repeaterjs/.test(f.url),
  ],
  ['node http server', (f) => f.url.startsWith('node:_http')],
];
const OTHER = 'unattributed (node internals, microtask queue, natives)';

/** A package under node_modules, a file of ours, node's internals, or V8's own buckets. */
export function areaOf(url: string, functionName: string): string {
  if (!url) return functionName.startsWith('(') ? functionName : '(native)';
  const pkg = url.match(/node_modules\/((?:@[^/]+\/)?[^/]+)/);
  if (pkg) return pkg[1]!;
  if (url.startsWith('node:')) return 'node:' + url.slice(5).split('/').slice(0, 2).join('/');
  const ours = url.match(/\/(src|bench)\/(.+)$/);
  return ours ? `${ours[1]}/${ours[2]}` : url;
}

/** Self time of several profiles (the rounds of one figure) added up. */
export function summarise(profiles: readonly CpuProfile[], top = 25): ProfileSummary {
  const fns = new Map<string, number>();
  const areas = new Map<string, number>();
  const stages = new Map<string, number>();
  let idleMs = 0;
  let busyMs = 0;
  for (const profile of profiles) {
    const byId = new Map(profile.nodes.map((n) => [n.id, n]));
    const parent = new Map<number, number>();
    for (const n of profile.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
    const stagesOf = new Map<number, string>();
    const stageOf = (id: number): string => {
      let stage = stagesOf.get(id);
      if (stage === undefined) {
        stage = OTHER;
        for (let at: number | undefined = id; at !== undefined && stage === OTHER; at = parent.get(at)) {
          const frame = byId.get(at)!.callFrame;
          stage = STAGES.find(([, test]) => test(frame))?.[0] ?? OTHER;
        }
        stagesOf.set(id, stage);
      }
      return stage;
    };
    const self = new Map<number, number>();
    // timeDeltas[i + 1] is the time spent in samples[i] until the next sample was taken.
    for (let i = 0; i < profile.samples.length; i++) {
      const id = profile.samples[i]!;
      self.set(id, (self.get(id) ?? 0) + (profile.timeDeltas[i + 1] ?? 0) / 1000);
    }
    for (const [id, ms] of self) {
      const { functionName, url, lineNumber } = byId.get(id)!.callFrame;
      if (functionName === '(idle)' || functionName === '(program)') {
        idleMs += ms;
        continue;
      }
      busyMs += ms;
      const stage = stageOf(id);
      stages.set(stage, (stages.get(stage) ?? 0) + ms);
      const area = areaOf(url, functionName);
      // Line numbers are of the code tsx generated, close to but not always the source's.
      const fn = `${functionName || '(anonymous)'}  ${url ? `${area}:${lineNumber + 1}` : ''}`.trim();
      fns.set(fn, (fns.get(fn) ?? 0) + ms);
      areas.set(area, (areas.get(area) ?? 0) + ms);
    }
  }
  const rank = (m: Map<string, number>) =>
    [...m]
      .sort((a, b) => b[1] - a[1])
      .slice(0, top)
      .map(([name, ms]) => ({ name, ms, percent: (100 * ms) / busyMs }));
  return { busyMs, idleMs, functions: rank(fns), areas: rank(areas), stages: rank(stages) };
}

export function formatSummary(s: ProfileSummary): string {
  const rows = (xs: Share[]) =>
    xs.map((x) => `  ${x.percent.toFixed(1).padStart(5)}%  ${x.ms.toFixed(0).padStart(7)} ms  ${x.name}`).join('\n');
  return (
    `busy ${s.busyMs.toFixed(0)} ms (idle/program ${s.idleMs.toFixed(0)} ms)\n` +
    `time by stage (innermost matching frame):\n${rows(s.stages)}\n` +
    `self time by package or file:\n${rows(s.areas)}\nself time by function:\n${rows(s.functions)}`
  );
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const files = process.argv.slice(2).filter((a) => !a.startsWith('--'));
  const top = Number(process.argv.find((a) => a.startsWith('--top='))?.slice(6) ?? 25);
  if (!files.length) throw new Error('usage: tsx bench/cpu-profile.ts <file.cpuprofile>… [--top=25]');
  console.log(
    formatSummary(
      summarise(
        files.map((f) => JSON.parse(readFileSync(f, 'utf8')) as CpuProfile),
        top,
      ),
    ),
  );
}
