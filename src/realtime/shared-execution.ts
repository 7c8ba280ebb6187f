// Executes a subscription event once per distinct (payload, selection) instead of once per socket. The router hands
// every local stream the same event object, and subscriptions turn it into one view object per distinct view
// (see sharedView): a broadcast to 1,000 members with the same selection then runs GraphQL once, not 1,000 times.
//
// Only payloads marked with `SHARED` are cached: their fields must be plain exposures that never read the context
// (the viewer is already baked into the view). Anything else executes per subscriber as graphql-js does.
import {
  createSourceEventStream, execute, Kind, visit,
  type DocumentNode, type ExecutionArgs, type ExecutionResult, type OperationDefinitionNode,
} from 'graphql';
import type { Plugin } from 'graphql-yoga';
import { StreamOverflowError } from './stream';

export const SHARED = Symbol('shared subscription payload');

/** Executions run for shared payloads, frames written directly and payloads serialized (tests, benchmarks). */
export const sharedExecutionStats = { executions: 0, directFrames: 0, serializations: 0 };

const results = new WeakMap<object, Map<string, Promise<ExecutionResult> | ExecutionResult>>();
const views = new WeakMap<object, Map<string, object>>();

/** One view object per (event, key): subscribers whose views are equal get the identical object. */
export function sharedView<V extends object>(event: object, key: string, make: () => V): V {
  let byKey = views.get(event);
  if (!byKey) views.set(event, (byKey = new Map()));
  let view = byKey.get(key) as V | undefined;
  if (!view) byKey.set(key, (view = Object.assign(make(), { [SHARED]: true })));
  return view;
}

/** The variables an event's execution can depend on: those used below the root field, not in its arguments. */
function selectionKey(args: ExecutionArgs): string {
  const ops = args.document.definitions.filter((d): d is OperationDefinitionNode => d.kind === Kind.OPERATION_DEFINITION);
  const op = args.operationName ? ops.find((o) => o.name?.value === args.operationName) : ops[0];
  const used = new Set<string>();
  const collect = (node: Parameters<typeof visit>[0]) => visit(node, { Variable: (v) => { used.add(v.name.value); } });
  for (const selection of op?.selectionSet.selections ?? []) {
    if (selection.kind === Kind.FIELD) { if (selection.selectionSet) collect(selection.selectionSet); } else collect(selection);
  }
  for (const d of args.document.definitions) if (d.kind === Kind.FRAGMENT_DEFINITION) collect(d);
  const values = args.variableValues ?? {};
  return JSON.stringify([documentId(args.document), args.operationName ?? null, [...used].sort().map((n) => [n, values[n] ?? null])]);
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
  if (typeof payload !== 'object' || payload === null || !(SHARED in payload)) return execute({ ...args, rootValue: payload });
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
 * Where a graphql-ws operation's `next` messages can be written directly (ws.ts puts it in the context). Events
 * then skip graphql-ws's per-socket pipeline (an iterator step, a result hook, a stringify and a send promise per
 * socket): the payload is serialized once per distinct result and framed with the operation id.
 */
export interface DirectSink {
  id: string;
  send(frame: string): void;
  /** Bytes queued on the socket: a client that stops reading is cut off rather than buffered without bound. */
  bufferedAmount(): number;
}

/** Past this much unsent data a subscriber is told to resubscribe (it resumes by cursor; nothing is lost). */
const MAX_BUFFERED_BYTES = 8 * 1024 * 1024;

const payloadJson = new WeakMap<ExecutionResult, string>();
function frame(result: ExecutionResult, prefix: string): string {
  let json = payloadJson.get(result);
  if (json === undefined) {
    sharedExecutionStats.serializations++;
    payloadJson.set(result, (json = JSON.stringify(result)));
  }
  sharedExecutionStats.directFrames++;
  return `${prefix}${json}}`;
}

/** A plain iterator, not a generator: returning must reach the source at once, even while a next() waits. */
function mapEvents(source: AsyncIterator<unknown>, args: ExecutionArgs, key: string, sink: DirectSink | undefined): AsyncIterableIterator<ExecutionResult> {
  const prefix = sink && `{"id":${JSON.stringify(sink.id)},"type":"next","payload":`;
  return {
    async next() {
      for (;;) {
        const r = await source.next();
        if (r.done) return { done: true, value: undefined };
        const result = await resultFor(r.value, args, key);
        // Results with errors take the ordinary path, so error masking and hooks apply to them.
        if (!sink || result.errors) return { done: false, value: result };
        if (sink.bufferedAmount() > MAX_BUFFERED_BYTES) {
          await source.return?.();
          throw new StreamOverflowError();
        }
        sink.send(frame(result, prefix!));
      }
    },
    async return() {
      await source.return?.();
      return { done: true, value: undefined };
    },
    async throw(error: unknown) {
      await source.return?.();
      throw error;
    },
    [Symbol.asyncIterator]() { return this; },
  };
}

export function useSharedEventExecution(): Plugin {
  return {
    onSubscribe({ setSubscribeFn }) {
      setSubscribeFn(async (args: ExecutionArgs) => {
        const source = await createSourceEventStream(args);
        if (!(Symbol.asyncIterator in source)) return source as ExecutionResult;
        const sink = (args.contextValue as { directSink?: DirectSink } | undefined)?.directSink;
        return mapEvents((source as AsyncIterable<unknown>)[Symbol.asyncIterator](), args, selectionKey(args), sink);
      });
    },
  };
}
