// What holds each figure back today, in one line, from profiling the gateway (`npm run bench -- --cpu-prof`,
// `--heap-snapshot`); BENCHMARKS.md, "What limits each figure", has the evidence. Update when core code changes.
export const LIMITS: Record<number, string> = {
  1: 'SQLite ≈ 30 % of a send\'s CPU (the send transaction, and the draft, group and member read again before it); yoga + node HTTP ≈ 35 %, as for echo-yoga but more of it per request',
  2: 'met: the router visits sender + receivers only and the batched views query keeps the subscriber list outer (cbcd6d7); what remains is per-message work independent of the group',
  3: 'events are executed and serialized once per distinct view and written straight to the sockets (no graphql-ws emit per socket); what remains per delivery is the subscription\'s own async steps (router stream → generator → iterator) and a ws frame each, against one pre-built buffer per send for raw-ws',
  4: '100 msgs/s × 1,000 members = 100,000 deliveries/s: at one core\'s limit even for raw-ws and 3× the gateway\'s capacity, so every server but raw-ws queues; see the capacity and low-rate figures',
  5: 'per subscription ≈ 15.5 KB of heap against ≈ 2.9 KB for a bare ws socket: graphql-ws and yoga per-operation state (≈ 20 contexts, 30 closures, 28 objects, 9 promises, 3 generators)',
  6: '—',
};
