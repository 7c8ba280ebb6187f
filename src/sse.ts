// graphql-sse's single-connection mode on /graphql/stream (the yoga plugin), next to yoga's own distinct-connection
// SSE on /graphql. It is also how a browser EventSource, which cannot send headers, is authenticated: the client
// reserves a stream with `PUT /graphql/stream` and `Authorization: Bearer <UserSig>`, opens the EventSource with
// only the reservation token (`?token=`), and POSTs each operation with the token and its Authorization header.
// A reservation needs a valid UserSig, and the token belongs to the user who reserved it: an operation on it with
// another user's UserSig is refused (403), so a leaked token carries nobody else's messages.
import { randomUUID } from 'node:crypto';
import type { ServerResponse } from 'node:http';
import { GraphQLError, getOperationAST, type DocumentNode, type ExecutionArgs } from 'graphql';
import type { Plugin } from 'graphql-yoga';
import type { Request as StreamRequest } from 'graphql-sse';
import { createHandler, type HandlerOptions } from 'graphql-sse/lib/use/fetch';
import type { Config } from './config';
import { authenticate, bearer } from './auth/viewer';
import type { Connections } from './connections';

const TOKEN_HEADER = 'x-graphql-event-stream-token';
/** Reservations kept per process; beyond that the oldest are forgotten (their operations get 403). */
const MAX_RESERVATIONS = 100_000;
/** Reservations of one user not opened yet; another releases that user's oldest (an app that reserves again after a
 *  crash is not locked out). */
const MAX_UNOPENED_PER_USER = 8;
/** How long a reservation waits for its EventSource (which opens right after the PUT) before it is released. */
const RESERVATION_SECONDS = 60;

