// modifyMessage (V2TIMMessageManager.modifyMessage): the sender edits a sent message's content in place. The edit
// keeps the message's id, order, seq and counters (it is not a new message); its audience, and nobody else, gets
// onRecvMessageModified; history, findMessages and resume show the latest version. Decisions where Tencent's docs
// leave the server's rule open: only the sender edits (not group admins), the element type cannot change, and a
// revoked message cannot be edited.
import { Code } from '../codes';
import type { Elem } from '../db/element';
import { audienceOf } from '../db/store';
import type { Viewer } from './context';
import { ElemType, messageView, seenMessage, type V2TimMessage } from './message-view';
import { answer, ok, Refusal } from './result';
import { checkMessageSize } from './message';
import { checkSize, checkUnicode } from './validate';

export interface ModifyArgs {
  msgID: string;
  text?: string | null;
  data?: string | null;
  desc?: string | null;
  extension?: string | null;
  cloudCustomData?: string | null;
  version?: number | null;
}

export const modifyMessage = (ctx: Viewer, args: ModifyArgs) =>
  answer(async () => {
    const { store, viewer } = ctx;
    // Not visible and not existing answer alike: an edit must not tell whether a message exists.
    const seen = await seenMessage(ctx, args.msgID);
    const row = seen.row;
    if (row.sender !== viewer) throw new Refusal(Code.NO_PERMISSION, 'Only the sender can modify a message.');
    if (row.revokedAt !== null) throw new Refusal(Code.NO_PERMISSION, `msgID "${args.msgID}" was revoked.`);
    if (args.version != null && (!Number.isInteger(args.version) || args.version < 0))
      throw new Refusal(Code.INVALID_PARAMETERS, 'version must be a V2TimMessage.version (a whole number ≥ 0).');

    const [first, ...rest] = row.body;
    const content = {
      body: first ? [edited(first, args), ...rest] : row.body,
      cloudCustomData: args.cloudCustomData !== undefined ? args.cloudCustomData : row.cloudCustomData,
    };
    checkSize(content.cloudCustomData, 'cloudCustomData');
    // Tencent's 12 KB for the whole message, as sendMessage counts it (localCustomData is stored with it too).
    checkMessageSize(content, { cloudCustomData: content.cloudCustomData, localCustomData: row.localCustomData });

    const version = await store.messages.modify(row.orderNo, viewer, args.version ?? null, content);
    if (version === undefined) {
      throw new Refusal(
        Code.MSG_MODIFY_CONFLICT,
        `msgID "${args.msgID}" was modified (or revoked) since version ${args.version ?? row.version}; read it again and retry.`,
      );
    }
    const modified = { ...row, ...content, version };
    await ctx.router.publish({ type: 'modified', row: modified, users: audienceOf(modified) });
    return ok<V2TimMessage>(messageView(viewer, { ...seen, row: modified }, ctx));
  });

/** The element with the edit's content fields applied: text for text, data/desc/extension for custom, none else. */
function edited(e: Elem, args: ModifyArgs): Elem {
  if (e.kind === 'text') {
    for (const field of ['data', 'desc', 'extension'] as const)
      if (args[field] != null)
        throw new Refusal(Code.INVALID_PARAMETERS, `${field} is for custom messages; this one is text.`);
    if (args.text == null) return e;
    if (args.text === '') throw new Refusal(Code.INVALID_PARAMETERS, 'text is empty.');
    checkUnicode(args.text, 'text');
    return { ...e, text: args.text };
  }
  if (e.kind === 'custom') {
    if (args.text != null) throw new Refusal(Code.INVALID_PARAMETERS, 'text is for text messages; this one is custom.');
    const custom = { ...e };
    for (const field of ['data', 'desc', 'extension'] as const) {
      if (args[field] == null) continue;
      checkUnicode(args[field], field);
      custom[field] = args[field];
    }
    return custom;
  }
  if (args.text != null || args.data != null || args.desc != null || args.extension != null)
    throw new Refusal(Code.INVALID_PARAMETERS, 'Only text and custom messages can have their content modified.');
  return e;
}
