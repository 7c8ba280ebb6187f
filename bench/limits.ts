// What holds each figure back today, in one line, from profiling the gateway (`npm run bench -- --cpu-prof`,
// `--heap-snapshot`); BENCHMARKS.md, "What limits each figure", has the evidence. Update when core code changes.
export const LIMITS: Record<number, string> = {
  1: 'SQLite ≈ 30 % of a send\'s CPU (the send transaction and the reads before it), UserSig inflate + HMAC on every request ≈ 7 %, a heavier yoga context; echo-yoga pays none of these',
  2: 'the batched views query (src/db/queries/view.ts batchMembers) is planned with group_members as the outer loop: every member of the group is read per message; `CROSS JOIN` fixes it (measured ≈ 0.8)',
  3: 'the same batchMembers plan: O(members × woken) rows per message, ≈ 65 % of the CPU; with `CROSS JOIN` 3× more deliveries per CPU-second, then socket writes dominate as for raw-ws',
  4: '100 msgs/s × 1,000 members = 100,000 deliveries/s, above one core even for raw-ws (loopback writes cost ≈ 10 µs each, mostly kernel): every server queues; see the capacity and low-rate figures',
  5: 'per subscription ≈ 16 KB of heap against ≈ 3 KB for a bare ws socket: graphql-ws and yoga per-operation state (≈ 20 contexts, 30 closures, 9 promises, 3 generators, 2 timers)',
  6: '—',
};
