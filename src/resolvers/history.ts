// Reading stored messages: group and C2C history (newest first, paged by lastMsgID) and findMessages. Every path
// asks the store for what this viewer may see; a message outside the viewer's audience is indistinguishable from
// one that does not exist.
import { Code } from '../codes';
import { conversationIdOf } from '../db/store';
import type { Viewer } from './context';
import { messageNotFound, messageView, type V2TimMessage } from './message-view';
import { answer, done, ok, Refusal } from './result';
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

/** V2TIMMessageGetType: GET_CLOUD_OLDER_MSG 1, GET_CLOUD_NEWER_MSG 2, GET_LOCAL_OLDER_MSG 3, GET_LOCAL_NEWER_MSG 4
 * (the gateway has no local store: local is cloud). */
const GET_TYPES = new Set([1, 2, 3, 4]);
const MAX_DELETE = 50;

export interface V2TimMessageListGetOption {
  getType: number;
  userID?: string | null;
  groupID?: string | null;
  count: number;
  lastMsgID?: string | null;
  lastMsgSeq?: number | null;
  getTimeBegin?: number | null;
  getTimePeriod?: number | null;
}

/**
 * getHistoryMessageList: older messages newest first, or newer ones oldest first (as the SDK lists them), from a
 * message (lastMsgID, not included) or a seq (lastMsgSeq, group only, included: jump to a message and scroll
 * down), optionally within getTimeBegin/getTimePeriod. The same visibility as the other history reads.
 */
export const getHistoryMessageList = (ctx: Viewer, args: { option: V2TimMessageListGetOption }) =>
  answer(async () => {
    const o = args.option;
    if (!GET_TYPES.has(o.getType))
      throw new Refusal(
        Code.INVALID_PARAMETERS,
        `option.getType must be 1 to 4 (V2TIMMessageGetType), got ${o.getType}.`,
      );
    const newer = o.getType === 2 || o.getType === 4;
    if (!o.userID === !o.groupID)
      throw new Refusal(Code.INVALID_PARAMETERS, 'option needs exactly one of userID and groupID.');
    const count = checkCount(o.count, 'option.count', Code.INVALID_PARAMETERS, MAX_PAGE, 20);
    for (const [field, v] of [
      ['option.lastMsgSeq', o.lastMsgSeq],
      ['option.getTimeBegin', o.getTimeBegin],
      ['option.getTimePeriod', o.getTimePeriod],
    ] as const)
      if (v != null && (!Number.isInteger(v) || v < 0))
        throw new Refusal(Code.INVALID_PARAMETERS, `${field} must be a non-negative integer, got ${v}.`);
    let conversationID: string;
    if (o.groupID) {
      checkId(o.groupID, 'option.groupID', Code.INVALID_GROUP_ID, 48);
      const group = await ctx.store.groups.get(o.groupID);
      if (!group) throw new Refusal(Code.GROUP_NOT_FOUND, `groupID "${o.groupID}" does not exist.`);
      if (!(await ctx.store.groups.member(o.groupID, ctx.viewer)))
        throw new Refusal(Code.NO_PERMISSION, `You are not a member of group "${o.groupID}".`);
      if (isGroupType(group.groupType) && !GroupType[group.groupType].history) return ok<V2TimMessage[]>([]);
      conversationID = `group_${o.groupID}`;
    } else {
      checkUserID(o.userID!, 'option.userID');
      conversationID = `c2c_${o.userID}`;
    }
    let from: number | null = null;
    let inclusive = false;
    if (o.lastMsgID) {
      from = await beforeOrder(ctx, o.lastMsgID, conversationID);
    } else if (o.lastMsgSeq != null && o.lastMsgSeq > 0) {
      // Tencent: lastMsgSeq is for group history; the message with that seq is part of the page.
      if (!o.groupID) throw new Refusal(Code.INVALID_PARAMETERS, 'option.lastMsgSeq is for group history only.');
      const at = await ctx.store.messages.orderOfSeq(ctx.viewer, o.groupID, o.lastMsgSeq);
      if (at === undefined)
        throw new Refusal(
          Code.INVALID_PARAMETERS,
          `option.lastMsgSeq ${o.lastMsgSeq} is not a message of this conversation.`,
        );
      from = at;
      inclusive = true;
    }
    // getTimeBegin (0: now for older, the start for newer) and getTimePeriod seconds back (older) or on (newer).
    let timeFrom: number | null = null;
    let timeTo: number | null = null;
    if (o.getTimeBegin || o.getTimePeriod) {
      const begin = o.getTimeBegin || (newer ? 0 : ctx.now());
      const period = o.getTimePeriod || Number.MAX_SAFE_INTEGER;
      [timeFrom, timeTo] = newer
        ? [begin, Math.min(begin + period, Number.MAX_SAFE_INTEGER)]
        : [Math.max(0, begin - period), begin];
    }
    const page = await ctx.store.messages.history(ctx.viewer, {
      groupID: o.groupID ?? null,
      peer: o.groupID ? null : o.userID!,
      newer,
      from,
      inclusive,
      count,
      timeFrom,
      timeTo,
    });
    return ok(page.map((m) => messageView(ctx.viewer, m, ctx)));
  });

