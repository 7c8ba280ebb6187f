// The six figures as a markdown table (stdout), and the results section of BENCHMARKS.md (full runs only). The
// file's hand-written sections stay: only the text between the two markers is replaced.
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { BenchReport } from './suite';
import { LIMITS } from './limits';
import { REPO } from './servers';

const START = '<!-- bench:results:start -->';
const END = '<!-- bench:results:end -->';

const num = (v: number) =>
  !Number.isFinite(v)
    ? 'n/a'
    : Math.abs(v) >= 100
      ? v.toLocaleString('en-US', { maximumFractionDigits: 0 })
      : Math.abs(v) >= 10
        ? v.toFixed(1)
        : v.toFixed(2);

export function table(report: BenchReport): string {
  const rows = [
    '| # | Figure | Measure | Value | Goal | Met | What limits it today |',
    '|---|---|---|---|---|---|---|',
  ];
  for (const f of report.figures) {
    f.ratios.forEach((r, i) => {
      const met = r.goal === '—' ? '' : r.met ? 'yes' : '**no**';
      rows.push(
        `| ${i === 0 ? f.figure : ''} | ${i === 0 ? f.title : ''} | ${r.label} | ${num(r.value)} | ${r.goal} | ${met} | ${i === 0 ? (LIMITS[f.figure] ?? '') : ''} |`,
      );
    });
  }
  return rows.join('\n');
}

export function details(report: BenchReport): string {
  return report.figures.map((f) => `${f.figure}. ${f.detail}`).join('\n');
}

export function machineLine(report: BenchReport): string {
  const m = report.machine;
  return (
    `${m.cpu}, ${m.cores} cores, Node ${m.node}, ${m.os}, open-file limit ${m.fdLimit.toLocaleString('en-US')}, ` +
    (report.pinned ? 'servers pinned to core 1 and the load to core 0 (taskset)' : 'not pinned')
  );
}

export function resultsSection(report: BenchReport, command: string): string {
  return [
    START,
    `## Latest ${report.profile} run`,
    '',
    `- Date: ${report.startedAt}`,
    `- Command: \`${command}\` (${Math.round(report.seconds)} s)`,
    `- Machine: ${machineLine(report)}`,
    `- Code: ${report.machine.code}`,
    `- Load average (1 min) at start / end: ${report.load.map((l) => l.toFixed(1)).join(' / ')} on ${report.machine.cores} cores (other jobs share this machine)`,
    '',
    table(report),
    '',
    'Medians behind the ratios:',
    '',
    details(report),
    END,
  ].join('\n');
}

/** Replaces the results section of BENCHMARKS.md, or creates the file around it. */
export function writeBenchmarksMd(report: BenchReport, command: string): string {
  const path = join(REPO, 'BENCHMARKS.md');
  const section = resultsSection(report, command);
  const old = existsSync(path) ? readFileSync(path, 'utf8') : '';
  const a = old.indexOf(START);
  const b = old.indexOf(END);
  const text =
    a >= 0 && b > a
      ? old.slice(0, a) + section + old.slice(b + END.length)
      : `# Benchmarks\n\nRun with \`npm run bench\` (full, writes this file) or \`npm run bench:quick\`.\n\n${section}\n`;
  writeFileSync(path, text);
  return path;
}
