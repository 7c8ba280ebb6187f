// Conversations: lastMessage and unreadCount per viewer, total unread, marking read (im-semantics §7).
import { Code } from '../codes';
import type { ConversationState } from '../db/store';
import type { Viewer } from './context';
import { messageView, type V2TimMessage } from './message-view';
import { answer, done, ok, Refusal, type Callback } from './result';
import { checkCount, checkId, checkOffset, checkUserID } from './validate';

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
});

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
  return done();
}

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
