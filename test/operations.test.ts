// Every operation of examples/operations.graphql (and so every one the README pastes from it) runs against a real
// gateway here, through the documents GraphQL Code Generator made from it, with the variables an app would pass.
import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { Kind, parse, print, type OperationDefinitionNode } from 'graphql';
import { afterEach, describe, expect, it } from 'vitest';
import * as ops from '../client/src/generated';
import { until } from './helpers/live';
import {
  collect,
  createTestGateway,
  TEST_KEY,
  TEST_SDKAPPID,
  userSig,
  wsClient,
  type TestGateway,
} from './helpers/app';

const read = (path: string) => readFileSync(new URL(path, import.meta.url), 'utf8');
const operationsOf = (source: string) =>
  parse(source).definitions.filter((d): d is OperationDefinitionNode => d.kind === Kind.OPERATION_DEFINITION);
const FILE = operationsOf(read('../examples/operations.graphql'));

type Doc<R, V> = ops.TypedDocumentString<R, V>;
const ran = new Set<string>();
const nameOf = (doc: { toString(): string }) => operationsOf(doc.toString())[0]!.name!.value;

/** Runs one generated document as `user`; returns its one field's answer. */
async function run<R, V>(gw: TestGateway, user: string, doc: Doc<R, V>, variables: V): Promise<R[keyof R]> {
  ran.add(nameOf(doc));
  return gw.call(user, doc.toString(), variables as Record<string, unknown>);
}

const cleanup: (() => unknown)[] = [];
afterEach(async () => {
  await Promise.all(cleanup.splice(0).map((f) => f()));
});

