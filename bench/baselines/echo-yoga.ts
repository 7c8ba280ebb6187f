// echo-yoga, the cost floor of the HTTP + GraphQL path: graphql-yoga with a sendMessage mutation of the same shape
// as the gateway's that stores nothing, checks nothing and answers a made-up message.
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createSchema, createYoga } from 'graphql-yoga';
import type { ServerUnderTest } from '../server-under-test';

const typeDefs = /* GraphQL */ `
  type V2TimTextElem {
    text: String!
  }
  type V2TimMessage {
    msgID: String
    id: String
    sender: String
    groupID: String
    userID: String
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
    sendMessage(id: String!, receiver: String, groupID: String): MessageValueCallback!
  }
`;

export async function startEchoYoga(): Promise<ServerUnderTest> {
  let n = 0;
  const yoga = createYoga({
    schema: createSchema({
      typeDefs,
      resolvers: {
        Mutation: {
          sendMessage: (_: unknown, args: { id: string; receiver?: string | null; groupID?: string | null }) => {
            const now = Math.floor(Date.now() / 1000);
            return {
              code: 0,
              desc: '',
              data: {
                msgID: `${now}-echo${String(++n).padStart(10, '0')}`,
                id: args.id,
                sender: 'sender',
                groupID: args.groupID ?? null,
                userID: args.receiver ?? null,
                status: 2,
                elemType: 1,
                textElem: { text: 'echo' },
                seq: String(n),
                timestamp: now,
                isSelf: true,
                cursor: 'AAAAAAAAAAAAAAAAAAAAAA',
              },
            };
          },
        },
      },
    }),
    graphqlEndpoint: '/graphql',
    landingPage: false,
    graphiql: false,
    logging: false,
  });
  const server = createServer(yoga);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    port: (server.address() as AddressInfo).port,
    subscriptions: () => 0,
    commands: {},
    async stop() {
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
    },
  };
}
