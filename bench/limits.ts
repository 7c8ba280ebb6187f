// What holds each figure back today, in one line, from profiling the gateway (`npm run bench -- --cpu-prof`,
// `--heap-snapshot`); BENCHMARKS.md, "What limits each figure", has the evidence. Update when core code changes.
export const LIMITS: Record<number, string> = {
  1: "a durable write per send: SQLite ≈ 90 µs of ≈ 260 µs per request (mostly the commit, shared by the sends of one event-loop turn since 3079275), against ≈ 185 µs for echo-yoga's whole request; yoga's plugins and the resolver ≈ 40 µs more",
  2: 'met: the router visits sender + receivers only and the batched views query keeps the subscriber list outer (cbcd6d7); what remains is per-message work independent of the group',
  3: 'ws framing and socket writes are ≈ 45–60 % of the gateway\'s time, the rest the views statement, the router and building one frame per socket (push delivery since afb8c01); met (0.65) on the previous machine, where raw-ws was 2.5× slower; see "Figures 1 and 3 on one machine"',
  4: "100 msgs/s × 1,000 members = 100,000 deliveries/s: at one core's limit even for raw-ws and about twice the gateway's capacity, so every server but raw-ws queues; see the capacity and low-rate figures",
  5: "per subscription ≈ 12.4 KB of heap against ≈ 2.9 KB for a bare ws socket and ≈ 21 KB for naive-yoga: graphql-ws keeps two suspended async frames, the subscribe message and its query per operation, and yoga's error masking wraps each subscription in two envelop iterators (≈ 1.8 KB)",
  6: '—',
  9: "loopback TCP and multipart parsing in front of the same page-cache write: the gateway spends ≈ 1.5 ms of CPU per MB uploaded (about half the file write, busboy's boundary search ≈ 7 %) and ≈ 0.9 ms per MB downloaded (file read and socket write), and waited half of each window on the load side of this shared machine; peak RSS stays flat because each part is piped to the store with back-pressure",
  8: "the machine: every window had 2.00 of 2 cores busy (PostgreSQL, Redis, the gateways and other jobs), so a second process adds no CPU; a PostgreSQL send still costs the gateway ≈ 3× a SQLite one (two database round trips, two Redis commands, the peer's events), and the database side is no longer serialised (BENCHMARKS.md figure 8)",
};
