// Read receipts (V2TIMMessageManager sendMessageReadReceipts, getMessageReadReceipts, getGroupMessageReadMemberList;
// the onRecvMessageReadReceipts event; isPeerRead on C2C messages). Only messages sent with needReadReceipt take
// receipts (C2C, and groups whose type has them: not Community or AVChatRoom). A receipt's audience is fixed at send
// time: the C2C receiver, a targeted message's receivers, a broadcast's members then; never the sender, and never
// anyone outside the message's audience, who can neither send nor read one (a message they may not see answers as
// one that does not exist, 6017). Decisions where Tencent's docs are silent: up to 100 ids per call, all of one
// conversation (Tencent: "must be in the same conversation"); a receipt for one's own message, or for a broadcast
// from before one joined (Meeting groups show such history), is 10007; sending one again is 0 and tells nobody;
// receipts do not mark the conversation read, and do not need the message unrevoked.
import { Code } from '../codes';
import { conversationIdOf, type MessageRow, type ReceiptState, type ViewedMessage } from '../db/store';
import type { Viewer } from './context';
import { messageNotFound, seenMessage } from './message-view';
import { answer, done, ok, Refusal } from './result';

/** Ids per call of sendMessageReadReceipts and getMessageReadReceipts. */
const MAX_MESSAGES = 100;
/** getGroupMessageReadMemberList: at most 100 members a page (Tencent's limit). */
const MAX_PAGE = 100;
/** V2TIMGroupMessageReadMembersFilter. */
export const ReadMembersFilter = { READ: 0, UNREAD: 1 } as const;

export interface V2TimMessageReceipt {
  /** 0, or the code this message alone answers (6017: not found or sent without needReadReceipt). */
  resultCode: number;
  resultInfo: string;
  msgID: string;
  /** C2C: its receiver, whose read this reports. */
  userID: string | null;
  groupID: string | null;
  readCount: number;
  unreadCount: number;
  /** When the latest receipt came (seconds; 0: none yet). */
  timestamp: number;
  /** C2C only: its receiver has read it. */
  isPeerRead: boolean | null;
}

export interface V2TimGroupMemberInfo {
  userID: string;
  nickName: string | null;
  faceUrl: string | null;
}

const noReceipts = (msgID: string) =>
  new Refusal(
    Code.INVALID_PARAMETERS,
    `msgID "${msgID}" was not sent with needReadReceipt (or its group type takes no read receipts).`,
  );

function checkList(ids: string[]): void {
  if (ids.length === 0 || ids.length > MAX_MESSAGES)
    throw new Refusal(
      Code.INVALID_PARAMETERS,
      `messageIDList holds ${ids.length} ids; 1 to ${MAX_MESSAGES} are allowed.`,
    );
}

/** The messages the viewer may see, all found and of one conversation, in the order asked. */
async function seenAll(ctx: Viewer, ids: string[]): Promise<ViewedMessage[]> {
  const found = new Map((await ctx.store.messages.find(ctx.viewer, ids)).map((m) => [m.row.msgId, m]));
  const list = ids.map((id) => {
    const m = found.get(id);
    if (!m) throw messageNotFound(id);
    return m;
  });
  if (new Set(list.map((m) => conversationIdOf(ctx.viewer, m.row))).size > 1)
    throw new Refusal(Code.INVALID_PARAMETERS, 'messageIDList holds messages of more than one conversation.');
  return list;
}

function receiptOf(row: MessageRow, s: ReceiptState): V2TimMessageReceipt {
  const c2c = row.groupId === null;
  const readCount = c2c ? (s.peerRead ? 1 : 0) : s.readCount;
  return {
    resultCode: 0,
    resultInfo: 'ok',
    msgID: row.msgId,
    userID: c2c ? row.receiver : null,
    groupID: row.groupId,
    readCount,
    unreadCount: Math.max(0, s.audience - readCount),
    timestamp: s.timestamp,
    isPeerRead: c2c ? s.peerRead : null,
  };
}

export const sendMessageReadReceipts = (ctx: Viewer, args: { messageIDList: string[] }) =>
  answer(async () => {
    const ids = [...new Set(args.messageIDList)];
    checkList(ids);
    const list = await seenAll(ctx, ids);
    for (const m of list)
      if (m.row.sender === ctx.viewer)
        throw new Refusal(
          Code.NO_PERMISSION,
          `msgID "${m.row.msgId}" is your own: only its receivers send read receipts.`,
        );
    const states = await ctx.store.messages.receipts(
      ctx.viewer,
      list.map((m) => m.row.orderNo),
    );
    for (const m of list) {
      const s = states.get(m.row.orderNo);
      if (!s) throw noReceipts(m.row.msgId);
      if (!s.inAudience)
        throw new Refusal(
          Code.NO_PERMISSION,
          `msgID "${m.row.msgId}" was sent before you joined the group: it did not ask you for a read receipt.`,
        );
    }
    const fresh = new Set(
      await ctx.store.messages.sendReceipts(
        ctx.viewer,
        list.map((m) => m.row.orderNo),
        ctx.now(),
      ),
    );
    // Its sender is told (onRecvMessageReadReceipts); nobody else learns of a receipt.
    for (const m of list)
      if (fresh.has(m.row.orderNo)) await ctx.router.publish({ type: 'receipt', row: m.row, users: [m.row.sender] });
    return done();
  });

