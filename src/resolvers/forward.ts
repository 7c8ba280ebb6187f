// createForwardMessage, createMergerMessage and downloadMergerMessage (V2TIMMessageManager). A forward or a merger
// is a new draft of the caller's, made only from messages the caller may see (one they may not see answers 6017,
// like one that does not exist, as modifyMessage and reactions do). It keeps nothing of where the originals were or
// who saw them: no receiverList, no targets, no @ list, no group; sent, it reaches whoever its own send names. A
// merger holds copies (sender, time, content as the caller saw them), so its viewers need no access to the
// originals. Media inside either is the same stored bytes, held by the new message too (media_refs): its URLs are
// minted for, and checked against, the new message's audience; the originals' URLs still check the originals'.
import { Code } from '../codes';
import type { BlobRef, DraftHoldings, MergedMessage, MsgBody } from '../db/element';
import type { ViewedMessage } from '../db/store';
import type { Viewer } from './context';
import { createDraft } from './message';
import { ElemType, mergedView, messageNotFound, type V2TimMessage } from './message-view';
import { answer, ok, Refusal } from './result';
import { checkSize, checkUnicode, utf8Bytes } from './validate';

/** Tencent's limits: at most 300 messages and 5 abstracts; nesting at most 100 levels. */
const MAX_MERGED = 300;
const MAX_ABSTRACTS = 5;
const MAX_ABSTRACT_CHARS = 100;
const MAX_LAYERS = 100;
/** The merged copies, as stored: 300 messages of 12 KB fit, nested mergers share the bound (decision). */
const MAX_MERGED_BYTES = 4 * 1024 * 1024;

/** A message that can be passed on: not revoked (its content is gone), not a group tip (the group's record). */
function checkSource(m: ViewedMessage, field: string): void {
  if (m.row.revokedAt !== null)
    throw new Refusal(Code.INVALID_PARAMETERS, `${field} "${m.row.msgId}" was revoked; its content is gone.`);
  if (m.row.elemType === ElemType.GROUP_TIPS)
    throw new Refusal(
      Code.INVALID_PARAMETERS,
      `${field} "${m.row.msgId}" is a group tips message; it cannot be passed on.`,
    );
}

/** The blobs the sources hold (media_refs, with their uploader, who alone may reuse them by uuid), for the new draft
 *  to hold too. */
const heldBy = (ctx: Viewer, sources: ViewedMessage[]): Promise<BlobRef[]> =>
  ctx.store.messages.refsOf(sources.map((m) => m.row.createId));

/** The body a copy carries: a merger's with its messages inline (a message's own merger keeps them apart). */
const inlined = (body: MsgBody, merged: Map<string, MergedMessage[]>, createId: string): MsgBody =>
  body.map((e) => (e.kind === 'merger' ? { ...e, messages: e.messages ?? merged.get(createId) ?? [] } : e));

const layersOf = (body: MsgBody): number =>
  Math.max(
    0,
    ...body.map((e) => (e.kind === 'merger' ? 1 + Math.max(0, ...(e.messages ?? []).map((m) => layersOf(m.body))) : 0)),
  );

const mergerOf = (body: MsgBody) =>
  body.find((e): e is Extract<MsgBody[number], { kind: 'merger' }> => e.kind === 'merger');

export const createForwardMessage = (ctx: Viewer, args: { msgID: string }) =>
  answer(async () => {
    const seen = args.msgID ? await ctx.store.messages.visibleWithMerged(ctx.viewer, args.msgID) : undefined;
    if (!seen) throw messageNotFound(args.msgID);
    const m = seen.message;
    checkSource(m, 'msgID');
    const { row } = m;
    const holdings: DraftHoldings = { refs: await heldBy(ctx, [m]) };
    if (mergerOf(row.body)) holdings.merged = seen.merged ?? [];
    // The content only: the new draft is the caller's, untargeted, with no @ list (those named the original's group).
    return createDraft(ctx, row.body, holdings);
  });

export interface MergerArgs {
  msgIDList: readonly string[];
  title: string;
  abstractList: readonly string[];
  compatibleText: string;
}

