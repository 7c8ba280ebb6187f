// Reading stored messages: group and C2C history (newest first, paged by lastMsgID) and findMessages. Every path
// asks the store for what this viewer may see; a message outside the viewer's audience is indistinguishable from
// one that does not exist.
import { Code } from '../codes';
import { conversationIdOf } from '../db/store';
import type { Viewer } from './context';
import { messageView, type V2TimMessage } from './message-view';
import { answer, ok, Refusal } from './result';
import { checkCount, checkId, checkUserID } from './validate';
import { GroupType, isGroupType } from './group-type';

const MAX_PAGE = 100;
const MAX_FIND = 100;

async function beforeOrder(ctx: Viewer, lastMsgID: string | null | undefined, conversationID: string): Promise<number> {
  if (!lastMsgID) return Number.MAX_SAFE_INTEGER;
  const seen = await ctx.store.messages.visible(ctx.viewer, lastMsgID);
  if (!seen || conversationIdOf(ctx.viewer, seen.row) !== conversationID)
    throw new Refusal(Code.INVALID_PARAMETERS, `lastMsgID "${lastMsgID}" is not a message of this conversation.`);
  return seen.row.orderNo;
}

export const getGroupHistoryMessageList = (
  ctx: Viewer,
  args: { groupID: string; count: number; lastMsgID?: string | null },
) =>
  answer(async () => {
    checkId(args.groupID, 'groupID', Code.INVALID_GROUP_ID, 48);
    const count = checkCount(args.count, 'count', Code.INVALID_PARAMETERS, MAX_PAGE, 20);
    const group = await ctx.store.groups.get(args.groupID);
    if (!group) throw new Refusal(Code.GROUP_NOT_FOUND, `groupID "${args.groupID}" does not exist.`);
    if (!(await ctx.store.groups.member(args.groupID, ctx.viewer)))
      throw new Refusal(Code.NO_PERMISSION, `You are not a member of group "${args.groupID}".`);
    if (isGroupType(group.groupType) && !GroupType[group.groupType].history) return ok<V2TimMessage[]>([]);
    const before = await beforeOrder(ctx, args.lastMsgID, `group_${args.groupID}`);
    const page = await ctx.store.messages.groupHistory(ctx.viewer, args.groupID, before, count);
    return ok(page.map((m) => messageView(ctx.viewer, m, ctx)));
  });

export const getC2CHistoryMessageList = (
  ctx: Viewer,
  args: { userID: string; count: number; lastMsgID?: string | null },
) =>
  answer(async () => {
    checkUserID(args.userID, 'userID');
    const count = checkCount(args.count, 'count', Code.INVALID_PARAMETERS, MAX_PAGE, 20);
    const before = await beforeOrder(ctx, args.lastMsgID, `c2c_${args.userID}`);
    const page = await ctx.store.messages.c2cHistory(ctx.viewer, args.userID, before, count);
    return ok(page.map((m) => messageView(ctx.viewer, m, ctx)));
  });

export const findMessages = (ctx: Viewer, args: { messageIDList: readonly string[] }) =>
  answer(async () => {
    if (args.messageIDList.length > MAX_FIND) {
      throw new Refusal(
        Code.INVALID_PARAMETERS,
        `messageIDList has ${args.messageIDList.length} entries; at most ${MAX_FIND} are allowed.`,
      );
    }
    const found = await ctx.store.messages.find(
      ctx.viewer,
      args.messageIDList.filter((id) => id),
    );
    return ok(found.map((m) => messageView(ctx.viewer, m, ctx)));
  });
