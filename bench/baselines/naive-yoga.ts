// naive-yoga, what a user would write from the graphql-yoga and graphql-ws docs: a pubsub topic per group, every
// subscriber of the group gets every event and drops the ones not meant for it with a `filter` on the receiver
// list. The same UserSig check as the gateway; no storage, no seq, no resume.
import { setMaxListeners } from 'node:events';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import {
  createGraphQLError,
  createPubSub,
  type PubSubEventTarget,
  createSchema,
  createYoga,
  filter,
  map,
  pipe,
} from 'graphql-yoga';
import { WebSocketServer } from 'ws';
import { useServer } from 'graphql-ws/use/ws';
import type { ExecutionArgs } from 'graphql';
import { verifyUserSig } from '../../src/auth/usersig';
import { BENCH_KEY, BENCH_SDKAPPID } from '../keys';
import type { ServerUnderTest } from '../server-under-test';

interface Message {
  msgID: string;
  sender: string;
  groupID: string;
  seq: string;
  timestamp: number;
  elemType: number;
  textElem: { text: string };
  cursor: string;
  status: number;
  isSelf: boolean;
}
interface GroupEvent {
  message: Message;
  receivers: string[] | null;
}
interface Context {
  viewer: string | null;
}

const typeDefs = /* GraphQL */ `
  type V2TimTextElem {
    text: String!
  }
  type V2TimMessage {
    msgID: String
    sender: String
    groupID: String
    status: Int!
    elemType: Int!
    textElem: V2TimTextElem
    seq: String
    timestamp: Int
    isSelf: Boolean
    cursor: String
  }
  type MessageValueCallback {
    code: Int!
    desc: String!
    data: V2TimMessage
  }
  type Query {
    ping: Boolean
  }
  type Mutation {
    sendMessage(groupID: String!, text: String!, receiverList: [String!]): MessageValueCallback!
  }
  type Subscription {
    onRecvNewMessage(groupID: String!): V2TimMessage!
  }
`;

const viewerOf = (userSig: string | undefined): string | null => {
  if (!userSig) return null;
  const r = verifyUserSig(userSig, BENCH_SDKAPPID, BENCH_KEY);
  return r.ok ? r.userID : null;
};

export async function startNaiveYoga(): Promise<ServerUnderTest> {
  type Topics = { message: [groupID: string, event: GroupEvent] };
  // One listener per subscriber on a group's topic: lift Node's leak warning (10) as a user would after seeing it.
  const eventTarget = new EventTarget();
  setMaxListeners(0, eventTarget);
  const pubSub = createPubSub<Topics>({ eventTarget: eventTarget as PubSubEventTarget<Topics> });
  const seqs = new Map<string, number>();
  let active = 0;

  async function* counted<T>(source: AsyncIterable<T>): AsyncGenerator<T> {
    active++;
    try {
      yield* source;
    } finally {
      active--;
    }
  }

  const yoga = createYoga({
    schema: createSchema<Context>({
      typeDefs,
      resolvers: {
        Mutation: {
          sendMessage: (
            _: unknown,
            args: { groupID: string; text: string; receiverList?: string[] | null },
            ctx: Context,
          ) => {
            if (!ctx.viewer) throw createGraphQLError('Not logged in');
            const now = Math.floor(Date.now() / 1000);
            const seq = (seqs.get(args.groupID) ?? 0) + 1;
            seqs.set(args.groupID, seq);
            const message: Message = {
              msgID: `${now}-naive${String(seq).padStart(10, '0')}`,
              sender: ctx.viewer,
              groupID: args.groupID,
              seq: String(seq),
              timestamp: now,
              elemType: 1,
              textElem: { text: args.text },
              cursor: String(seq),
              status: 2,
              isSelf: false,
            };
            const receivers = args.receiverList ? [ctx.viewer, ...args.receiverList] : null;
            pubSub.publish('message', args.groupID, { message, receivers });
            return { code: 0, desc: '', data: { ...message, isSelf: true } };
          },
        },
        Subscription: {
          onRecvNewMessage: {
            subscribe: (_: unknown, args: { groupID: string }, ctx: Context) => {
              if (!ctx.viewer) throw createGraphQLError('Not logged in');
              const viewer = ctx.viewer;
              return counted(
                pipe(
                  pubSub.subscribe('message', args.groupID),
                  filter((e: GroupEvent) => e.receivers === null || e.receivers.includes(viewer)),
                  map((e: GroupEvent) => e.message),
                ),
              );
            },
            resolve: (m: Message) => m,
          },
        },
      },
    }),
    graphqlEndpoint: '/graphql',
    landingPage: false,
    graphiql: false,
    logging: false,
    context: (initial): Context => {
      const request = initial.request as Request | undefined;
      // graphql-ws puts its context (with connectionParams) into the initial context, see onSubscribe below.
      const params = (initial as { connectionParams?: { userSig?: string } }).connectionParams;
      const bearer = request?.headers.get('authorization')?.replace(/^Bearer\s+/i, '');
      return { viewer: viewerOf(params?.userSig ?? bearer) };
    },
  });

  const server = createServer(yoga);
  const wss = new WebSocketServer({ server, path: yoga.graphqlEndpoint });
  type Enveloped = ReturnType<typeof yoga.getEnveloped>;
  const disposable = useServer(
    {
      onConnect: (ctx) => viewerOf((ctx.connectionParams as { userSig?: string } | undefined)?.userSig) !== null,
      execute: (args) => (args.rootValue as { execute: Enveloped['execute'] }).execute(args),
      subscribe: (args) => (args.rootValue as { subscribe: Enveloped['subscribe'] }).subscribe(args),
      onSubscribe: async (ctx, _id, params) => {
        const { schema, execute, subscribe, contextFactory, parse, validate } = yoga.getEnveloped({
          ...ctx,
          req: ctx.extra.request,
          socket: ctx.extra.socket,
          params,
        });
        const args: ExecutionArgs = {
          schema,
          operationName: params.operationName,
          document: parse(params.query),
          variableValues: params.variables,
          contextValue: await contextFactory(),
          rootValue: { execute, subscribe },
        };
        const errors = validate(args.schema, args.document);
        if (errors.length) return errors;
        return args;
      },
    },
    wss,
  );

  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    port: (server.address() as AddressInfo).port,
    subscriptions: () => active,
    commands: {},
    async stop() {
      await disposable.dispose();
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
    },
  };
}
