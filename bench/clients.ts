// How the harness talks to each kind of server: what a subscriber sends, how a group is set up, how one message is
// sent. Everything that must happen before a send (the gateway's created drafts) happens in prepare(), untimed.
import { postJson } from './http';
import { userSig } from './keys';
import type { SubscriberSpec } from './load-client';
import type { ServerHandle } from './servers';
import { SENDER, type ServerKind } from './server-under-test';

/** The fields a chat screen needs from a live message; raw-ws sends a frame of the same shape. */
export const LIVE_FIELDS = 'msgID sender groupID seq timestamp elemType textElem { text } cursor';
export const GATEWAY_SUBSCRIPTION = `subscription { onRecvNewMessage { ${LIVE_FIELDS} } }`;
export const GATEWAY_SEND = `mutation($id: String!, $groupID: String) { sendMessage(id: $id, groupID: $groupID) {
  code desc data { msgID sender groupID status elemType textElem { text } seq timestamp cursor } } }`;
const NAIVE_SUBSCRIPTION = `subscription($groupID: String!) { onRecvNewMessage(groupID: $groupID) { ${LIVE_FIELDS} } }`;
const NAIVE_SEND = `mutation($groupID: String!, $text: String!, $receiverList: [String!]) {
  sendMessage(groupID: $groupID, text: $text, receiverList: $receiverList) {
  code desc data { msgID sender groupID status elemType textElem { text } seq timestamp cursor } } }`;

export interface Outgoing {
  tag: string;
  groupId: string;
  receivers: string[] | null;
}
export interface PreparedSend {
  path: string;
  body: unknown;
  headers: Record<string, string>;
}

export interface FanoutClient {
  kind: ServerKind;
  server: ServerHandle;
  /** Creates the group where the server keeps groups (raw-ws has one implicit audience: all its sockets). */
  setupGroup(groupId: string, members: string[]): Promise<void>;
  subscriber(userId: string, groupId: string): SubscriberSpec;
  prepare(messages: readonly Outgoing[]): Promise<PreparedSend[]>;
  /** One request; rejects unless the server answered code 0. */
  send(p: PreparedSend): Promise<void>;
}

const auth = (user: string) => ({ authorization: `Bearer ${userSig(user)}` });

async function sendChecked(server: ServerHandle, p: PreparedSend): Promise<void> {
  const answer = await postJson(server.port, p.path, p.body, p.headers);
  if (answer.status !== 200 || !answer.body.includes('"code":0')) {
    throw new Error(`${server.kind} send failed: ${answer.status} ${answer.body.slice(0, 300)}`);
  }
}

export function fanoutClient(server: ServerHandle): FanoutClient {
  const send = (p: PreparedSend) => sendChecked(server, p);
  switch (server.kind) {
    case 'gateway':
      return {
        kind: server.kind,
        server,
        send,
        async setupGroup(groupId, members) {
          // Meeting: the one type that holds 5,000 members and still takes targeted messages.
          await server.call('group', { groupId, groupType: 'Meeting', owner: SENDER, members });
        },
        subscriber: (userId) => ({
          userId,
          connectionParams: { userSig: userSig(userId) },
          query: GATEWAY_SUBSCRIPTION,
        }),
        async prepare(messages) {
          const ids = await server.call<string[]>('drafts', {
            sender: SENDER,
            texts: messages.map((m) => m.tag),
            targets: messages.map((m) => m.receivers),
          });
          return messages.map((m, i) => ({
            path: '/graphql',
            headers: auth(SENDER),
            body: { query: GATEWAY_SEND, variables: { id: ids[i], groupID: m.groupId } },
          }));
        },
      };
    case 'naive-yoga':
      return {
        kind: server.kind,
        server,
        send,
        setupGroup: async () => {},
        subscriber: (userId, groupId) => ({
          userId,
          connectionParams: { userSig: userSig(userId) },
          query: NAIVE_SUBSCRIPTION,
          variables: { groupID: groupId },
        }),
        prepare: async (messages) =>
          messages.map((m) => ({
            path: '/graphql',
            headers: auth(SENDER),
            body: { query: NAIVE_SEND, variables: { groupID: m.groupId, text: m.tag, receiverList: m.receivers } },
          })),
      };
    case 'raw-ws':
      return {
        kind: server.kind,
        server,
        send,
        setupGroup: async () => {},
        subscriber: (userId) => ({
          userId,
          connectionParams: {},
          query: 'subscription { onRecvNewMessage { msgID } }',
        }),
        prepare: async (messages) => messages.map((m) => ({ path: '/send', headers: {}, body: { text: m.tag } })),
      };
    default:
      throw new Error(`${server.kind} does not fan out`);
  }
}