/** `now`: the gateway's clock, in seconds; `connections`: the users' open connections, shared with graphql-ws. */
export function useSingleConnectionSSE(config: Config, now: () => number, connections: Connections): Plugin {
  /** Every reservation's owner, by token, oldest first. */
  const owners = new Map<string, string>();
  /** The reservations not opened yet, oldest first, and by user: what expires or is released. */
  const pending = new Map<string, { owner: string; at: number }>();
  const pendingOf = new Map<string, Set<string>>();
  /** Opens a stream with a request already aborted: how graphql-sse disposes of one (set once yoga is there). */
  let dispose: ((token: string) => void) | undefined;
  /** No longer pending: opened (`true`), or released and its stream disposed. graphql-sse keeps every reserved stream
   *  until an EventSource has opened and closed it (about 2.4 KB each, for good, however many PUTs come). */
  const settle = (token: string, opened: boolean) => {
    const p = pending.get(token);
    if (!p) return;
    pending.delete(token);
    const mine = pendingOf.get(p.owner)!;
    mine.delete(token);
    if (mine.size === 0) pendingOf.delete(p.owner);
    if (!opened) {
      forget(token);
      dispose?.(token);
    }
  };
  /** The reservation is gone: its owner and its count of running operations (one that failed never completes). */
  const forget = (token: string) => {
    owners.delete(token);
    running.delete(token);
  };
  const reserve = (owner: string): string => {
    const at = now();
    for (const [token, p] of pending) {
      if (p.at > at - RESERVATION_SECONDS) break;
      settle(token, false);
    }
    const mine = pendingOf.get(owner) ?? new Set<string>();
    if (mine.size >= MAX_UNOPENED_PER_USER) settle(mine.values().next().value!, false);
    const token = randomUUID();
    owners.set(token, owner);
    pending.set(token, { owner, at });
    pendingOf.set(owner, mine.add(token));
    if (owners.size > MAX_RESERVATIONS) {
      const oldest = owners.keys().next().value!;
      forget(oldest);
      settle(oldest, false);
    }
    return token;
  };
  // Operations running on each stream, at most IM_MAX_SUBSCRIPTIONS_PER_CONNECTION as on a graphql-ws socket (graphql-sse
  // sets no bound: one stream could hold any number of subscriptions). A POST is counted when admitted; it stops
  // counting when its operation completes, or as soon as it is answered other than 202 (no operation started).
  const running = new Map<string, number>();
  const counted = new WeakMap<Request, string>();
  const uncount = (request: Request) => {
    const token = counted.get(request);
    if (token === undefined) return;
    counted.delete(request);
    const n = (running.get(token) ?? 1) - 1;
    if (n > 0) running.set(token, n);
    else running.delete(token);
  };
  const viewerOf = (req: StreamRequest<Request, unknown>) =>
    authenticate(bearer(req.headers.get('authorization') ?? undefined), config);
  // graphql-sse's handler answers with a [body, init] pair.
  const refuse = (status: number, message: string) =>
    [
      JSON.stringify({ errors: [{ message }] }),
      {
        status,
        statusText:
          { 401: 'Unauthorized', 404: 'Not Found', 406: 'Not Acceptable', 429: 'Too Many Requests' }[status] ??
          'Forbidden',
        headers: { 'content-type': 'application/json' },
      },
    ] as const;
  const sse = graphqlSSE({
    authenticate(req) {
      const token =
        req.headers.get(TOKEN_HEADER) ?? new URL(req.url ?? '', 'http://localhost/').searchParams.get('token');
      if (req.method === 'PUT') {
        const { viewer, authFailure } = viewerOf(req);
        if (viewer === null) return refuse(401, authFailure?.message ?? 'Not logged in.');
        // graphql-sse answers 406 to these after authenticating: reserved, the token would never reach the client
        // and would only take one of the user's unopened reservations.
        if (!['*/*', 'text/plain'].includes(acceptOf(req)))
          return refuse(406, 'A reservation answers text/plain: send Accept: text/plain or */*.');
        return reserve(viewer);
      }
      if (!token) return ''; // distinct connections: each operation is authenticated by its own request
      // graphql-sse opens a reserved stream for any request that accepts exactly text/event-stream, whatever its
      // method (an EventSource's GET, which has only the token), and runs an operation on it for a POST or a GET that
      // does not (`?token=…&query=…&extensions={"operationId":…}`). POSTs, DELETEs and such GETs must come from the
      // token's owner; the operations count toward the stream's bound.
      const streaming = acceptOf(req) === 'text/event-stream';
      const operation = !streaming && (req.method === 'POST' || req.method === 'GET');
      if (operation || req.method === 'POST' || req.method === 'DELETE') {
        const owner = owners.get(token);
        if (owner === undefined || viewerOf(req).viewer !== owner)
          return refuse(403, 'This event stream token belongs to another user, or was never reserved.');
      }
      // Opening a reservation: an open stream holds a socket for good, so it counts as one of the user's connections,
      // until its response closes (the EventSource went away, or the server stopped). Any other request leaves it
      // reserved.
      const opening = streaming ? pending.get(token) : undefined;
      if (opening) {
        // Expired, if no PUT has released it yet: released now.
        if (opening.at <= now() - RESERVATION_SECONDS) {
          settle(token, false);
          return refuse(404, 'This event stream reservation has expired: reserve another (PUT).');
        }
        if (!connections.take(opening.owner)) return refuse(429, connections.refusal());
        settle(token, true);
        const release = () => {
          connections.release(opening.owner);
          forget(token); // graphql-sse has dropped the closed stream
        };
        // The node response's 'close' ends the count (the request's signal does not abort when the response finishes).
        const { res } = (sse.serverContext(req.raw) ?? {}) as { res?: ServerResponse };
        if (res) {
          if (res.closed) release();
          else res.once('close', release);
        } else if (req.raw.signal.aborted) release();
        else req.raw.signal.addEventListener('abort', release, { once: true }); // yoga.fetch, in-process (tests)
      }
      if (operation) {
        const n = running.get(token) ?? 0;
        const cap = config.limits.maxSubscriptionsPerConnection;
        if (n >= cap)
          return refuse(429, `At most ${cap} operations run at once on one event stream; complete one first.`);
        running.set(token, n + 1);
        counted.set(req.raw, token);
      }
      return token;
    },
    onComplete(_ctx, req) {
      uncount(req.raw);
    },
  });
  // graphql-sse's handler lets a document's parse error (a syntax error, more tokens than allowed) escape as a throw,
  // which the server answered 500 with a stack trace. It is the client's error: 400 with the error, as on /graphql.
  const badRequest = (
    error: unknown,
    endResponse: (response: Response) => void,
    fetchAPI: { Response: typeof Response },
  ) => {
    if (!(error instanceof GraphQLError)) throw error;
    const { extensions, ...rest } = error.toJSON();
    endResponse(
      new fetchAPI.Response(
        JSON.stringify({ errors: [{ ...rest, extensions: { code: 'GRAPHQL_PARSE_FAILED', ...extensions } }] }),
        {
          status: 400,
          headers: { 'content-type': 'application/json' },
        },
      ),
    );
  };
  return {
    ...sse,
    onYogaInit(payload) {
      sse.onYogaInit?.(payload);
      const { fetchAPI } = payload.yoga;
      dispose = (token) =>
        void Promise.resolve(
          sse.onRequest?.({
            request: new fetchAPI.Request(`http://gateway/graphql/stream?token=${token}`, {
              headers: { accept: 'text/event-stream' },
              signal: AbortSignal.abort(),
            }),
            serverContext: {},
            fetchAPI,
            endResponse: () => {},
          } as unknown as Parameters<NonNullable<typeof sse.onRequest>>[0]),
        ).catch(() => {});
    },
    onRequest(payload) {
      const { request } = payload;
      const endResponse = (response: Response) => {
        if (response.status !== 202) uncount(request); // no operation started
        payload.endResponse(response);
      };
      const failed = (error: unknown) => {
        uncount(request);
        return badRequest(error, payload.endResponse, payload.fetchAPI);
      };
      let answered: unknown;
      try {
        answered = sse.onRequest?.({ ...payload, endResponse });
      } catch (error) {
        return failed(error);
      }
      return answered instanceof Promise ? answered.catch(failed) : (answered as undefined);
    },
  };
}

