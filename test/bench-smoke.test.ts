// The benchmark harness (bench/) in its smoke size: a few sockets, a few messages, a few seconds. It proves the
// harness still runs end to end against the current gateway and that, under its load, no message reached a user
// outside its audience. No timing is asserted here: timing belongs to `npm run bench`.
import { describe, expect, it } from 'vitest';
import { PROFILES } from '../bench/profile';
import { runBench } from '../bench/suite';
import { scaleOutUrls } from '../bench/figures/scale-out';
import type { EditsLoad } from '../bench/figures/correctness';

describe('benchmark harness, smoke size', () => {
  it(
    'when every figure runs, then each completes and no delivery reached a non-receiver',
    async () => {
      const report = await runBench({ profile: PROFILES.smoke });

      // Figure 8 (scale-out) needs PostgreSQL and Redis, as CI has.
      expect(report.figures.map((f) => f.figure)).toEqual([1, 2, 3, 4, 5, 7, ...(scaleOutUrls() ? [8] : []), 9, 6]);
      const correctness = report.figures.find((f) => f.figure === 6)!;
      const gateway = correctness.correctness.gateway!;
      // The check must have checked something: targeted, broadcast and latency messages all reached their audiences.
      expect(gateway.deliveries).toBeGreaterThan(0);
      expect(gateway.nonReceivers).toBe(0);
      expect(gateway.duplicates).toBe(0);
      // Figure 9 uploaded, sent and downloaded its file (it checks the bytes) and read the gateway's RSS.
      const media = report.figures.find((f) => f.figure === 9)!;
      expect(media.ratios.every((r) => Number.isFinite(r.value) && r.value > 0)).toBe(true);
      // Figure 6's own load: edits and reactions of targeted messages reached their audiences, and no one else.
      const own = correctness.rounds[0] as EditsLoad;
      for (const kind of ['message', 'edit', 'reaction'] as const) {
        expect({ kind, checked: own.byKind[kind].deliveries > 0 }).toEqual({ kind, checked: true });
        expect({ kind, nonReceivers: own.byKind[kind].nonReceivers }).toEqual({ kind, nonReceivers: 0 });
      }
      for (const [kind, counts] of Object.entries(correctness.correctness))
        expect({ kind, nonReceivers: counts.nonReceivers }).toEqual({ kind, nonReceivers: 0 });
    },
    scaleOutUrls() ? 180_000 : 120_000,
  ); // figure 8 starts three more gateways
});
