// graphql-ws on the same /graphql path, wired through yoga.getEnveloped so WebSocket operations share the HTTP
// context factory and plugin pipeline (auth, limits, logging). The UserSig is checked once, at connection_init:
// a missing, bad or expired one closes the socket with 4403 Forbidden.
import type { Server } from 'node:http';
import { WebSocketServer } from 'ws';
import { useServer } from 'graphql-ws/use/ws';
import type { ExecutionArgs } from 'graphql';
import type { YogaServerInstance } from 'graphql-yoga';
import type { Config } from './config';
import { authenticate, userSigFromConnectionParams, type Authentication } from './auth/viewer';
import type { GraphQLContext } from './schema/context';
import type { Logger } from './log';

export interface WsOptions {
  /** Seconds a client has to send connection_init before the socket is closed (4408). */
  connectionInitWaitTimeoutMs?: number;
}

type Extra = { auth?: Authentication } & Record<PropertyKey, unknown>;

type Enveloped = ReturnType<YogaServerInstance<Record<string, unknown>, GraphQLContext>['getEnveloped']>;

export function attachWebSocket(server: Server, yoga: YogaServerInstance<Record<string, unknown>, GraphQLContext>, config: Config, log: Logger, options: WsOptions = {}) {
  const wss = new WebSocketServer({ server, path: yoga.graphqlEndpoint });
  const disposable = useServer<Record<string, unknown> | undefined, Extra>({
    connectionInitWaitTimeout: options.connectionInitWaitTimeoutMs ?? 10_000,
    onConnect: (ctx) => {
      const auth = authenticate(userSigFromConnectionParams(ctx.connectionParams), config);
      if (auth.viewer === null) {
        log.info({ imCode: auth.authFailure.imCode }, 'graphql-ws connection refused');
        return false; // graphql-ws closes with 4403 Forbidden
      }
      (ctx.extra as Extra).auth = auth;
      return true;
    },
    execute: (args) => (args.rootValue as { execute: Enveloped['execute'] }).execute(args),
    subscribe: (args) => (args.rootValue as { subscribe: Enveloped['subscribe'] }).subscribe(args),
    onSubscribe: async (ctx, _id, payload) => {
      const { schema, execute, subscribe, contextFactory, parse, validate } = yoga.getEnveloped({
        ...ctx,
        req: ctx.extra.request,
        socket: ctx.extra.socket,
        params: payload,
        wsAuth: (ctx.extra as Extra).auth,
      });
      const args: ExecutionArgs = {
        schema,
        operationName: payload.operationName,
        document: parse(payload.query),
        variableValues: payload.variables,
        contextValue: await contextFactory(),
        rootValue: { execute, subscribe },
      };
      const errors = validate(args.schema, args.document);
      if (errors.length) return errors;
      return args;
    },
  }, wss);
  return {
    wss,
    async close() {
      await disposable.dispose();
      await new Promise<void>((resolve) => wss.close(() => resolve()));
    },
  };
}