const ENDPOINT = '/graphql/stream';
/** The Accept header as graphql-sse reads it: exactly text/event-stream opens a stream, or is a distinct one. */
const acceptOf = (req: { headers: { get(name: string): string | null | undefined } }) =>
  req.headers.get('accept') || '*/*';
type SSEOptions = Pick<HandlerOptions, 'authenticate' | 'onComplete'>;

/**
 * What @graphql-yoga/plugin-graphql-sse does (graphql-sse's fetch handler, operations run through yoga's envelop with
 * the plugins and the context of /graphql), but a document that does not parse or validate gets its errors: as the
 * operation's result on a stream, or 400 on its own. The plugin hands them to graphql-sse as `{ errors }`, which
 * graphql-sse takes for execution arguments (a result must have `data`), so every invalid document, a misspelt field
 * or two root fields, was answered "Unable to detect operation AST", and on a stream its operation id stayed taken.
 */
function graphqlSSE(options: SSEOptions): Required<Pick<Plugin, 'onYogaInit' | 'onRequest'>> & {
  /** The server context (node's req and res) a request came with. */
  serverContext(request: Request): Record<string, unknown> | undefined;
} {
  const contextOf = new WeakMap<Request, Record<string, unknown>>();
  let handler: ((request: Request) => Promise<Response>) | undefined;
  return {
    serverContext: (request) => contextOf.get(request),
    onYogaInit({ yoga }) {
      handler = createHandler(
        {
          ...options,
          onSubscribe(req, params) {
            // An operation on a reserved stream (a request that is no event stream itself): graphql-sse has taken its
            // id already and frees it only when the operation completes, so a refusal answered as a response would
            // keep the id, and its entry, for good. There the errors are the operation's result, on the stream.
            const onStream = acceptOf(req) !== 'text/event-stream';
            const refused = (errors: readonly GraphQLError[], code: string) => {
              const list = errors.map((e) => {
                const { http: _http, ...extensions } = e.extensions; // yoga's own status hint
                return new GraphQLError(e.message, {
                  nodes: e.nodes,
                  source: e.source,
                  positions: e.positions,
                  extensions: { code, ...extensions },
                });
              });
              if (onStream) return { data: null, errors: list };
              const body = JSON.stringify({ errors: list });
              return [
                body,
                { status: 400, statusText: 'Bad Request', headers: { 'content-type': 'application/json' } },
              ] as const;
            };
            const enveloped = yoga.getEnveloped({ ...contextOf.get(req.raw), request: req.raw, params });
            let document: DocumentNode;
            try {
              document = enveloped.parse(params.query);
            } catch (e) {
              if (onStream && e instanceof GraphQLError) return refused([e], 'GRAPHQL_PARSE_FAILED');
              throw e; // answered 400 by badRequest below
            }
            const errors = enveloped.validate(enveloped.schema, document);
            if (errors.length > 0) return refused(errors, 'GRAPHQL_VALIDATION_FAILED');
            return Promise.resolve(enveloped.contextFactory()).then((contextValue) => {
              const args: ExecutionArgs = {
                schema: enveloped.schema,
                document,
                contextValue,
                variableValues: params.variables,
                operationName: params.operationName,
              };
              const operation = getOperationAST(document, params.operationName);
              return (operation?.operation === 'subscription' ? enveloped.subscribe : enveloped.execute)(args);
            });
          },
        },
        yoga.fetchAPI,
      );
    },
    onRequest({ request, endResponse, serverContext }) {
      if (!request.url.split('?')[0]!.endsWith(ENDPOINT)) return;
      contextOf.set(request, serverContext as Record<string, unknown>);
      return handler!(request).then(endResponse);
    },
  };
}
