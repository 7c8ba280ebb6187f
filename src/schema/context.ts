// The GraphQL context, built fresh per request (HTTP, SSE) or per operation (graphql-ws) from one factory.
import { GraphQLError } from 'graphql';
import { Code } from '../codes';
import type { Services, Viewer } from '../resolvers/context';
import { Refusal } from '../resolvers/result';
import type { LoginSession } from '../auth/session';
import type { Uploads } from '../media/upload';

export interface AuthFailure {
  imCode: number;
  message: string;
  /** For WWW-Authenticate (RFC 6750): no credentials, a malformed Authorization header, or a bad/expired UserSig. */
  reason?: 'missing' | 'malformed' | 'invalid';
}

export interface GraphQLContext extends Services {
  /** The verified userID, or null with `authFailure` saying why. */
  viewer: string | null;
  authFailure: AuthFailure | null;
  /** On a graphql-ws connection: its login, which the `login` mutation renews; null over HTTP and SSE. */
  session: LoginSession | null;
  /** The request's UserSig is valid through this second (seconds since the epoch); null when not signed in. */
  expiresAt: number | null;
  /** The files of a multipart request, staged in the media store (src/media/upload.ts); absent otherwise. */
  uploads?: Uploads;
}

/** `WWW-Authenticate: Bearer …` for a 401 (RFC 6750 §3): the error, when there is one, and its description. */
export function wwwAuthenticate(failure: AuthFailure): string {
  const error =
    failure.reason === 'malformed' ? 'invalid_request' : failure.reason === 'missing' ? null : 'invalid_token';
  const description = failure.message.replace(/["\\]/g, '');
  return error === null
    ? 'Bearer realm="im"'
    : `Bearer realm="im", error="${error}", error_description="${description}"`;
}

export function unauthenticated(failure: AuthFailure): GraphQLError {
  return new GraphQLError(failure.message, {
    extensions: {
      code: 'UNAUTHENTICATED',
      imCode: failure.imCode,
      http: { status: 401, headers: { 'WWW-Authenticate': wwwAuthenticate(failure) } },
    },
  });
}

/** The resolver context for a signed-in viewer (the auth plugin has already refused anonymous operations). */
export function signedIn(ctx: GraphQLContext): Viewer {
  if (ctx.viewer === null) {
    throw unauthenticated(
      ctx.authFailure ?? { imCode: Code.NOT_LOGGED_IN, message: 'Not logged in: send a valid UserSig.' },
    );
  }
  return ctx as Viewer;
}

/** Turns a Refusal thrown while opening a subscription into a GraphQL error that keeps its IM code. */
export function refusalAsError<T>(open: () => T): T {
  try {
    return open();
  } catch (e) {
    if (e instanceof Refusal)
      throw new GraphQLError(e.desc, { extensions: { code: 'BAD_USER_INPUT', imCode: e.code } });
    throw e;
  }
}
