// The GraphQL context, built fresh per request (HTTP, SSE) or per operation (graphql-ws) from one factory.
import { GraphQLError } from 'graphql';
import { Code } from '../codes';
import type { Services, Viewer } from '../resolvers/context';
import { Refusal } from '../resolvers/result';

export interface AuthFailure { imCode: number; message: string }

export interface GraphQLContext extends Services {
  /** The verified userID, or null with `authFailure` saying why. */
  viewer: string | null;
  authFailure: AuthFailure | null;
}

export function unauthenticated(failure: AuthFailure): GraphQLError {
  return new GraphQLError(failure.message, {
    extensions: { code: 'UNAUTHENTICATED', imCode: failure.imCode, http: { status: 401 } },
  });
}

/** The resolver context for a signed-in viewer (the auth plugin has already refused anonymous operations). */
export function signedIn(ctx: GraphQLContext): Viewer {
  if (ctx.viewer === null) {
    throw unauthenticated(ctx.authFailure ?? { imCode: Code.NOT_LOGGED_IN, message: 'Not logged in: send a valid UserSig.' });
  }
  return ctx as Viewer;
}

/** Turns a Refusal thrown while opening a subscription into a GraphQL error that keeps its IM code. */
export function refusalAsError<T>(open: () => T): T {
  try {
    return open();
  } catch (e) {
    if (e instanceof Refusal) throw new GraphQLError(e.desc, { extensions: { code: 'BAD_USER_INPUT', imCode: e.code } });
    throw e;
  }
}
