// The seed's Dart example over graphql-ws: alice creates a text, targets it to ['user1', 'user2'] in a group that
// also holds bob, and sends it; we print what user1 and bob receive (bob: only the broadcast that follows).
//   npx tsx examples/seed-client.ts            against http://localhost:$PORT/graphql (PORT: 4000) with dev-key UserSigs
// Env: PORT (a gateway on this machine), or GATEWAY_URL for one elsewhere (http(s)://host/graphql; it wins over
// PORT), and <USER>_USERSIG (ALICE_USERSIG, USER1_USERSIG, BOB_USERSIG) to use UserSigs made elsewhere; otherwise
// they are made from IM_SDKAPPID / IM_SECRET_KEY (the gateway's dev defaults when unset).
import { createClient, type Client } from 'graphql-ws';
import TLSSigAPIv2 from 'tls-sig-api-v2';
import WebSocket from 'ws';
import { loadConfig } from '../src/config';

const url = (process.env.GATEWAY_URL || `http://localhost:${process.env.PORT || 4000}/graphql`).replace(/^http/, 'ws');
const { sdkAppId, secretKey } = loadConfig();
const sig = (user: string) =>
  process.env[`${user.toUpperCase()}_USERSIG`] ?? new TLSSigAPIv2.Api(sdkAppId, secretKey).genUserSig(user, 3600);
const connect = (user: string) =>
  createClient({ url, webSocketImpl: WebSocket, connectionParams: { userSig: sig(user) }, retryAttempts: 0 });

/** Runs a query or mutation on the socket and returns its one field's answer ({ code, desc, data }). */
async function call(client: Client, query: string, variables?: Record<string, unknown>): Promise<any> {
  for await (const result of client.iterate({ query, variables })) {
    if (result.errors) throw new Error(JSON.stringify(result.errors));
    const answer = Object.values(result.data!)[0] as { code: number; desc: string };
    console.log(`  ${query.match(/\{\s*(\w+)/)![1]} → code ${answer.code} ${answer.desc}`);
    return answer;
  }
}

/** Collects `user`'s new messages after `afterCursor` (a cursor means nothing is missed while the socket opens). */
function listen(client: Client, afterCursor: string, count: number): Promise<string[]> {
  const seen: string[] = [];
  return new Promise((resolve, reject) =>
    client.subscribe(
      {
        query:
          'subscription($c: String) { onRecvNewMessage(afterCursor: $c) { sender groupID isSelf textElem { text } } }',
        variables: { c: afterCursor },
      },
      {
        next: ({ data, errors }) => {
          if (errors) return reject(new Error(JSON.stringify(errors)));
          const m = (data as any).onRecvNewMessage;
          seen.push(`"${m.textElem.text}" from ${m.sender} in ${m.groupID}`);
          if (seen.length === count) resolve(seen);
        },
        error: reject,
        complete: () => resolve(seen),
      },
    ),
  );
}

const [alice, user1, bob] = ['alice', 'user1', 'bob'].map(connect) as [Client, Client, Client];
try {
  const groupID = `seed-${Date.now()}`;
  console.log(`alice at ${url}:`);
  await call(
    alice,
    `mutation($g: String!) { createGroup(groupType: "Work", groupName: "Seed", groupID: $g,
    memberList: [{ userID: "user1" }, { userID: "user2" }, { userID: "bob" }]) { code desc data } }`,
    { g: groupID },
  );
  const start = await call(
    alice,
    'mutation($id: String!, $g: String!) { sendMessage(id: $id, groupID: $g) { code desc data { cursor } } }',
    {
      id: (await call(alice, 'mutation { createTextMessage(text: "welcome") { code desc data { id } } }')).data.id,
      g: groupID,
    },
  );
  const received = [listen(user1, start.data.cursor, 2), listen(bob, start.data.cursor, 1)];

  // The Dart example, step by step (with a text: an empty one is refused, 6017).
  const target = await call(
    alice,
    'mutation { createTextMessage(text: "for user1 and user2") { code desc data { id } } }',
  );
  const targeted = await call(
    alice,
    `mutation($id: String!) { createTargetedGroupMessage(id: $id, receiverList: ["user1", "user2"]) {
    code desc data { id } } }`,
    { id: target.data.id },
  );
  if (targeted.code !== 0) throw new Error(`createTargetedGroupMessage: ${targeted.code} ${targeted.desc}`);
  const sent = await call(
    alice,
    'mutation($id: String!, $g: String!) { sendMessage(id: $id, groupID: $g) { code desc data { msgID seq targetGroupMemberList } } }',
    { id: targeted.data.id, g: groupID },
  );
  console.log(`  sent: ${JSON.stringify(sent.data)}`);
  await call(alice, 'mutation($id: String!, $g: String!) { sendMessage(id: $id, groupID: $g) { code desc } }', {
    id: (await call(alice, 'mutation { createTextMessage(text: "hello everyone") { code desc data { id } } }')).data.id,
    g: groupID,
  });

  const [forUser1, forBob] = await Promise.all(received);
  console.log(`user1 received:\n  ${forUser1!.join('\n  ')}`);
  console.log(`bob received (he is not in receiverList):\n  ${forBob!.join('\n  ')}`);
} catch (e) {
  // One line, whatever failed: a close event (4403: a UserSig was refused), a socket error event, or an Error.
  const failure = e as { code?: number; reason?: string; message?: string; error?: { message?: string } };
  console.error(
    failure.code
      ? `socket closed: ${failure.code} ${failure.reason ?? ''}${failure.code === 4403 ? ' (a UserSig was refused)' : ''}`
      : `cannot talk to the gateway at ${url}: ${failure.error?.message ?? failure.message ?? 'connection failed'} (is it running? set PORT or GATEWAY_URL)`,
  );
  process.exitCode = 1;
} finally {
  await Promise.all([alice, user1, bob].map((c) => c.dispose()));
}