export const createMergerMessage = (ctx: Viewer, args: MergerArgs) =>
  answer(async () => {
    const ids = [...new Set(args.msgIDList)];
    if (ids.length === 0) throw new Refusal(Code.INVALID_PARAMETERS, 'msgIDList is empty.');
    if (ids.length > MAX_MERGED)
      throw new Refusal(
        Code.INVALID_PARAMETERS,
        `msgIDList has ${ids.length} messages; at most ${MAX_MERGED} can be merged.`,
      );
    if (!args.title) throw new Refusal(Code.INVALID_PARAMETERS, 'title is empty.');
    checkUnicode(args.title, 'title');
    if (args.abstractList.length > MAX_ABSTRACTS)
      throw new Refusal(
        Code.INVALID_PARAMETERS,
        `abstractList has ${args.abstractList.length} entries; at most ${MAX_ABSTRACTS} are allowed.`,
      );
    args.abstractList.forEach((a, i) => {
      checkUnicode(a, `abstractList[${i}]`);
      if ([...a].length > MAX_ABSTRACT_CHARS)
        throw new Refusal(
          Code.INVALID_PARAMETERS,
          `abstractList[${i}] is ${[...a].length} characters; at most ${MAX_ABSTRACT_CHARS} are allowed.`,
        );
    });
    // What an SDK without merger support shows instead (Tencent: required).
    if (!args.compatibleText) throw new Refusal(Code.INVALID_PARAMETERS, 'compatibleText is empty.');
    checkSize(args.title + args.abstractList.join('') + args.compatibleText, 'title, abstractList and compatibleText');

    const found = await ctx.store.messages.find(ctx.viewer, ids);
    const byId = new Map(found.map((m) => [m.row.msgId, m]));
    const sources = ids.map((id) => {
      const m = byId.get(id);
      if (!m) throw messageNotFound(id, `msgIDList[${args.msgIDList.indexOf(id)}]`);
      checkSource(m, `msgIDList[${args.msgIDList.indexOf(id)}]`);
      return m;
    });
    // A message's own merger keeps its copies apart; one nested in another's copies carries them inline.
    const mergers = sources.filter((m) => {
      const merger = mergerOf(m.row.body);
      return merger !== undefined && !merger.messages;
    });
    const [refs, merged] = await Promise.all([
      heldBy(ctx, sources),
      ctx.store.messages.mergedMessages(mergers.map((m) => m.row.createId)),
    ]);
    const copies: MergedMessage[] = sources.map(({ row, sender }) => ({
      sender: row.sender,
      nickName: sender?.nickName ?? null,
      faceUrl: sender?.faceUrl ?? null,
      timestamp: row.timestamp,
      elemType: row.elemType,
      body: inlined(row.body, merged, row.createId),
    }));
    const layers = 1 + Math.max(0, ...copies.map((c) => layersOf(c.body)));
    if (layers > MAX_LAYERS)
      throw new Refusal(
        Code.INVALID_PARAMETERS,
        `msgIDList nests mergers ${layers} levels deep; at most ${MAX_LAYERS} are allowed.`,
      );
    const bytes = utf8Bytes(JSON.stringify(copies));
    if (bytes > MAX_MERGED_BYTES)
      throw new Refusal(
        Code.MESSAGE_TOO_LONG,
        `msgIDList's messages are ${bytes} bytes together; a merger holds at most ${MAX_MERGED_BYTES}.`,
      );
    return createDraft(
      ctx,
      [
        {
          kind: 'merger',
          title: args.title,
          abstractList: [...args.abstractList],
          compatibleText: args.compatibleText,
        },
      ],
      { refs, merged: copies },
    );
  });

/** The merged messages of a merger message the caller may see (6017 for one they may not, as for none). */
export const downloadMergerMessage = (ctx: Viewer, args: { msgID: string }) =>
  answer(async () => {
    // One read: the merger as the caller may see it, with its messages.
    const seen = args.msgID ? await ctx.store.messages.visibleWithMerged(ctx.viewer, args.msgID) : undefined;
    if (!seen) throw messageNotFound(args.msgID);
    const { row } = seen.message;
    if (row.revokedAt !== null)
      throw new Refusal(Code.INVALID_PARAMETERS, `msgID "${args.msgID}" was revoked; its content is gone.`);
    if (!mergerOf(row.body))
      throw new Refusal(Code.INVALID_PARAMETERS, `msgID "${args.msgID}" is not a merger message.`);
    const list = seen.merged ?? [];
    const url = (uuid: string) => ctx.media.urls.mint(ctx.viewer, row.msgId, uuid);
    return ok<V2TimMessage[]>(list.map((c) => mergedView(ctx.viewer, c, url)));
  });
