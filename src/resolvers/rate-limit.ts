// Per-key sliding-window limiter (the per-group send rate, im-semantics §6: 40 messages/s → 10023). It keeps the
// times of the last `limit` accepted events per key, so a burst at a window's edge cannot double the rate.

export interface RateLimiter {
  /** Records an event for `key` at `nowMs` and says whether it is within the limit. */
  take(key: string, nowMs?: number): boolean | Promise<boolean>;
}

/** The in-process limiter answers at once. */
export interface LocalRateLimiter extends RateLimiter {
  take(key: string, nowMs?: number): boolean;
}

export function createRateLimiter(limit: number, windowMs = 1000): LocalRateLimiter {
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

/** What the shared limiter needs of a Redis client (ioredis's `eval`). */
export interface RedisScripts {
  readonly status: string;
  eval(script: string, numKeys: number, ...args: (string | number)[]): Promise<unknown>;
}

// The same sliding window as above, kept in Redis so every gateway process counts against one limit: a sorted set
// per key of accepted events scored by time, trimmed and checked and added to atomically by one script. Time is
// Redis's own clock (unless the caller passes one), so processes with skewed clocks agree.
const TAKE = `
local now = tonumber(ARGV[3])
if now < 0 then local t = redis.call('TIME'); now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000) end
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now - tonumber(ARGV[2]))
if redis.call('ZCARD', KEYS[1]) >= tonumber(ARGV[1]) then return 0 end
redis.call('ZADD', KEYS[1], now, ARGV[4])
redis.call('PEXPIRE', KEYS[1], ARGV[2])
return 1`;

/**
 * The per-group limit across processes (REDIS_URL). While Redis is unreachable each process falls back to its own
 * in-process window: the limit then holds per process, and sends keep working.
 */
export function createRedisRateLimiter(
  redis: RedisScripts,
  limit: number,
  options: { prefix: string; windowMs?: number },
): RateLimiter {
  const windowMs = options.windowMs ?? 1000;
  const local = createRateLimiter(limit, windowMs);
  const id = Math.random().toString(36).slice(2);
  let n = 0;
  return {
    async take(key, nowMs) {
      if (redis.status !== 'ready') return local.take(key, nowMs);
      try {
        // Members must be unique within a key: this limiter's id and a counter.
        return (
          (await redis.eval(TAKE, 1, `${options.prefix}:rate:${key}`, limit, windowMs, nowMs ?? -1, `${id}:${++n}`)) ===
          1
        );
      } catch {
        return local.take(key, nowMs);
      }
    },
  };
}