/**
 * deleteMessages: removes messages (at most 50, of one conversation) from the viewer's own history; the other
 * members' views stay as they were. A message the viewer cannot see answers 6017 like one that does not exist.
 */
export const deleteMessages = (ctx: Viewer, args: { msgIDList: readonly string[] }) =>
  answer(async () => {
    const ids = [...new Set(args.msgIDList)];
    if (ids.length === 0 || ids.length > MAX_DELETE)
      throw new Refusal(Code.INVALID_PARAMETERS, `msgIDList must have 1 to ${MAX_DELETE} entries, got ${ids.length}.`);
    const found = await ctx.store.messages.find(
      ctx.viewer,
      ids.filter((id) => id),
    );
    const seen = new Set(found.map((m) => m.row.msgId));
    const missing = ids.find((id) => !seen.has(id));
    if (missing !== undefined) throw messageNotFound(missing);
    const conversations = new Set(found.map((m) => conversationIdOf(ctx.viewer, m.row)));
    if (conversations.size > 1)
      throw new Refusal(Code.INVALID_PARAMETERS, 'msgIDList must hold messages of one conversation.');
    const [conversationID] = conversations as Set<string>;
    const groupID = found[0]!.row.groupId;
    let countsUnread = true;
    if (groupID !== null) {
      const group = await ctx.store.groups.get(groupID);
      countsUnread = !group || !isGroupType(group.groupType) || GroupType[group.groupType].unread;
    }
    await ctx.store.messages.hide(ctx.viewer, conversationID!, ids, countsUnread);
    await ctx.router.publish({ type: 'read', userId: ctx.viewer, conversationId: conversationID! });
    return done();
  });

async function clearHistory(ctx: Viewer, conversationID: string): Promise<void> {
  if (await ctx.store.conversations.clearHistory(ctx.viewer, conversationID))
    await ctx.router.publish({ type: 'read', userId: ctx.viewer, conversationId: conversationID });
}

/** Clears the viewer's own history of the group up to now (and its unread count and lastMessage). */
export const clearGroupHistoryMessage = (ctx: Viewer, args: { groupID: string }) =>
  answer(async () => {
    checkId(args.groupID, 'groupID', Code.INVALID_GROUP_ID, 48);
    if (!(await ctx.store.groups.get(args.groupID)))
      throw new Refusal(Code.GROUP_NOT_FOUND, `groupID "${args.groupID}" does not exist.`);
    if (!(await ctx.store.groups.member(args.groupID, ctx.viewer)))
      throw new Refusal(Code.NO_PERMISSION, `You are not a member of group "${args.groupID}".`);
    await clearHistory(ctx, `group_${args.groupID}`);
    return done();
  });

/** Clears the viewer's own history with the user up to now; nothing to clear is not an error. */
export const clearC2CHistoryMessage = (ctx: Viewer, args: { userID: string }) =>
  answer(async () => {
    checkUserID(args.userID, 'userID');
    await clearHistory(ctx, `c2c_${args.userID}`);
    return done();
  });
