// How big and how long each figure runs. `full` is the record (BENCHMARKS.md), `quick` fits CI's two minutes,
// `smoke` only proves the harness runs end to end (test/bench-smoke.test.ts). Sizes that define a figure (5,000
// and 10 members, 1,000 subscribers, 100 msgs/s) are the same in full and quick; only durations and rounds shrink.

export interface BenchProfile {
  name: 'full' | 'quick' | 'smoke';
  /** Pin servers to one core and the load to the other (taskset), when there are two cores or more. */
  pin: boolean;
  /** Each round measures every server once, in alternation (A B A B …); figures report medians over rounds. */
  sendPath: { rounds: number; seconds: number; connections: number };
  targeted: { rounds: number; bigGroup: number; smallGroup: number; messagesPerRound: number };
  broadcast: { rounds: number; subscribers: number; nonMembers: number; messagesPerRound: number; inFlight: number };
  /** At `ratePerSecond` for `seconds`, then at `lowRatePerSecond` for `lowSeconds` (a rate the gateway sustains). */
  latency: { rounds: number; ratePerSecond: number; seconds: number; lowRatePerSecond: number; lowSeconds: number };
  idle: { rounds: number; sockets: number; levels: number };
  /** Figure 7: stored messages at the two sizes compared, samples per call, messages replayed beside a request. */
  growth: { small: number; large: number; samples: number; replay: number };
  /** Figure 8 (PostgreSQL + Redis only): closed-loop sends to `groups` groups, then `lowRate` msgs/s for latency. */
  scaleOut: {
    rounds: number;
    seconds: number;
    connections: number;
    groups: number;
    lowRate: number;
    lowSeconds: number;
  };
  /**
   * Figure 6's own load: `ops` sends, edits and reactions of targeted messages in a group of `members` (all online,
   * `outsiders` online in another group), `inFlight` at a time.
   */
  edits: { members: number; outsiders: number; ops: number; inFlight: number };
  /**
   * Figure 9: `rounds` of a `fileMB` upload + download against plain fs streams, then `concurrent` uploads of
   * `concurrentMB` each while the gateway's RSS is sampled.
   */
  media: { rounds: number; fileMB: number; concurrent: number; concurrentMB: number };
}

export const PROFILES: Record<BenchProfile['name'], BenchProfile> = {
  full: {
    name: 'full',
    pin: true,
    sendPath: { rounds: 5, seconds: 5, connections: 16 },
    targeted: { rounds: 5, bigGroup: 5000, smallGroup: 10, messagesPerRound: 200 },
    broadcast: { rounds: 5, subscribers: 1000, nonMembers: 50, messagesPerRound: 100, inFlight: 8 },
    latency: { rounds: 3, ratePerSecond: 100, seconds: 3, lowRatePerSecond: 5, lowSeconds: 10 },
    idle: { rounds: 2, sockets: 20_000, levels: 4 },
    growth: { small: 10_000, large: 1_000_000, samples: 30, replay: 100_000 },
    scaleOut: { rounds: 5, seconds: 5, connections: 32, groups: 200, lowRate: 20, lowSeconds: 5 },
    edits: { members: 1000, outsiders: 50, ops: 4000, inFlight: 16 },
    media: { rounds: 11, fileMB: 20, concurrent: 10, concurrentMB: 100 },
  },
  quick: {
    name: 'quick',
    pin: true,
    sendPath: { rounds: 2, seconds: 2, connections: 16 },
    targeted: { rounds: 2, bigGroup: 5000, smallGroup: 10, messagesPerRound: 40 },
    broadcast: { rounds: 2, subscribers: 1000, nonMembers: 50, messagesPerRound: 30, inFlight: 8 },
    latency: { rounds: 1, ratePerSecond: 100, seconds: 1, lowRatePerSecond: 5, lowSeconds: 2 },
    idle: { rounds: 1, sockets: 5000, levels: 2 },
    growth: { small: 2_000, large: 20_000, samples: 10, replay: 2_000 },
    scaleOut: { rounds: 2, seconds: 2, connections: 32, groups: 200, lowRate: 20, lowSeconds: 2 },
    edits: { members: 1000, outsiders: 50, ops: 600, inFlight: 16 },
    media: { rounds: 3, fileMB: 20, concurrent: 10, concurrentMB: 20 },
  },
  smoke: {
    name: 'smoke',
    pin: false,
    sendPath: { rounds: 1, seconds: 0.5, connections: 2 },
    targeted: { rounds: 1, bigGroup: 12, smallGroup: 4, messagesPerRound: 3 },
    broadcast: { rounds: 1, subscribers: 6, nonMembers: 3, messagesPerRound: 3, inFlight: 2 },
    latency: { rounds: 1, ratePerSecond: 20, seconds: 0.25, lowRatePerSecond: 10, lowSeconds: 0.2 },
    idle: { rounds: 1, sockets: 8, levels: 1 },
    growth: { small: 1_000, large: 3_000, samples: 2, replay: 100 },
    scaleOut: { rounds: 1, seconds: 0.5, connections: 4, groups: 5, lowRate: 20, lowSeconds: 0.2 },
    edits: { members: 8, outsiders: 3, ops: 30, inFlight: 2 },
    media: { rounds: 1, fileMB: 2, concurrent: 3, concurrentMB: 2 },
  },
};
