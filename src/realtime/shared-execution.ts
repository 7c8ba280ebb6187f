// Executes a subscription event once per distinct (payload, selection) instead of once per socket. The router hands
// every local stream the same event object, and subscriptions turn it into one view object per distinct view
// (see sharedView): a broadcast to 1,000 members with the same selection then runs GraphQL once, not 1,000 times.
//
// Only payloads marked with `SHARED` are cached: their fields must be plain exposures that never read the context
// (the viewer is already baked into the view). Anything else executes per subscriber as graphql-js does.
import {
  createSourceEventStream,
  execute,
  Kind,
  visit,
  type DocumentNode,
  type ExecutionArgs,
  type ExecutionResult,
  type OperationDefinitionNode,
} from 'graphql';
import type { Plugin } from 'graphql-yoga';
import { Stream, StreamOverflowError, type Listenable } from './stream';

export const SHARED = Symbol('shared subscription payload');

/** Executions run for shared payloads, frames written directly and payloads serialized (tests, benchmarks). */
export const sharedExecutionStats = { executions: 0, directFrames: 0, serializations: 0 };

const results = new WeakMap<object, Map<string, Promise<ExecutionResult> | ExecutionResult>>();
const views = new WeakMap<object, Map<string | number, object>>();

/** One view object per (event, key): subscribers whose views are equal get the identical object. */
export function sharedView<V extends object>(event: object, key: string | number, make: () => V): V {
  let byKey = views.get(event);
  if (!byKey) views.set(event, (byKey = new Map()));
  let view = byKey.get(key) as V | undefined;
  if (!view) byKey.set(key, (view = Object.assign(make(), { [SHARED]: true })));
  return view;
}

/** The variables an event's execution can depend on: those used below the root field, not in its arguments. */
function selectionKey(args: ExecutionArgs): string {
  const ops = args.document.definitions.filter(
    (d): d is OperationDefinitionNode => d.kind === Kind.OPERATION_DEFINITION,
  );
  const op = args.operationName ? ops.find((o) => o.name?.value === args.operationName) : ops[0];
  const used = new Set<string>();
  const collect = (node: Parameters<typeof visit>[0]) =>
    visit(node, {
      Variable: (v) => {
        used.add(v.name.value);
      },
    });
  for (const selection of op?.selectionSet.selections ?? []) {
    if (selection.kind === Kind.FIELD) {
      if (selection.selectionSet) collect(selection.selectionSet);
    } else collect(selection);
  }
  for (const d of args.document.definitions) if (d.kind === Kind.FRAGMENT_DEFINITION) collect(d);
  const values = args.variableValues ?? {};
  return JSON.stringify([
    documentId(args.document),
    args.operationName ?? null,
    [...used].sort().map((n) => [n, values[n] ?? null]),
  ]);
}

// Parsed documents are cached by yoga, so the same text is usually the same object: number them cheaply.
const documentIds = new WeakMap<DocumentNode, string>();
let nextDocumentId = 0;
function documentId(document: DocumentNode): string {
  let id = documentIds.get(document);
  if (!id) documentIds.set(document, (id = String(nextDocumentId++)));
  return id;
}

function resultFor(payload: unknown, args: ExecutionArgs, key: string): Promise<ExecutionResult> | ExecutionResult {
  if (typeof payload !== 'object' || payload === null || !(SHARED in payload))
    return execute({ ...args, rootValue: payload });
  let byKey = results.get(payload);
  if (!byKey) results.set(payload, (byKey = new Map()));
  let result = byKey.get(key);
  if (!result) {
    sharedExecutionStats.executions++;
    byKey.set(key, (result = execute({ ...args, rootValue: payload }) as Promise<ExecutionResult> | ExecutionResult));
  }
  return result;
}

/**
 * Where a graphql-ws operation's `next` messages can be written directly (ws.ts puts it in the root value). Events
 * then skip graphql-ws's per-socket pipeline (an iterator step, a result hook, a stringify and a send promise per
 * socket): the payload is serialized once per distinct result and framed with the operation id.
 */
export interface DirectSink {
  id: string;
  /** A whole text frame's data (UTF-8). */
  send(frame: Buffer): void;
  /** True when the socket's unsent output is over its bound (ws-transport.ts): a client that stops reading is told
   *  to resubscribe (it resumes by cursor; nothing is lost) rather than buffered without bound. With `share`, over
   *  that share of the bound (a paced replay waits at half of it). */
  behind(share?: number): boolean;
}

/** A producer that can wait (a replay) waits while the socket's unsent output is over this share of the bound that
 *  cuts a subscriber off: it goes as fast as the client reads, and the margin keeps a paced replay from being cut. */
const PACE_SHARE = 0.5;
const PACE_POLL_MS = 5;

// Frames are built from bytes: the payload is encoded once per distinct result and each socket's frame is one
// copy of prefix + payload + "}", rather than a string that ws would measure and encode again per socket.
const payloadBytes = new WeakMap<ExecutionResult, Buffer>();
const FRAME_END = Buffer.from('}');
function frame(result: ExecutionResult, prefix: Buffer): Buffer {
  let json = payloadBytes.get(result);
  if (json === undefined) {
    sharedExecutionStats.serializations++;
    payloadBytes.set(result, (json = Buffer.from(JSON.stringify(result))));
  }
  sharedExecutionStats.directFrames++;
  return Buffer.concat([prefix, json, FRAME_END], prefix.length + json.length + 1);
}

