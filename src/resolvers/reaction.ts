// Message reactions (V2TIMMessageManager addMessageReaction, removeMessageReaction, getMessageReactions,
// getAllUserListOfMessageReaction; the onRecvMessageReactionsChanged event). A reaction belongs to a message's
// audience: only those who may see the message can react, read its reactions or hear of a change, and a message
// they may not see answers like one that does not exist. Decisions where Tencent's docs are silent: a reactionID is
// 1–100 bytes of UTF-8; removing a reaction one never made answers 0 and changes nothing; revoked messages take no
// new reactions (10007) and keep showing the ones they had.
import { Code } from '../codes';
import { audienceOf, type MessageReaction, type Store, type UserProfile, type ViewedMessage } from '../db/store';
import { REACTION_LIMITS } from '../db/reactions';
import type { Viewer } from './context';
import { answer, done, ok, Refusal } from './result';
import { checkUnicode, utf8Bytes } from './validate';
import { messageNotFound, seenMessage } from './message-view';

const MAX_REACTION_ID_BYTES = 100;
/** getMessageReactions: at most 20 messages, at most 10 users per reaction (Tencent's limits). */
const MAX_MESSAGES = 20;
const MAX_USERS_PER_REACTION = 10;
/** getAllUserListOfMessageReaction: a page holds at most 100 users. */
const MAX_PAGE = 100;

export interface V2TimUserInfo {
  userID: string;
  nickName: string | null;
  faceUrl: string | null;
}
export interface V2TimMessageReaction {
  reactionID: string;
  totalUserCount: number;
  partialUserList: V2TimUserInfo[];
  reactedByMyself: boolean;
}
export interface V2TimMessageReactionResult {
  resultCode: number;
  resultInfo: string;
  msgID: string;
  reactionList: V2TimMessageReaction[];
}
export interface V2TimMessageReactionChangeInfo {
  messageID: string;
  reactionList: V2TimMessageReaction[];
}

function checkReactionID(reactionID: string): void {
  if (!reactionID) throw new Refusal(Code.INVALID_PARAMETERS, 'reactionID is empty.');
  checkUnicode(reactionID, 'reactionID');
  if (utf8Bytes(reactionID) > MAX_REACTION_ID_BYTES)
    throw new Refusal(Code.INVALID_PARAMETERS, `reactionID is over ${MAX_REACTION_ID_BYTES} bytes of UTF-8.`);
}

/** Reactions as V2TIM shows them, their users with the profiles a viewer may see. */
function present(reactions: MessageReaction[], profiles: Map<string, UserProfile>): V2TimMessageReaction[] {
  const info = (userID: string): V2TimUserInfo => ({
    userID,
    nickName: profiles.get(userID)?.nickName ?? null,
    faceUrl: profiles.get(userID)?.faceUrl ?? null,
  });
  return reactions.map((r) => ({
    reactionID: r.reactionID,
    totalUserCount: r.totalUserCount,
    reactedByMyself: r.reactedByMyself,
    partialUserList: r.userIDs.map(info),
  }));
}

const usersOf = (lists: MessageReaction[][]) => [...new Set(lists.flat().flatMap((r) => r.userIDs))];

/** The users as the viewer may see them (a profile only where the viewer shares a group or conversation), for
 *  several messages' reactions at once: one profile read. */
async function withProfiles(ctx: Viewer, lists: MessageReaction[][]): Promise<V2TimMessageReaction[][]> {
  const ids = usersOf(lists);
  const profiles = ids.length ? await ctx.store.users.visibleProfiles(ctx.viewer, ids) : new Map();
  return lists.map((reactions) => present(reactions, profiles));
}

export const addMessageReaction = (ctx: Viewer, args: { msgID: string; reactionID: string }) =>
  answer(async () => {
    checkReactionID(args.reactionID);
    const m = await seenMessage(ctx, args.msgID);
    if (m.row.revokedAt !== null) throw new Refusal(Code.NO_PERMISSION, `msgID "${args.msgID}" was revoked.`);
    const outcome = await ctx.store.messages.addReaction(m.row.orderNo, args.reactionID, ctx.viewer);
    switch (outcome) {
      case 'message-missing':
        throw messageNotFound(args.msgID);
      case 'already':
        throw new Refusal(
          Code.REACTION_ALREADY,
          `You have already reacted to msgID "${args.msgID}" with this reactionID.`,
        );
      case 'too-many-reactions':
        throw new Refusal(Code.REACTION_COUNT_LIMIT, `msgID "${args.msgID}" already has 10 different reactions.`);
      case 'too-many-users':
        throw new Refusal(Code.REACTION_USER_LIMIT, `This reactionID already has 100 users on msgID "${args.msgID}".`);
    }
    await ctx.router.publish({ type: 'reaction', row: m.row, users: audienceOf(m.row) });
    return done();
  });

