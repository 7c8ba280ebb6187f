import { GraphQLError } from 'graphql';

// One subscription's inbox: the router pushes, the subscription's generator pulls. Bounded, so a client that
// stops reading cannot grow the server's memory without limit: past the bound the stream ends with an error that
// tells the client to resubscribe from its last cursor (nothing is lost, storage has it all).

/** Ends a subscription with an error the client can act on: nothing is lost, it resumes from its last cursor. */
export class ResubscribeError extends GraphQLError {
  constructor(why: string) {
    super(`${why}; resubscribe with afterCursor to receive what you missed.`, { extensions: { code: 'RESUBSCRIBE' } });
  }
}

export class StreamOverflowError extends ResubscribeError {
  constructor() { super('This subscription fell too far behind and was closed'); }
}

export class Stream<T> implements AsyncIterableIterator<T> {
  private queue: T[] = [];
  private waiting: ((r: IteratorResult<T>) => void) | null = null;
  private failWaiting: ((e: Error) => void) | null = null;
  private ended = false;
  private error: Error | null = null;

  constructor(private readonly limit: number, private readonly onClose: () => void) {}

  push(item: T): void {
    if (this.ended) return;
    if (this.waiting) {
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
    this.finish();
    if (this.failWaiting) {
      const reject = this.failWaiting;
      this.waiting = this.failWaiting = null;
      reject(error);
    }
  }

  next(): Promise<IteratorResult<T>> {
    if (this.queue.length > 0) return Promise.resolve({ value: this.queue.shift()!, done: false });
    if (this.error) return Promise.reject(this.error);
    if (this.ended) return Promise.resolve({ value: undefined, done: true });
    return new Promise((resolve, reject) => { this.waiting = resolve; this.failWaiting = reject; });
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

  [Symbol.asyncIterator]() { return this; }

  private finish() {
    if (this.ended) return;
    this.ended = true;
    this.onClose();
  }
}
