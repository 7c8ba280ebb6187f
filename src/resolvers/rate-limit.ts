// Per-key sliding-window limiter (the per-group send rate, im-semantics §6: 40 messages/s → 10023). It keeps the
// times of the last `limit` accepted events per key, so a burst at a window's edge cannot double the rate.

export interface RateLimiter {
  /** Records an event for `key` at `nowMs` and says whether it is within the limit. */
  take(key: string, nowMs?: number): boolean;
}

export function createRateLimiter(limit: number, windowMs = 1000): RateLimiter {
  const recent = new Map<string, number[]>();
  let sweepAt = 0;
  return {
    take(key, nowMs = Date.now()) {
      if (nowMs >= sweepAt) {
        // Forget idle keys so memory follows the active groups, not every group ever seen.
        for (const [k, times] of recent) if (times[times.length - 1]! <= nowMs - windowMs) recent.delete(k);
        sweepAt = nowMs + 10 * windowMs;
      }
      let times = recent.get(key);
      if (!times) recent.set(key, (times = []));
      while (times.length > 0 && times[0]! <= nowMs - windowMs) times.shift();
      if (times.length >= limit) return false;
      times.push(nowMs);
      return true;
    },
  };
}
