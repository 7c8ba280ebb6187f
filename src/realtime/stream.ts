import { GraphQLError } from 'graphql';

// One subscription's inbox: the router pushes, the subscription pulls. Bounded, so a client that stops reading
// cannot grow the server's memory without limit: past the bound the stream ends with an error that tells the
// client to resubscribe from its last cursor (nothing is lost, storage has it all). A consumer that can take
// events as they come (a live subscription writing straight to its socket) listens instead of pulling: no
// promise, queue or generator step per event.

/** Ends a subscription with an error the client can act on: nothing is lost, it resumes from its last cursor. */
export class ResubscribeError extends GraphQLError {
  constructor(why: string) {
    super(`${why}; resubscribe with afterCursor to receive what you missed.`, { extensions: { code: 'RESUBSCRIBE' } });
  }
}

/** A user already holds as many live subscriptions as a process keeps for one user (IM_MAX_SUBSCRIPTIONS_PER_USER). */
export class TooManyStreamsError extends GraphQLError {
  constructor(max: number) {
    super(`Too many live subscriptions for this user: at most ${max} at once; complete one first.`, {
      extensions: { code: 'TOO_MANY_SUBSCRIPTIONS' },
    });
  }
}

export class StreamOverflowError extends ResubscribeError {
  constructor() {
    super('This subscription fell too far behind and was closed');
  }
}

/** A source that can push to its consumer instead of being pulled (see shared-execution.ts). */
export interface Listenable<T> {
  /**
   * From now on hand every item to `onItem` as it comes, and the end (null) or failure to `onEnd`. `writable`, if
   * given, says when the consumer can take more (undefined: now), so a producer with much to say is paced by it.
   */
  listen(
    onItem: (item: T) => void,
    onEnd: (error: Error | null) => void,
    writable?: () => Promise<void> | undefined,
  ): void;
}

export class Stream<T> implements AsyncIterableIterator<T>, Listenable<T> {
  private queue: T[] = [];
  private waiting: ((r: IteratorResult<T>) => void) | null = null;
  private failWaiting: ((e: Error) => void) | null = null;
  private onItem: ((item: T) => void) | null = null;
  private onEnd: ((error: Error | null) => void) | null = null;
  private drainWaiting: (() => void) | null = null;
  private writable: (() => Promise<void> | undefined) | undefined;
  private ended = false;
  private error: Error | null = null;

  constructor(
    private readonly limit: number,
    private readonly onClose: () => void,
  ) {}

  push(item: T): void {
    if (this.ended) return;
    if (this.onItem) {
      this.onItem(item);
    } else if (this.waiting) {
      const resolve = this.waiting;
      this.waiting = this.failWaiting = null;
      resolve({ value: item, done: false });
    } else if (this.queue.length >= this.limit) {
      this.fail(new StreamOverflowError());
    } else {
      this.queue.push(item);
    }
  }

  fail(error: Error): void {
    if (this.ended) return;
    this.error = error;
    this.queue = [];
    // Taken before finish(): its onClose can end the source, whose end would otherwise answer this reader "done"
    // and the client would see a plain completion instead of the error telling it to resume.
    const reject = this.failWaiting;
    this.waiting = this.failWaiting = null;
    this.finish();
    reject?.(error);
  }

  listen(
    onItem: (item: T) => void,
    onEnd: (error: Error | null) => void,
    writable?: () => Promise<void> | undefined,
  ): void {
    const queued = this.queue;
    this.queue = [];
    this.onItem = onItem;
    this.onEnd = onEnd;
    this.writable = writable;
    this.drained();
    for (const item of queued) onItem(item);
    if (this.ended) this.notifyEnd();
  }

  next(): Promise<IteratorResult<T>> {
    if (this.queue.length > 0) {
      const value = this.queue.shift()!;
      if (this.queue.length === 0) this.drained();
      return Promise.resolve({ value, done: false });
    }
    if (this.error) return Promise.reject(this.error);
    if (this.ended) return Promise.resolve({ value: undefined, done: true });
    return new Promise((resolve, reject) => {
      this.waiting = resolve;
      this.failWaiting = reject;
    });
  }

  /**
   * Resolves once nothing is queued and a listening consumer can take more: a producer with much to say (a replay)
   * waits for a slow reader, down to the reader's socket.
   */
  whenDrained(): Promise<void> {
    if (this.ended) return Promise.resolve();
    if (this.onItem) return this.writable?.() ?? Promise.resolve();
    if (this.queue.length === 0) return Promise.resolve();
    return new Promise((resolve) => {
      this.drainWaiting = resolve;
    });
  }

  return(): Promise<IteratorResult<T>> {
    this.queue = [];
    this.finish();
    if (this.waiting) {
      const resolve = this.waiting;
      this.waiting = this.failWaiting = null;
      resolve({ value: undefined, done: true });
    }
    return Promise.resolve({ value: undefined, done: true });
  }

  [Symbol.asyncIterator]() {
    return this;
  }

  get isEnded(): boolean {
    return this.ended;
  }

  private drained() {
    const resolve = this.drainWaiting;
    this.drainWaiting = null;
    resolve?.();
  }

  private notifyEnd() {
    const onEnd = this.onEnd;
    this.onItem = this.onEnd = null;
    onEnd?.(this.error);
  }

  private finish() {
    if (this.ended) return;
    this.ended = true;
    this.drained();
    this.onClose();
    this.notifyEnd();
  }
}
