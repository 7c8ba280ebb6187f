// modifyMessage (V2TIMMessageManager.modifyMessage): the sender edits a sent message's content in place. The edit
// keeps the message's id, order, seq and counters (it is not a new message); its audience, and nobody else, gets
// onRecvMessageModified; history, findMessages and resume show the latest version. Decisions where Tencent's docs
// leave the server's rule open: only the sender edits (not group admins), the element type cannot change, and a
// revoked message cannot be edited.
import { Code } from '../codes';
import type { MsgBody } from '../db/element';
import { audienceOf } from '../db/store';
import type { Viewer } from './context';
import { messageView, seenMessage, type V2TimMessage } from './message-view';
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

    const content = {
      body: edited(row.body, args),
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

/**
 * The body with the edit's content fields applied: text to its first text element, data/desc/extension to its first
 * custom element (so a caption appended to a picture can be corrected); other elements are never edited.
 */
function edited(body: MsgBody, args: ModifyArgs): MsgBody {
  const out = [...body];
  if (args.text != null) {
    const i = out.findIndex((e) => e.kind === 'text');
    if (i < 0) throw new Refusal(Code.INVALID_PARAMETERS, 'text is for text elements; this message has none.');
    if (args.text === '') throw new Refusal(Code.INVALID_PARAMETERS, 'text is empty.');
    checkUnicode(args.text, 'text');
    out[i] = { kind: 'text', text: args.text };
  }
  const fields = (['data', 'desc', 'extension'] as const).filter((f) => args[f] != null);
  if (fields.length > 0) {
    const i = out.findIndex((e) => e.kind === 'custom');
    const custom = out[i];
    if (custom?.kind !== 'custom')
      throw new Refusal(Code.INVALID_PARAMETERS, `${fields[0]} is for custom elements; this message has none.`);
    const changed = { ...custom };
    for (const f of fields) {
      checkUnicode(args[f], f);
      changed[f] = args[f]!;
    }
    out[i] = changed;
  }
  return out;
}