describe('examples/operations.graphql', () => {
  it('when the seed flow and daily operations run in order, then each answers code 0 and the targeted message reaches only its receivers', async () => {
    const gw = createTestGateway();
    const port = await gw.app.start(0, '127.0.0.1');
    cleanup.push(() => gw.app.stop());
    const socket = (user: string) => {
      const c = wsClient(port, { userSig: userSig(user) });
      cleanup.push(() => c.dispose());
      return c;
    };
    const live = (user: string) => {
      ran.add('OnRecvNewMessage');
      return collect<ops.OnRecvNewMessageSubscription>(socket(user), ops.OnRecvNewMessageDocument.toString(), {});
    };

    expect(await run(gw, 'alice', ops.GetLoginUserDocument, {})).toMatchObject({ code: 0, data: 'alice' });
    const group = await run(gw, 'alice', ops.CreateGroupDocument, {
      groupType: 'Work',
      groupName: 'Work',
      groupID: 'work',
      memberList: [{ userID: 'bob' }, { userID: 'carol' }, { userID: 'dave' }],
    });
    expect(group).toMatchObject({ code: 0, data: 'work' });
    const [bob, dave] = [live('bob'), live('dave')];
    const router = gw.app.services.router;
    await until(
      () => router.streamCount('bob') === 1 && router.streamCount('dave') === 1,
      "bob's and dave's subscriptions to open",
    );

    const created = await run(gw, 'alice', ops.CreateTextMessageDocument, { text: 'for bob and carol only' });
    expect(created).toMatchObject({
      code: 0,
      data: { messageInfo: { status: 'V2TIM_MSG_STATUS_SENDING', elemType: 'V2TIM_ELEM_TYPE_TEXT' } },
    });
    const targeted = await run(gw, 'alice', ops.CreateTargetedGroupMessageDocument, {
      id: created.data!.id,
      receiverList: ['bob', 'carol'],
    });
    expect(targeted).toMatchObject({ code: 0, data: { messageInfo: { targetGroupMemberList: ['bob', 'carol'] } } });
    const sent = await run(gw, 'alice', ops.SendMessageDocument, { id: targeted.data!.id, groupID: 'work' });
    expect(sent).toMatchObject({
      code: 0,
      data: { status: 'V2TIM_MSG_STATUS_SEND_SUCC', seq: '1', targetGroupMemberList: ['bob', 'carol'] },
    });
    expect((await bob.waitFor(1))[0]!.onRecvNewMessage).toMatchObject({
      msgID: sent.data!.msgID,
      textElem: { text: 'for bob and carol only' },
    });

    const everyone = await run(gw, 'alice', ops.CreateTextMessageDocument, { text: 'hello everyone' });
    await run(gw, 'alice', ops.SendMessageDocument, {
      id: everyone.data!.id,
      groupID: 'work',
      priority: 'V2TIM_PRIORITY_HIGH',
    });
    expect((await dave.waitFor(1)).map((e) => e.onRecvNewMessage.textElem?.text)).toEqual(['hello everyone']);
    const history = await run(gw, 'dave', ops.GetGroupHistoryMessageListDocument, { groupID: 'work', count: 20 });
    expect(history).toMatchObject({
      code: 0,
      data: [{ seq: '1', priority: 'V2TIM_PRIORITY_HIGH', textElem: { text: 'hello everyone' } }],
    });

    // Daily use.
    expect(await run(gw, 'alice', ops.LoginDocument, { userID: 'alice', userSig: userSig('alice') })).toMatchObject({
      code: 0,
    });
    expect(await run(gw, 'bob', ops.GetJoinedGroupListDocument, {})).toMatchObject({
      code: 0,
      data: [{ groupID: 'work', groupType: 'GROUP_TYPE_WORK', owner: 'alice', role: 'V2TIM_GROUP_MEMBER_ROLE_MEMBER' }],
    });
    expect(
      (await run(gw, 'bob', ops.GetGroupMemberListDocument, { groupID: 'work', count: 10 })).data!.memberInfoList,
    ).toHaveLength(4);
    await run(gw, 'alice', ops.CreateGroupDocument, { groupType: 'Meeting', groupName: 'Open', groupID: 'open' });
    expect(await run(gw, 'erin', ops.JoinGroupDocument, { groupID: 'open' })).toMatchObject({ code: 0 });
    expect(await run(gw, 'erin', ops.QuitGroupDocument, { groupID: 'open' })).toMatchObject({ code: 0 });
    // A Public group: joinGroup files a join request (default groupAddOpt: approval) that the owner answers.
    await run(gw, 'alice', ops.CreateGroupDocument, { groupType: 'Public', groupName: 'Club', groupID: 'club' });
    expect(await run(gw, 'erin', ops.JoinGroupDocument, { groupID: 'club' })).toMatchObject({ code: 0 });
    expect(await run(gw, 'frank', ops.JoinGroupDocument, { groupID: 'club' })).toMatchObject({ code: 0 });
    expect(await run(gw, 'alice', ops.GetGroupApplicationListDocument, {})).toMatchObject({
      code: 0,
      data: { unreadCount: 2, groupApplicationList: [{ fromUser: 'frank' }, { fromUser: 'erin', toUser: null }] },
    });
    expect(await run(gw, 'alice', ops.SetGroupApplicationReadDocument, {})).toMatchObject({ code: 0 });
    expect(
      await run(gw, 'alice', ops.AcceptGroupApplicationDocument, { groupID: 'club', fromUser: 'erin', reason: 'hi' }),
    ).toMatchObject({ code: 0 });
    expect(
      await run(gw, 'alice', ops.RefuseGroupApplicationDocument, { groupID: 'club', fromUser: 'frank', type: 0 }),
    ).toMatchObject({ code: 0 });
    expect(
      await run(gw, 'alice', ops.InviteUserToGroupDocument, { groupID: 'work', userList: ['erin'] }),
    ).toMatchObject({ code: 0 });
    expect(
      await run(gw, 'alice', ops.CreateTextAtMessageDocument, { text: '@bob look', atUserList: ['bob'] }),
    ).toMatchObject({ code: 0, data: { messageInfo: { groupAtUserList: ['bob'] } } });
    expect(
      await run(gw, 'alice', ops.CreateCustomMessageDocument, { data: '{"kind":"ping"}', desc: 'ping' }),
    ).toMatchObject({
      code: 0,
      data: { messageInfo: { elemType: 'V2TIM_ELEM_TYPE_CUSTOM', customElem: { data: '{"kind":"ping"}' } } },
    });

    expect(
      await run(gw, 'alice', ops.CreateLocationMessageDocument, { desc: 'Office', longitude: 114.05, latitude: 22.54 }),
    ).toMatchObject({ code: 0, data: { messageInfo: { locationElem: { desc: 'Office', latitude: 22.54 } } } });
    const face = await run(gw, 'alice', ops.CreateFaceMessageDocument, { index: 3, data: 'wave' });
    expect(face).toMatchObject({
      code: 0,
      data: { messageInfo: { elemType: 'V2TIM_ELEM_TYPE_FACE', faceElem: { index: 3 } } },
    });
    const greeting = await run(gw, 'alice', ops.CreateTextMessageDocument, { text: 'hi' });
    const appended = await run(gw, 'alice', ops.AppendMessageDocument, {
      createMessageBaseId: greeting.data!.id,
      createMessageAppendId: face.data!.id,
    });
    expect(appended).toMatchObject({ code: 0, data: { id: greeting.data!.id, textElem: { text: 'hi' } } });
    expect(appended.data!.elemList.map((e) => e.elemType)).toEqual(['V2TIM_ELEM_TYPE_TEXT', 'V2TIM_ELEM_TYPE_FACE']);
    // bob passes alice's targeted message on to erin: a forward, then a merger, neither targeted.
    const forward = await run(gw, 'bob', ops.CreateForwardMessageDocument, { msgID: sent.data!.msgID! });
    expect(forward).toMatchObject({ code: 0, data: { messageInfo: { targetGroupMemberList: null } } });
    const merger = await run(gw, 'bob', ops.CreateMergerMessageDocument, {
      msgIDList: [sent.data!.msgID!],
      title: 'From work',
      abstractList: ['alice: for bob and carol only'],
      compatibleText: 'Update the app to read this',
    });
    expect(merger).toMatchObject({ code: 0, data: { messageInfo: { mergerElem: { title: 'From work' } } } });
    const merged = await run(gw, 'bob', ops.SendMessageDocument, { id: merger.data!.id, receiver: 'erin' });
    expect(await run(gw, 'erin', ops.DownloadMergerMessageDocument, { msgID: merged.data!.msgID! })).toMatchObject({
      code: 0,
      data: [{ sender: 'alice', textElem: { text: 'for bob and carol only' } }],
    });

    const revoked = collect<ops.OnRecvMessageRevokedSubscription>(
      socket('bob'),
      ops.OnRecvMessageRevokedDocument.toString(),
    );
    const unread = collect<ops.OnTotalUnreadMessageCountChangedSubscription>(
      socket('bob'),
      ops.OnTotalUnreadMessageCountChangedDocument.toString(),
    );
    ran.add('OnRecvMessageRevoked').add('OnTotalUnreadMessageCountChanged');
    await until(() => router.streamCount('bob') === 3, "bob's revoke and unread subscriptions to open");
    const c2c = await run(gw, 'alice', ops.CreateTextMessageDocument, { text: 'just for you' });
    const direct = await run(gw, 'alice', ops.SendMessageDocument, { id: c2c.data!.id, receiver: 'bob' });
    expect(direct).toMatchObject({ code: 0, data: { userID: 'bob', groupID: null } });
    expect((await unread.waitFor(1)).at(-1)!.onTotalUnreadMessageCountChanged).toBeGreaterThan(0);
    expect(await run(gw, 'bob', ops.GetC2CHistoryMessageListDocument, { userID: 'alice', count: 20 })).toMatchObject({
      code: 0,
      data: [{ msgID: direct.data!.msgID, isSelf: false }],
    });
    expect(await run(gw, 'bob', ops.FindMessagesDocument, { messageIDList: [direct.data!.msgID!] })).toMatchObject({
      code: 0,
      data: [{ sender: 'alice' }],
    });
    const conversations = await run(gw, 'bob', ops.GetConversationListDocument, { count: 20 });
    expect(conversations.data!.conversationList.map((c) => [c.conversationID, c.type])).toEqual(
      expect.arrayContaining([
        ['c2c_alice', 'V2TIM_C2C'],
        ['group_work', 'V2TIM_GROUP'],
      ]),
    );
    expect((await run(gw, 'bob', ops.GetTotalUnreadMessageCountDocument, {})).data).toBeGreaterThan(0);
    expect(await run(gw, 'bob', ops.MarkGroupMessageAsReadDocument, { groupID: 'work' })).toMatchObject({ code: 0 });
    expect(await run(gw, 'bob', ops.MarkC2CMessageAsReadDocument, { userID: 'alice' })).toMatchObject({ code: 0 });
    expect(await run(gw, 'bob', ops.GetTotalUnreadMessageCountDocument, {})).toMatchObject({ code: 0, data: 0 });
    expect(await run(gw, 'alice', ops.RevokeMessageDocument, { msgID: direct.data!.msgID! })).toMatchObject({
      code: 0,
    });
    expect((await revoked.waitFor(1))[0]!.onRecvMessageRevoked).toMatchObject({
      msgID: direct.data!.msgID,
      operateUser: 'alice',
    });
    // dave (not a receiver of the targeted message) got the broadcast and erin's invitation to work, a group tip.
    expect(dave.events.map((e) => e.onRecvNewMessage.textElem?.text ?? (e.onRecvNewMessage.msgID && '(tip)'))).toEqual([
      'hello everyone',
      '(tip)',
    ]);

    expect([...ran].sort()).toEqual(FILE.map((o) => o.name!.value).sort());
  });
});

