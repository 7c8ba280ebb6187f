// What holds each figure back today, in one line, from profiling the gateway (`npm run bench -- --cpu-prof`,
// `--heap-snapshot`); BENCHMARKS.md, "What limits each figure", has the evidence. Update when core code changes.
export const LIMITS: Record<number, string> = {
  1: 'SQLite ≈ 30 % of a send\'s CPU (the send transaction, and the draft, group and member read again before it); yoga + node HTTP ≈ 35 %, as for echo-yoga but more of it per request',
  2: 'met: the router visits sender + receivers only and the batched views query keeps the subscriber list outer (cbcd6d7); what remains is per-message work independent of the group',
  3: 'a per-socket async pipeline per delivery (router stream → generator → envelop → graphql-ws emit → stringify → send promise) ≈ 20 µs of user CPU against ≈ 3 µs for raw-ws; batched views in SQLite ≈ 12 %',
  4: '100 msgs/s × 1,000 members = 100,000 deliveries/s: at one core\'s limit even for raw-ws and 3× the gateway\'s capacity, so every server but raw-ws queues; see the capacity and low-rate figures',
  5: 'per subscription ≈ 15.5 KB of heap against ≈ 2.9 KB for a bare ws socket: graphql-ws and yoga per-operation state (≈ 20 contexts, 30 closures, 28 objects, 9 promises, 3 generators)',
  6: '—',
};
