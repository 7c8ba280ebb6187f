// Conversations: lastMessage and unreadCount per viewer, total unread, marking read (im-semantics §7), and the
// viewer's own controls (pin, draft, delete, marks, do-not-disturb, the "@ me" badge). Every control is per viewer
// state on their conversation: nobody else's list changes.
import { Code } from '../codes';
import type { ConversationScope, ConversationState } from '../db/store';
import type { Viewer } from './context';
import { messageView, type V2TimMessage } from './message-view';
import { answer, done, ok, Refusal, type Callback } from './result';
import { checkCount, checkId, checkOffset, checkSize, checkUserID, checkUserList } from './validate';

export interface V2TimConversation {
  conversationID: string;
  type: number; // 1 C2C, 2 group
  userID: string | null;
  groupID: string | null;
  showName: string | null;
  /** The peer's avatar (C2C); null for groups until groups have one. */
  faceUrl: string | null;
  unreadCount: number;
  lastMessage: V2TimMessage | null;
  draftText: string | null;
  draftTimestamp: number | null;
  isPinned: boolean;
  recvOpt: number;
  /** The set V2TIMConversationMarkType bits, each as its own value. */
  markList: number[];
  groupAtInfoList: V2TimGroupAtInfo[];
}

/** V2TimGroupAtInfo: the viewer's seq of the message; atType AT_ME 1, AT_ALL 2, AT_ALL_AT_ME 3. */
export interface V2TimGroupAtInfo {
  seq: string;
  atType: number;
}

export interface V2TimConversationOperationResult {
  conversationID: string;
  resultCode: number;
  resultInfo: string;
}

export interface V2TimConversationResult {
  nextSeq: string | null;
  isFinished: boolean;
  conversationList: V2TimConversation[];
}

const MAX_PAGE = 100;

/** A C2C conversation shows its peer's nickName (else the userID) and faceUrl. */
export const conversationView = (ctx: Viewer, c: ConversationState): V2TimConversation => ({
  conversationID: c.conversationID,
  type: c.groupID !== null ? 2 : 1,
  userID: c.userID,
  groupID: c.groupID,
  showName: c.groupID !== null ? c.groupName : c.peer?.nickName || c.userID,
  faceUrl: c.peer?.faceUrl ?? null,
  unreadCount: c.unreadCount,
  lastMessage: c.lastMessage && messageView(ctx.viewer, c.lastMessage, ctx),
  draftText: c.draftText,
  draftTimestamp: c.draftTimestamp,
  isPinned: c.isPinned,
  recvOpt: c.recvOpt,
  markList: bits(c.markBits),
  groupAtInfoList: c.groupAtInfoList.map((a) => ({ seq: String(a.seq), atType: a.atType })),
});

const bits = (n: number): number[] => {
  const out: number[] = [];
  for (let b = 1; b <= n && b <= 2 ** 30; b *= 2) if (n & b) out.push(b);
  return out;
};

export const getConversationList = (ctx: Viewer, args: { count: number; nextSeq?: string | null }) =>
  answer(async () => {
    const count = checkCount(args.count, 'count', Code.INVALID_PARAMETERS, MAX_PAGE, 20);
    const offset = checkOffset(args.nextSeq, 'nextSeq', Code.INVALID_PARAMETERS);
    const all = await ctx.store.conversations.list(ctx.viewer);
    const page = all.slice(offset, offset + count);
    const isFinished = offset + count >= all.length;
    return ok<V2TimConversationResult>({
      nextSeq: isFinished ? null : String(offset + count),
      isFinished,
      conversationList: page.map((c) => conversationView(ctx, c)),
    });
  });

export const getTotalUnreadMessageCount = (ctx: Viewer) =>
  answer(async () => ok(await ctx.store.conversations.totalUnread(ctx.viewer)));

async function markRead(ctx: Viewer, conversationID: string, what: string): Promise<Callback> {
  if (!(await ctx.store.conversations.markRead(ctx.viewer, conversationID))) {
    throw new Refusal(Code.INVALID_PARAMETERS, `${what} is not one of your conversations.`);
  }
  await ctx.router.publish({ type: 'read', userId: ctx.viewer, conversationId: conversationID });
  await peerRead(ctx, conversationID);
  return done();
}

/** A C2C conversation read: its peer gets onRecvC2CReadReceipt (and sees isPeerRead on what it sent). */
const peerRead = async (ctx: Viewer, conversationID: string) => {
  if (conversationID.startsWith('c2c_'))
    await ctx.router.publish({
      type: 'c2cRead',
      users: [conversationID.slice(4)],
      reader: ctx.viewer,
      timestamp: ctx.now(),
    });
};