describe('README', () => {
  const blocks = [...read('../README.md').matchAll(/```graphql\n([\s\S]*?)```/g)].map((m) => m[1]!);
  const inFile = new Map(FILE.map((o) => [o.name!.value, print(o)]));

  it('when a developer pastes a README operation, then it is a named operation of examples/operations.graphql, run above', () => {
    expect(blocks.length).toBeGreaterThan(0);
    for (const block of blocks) {
      for (const op of operationsOf(block)) {
        expect(op.name, `an anonymous operation in README:\n${print(op)}`).toBeDefined();
        expect(print(op), `README's ${op.name!.value}`).toBe(inFile.get(op.name!.value));
      }
    }
  });
});

describe('examples/seed-client.ts and examples/client.ts', () => {
  const seedClient = (env: Record<string, string>, file = 'examples/seed-client.ts') =>
    new Promise<{ code: number; stdout: string; stderr: string }>((resolve) => {
      execFile(
        process.execPath,
        ['--import', 'tsx', file],
        {
          cwd: new URL('..', import.meta.url).pathname,
          timeout: 30_000,
          env: { ...process.env, IM_SDKAPPID: String(TEST_SDKAPPID), IM_SECRET_KEY: TEST_KEY, GATEWAY_URL: '', ...env },
        },
        (error, stdout, stderr) =>
          resolve({ code: error ? (typeof error.code === 'number' ? error.code : 1) : 0, stdout, stderr }),
      );
    });

  it('when run with PORT of a running gateway, then user1 gets the targeted message and bob only the broadcast', async () => {
    const gw = createTestGateway();
    const port = await gw.app.start(0, '127.0.0.1');
    cleanup.push(() => gw.app.stop());
    const run = await seedClient({ PORT: String(port) });
    expect(run.stderr).toBe('');
    expect(run.stdout).toMatch(/user1 received:\n {2}"for user1 and user2" from alice[^\n]*\n {2}"hello everyone"/);
    expect(run.stdout).toMatch(/bob received \(he is not in receiverList\):\n {2}"hello everyone"[^\n]*\n?$/);
  }, 40_000);

  it('when nothing listens on PORT, then it prints one line naming the URL and exits 1', async () => {
    const closed = createServer();
    await new Promise<void>((r) => closed.listen(0, '127.0.0.1', r));
    const port = (closed.address() as { port: number }).port;
    await new Promise<void>((r) => closed.close(() => r()));
    const run = await seedClient({ PORT: String(port) });
    expect(run.code).toBe(1);
    const lines = run.stderr.trim().split('\n');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(
      new RegExp(
        `^cannot talk to the gateway at ws://localhost:${port}/graphql: connect ECONNREFUSED \\S+ \\(is it running\\? set PORT or GATEWAY_URL\\)$`,
      ),
    );
  }, 40_000);
});