export const getMessageReadReceipts = (ctx: Viewer, args: { messageIDList: string[] }) =>
  answer(async () => {
    const ids = [...new Set(args.messageIDList)];
    checkList(ids);
    const found = new Map((await ctx.store.messages.find(ctx.viewer, ids)).map((m) => [m.row.msgId, m]));
    const states = await ctx.store.messages.receipts(
      ctx.viewer,
      [...found.values()].map((m) => m.row.orderNo),
    );
    return ok<V2TimMessageReceipt[]>(
      ids.map((msgID) => {
        const m = found.get(msgID);
        const s = m && states.get(m.row.orderNo);
        if (m && s) return receiptOf(m.row, s);
        const r = m ? noReceipts(msgID) : messageNotFound(msgID);
        return {
          resultCode: r.code,
          resultInfo: r.desc,
          msgID,
          userID: null,
          groupID: null,
          readCount: 0,
          unreadCount: 0,
          timestamp: 0,
          isPeerRead: null,
        };
      }),
    );
  });

export const getGroupMessageReadMemberList = (
  ctx: Viewer,
  args: { msgID: string; filter: number; nextSeq?: number | null; count?: number | null },
) =>
  answer(async () => {
    const nextSeq = args.nextSeq ?? 0;
    const count = args.count ?? MAX_PAGE;
    if (args.filter !== ReadMembersFilter.READ && args.filter !== ReadMembersFilter.UNREAD)
      throw new Refusal(Code.INVALID_PARAMETERS, 'filter must be 0 (READ) or 1 (UNREAD).');
    if (!Number.isInteger(nextSeq) || nextSeq < 0) throw badNextSeq();
    if (!Number.isInteger(count) || count < 1 || count > MAX_PAGE)
      throw new Refusal(Code.INVALID_PARAMETERS, `count must be 1 to ${MAX_PAGE}.`);
    const m = await seenMessage(ctx, args.msgID);
    if (m.row.groupId === null)
      throw new Refusal(Code.INVALID_PARAMETERS, `msgID "${args.msgID}" is not a group message.`);
    if (m.row.sender !== ctx.viewer)
      throw new Refusal(Code.NO_PERMISSION, 'Only the sender of a message can list who read it.');
    const state = (await ctx.store.messages.receipts(ctx.viewer, [m.row.orderNo])).get(m.row.orderNo);
    if (!state) throw noReceipts(args.msgID);
    // Keyset pages: nextSeq is the position of the page's last member (a reader's arrival number at this message, or
    // a non-reader's place), encrypted for this message and filter, so it tells nothing and works nowhere else.
    // A non-reader's place is in the group's numbering of its members (its epoch), which a renumbering replaces;
    // the first numbering keeps the key nextSeqs had before there were epochs.
    const listOf = (epoch: number) =>
      `readMembers\u0000${m.row.orderNo}\u0000${args.filter}${epoch === 0 ? '' : `\u0000${epoch}`}`;
    const after = (epoch: number) => {
      const position = nextSeq === 0 ? 0 : ctx.cursors.decodeSeq(listOf(epoch), nextSeq);
      if (position === undefined) throw badNextSeq();
      return position;
    };
    const page =
      args.filter === ReadMembersFilter.READ
        ? { ...(await ctx.store.messages.readMembers(m.row.orderNo, after(0), count)), epoch: 0 }
        : await ctx.store.messages.unreadMembers(m.row, after, count);
    const profiles = page.userIDs.length ? await ctx.store.users.visibleProfiles(ctx.viewer, page.userIDs) : new Map();
    return ok({
      memberInfoList: page.userIDs.map((userID): V2TimGroupMemberInfo => ({
        userID,
        nickName: profiles.get(userID)?.nickName ?? null,
        faceUrl: profiles.get(userID)?.faceUrl ?? null,
      })),
      nextSeq: page.next === null ? 0 : ctx.cursors.encodeSeq(listOf(page.epoch), page.next),
      isFinished: page.next === null,
    });
  });

const badNextSeq = () =>
  new Refusal(
    Code.INVALID_PARAMETERS,
    'nextSeq must be 0 or the nextSeq this call returned for the same msgID and filter.',
  );

/** onRecvC2CReadReceipt: `reader` read their conversation with the viewer, told only if the two still share a
 *  message the viewer sees (a conversation opened by setC2CReceiveMessageOpt alone tells nothing). */
export async function c2cReadReceipt(
  ctx: Viewer,
  reader: string,
  timestamp: number,
): Promise<V2TimMessageReceipt[] | undefined> {
  const [shared] = await ctx.store.messages.c2cHistory(ctx.viewer, reader, Number.MAX_SAFE_INTEGER, 1);
  if (!shared) return undefined;
  return [
    {
      resultCode: 0,
      resultInfo: 'ok',
      msgID: '',
      userID: reader,
      groupID: null,
      readCount: 0,
      unreadCount: 0,
      timestamp,
      isPeerRead: true,
    },
  ];
}

/** A receipt as the message's sender sees it now (storage decides again who may, as for every live event). */
export async function receiptChange(ctx: Viewer, msgID: string): Promise<V2TimMessageReceipt[] | undefined> {
  const m = await ctx.store.messages.visible(ctx.viewer, msgID);
  if (!m || m.row.sender !== ctx.viewer) return undefined;
  const s = (await ctx.store.messages.receipts(ctx.viewer, [m.row.orderNo])).get(m.row.orderNo);
  return s ? [receiptOf(m.row, s)] : undefined;
}
