// Figure 6, correctness under load: every delivery in figures 2–4 was checked against its message's audience.
// Deliveries to users outside it must be 0 — for the gateway above all, and for the baselines as a check of the rig.
import type { Counts } from '../deliveries';
import { fmt, type FigureResult } from '../figure';
import type { ServerKind } from '../server-under-test';

export function correctness(figures: readonly FigureResult[]): FigureResult {
  const totals = new Map<ServerKind, Counts>();
  for (const f of figures) {
    for (const [kind, c] of Object.entries(f.correctness) as [ServerKind, Counts][]) {
      const t = totals.get(kind) ?? { nonReceivers: 0, duplicates: 0, unknown: 0, deliveries: 0 };
      totals.set(kind, {
        nonReceivers: t.nonReceivers + c.nonReceivers,
        duplicates: t.duplicates + c.duplicates,
        unknown: t.unknown + c.unknown,
        deliveries: t.deliveries + c.deliveries,
      });
    }
  }
  const gw = totals.get('gateway')?.nonReceivers ?? 0;
  const others = [...totals].filter(([k]) => k !== 'gateway').reduce((n, [, c]) => n + c.nonReceivers, 0);
  return {
    figure: 6,
    title: 'Correctness under load (deliveries to non-receivers, all runs)',
    ratios: [
      { label: 'gateway', value: gw, goal: '= 0', met: gw === 0 },
      { label: 'baselines (rig check)', value: others, goal: '= 0', met: others === 0 },
    ],
    detail:
      [...totals]
        .map(
          ([k, c]) =>
            `${k}: ${fmt(c.deliveries)} deliveries checked, ${c.nonReceivers} to non-receivers, ${c.duplicates} duplicates, ${c.unknown} unknown`,
        )
        .join('; ') || 'no deliveries in this run',
    correctness: Object.fromEntries(totals),
    rounds: [],
  };
}