describe('README client example', () => {
  it("when the README's TypeScript block runs (it is examples/client.ts), then bob receives alice's targeted message", async () => {
    const file = read('../examples/client.ts');
    const block = read('../README.md').match(/```ts\n([\s\S]*?)```/)?.[1];
    expect(file.endsWith(block ?? '<no ts block in README>')).toBe(true);
    const gw = createTestGateway();
    const port = await gw.app.start(0, '127.0.0.1');
    cleanup.push(() => gw.app.stop());
    const run = await new Promise<{ stdout: string; stderr: string }>((resolve) =>
      execFile(
        process.execPath,
        ['--import', 'tsx', 'examples/client.ts'],
        {
          cwd: new URL('..', import.meta.url).pathname,
          timeout: 30_000,
          env: {
            ...process.env,
            IM_SDKAPPID: String(TEST_SDKAPPID),
            IM_SECRET_KEY: TEST_KEY,
            GATEWAY_URL: '',
            PORT: String(port),
          },
        },
        (_, stdout, stderr) => resolve({ stdout, stderr }),
      ),
    );
    expect(run.stderr).toBe('');
    expect(run.stdout).toBe(
      'alice sent: code 0, status V2TIM_MSG_STATUS_SEND_SUCC, to bob, carol\nbob received: alice: for bob and carol only\n',
    );
  }, 40_000);
});