export const markGroupMessageAsRead = (ctx: Viewer, args: { groupID: string }) =>
  answer(async () => {
    checkId(args.groupID, 'groupID', Code.INVALID_GROUP_ID, 48);
    return markRead(ctx, `group_${args.groupID}`, `groupID "${args.groupID}"`);
  });

export const markC2CMessageAsRead = (ctx: Viewer, args: { userID: string }) =>
  answer(async () => {
    checkUserID(args.userID, 'userID');
    return markRead(ctx, `c2c_${args.userID}`, `userID "${args.userID}"`);
  });

/** V2TIMReceiveMessageOpt: RECEIVE 0, NOT_RECEIVE 1, NOT_NOTIFY 2, NOT_NOTIFY_EXCEPT_AT 3, NOT_RECEIVE_EXCEPT_AT 4. */
const MAX_RECV_OPT = 4;
/** setC2CReceiveMessageOpt takes at most 30 userIDs (Tencent). */
const MAX_RECV_OPT_USERS = 30;
const MAX_MARK = 100;

/** `c2c_<userID>` or `group_<groupID>`, each part checked. */
export function checkConversationID(value: string, field = 'conversationID'): string {
  if (value.startsWith('c2c_')) checkUserID(value.slice(4), field, Code.INVALID_PARAMETERS);
  else if (value.startsWith('group_')) checkId(value.slice(6), field, Code.INVALID_PARAMETERS, 48);
  else throw new Refusal(Code.INVALID_PARAMETERS, `${field} must be c2c_<userID> or group_<groupID>, got "${value}".`);
  return value;
}

const notYours = (conversationID: string) =>
  new Refusal(Code.INVALID_PARAMETERS, `conversationID "${conversationID}" is not one of your conversations.`);

/** A change to the viewer's conversation: its onConversationChanged (and the unread total) follow. */
const changed = (ctx: Viewer, conversationID: string) =>
  ctx.router.publish({ type: 'read', userId: ctx.viewer, conversationId: conversationID });

export const getConversation = (ctx: Viewer, args: { conversationID: string }) =>
  answer(async () => {
    checkConversationID(args.conversationID);
    const c = await ctx.store.conversations.get(ctx.viewer, args.conversationID);
    if (!c) throw notYours(args.conversationID);
    return ok(conversationView(ctx, c));
  });

export const pinConversation = (ctx: Viewer, args: { conversationID: string; isPinned: boolean }) =>
  answer(async () => {
    checkConversationID(args.conversationID);
    if (!(await ctx.store.conversations.pin(ctx.viewer, args.conversationID, args.isPinned)))
      throw notYours(args.conversationID);
    await changed(ctx, args.conversationID);
    return done();
  });

export const setConversationDraft = (ctx: Viewer, args: { conversationID: string; draftText?: string | null }) =>
  answer(async () => {
    checkConversationID(args.conversationID);
    checkSize(args.draftText, 'draftText');
    const text = args.draftText ? args.draftText : null; // empty or absent clears it, as in the SDK
    if (!(await ctx.store.conversations.setDraft(ctx.viewer, args.conversationID, text, ctx.now())))
      throw notYours(args.conversationID);
    await changed(ctx, args.conversationID);
    return done();
  });

export const deleteConversation = (ctx: Viewer, args: { conversationID: string }) =>
  answer(async () => {
    checkConversationID(args.conversationID);
    if (!(await ctx.store.conversations.remove(ctx.viewer, args.conversationID))) throw notYours(args.conversationID);
    await changed(ctx, args.conversationID);
    return done();
  });

