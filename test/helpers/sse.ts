// A small GraphQL-over-SSE reader (yoga's "distinct connections" mode): fetch with Accept: text/event-stream,
// then parse `event:` / `data:` frames off the body as they arrive. Enough for tests; not a general client.

export interface SseFrame {
  event: string;
  data: string;
}

export interface SseSubscription<T = any> {
  status: number;
  /** Payloads of `next` frames with data, in order. */
  events: T[];
  /** GraphQL errors of `next` frames that carried errors. */
  errors: unknown[];
  /** True once the server sent `complete` or closed the stream. */
  readonly completed: boolean;
  waitFor(n: number, timeoutMs?: number): Promise<T[]>;
  /** Resolves once the server completes or closes the stream. */
  done(timeoutMs?: number): Promise<void>;
  /** Aborts the request (the client going away). */
  close(): void;
}

/** Opens a subscription over SSE; resolves once the response headers have arrived. */
export async function sseSubscribe<T = any>(
  port: number,
  query: string,
  variables: Record<string, unknown> | undefined,
  userSig: string | null,
  method: 'GET' | 'POST' = 'POST',
): Promise<SseSubscription<T>> {
  const abort = new AbortController();
  const headers: Record<string, string> = { accept: 'text/event-stream' };
  if (userSig !== null) headers.authorization = `Bearer ${userSig}`;
  let url = `http://127.0.0.1:${port}/graphql`;
  let body: string | undefined;
  if (method === 'GET') {
    const params = new URLSearchParams({ query });
    if (variables) params.set('variables', JSON.stringify(variables));
    url += `?${params}`;
  } else {
    headers['content-type'] = 'application/json';
    body = JSON.stringify({ query, variables });
  }
  const res = await fetch(url, { method, headers, body, signal: abort.signal });

  const events: T[] = [];
  const errors: unknown[] = [];
  let completed = false;
  let wake: () => void = () => {};
  const changed = () =>
    new Promise<void>((r) => {
      wake = r;
    });

  const onFrame = (frame: SseFrame) => {
    if (frame.event === 'complete') completed = true;
    if (frame.event !== 'next' || !frame.data) return;
    const payload = JSON.parse(frame.data) as { data?: T; errors?: unknown[] };
    if (payload.errors) errors.push(payload.errors);
    else events.push(payload.data as T);
  };

  void (async () => {
    try {
      for await (const frame of frames(res.body!)) {
        onFrame(frame);
        wake();
      }
    } catch {
      // aborted by close(), or the server went away: either way the stream is over
    }
    completed = true;
    wake();
  })();

  const until = async (ready: () => boolean, what: string, timeoutMs: number) => {
    const deadline = Date.now() + timeoutMs;
    while (!ready()) {
      if (Date.now() > deadline) throw new Error(`SSE: timed out waiting for ${what}`);
      await Promise.race([changed(), new Promise((r) => setTimeout(r, 50))]);
    }
  };

  return {
    status: res.status,
    events,
    errors,
    get completed() {
      return completed;
    },
    async waitFor(n, timeoutMs = 5000) {
      await until(
        () => {
          if (errors.length) throw new Error(`SSE subscription error: ${JSON.stringify(errors)}`);
          return events.length >= n;
        },
        `${n} events (got ${events.length})`,
        timeoutMs,
      );
      return events;
    },
    done: (timeoutMs = 5000) => until(() => completed, 'the stream to complete', timeoutMs),
    close: () => abort.abort(),
  };
}

/** Splits an SSE body into frames (blank-line separated; comments like ":" keep-alives are skipped). */
export async function* frames(body: ReadableStream<Uint8Array>): AsyncGenerator<SseFrame> {
  const decoder = new TextDecoder();
  let buffer = '';
  for await (const chunk of body as unknown as AsyncIterable<Uint8Array>) {
    buffer += decoder.decode(chunk, { stream: true }).replace(/\r\n?/g, '\n');
    let end: number;
    while ((end = buffer.indexOf('\n\n')) >= 0) {
      const block = buffer.slice(0, end);
      buffer = buffer.slice(end + 2);
      let event = 'message';
      const data: string[] = [];
      for (const line of block.split('\n')) {
        if (line.startsWith(':')) continue;
        const colon = line.indexOf(':');
        const field = colon < 0 ? line : line.slice(0, colon);
        const value = colon < 0 ? '' : line.slice(colon + 1).replace(/^ /, '');
        if (field === 'event') event = value;
        else if (field === 'data') data.push(value);
      }
      if (block.split('\n').every((l) => l.startsWith(':'))) continue;
      yield { event, data: data.join('\n') };
    }
  }
}
