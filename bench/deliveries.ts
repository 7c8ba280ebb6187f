// The ledger of who should get which message, and who did. Every delivery is checked against its message's
// audience: a delivery to anyone outside it is a non-receiver delivery (figure 6, must stay 0), a second one to the
// same user a duplicate. Completion (the whole audience reached) gives the fan-out times.

export interface Entry {
  tag: string;
  audience: ReadonlySet<string>;
  /** How many of the audience hold a subscribed socket: completion means all of them got it. */
  expected: number;
  got: number;
  receivedBy: Set<string>;
  /** When the send was meant to start (performance.now(), ms): latency is measured from here. */
  startAt: number;
  lastAt: number;
  done: boolean;
  waiters: (() => void)[];
}

export interface Counts {
  nonReceivers: number;
  duplicates: number;
  unknown: number;
  deliveries: number;
}

export class DeliveryLedger {
  private readonly entries = new Map<string, Entry>();
  readonly counts: Counts = { nonReceivers: 0, duplicates: 0, unknown: 0, deliveries: 0 };

  /** Registers a message before it is sent. `expected` = audience members that are online. */
  expect(tag: string, audience: ReadonlySet<string>, expected: number): Entry {
    const entry: Entry = {
      tag,
      audience,
      expected,
      got: 0,
      receivedBy: new Set(),
      startAt: 0,
      lastAt: 0,
      done: expected === 0,
      waiters: [],
    };
    this.entries.set(tag, entry);
    return entry;
  }

  readonly deliver = (userId: string, tag: string, at: number): void => {
    this.counts.deliveries++;
    const e = this.entries.get(tag);
    if (!e) {
      this.counts.unknown++;
      return;
    }
    if (!e.audience.has(userId)) {
      this.counts.nonReceivers++;
      return;
    }
    if (e.receivedBy.has(userId)) {
      this.counts.duplicates++;
      return;
    }
    e.receivedBy.add(userId);
    e.got++;
    if (at > e.lastAt) e.lastAt = at;
    if (e.got === e.expected) this.settle(e);
  };

  /** Marks an entry complete and wakes whoever waits for it. */
  settle(e: Entry): void {
    if (e.done) return;
    e.done = true;
    for (const w of e.waiters) w();
    e.waiters = [];
  }

  /** Resolves when every entry reached its audience; rejects after `timeoutMs` naming how many deliveries are missing. */
  async complete(entries: readonly Entry[], timeoutMs: number, who: string): Promise<void> {
    let timer: NodeJS.Timeout | undefined;
    const all = Promise.all(entries.map((e) => (e.done ? undefined : new Promise<void>((r) => e.waiters.push(r)))));
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => {
        const missing = entries.reduce((n, e) => n + e.expected - e.got, 0);
        reject(
          new Error(
            `${who}: ${missing} deliveries missing after ${timeoutMs} ms (of ${entries.reduce((n, e) => n + e.expected, 0)})`,
          ),
        );
      }, timeoutMs);
    });
    try {
      await Promise.race([all, timeout]);
    } finally {
      clearTimeout(timer);
    }
  }

  snapshot(): Counts {
    return { ...this.counts };
  }
}

/** Counts accumulated between two snapshots. */
export const countsSince = (before: Counts, after: Counts): Counts => ({
  nonReceivers: after.nonReceivers - before.nonReceivers,
  duplicates: after.duplicates - before.duplicates,
  unknown: after.unknown - before.unknown,
  deliveries: after.deliveries - before.deliveries,
});