export const markConversation = (
  ctx: Viewer,
  args: { conversationIDList: readonly string[]; markType: number; enableMark: boolean },
) =>
  answer(async () => {
    const ids = [...new Set(args.conversationIDList)];
    if (ids.length === 0 || ids.length > MAX_MARK)
      throw new Refusal(Code.INVALID_PARAMETERS, `conversationIDList must have 1 to ${MAX_MARK} entries.`);
    ids.forEach((id, i) => checkConversationID(id, `conversationIDList[${i}]`));
    const t = args.markType;
    // One V2TIMConversationMarkType per call: STAR 1, UNREAD 2, FOLD 4, HIDE 8, or a custom bit above them.
    if (!Number.isInteger(t) || t < 1 || t > 2 ** 30 || (t & (t - 1)) !== 0)
      throw new Refusal(Code.INVALID_PARAMETERS, `markType must be one mark bit (1, 2, 4, 8, …), got ${t}.`);
    const marked = new Set(await ctx.store.conversations.mark(ctx.viewer, ids, t, args.enableMark));
    for (const id of marked) await changed(ctx, id);
    return ok<V2TimConversationOperationResult[]>(
      ids.map((id) =>
        marked.has(id)
          ? { conversationID: id, resultCode: Code.OK, resultInfo: 'ok' }
          : { conversationID: id, resultCode: Code.INVALID_PARAMETERS, resultInfo: 'not one of your conversations' },
      ),
    );
  });

const checkRecvOpt = (opt: number) => {
  if (!Number.isInteger(opt) || opt < 0 || opt > MAX_RECV_OPT)
    throw new Refusal(
      Code.INVALID_PARAMETERS,
      `opt must be a V2TIMReceiveMessageOpt from 0 to ${MAX_RECV_OPT}, got ${opt}.`,
    );
};

export const setGroupReceiveMessageOpt = (ctx: Viewer, args: { groupID: string; opt: number }) =>
  answer(async () => {
    checkId(args.groupID, 'groupID', Code.INVALID_GROUP_ID, 48);
    checkRecvOpt(args.opt);
    if (!(await ctx.store.groups.get(args.groupID)))
      throw new Refusal(Code.GROUP_NOT_FOUND, `groupID "${args.groupID}" does not exist.`);
    if (!(await ctx.store.conversations.setGroupRecvOpt(ctx.viewer, args.groupID, args.opt)))
      throw new Refusal(Code.NO_PERMISSION, `You are not a member of group "${args.groupID}".`);
    await changed(ctx, `group_${args.groupID}`);
    return done();
  });

export const setC2CReceiveMessageOpt = (ctx: Viewer, args: { userIDList: readonly string[]; opt: number }) =>
  answer(async () => {
    const users = checkUserList(args.userIDList, 'userIDList', Code.INVALID_PARAMETERS, MAX_RECV_OPT_USERS);
    checkRecvOpt(args.opt);
    await ctx.store.conversations.setC2CRecvOpt(ctx.viewer, users, args.opt);
    for (const u of users) await changed(ctx, `c2c_${u}`);
    return done();
  });

export const getC2CReceiveMessageOpt = (ctx: Viewer, args: { userIDList: readonly string[] }) =>
  answer(async () => {
    const users = checkUserList(args.userIDList, 'userIDList', Code.INVALID_PARAMETERS, MAX_RECV_OPT_USERS);
    const opts = await ctx.store.conversations.recvOpts(
      ctx.viewer,
      users.map((u) => `c2c_${u}`),
    );
    return ok(users.map((userID) => ({ userID, c2CReceiveMessageOpt: opts.get(`c2c_${userID}`) ?? 0 })));
  });

/**
 * Reads a conversation (or with "" all, "c2c" all C2C, "group" all group conversations) up to now. Decision:
 * cleanTimestamp / cleanSequence are accepted and the whole conversation is read, as with 0 (a partial read would
 * need a count of the messages after the point; unread counts are state).
 */
export const cleanConversationUnreadMessageCount = (
  ctx: Viewer,
  args: { conversationID: string; cleanTimestamp?: number | null; cleanSequence?: number | null },
) =>
  answer(async () => {
    const id = args.conversationID;
    for (const [field, v] of [
      ['cleanTimestamp', args.cleanTimestamp],
      ['cleanSequence', args.cleanSequence],
    ] as const)
      if (v != null && (!Number.isInteger(v) || v < 0))
        throw new Refusal(Code.INVALID_PARAMETERS, `${field} must be a non-negative integer, got ${v}.`);
    if (id === '' || id === 'c2c' || id === 'group') {
      const scope: ConversationScope = { kind: id === '' ? 'all' : id };
      const before = await ctx.store.conversations.list(ctx.viewer);
      await ctx.store.conversations.markReadIn(ctx.viewer, scope);
      for (const c of before)
        if (c.unreadCount > 0 && (id === '' || (id === 'group') === (c.groupID !== null))) {
          await changed(ctx, c.conversationID);
          await peerRead(ctx, c.conversationID);
        }
      return done();
    }
    checkConversationID(id);
    return markRead(ctx, id, `conversationID "${id}"`);
  });
