// `npm run bench` (full: writes BENCHMARKS.md) and `npm run bench:quick` (CI, under two minutes).
// Options: --quick | --smoke, --only=1,3 (a subset; never writes BENCHMARKS.md), --cpu-prof (profile the gateway
// children's measured windows into bench/results/profiles and summarise where their time went; --cpu-prof=all
// profiles the baselines too), --heap-snapshot (gateway heap snapshots in figure 5, summarised per socket),
// --no-write. `--render=bench/results/<run>.json` re-renders a recorded full run (table and BENCHMARKS.md) with the
// current bench/limits.ts, without measuring again.
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { formatSummary, summarise } from './cpu-profile';
import { perSocketGrowth } from './heap-snapshot';
import { PROFILES } from './profile';
import { details, machineLine, table, writeBenchmarksMd } from './report';
import { REPO } from './servers';
import { runBench, type BenchReport } from './suite';
import type { ServerKind } from './server-under-test';

const args = process.argv.slice(2);
const flag = (name: string) => args.includes(`--${name}`);
const option = (name: string) => args.find((a) => a.startsWith(`--${name}=`))?.split('=')[1];

const profile = PROFILES[flag('smoke') ? 'smoke' : flag('quick') ? 'quick' : 'full'];
const only = option('only')?.split(',').map(Number);
const results = join(REPO, 'bench/results');
const stamp = new Date().toISOString().replace(/[:.]/g, '-');
const cpuProf = flag('cpu-prof') || option('cpu-prof') !== undefined;
const cpuProfDir = cpuProf ? join(results, 'profiles', stamp) : undefined;
const heapSnapshotDir = flag('heap-snapshot') ? join(results, 'heap', stamp) : undefined;
const cpuProfKinds: ServerKind[] =
  option('cpu-prof') === 'all' ? ['gateway', 'raw-ws', 'naive-yoga', 'echo-yoga'] : ['gateway'];
const command = process.env.npm_lifecycle_event?.startsWith('bench')
  ? `npm run ${process.env.npm_lifecycle_event}${args.filter((a) => a !== '--quick').length ? ` -- ${args.filter((a) => a !== '--quick').join(' ')}` : ''}`
  : `npx tsx bench/run.ts ${args.join(' ')}`.trim();

const rendered = option('render');
if (rendered) {
  const saved = JSON.parse(readFileSync(rendered, 'utf8')) as BenchReport & { command: string };
  console.log(table(saved));
  if (saved.profile === 'full' && !flag('no-write')) console.log(`wrote ${writeBenchmarksMd(saved, saved.command)}`);
  process.exit(0);
}

const started = Date.now();
const report = await runBench({
  profile,
  only,
  cpuProfDir,
  cpuProfKinds,
  heapSnapshotDir,
  log: (line) => console.error(`[${((Date.now() - started) / 1000).toFixed(0).padStart(4)} s] ${line}`),
});

console.log(
  `\n${profile.name} run, ${report.startedAt}, ${Math.round(report.seconds)} s, code ${report.machine.code}, load ${report.load.map((l) => l.toFixed(1)).join(' → ')} — ${machineLine(report)}\n`,
);
console.log(table(report));
console.log(`\n${details(report)}\n`);

mkdirSync(results, { recursive: true });
writeFileSync(join(results, `${stamp}-${profile.name}.json`), JSON.stringify({ command, ...report }, null, 2));
if (profile.name === 'full' && !only && !flag('no-write')) console.log(`wrote ${writeBenchmarksMd(report, command)}`);

if (cpuProfDir && existsSync(cpuProfDir)) {
  // One summary per server and measured window (gateway-fig1, gateway-fig2-small, …), rounds added up.
  const byWindow = new Map<string, string[]>();
  for (const file of readdirSync(cpuProfDir)
    .filter((f) => f.endsWith('.cpuprofile'))
    .sort()) {
    const window = file.replace(/-r\d+\.cpuprofile$/, '');
    byWindow.set(window, [...(byWindow.get(window) ?? []), join(cpuProfDir, file)]);
  }
  for (const [window, files] of byWindow) {
    const summary = summarise(
      files.map((f) => JSON.parse(readFileSync(f, 'utf8'))),
      20,
    );
    console.log(`\nCPU profile ${window} (${files.length} windows in ${cpuProfDir})\n${formatSummary(summary)}`);
  }
}
if (heapSnapshotDir && existsSync(heapSnapshotDir)) {
  const snaps = readdirSync(heapSnapshotDir)
    .filter((f) => f.endsWith('.heapsnapshot'))
    .map((f) => ({ f: join(heapSnapshotDir, f), n: Number(f.match(/-(\d+)\.heapsnapshot$/)?.[1]) }))
    .sort((a, b) => a.n - b.n);
  if (snaps.length >= 2) {
    const [a, b] = [snaps[0]!, snaps[snaps.length - 1]!];
    console.log(`\nGateway ${perSocketGrowth(a.f, b.f, b.n - a.n)}`);
  }
}
const failed = report.figures.filter((f) => f.figure === 6 && f.ratios.some((r) => !r.met));
process.exit(failed.length ? 1 : 0);
