// graphql-sse's single-connection mode on /graphql/stream (the yoga plugin), next to yoga's own distinct-connection
// SSE on /graphql. It is also how a browser EventSource, which cannot send headers, is authenticated: the client
// reserves a stream with `PUT /graphql/stream` and `Authorization: Bearer <UserSig>`, opens the EventSource with
// only the reservation token (`?token=`), and POSTs each operation with the token and its Authorization header.
// A reservation needs a valid UserSig, and the token belongs to the user who reserved it: an operation on it with
// another user's UserSig is refused (403), so a leaked token carries nobody else's messages.
import { randomUUID } from 'node:crypto';
import { GraphQLError } from 'graphql';
import type { Plugin } from 'graphql-yoga';
import { useGraphQLSSE } from '@graphql-yoga/plugin-graphql-sse';
import type { Request as StreamRequest } from 'graphql-sse';
import type { Config } from './config';
import { authenticate, bearer } from './auth/viewer';

const TOKEN_HEADER = 'x-graphql-event-stream-token';
/** Reservations kept per process; beyond that the oldest are forgotten (their operations get 403). */
const MAX_RESERVATIONS = 100_000;

export function useSingleConnectionSSE(config: Config): Plugin {
  const owners = new Map<string, string>();
  const viewerOf = (req: StreamRequest<Request, unknown>) =>
    authenticate(bearer(req.headers.get('authorization') ?? undefined), config);
  // graphql-sse's handler answers with a [body, init] pair.
  const refuse = (status: number, message: string) =>
    [
      JSON.stringify({ errors: [{ message }] }),
      {
        status,
        statusText: status === 401 ? 'Unauthorized' : 'Forbidden',
        headers: { 'content-type': 'application/json' },
      },
    ] as const;
  const sse = useGraphQLSSE({
    endpoint: '/graphql/stream',
    authenticate(req) {
      const token =
        req.headers.get(TOKEN_HEADER) ?? new URL(req.url ?? '', 'http://localhost/').searchParams.get('token');
      if (req.method === 'PUT') {
        const { viewer, authFailure } = viewerOf(req);
        if (viewer === null) return refuse(401, authFailure?.message ?? 'Not logged in.');
        const reserved = randomUUID();
        owners.set(reserved, viewer);
        if (owners.size > MAX_RESERVATIONS) owners.delete(owners.keys().next().value!);
        return reserved;
      }
      if (!token) return ''; // distinct connections: each operation is authenticated by its own request
      // The EventSource GET has only the token; operations POSTed on it must come from its owner.
      if (req.method === 'POST' || req.method === 'DELETE') {
        const owner = owners.get(token);
        if (owner === undefined || viewerOf(req).viewer !== owner)
          return refuse(403, 'This event stream token belongs to another user, or was never reserved.');
      }
      return token;
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
    onRequest(payload) {
      let answered: unknown;
      try {
        answered = sse.onRequest?.(payload);
      } catch (error) {
        return badRequest(error, payload.endResponse, payload.fetchAPI);
      }
      return answered instanceof Promise
        ? answered.catch((error: unknown) => badRequest(error, payload.endResponse, payload.fetchAPI))
        : (answered as undefined);
    },
  };
}