export const removeMessageReaction = (ctx: Viewer, args: { msgID: string; reactionID: string }) =>
  answer(async () => {
    checkReactionID(args.reactionID);
    const m = await seenMessage(ctx, args.msgID);
    if (await ctx.store.messages.removeReaction(m.row.orderNo, args.reactionID, ctx.viewer))
      await ctx.router.publish({ type: 'reaction', row: m.row, users: audienceOf(m.row) });
    return done();
  });

export const getMessageReactions = (
  ctx: Viewer,
  args: { msgIDList: string[]; maxUserCountPerReaction?: number | null },
) =>
  answer(async () => {
    const ids = [...new Set(args.msgIDList)];
    if (ids.length === 0 || ids.length > MAX_MESSAGES)
      throw new Refusal(
        Code.INVALID_PARAMETERS,
        `msgIDList holds ${ids.length} ids; 1 to ${MAX_MESSAGES} are allowed.`,
      );
    const maxUsers = args.maxUserCountPerReaction ?? MAX_USERS_PER_REACTION;
    if (!Number.isInteger(maxUsers) || maxUsers < 0 || maxUsers > MAX_USERS_PER_REACTION)
      throw new Refusal(Code.INVALID_PARAMETERS, `maxUserCountPerReaction must be 0 to ${MAX_USERS_PER_REACTION}.`);
    const found = new Map((await ctx.store.messages.find(ctx.viewer, ids)).map((m) => [m.row.msgId, m]));
    const orders = [...found.values()].map((m) => m.row.orderNo);
    const byOrder = await ctx.store.messages.reactions(ctx.viewer, orders, maxUsers);
    const lists = await withProfiles(
      ctx,
      ids.map((msgID) => byOrder.get(found.get(msgID)?.row.orderNo ?? -1) ?? []),
    );
    return ok<V2TimMessageReactionResult[]>(
      ids.map((msgID, i) => {
        if (found.has(msgID)) return { resultCode: 0, resultInfo: 'ok', msgID, reactionList: lists[i]! };
        const r = messageNotFound(msgID);
        return { resultCode: r.code, resultInfo: r.desc, msgID, reactionList: [] };
      }),
    );
  });

export const getAllUserListOfMessageReaction = (
  ctx: Viewer,
  args: { msgID: string; reactionID: string; nextSeq?: number | null; count?: number | null },
) =>
  answer(async () => {
    checkReactionID(args.reactionID);
    const offset = args.nextSeq ?? 0;
    const count = args.count ?? MAX_PAGE;
    if (!Number.isInteger(offset) || offset < 0)
      throw new Refusal(Code.INVALID_PARAMETERS, 'nextSeq must be 0 or a nextSeq this call returned.');
    if (!Number.isInteger(count) || count < 1 || count > MAX_PAGE)
      throw new Refusal(Code.INVALID_PARAMETERS, `count must be 1 to ${MAX_PAGE}.`);
    const m = await seenMessage(ctx, args.msgID);
    const page = await ctx.store.messages.reactionUsers(m.row.orderNo, args.reactionID, offset, count);
    const [list] = await withProfiles(ctx, [
      [{ reactionID: args.reactionID, totalUserCount: 0, reactedByMyself: false, userIDs: page.userIDs }],
    ]);
    return ok({
      userInfoList: list![0]!.partialUserList,
      nextSeq: page.more ? offset + page.userIDs.length : 0,
      isFinished: !page.more,
    });
  });

/**
 * A reaction change as each of its viewers sees it now (`seen`: the message as each may see it), for all of them at
 * once: one read of the reactions and one of the profiles per event, whatever the number of subscribers.
 */
export async function reactionChangeBy(
  store: Store,
  seen: ReadonlyMap<string, ViewedMessage>,
): Promise<Map<string, V2TimMessageReactionChangeInfo[]>> {
  const out = new Map<string, V2TimMessageReactionChangeInfo[]>();
  const [m] = seen.values();
  if (!m) return out;
  // Every user of each reaction (Tencent allows 100), so whether a viewer reacted so needs no read of its own.
  const all = (await store.messages.reactions(null, [m.row.orderNo], REACTION_LIMITS.users)).get(m.row.orderNo) ?? [];
  const shown = all.map((r) => ({ ...r, userIDs: r.userIDs.slice(0, MAX_USERS_PER_REACTION) }));
  const ids = usersOf([shown]);
  const viewers = [...seen.keys()];
  const profiles = ids.length ? await store.users.visibleProfilesBy(viewers, ids) : new Map();
  for (const viewer of viewers) {
    const mine = shown.map((r, i) => ({ ...r, reactedByMyself: all[i]!.userIDs.includes(viewer) }));
    out.set(viewer, [{ messageID: m.row.msgId, reactionList: present(mine, profiles.get(viewer) ?? new Map()) }]);
  }
  return out;
}
