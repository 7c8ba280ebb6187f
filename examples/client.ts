// The client package in a Node script, as the README shows it: bob listens from a cursor, alice targets a message
// to bob and carol and sends it, bob prints what arrives.
//   PORT=4000 npx tsx examples/client.ts   against a local gateway (GATEWAY_URL for one elsewhere)
// UserSigs are made from IM_SDKAPPID / IM_SECRET_KEY (the gateway's dev defaults when unset); your app backend
// would hand them out instead.
import WebSocket from 'ws'; // Node 20 only: browsers (and Node 22) have a WebSocket
import { createIMClient, isOk } from '../client/src';
import { issueUserSig } from '../src/auth/usersig';
import { loadConfig } from '../src/config';

const url = process.env.GATEWAY_URL || `http://localhost:${process.env.PORT || 4000}/graphql`;
const { sdkAppId, secretKey } = loadConfig();
const userSigOf = (userID: string) => () => issueUserSig(userID, sdkAppId, secretKey, 3600); // asked before every (re)connection

const alice = createIMClient({ url, webSocketImpl: WebSocket, userSig: userSigOf('alice') });
const groupID = `client-${Date.now()}`;
await alice.createGroup({ groupType: 'Work', groupName: 'Client example', groupID, memberList: [{ userID: 'bob' }, { userID: 'carol' }] });
const welcome = await alice.createTextMessage({ text: 'welcome' });
if (!isOk(welcome)) throw new Error(`createTextMessage: ${welcome.code} ${welcome.desc}`);
const start = await alice.sendMessage({ id: welcome.data.id, groupID });

// bob resumes after "welcome": nothing sent while his socket opens is missed (store onCursor's value to resume
// after an app restart too).
const bob = createIMClient({ url, webSocketImpl: WebSocket, userSig: userSigOf('bob'), afterCursor: start.data?.cursor, onCursor: () => {} });
const arrived = new Promise<string>((resolve) => bob.addAdvancedMsgListener({ onRecvNewMessage: (m) => resolve(`${m.sender}: ${m.textElem?.text}`) }));

const created = await alice.createTextMessage({ text: 'for bob and carol only' });
if (isOk(created)) {
  const targeted = await alice.createTargetedGroupMessage({ id: created.data.id, receiverList: ['bob', 'carol'] });
  if (isOk(targeted)) {
    const sent = await alice.sendMessage({ id: targeted.data.id, groupID }); // always send data.id
    console.log(`alice sent: code ${sent.code}, status ${sent.data?.status}, to ${sent.data?.targetGroupMemberList?.join(', ')}`);
  }
}
console.log(`bob received: ${await arrived}`);
await Promise.all([alice.dispose(), bob.dispose()]);