const asError = (e: unknown) => (e instanceof Error ? e : new Error(String(e)));

const isListenable = (source: object): source is Listenable<unknown> =>
  typeof (source as Partial<Listenable<unknown>>).listen === 'function';

/**
 * A subscription's results. Pulled, it maps its source's events one at a time. With a direct sink and a source that
 * can push (a live message subscription), it listens instead: each event is executed (once per distinct result),
 * framed and written in the call that routed it, and graphql-ws's own pull waits until the end, or for a result
 * with errors, which takes graphql-ws's path so error masking and hooks apply to it.
 */
class EventResults implements AsyncIterableIterator<ExecutionResult> {
  private readonly prefix: Buffer | undefined;
  /** Push mode: results for graphql-ws (errors only), and its waiting pull. */
  private forClient: Stream<ExecutionResult> | undefined;
  /** Push mode: results still executing, so later events wait their turn. */
  private tail: Promise<void> | undefined;
  /** Ended by graphql-ws (the client completed or went away): a paced producer stops waiting. */
  private returned = false;

  constructor(
    private readonly source: AsyncIterator<unknown>,
    private readonly args: ExecutionArgs,
    private readonly key: string,
    private readonly sink: DirectSink | undefined,
  ) {
    this.prefix = sink && Buffer.from(`{"id":${JSON.stringify(sink.id)},"type":"next","payload":`);
  }

  next(): Promise<IteratorResult<ExecutionResult>> {
    if (!this.forClient && this.sink && isListenable(this.source)) this.listen(this.source);
    return this.forClient ? this.forClient.next() : this.pull();
  }

  /** Undefined when the socket can take more now; otherwise resolves once it can (or the subscription ended). */
  private writable = (): Promise<void> | undefined => {
    if (!this.sink || !this.sink.behind(PACE_SHARE)) return undefined;
    return new Promise<void>((resolve) => {
      const check = () => {
        if (!this.sink!.behind(PACE_SHARE) || this.returned || this.forClient?.isEnded) resolve();
        else setTimeout(check, PACE_POLL_MS);
      };
      setTimeout(check, PACE_POLL_MS);
    });
  };

  private async pull(): Promise<IteratorResult<ExecutionResult>> {
    for (;;) {
      await this.writable();
      const r = await this.source.next();
      if (r.done) return { done: true, value: undefined };
      const result = await resultFor(r.value, this.args, this.key);
      if (!this.sink || result.errors) return { done: false, value: result };
      if (!this.write(result)) {
        await this.source.return?.();
        throw new StreamOverflowError();
      }
    }
  }

  private listen(source: Listenable<unknown>): void {
    const forClient = (this.forClient = new Stream<ExecutionResult>(Infinity, () => void this.source.return?.()));
    source.listen(
      (event) => {
        try {
          // Behind a result still executing, this one waits its turn; otherwise it goes out in this call.
          const result = this.tail
            ? this.tail.then(() => resultFor(event, this.args, this.key))
            : resultFor(event, this.args, this.key);
          if (result instanceof Promise) this.chain(result.then((r) => this.deliver(r)));
          else this.deliver(result);
        } catch (error) {
          forClient.fail(asError(error));
        }
      },
      (error) => {
        // After what is still executing, so the end does not overtake the last results.
        const end = () => (error ? forClient.fail(error) : void forClient.return());
        if (this.tail) void this.tail.then(end, end);
        else end();
      },
      this.writable,
    );
  }

  /** Later events wait for this one; a failure ends the subscription rather than going unhandled. */
  private chain(work: Promise<void>): void {
    const tail: Promise<void> = (this.tail = work
      .catch((error: unknown) => this.forClient!.fail(asError(error)))
      .finally(() => {
        if (this.tail === tail) this.tail = undefined;
      }));
  }

  private deliver(result: ExecutionResult): void {
    if (this.forClient!.isEnded) return; // completed or cut off meanwhile: nothing more goes out
    if (result.errors) return void this.forClient!.push(result);
    if (!this.write(result)) this.forClient!.fail(new StreamOverflowError());
  }

  /** Writes a result straight to the socket; false when the client is too far behind to take more. */
  private write(result: ExecutionResult): boolean {
    if (this.sink!.behind()) return false;
    this.sink!.send(frame(result, this.prefix!));
    return true;
  }

  async return(): Promise<IteratorResult<ExecutionResult>> {
    this.returned = true;
    if (this.forClient) await this.forClient.return();
    else await this.source.return?.();
    return { done: true, value: undefined };
  }

  async throw(error: unknown): Promise<IteratorResult<ExecutionResult>> {
    await this.return();
    throw error;
  }

  [Symbol.asyncIterator]() {
    return this;
  }
}

export function useSharedEventExecution(): Plugin {
  return {
    onSubscribe({ setSubscribeFn }) {
      setSubscribeFn(async (args: ExecutionArgs) => {
        const source = await createSourceEventStream(args);
        if (!(Symbol.asyncIterator in source)) return source as ExecutionResult;
        const sink = (args.rootValue as { directSink?: DirectSink } | undefined)?.directSink;
        return new EventResults(
          (source as AsyncIterable<unknown>)[Symbol.asyncIterator](),
          args,
          selectionKey(args),
          sink,
        );
      });
    },
  };
}
