// Creating, targeting, sending and revoking messages (im-semantics §4–§6). Each function reads like the SDK call
// it implements: validate in the documented order, run one unit of work in the store, then wake the audience.
import { randomBytes, randomInt } from 'node:crypto';
import { Code } from '../codes';
import { audienceOf, type DraftRow, type NewMessage, type SendCheck, type SendOutcome } from '../db/store';
import type { DraftHoldings, Elem, MsgBody } from '../db/element';
import type { Viewer } from './context';
import { draftView, ElemType, elemTypeOf, messageView, Priority, Status, type V2TimMessage } from './message-view';
import { GroupType, isGroupType, Role } from './group-type';
import { answer, done, fail, ok, Refusal, refusalOf, type Callback, type ValueCallback } from './result';
import { planIncludesTargeted } from '../config';
import {
  AT_ALL,
  checkId,
  checkSize,
  checkUnicode,
  checkUserID,
  checkUserList,
  utf8Bytes,
  MAX_MESSAGE_BYTES,
} from './validate';

export interface MsgCreateInfoResult {
  id: string;
  messageInfo: V2TimMessage;
}

const REVOKE_WINDOW_SECONDS = 120;
const MAX_AT_USERS = 30;
const MAX_TARGETED_RECEIVERS = 50;

/** Creation ids are unguessable: knowing one is what makes a draft yours to send. */
const newCreateId = () => `created_temp_id-${randomBytes(16).toString('base64url')}`;
const newMsgId = (now: number) => `${now}-${randomBytes(9).toString('base64url')}`;

/** Stores a new draft of this content for the viewer and answers with it (media.ts creates its drafts here too). */
export async function createDraft(
  ctx: Viewer,
  body: MsgBody,
  holdings?: DraftHoldings,
  atUsers: string[] | null = null,
) {
  const now = ctx.now();
  const draft: DraftRow = {
    id: newCreateId(),
    owner: ctx.viewer,
    createdAt: now,
    expiresAt: now + ctx.config.draftTtlSeconds,
    elemType: elemTypeOf(body),
    body,
    atUsers,
    targets: null,
  };
  await ctx.store.messages.createDraft(draft, holdings);
  return ok<MsgCreateInfoResult>({ id: draft.id, messageInfo: draftView(draft, undefined, {}, ctx) });
}

function checkText(text: string): void {
  if (text.length === 0) throw new Refusal(Code.INVALID_PARAMETERS, 'text is empty.');
  checkSize(text, 'text');
}

export const createTextMessage = (ctx: Viewer, args: { text: string }) =>
  answer(async () => {
    checkText(args.text);
    return createDraft(ctx, [{ kind: 'text', text: args.text }]);
  });

export const createTextAtMessage = (ctx: Viewer, args: { text: string; atUserList: readonly string[] }) =>
  answer(async () => {
    checkText(args.text);
    if (args.atUserList.length > MAX_AT_USERS) {
      throw new Refusal(
        Code.INVALID_PARAMETERS,
        `atUserList has ${args.atUserList.length} entries; at most ${MAX_AT_USERS} are allowed.`,
      );
    }
    args.atUserList.forEach((u, i) => {
      if (u !== AT_ALL) checkUserID(u, `atUserList[${i}]`, Code.INVALID_PARAMETERS);
    });
    return createDraft(ctx, [{ kind: 'text', text: args.text }], undefined, [...new Set(args.atUserList)]);
  });

export const createCustomMessage = (
  ctx: Viewer,
  args: { data: string; desc?: string | null; extension?: string | null },
) =>
  answer(async () => {
    const total = utf8Bytes(args.data) + utf8Bytes(args.desc ?? '') + utf8Bytes(args.extension ?? '');
    if (total > MAX_MESSAGE_BYTES) {
      throw new Refusal(
        Code.MESSAGE_TOO_LONG,
        `data, desc and extension are ${total} bytes of UTF-8 together; at most ${MAX_MESSAGE_BYTES} are allowed.`,
      );
    }
    if (total === 0) throw new Refusal(Code.INVALID_PARAMETERS, 'data is empty (and so are desc and extension).');
    checkUnicode(args.data, 'data');
    checkUnicode(args.desc, 'desc');
    checkUnicode(args.extension, 'extension');
    return createDraft(ctx, [
      { kind: 'custom', data: args.data, desc: args.desc ?? '', extension: args.extension ?? '' },
    ]);
  });

/**
 * createLocationMessage(desc, longitude, latitude): V2TimLocationElem. Decisions where Tencent is silent: desc may
 * be empty, and counts toward the message's 12 KB (80002); coordinates are degrees, WGS 84's ranges (6017).
 */
export const createLocationMessage = (ctx: Viewer, args: { desc: string; longitude: number; latitude: number }) =>
  answer(async () => {
    checkSize(args.desc, 'desc');
    for (const [field, value, max] of [
      ['longitude', args.longitude, 180],
      ['latitude', args.latitude, 90],
    ] as const) {
      if (!Number.isFinite(value) || value < -max || value > max)
        throw new Refusal(Code.INVALID_PARAMETERS, `${field} must be from -${max} to ${max} degrees, got ${value}.`);
    }
    return createDraft(ctx, [
      { kind: 'location', desc: args.desc, longitude: args.longitude, latitude: args.latitude },
    ]);
  });

/** createFaceMessage(index, data): V2TimFaceElem, an emoticon of the app's own set (index ≥ 0; data ≤ 12 KB). */
export const createFaceMessage = (ctx: Viewer, args: { index: number; data?: string | null }) =>
  answer(async () => {
    if (!Number.isInteger(args.index) || args.index < 0)
      throw new Refusal(Code.INVALID_PARAMETERS, `index must be a whole number ≥ 0, got ${args.index}.`);
    const data = args.data ?? '';
    checkSize(data, 'data');
    return createDraft(ctx, [{ kind: 'face', index: args.index, data }]);
  });

const MAX_GROUP_ID_BYTES = 48;

/** Whether deliver() gets as far as the group: it refuses a malformed groupID first (PostgreSQL could not even take
 * some as a parameter), so the read before it skips those. */
const wellFormedGroupID = (groupID: string) => {
  try {
    checkId(groupID, 'groupID', Code.INVALID_GROUP_ID, MAX_GROUP_ID_BYTES);
    return true;
  } catch {
    return false;
  }
};

const notFound = (field = 'id') =>
  new Refusal(Code.INVALID_PARAMETERS, `${field} does not exist: create the message first (unsent messages expire).`);

/**
 * Targets the created message itself and returns the same id (as Tencent's Flutter 8.x adapter and desktop plugin
 * do): from now on this id only ever reaches the sender and the receivers. A second call replaces the list.
 */
export const createTargetedGroupMessage = (ctx: Viewer, args: { id: string; receiverList: readonly string[] }) =>
  answer(async () => {
    const draft = await ctx.store.messages.draft(args.id, ctx.viewer, ctx.now());
    if (!draft) throw notFound();
    const receivers = checkUserList(args.receiverList, 'receiverList', Code.INVALID_PARAMETERS, MAX_TARGETED_RECEIVERS);
    if (draft.atUsers && draft.atUsers.length > 0) {
      throw new Refusal(
        Code.INVALID_PARAMETERS,
        'id is a message with an @ list (createTextAtMessage); it cannot be targeted.',
      );
    }
    checkPlan(ctx);
    // Sent (or expired) since the read above: the id is gone either way.
    if (!(await ctx.store.messages.targetDraft(draft.id, ctx.viewer, ctx.now(), receivers))) throw notFound();
    const targeted: DraftRow = { ...draft, targets: receivers };
    return ok<MsgCreateInfoResult>({ id: targeted.id, messageInfo: draftView(targeted, undefined, {}, ctx) });
  });

/** A body's elements at most (decision: Tencent states no number; 12 KB bounds the text, this bounds the list). */
export const MAX_BODY_ELEMS = 10;

/** What V2TIMElem.appendElem takes: plain elements, which hold no blob and no merged messages. */
const APPENDABLE: ReadonlySet<Elem['kind']> = new Set(['text', 'custom', 'face', 'location']);

/**
 * appendMessage(createMessageBaseId, createMessageAppendId): the second created message's elements join the end
 * of the first's (a picture with a caption, text with an emoticon), as V2TIMElem.appendElem does, and the first is
 * answered. The base keeps its id, elemType, @ list and receiverList; the appended id is used up. Decisions where
 * Tencent is silent: the appended message may carry no @ list or receiverList of its own (they would be lost), a
 * body holds at most MAX_BODY_ELEMS elements, and the whole message keeps the 12 KB of one (80002).
 */
export const appendMessage = (ctx: Viewer, args: { createMessageBaseId: string; createMessageAppendId: string }) =>
  answer(async () => {
    const { createMessageBaseId: baseId, createMessageAppendId: appendId } = args;
    if (baseId === appendId)
      throw new Refusal(
        Code.INVALID_PARAMETERS,
        'createMessageAppendId is createMessageBaseId; a message cannot be appended to itself.',
      );
    const appended = await ctx.store.messages.appendDraft(baseId, appendId, ctx.viewer, ctx.now(), appendedBody);
    if (appended.outcome === 'missing')
      throw notFound(appended.id === baseId ? 'createMessageBaseId' : 'createMessageAppendId');
    return ok<V2TimMessage>(draftView(appended.draft, undefined, {}, ctx));
  });

/** The base's body with the appended message's elements after it, or the refusal (inside the store's write). */
function appendedBody(base: DraftRow, appended: DraftRow): MsgBody {
  const unfit = appended.body.find((e) => !APPENDABLE.has(e.kind));
  if (unfit)
    throw new Refusal(
      Code.INVALID_PARAMETERS,
      `createMessageAppendId is a ${unfit.kind} message; only text, custom, face and location elements can be appended.`,
    );
  if (appended.targets)
    throw new Refusal(
      Code.INVALID_PARAMETERS,
      'createMessageAppendId is a targeted message; target the base message (createMessageBaseId) instead.',
    );
  if (appended.atUsers && appended.atUsers.length > 0)
    throw new Refusal(
      Code.INVALID_PARAMETERS,
      'createMessageAppendId has an @ list (createTextAtMessage); only the base message can carry one.',
    );
  const body = [...base.body, ...appended.body];
  if (body.length > MAX_BODY_ELEMS)
    throw new Refusal(
      Code.INVALID_PARAMETERS,
      `createMessageBaseId would hold ${body.length} elements; a message holds at most ${MAX_BODY_ELEMS}.`,
    );
  checkMessageSize({ body }, {});
  return body;
}

function checkPlan(ctx: Viewer): void {
  if (!planIncludesTargeted(ctx.config.plan)) {
    throw new Refusal(
      Code.PLAN_NOT_ULTIMATE,
      `Targeted group messages need the Ultimate, Enterprise, Pro or Pro Plus plan; IM_PLAN is "${ctx.config.plan}".`,
    );
  }
}

/**
 * Tencent caps a message at 12 KB in total, not each field: the element (text, or custom data + desc + extension)
 * plus cloudCustomData, and here localCustomData too, since the gateway stores and returns it with the message.
 */
export function checkMessageSize(
  draft: Pick<DraftRow, 'body'>,
  args: Pick<SendArgs, 'cloudCustomData' | 'localCustomData'>,
): void {
  const parts: [string, string | null | undefined][] = [
    ...draft.body.map(sizedContent),
    ['cloudCustomData', args.cloudCustomData],
    ['localCustomData', args.localCustomData],
  ];
  const sized = parts.map(([name, v]) => [name, v ? utf8Bytes(v) : 0] as const).filter(([, n]) => n > 0);
  const total = sized.reduce((sum, [, n]) => sum + n, 0);
  if (total > MAX_MESSAGE_BYTES) {
    throw new Refusal(
      Code.MESSAGE_TOO_LONG,
      `The message is ${total} bytes of UTF-8 in total (${sized.map(([name, n]) => `${name} ${n}`).join(', ')}); at most ${MAX_MESSAGE_BYTES} are allowed.`,
    );
  }
}

/** An element's free text, which counts toward the message's size, named as the desc names it. Media counts as
 *  its own upload limits; a merger's messages are stored apart (merged_messages, bounded on their own), so its
 *  title and abstracts count. */
function sizedContent(e: Elem): [string, string | null] {
  switch (e.kind) {
    case 'text':
      return ['text', e.text];
    case 'custom':
      return ['customElem', e.data + e.desc + e.extension];
    case 'location':
      return ['locationElem', e.desc];
    case 'face':
      return ['faceElem', e.data];
    case 'merger':
      return ['mergerElem', e.title + e.abstractList.join('') + e.compatibleText];
    default:
      return [`${e.kind}Elem`, null];
  }
}

export interface SendArgs {
  id: string;
  receiver?: string | null;
  groupID?: string | null;
  priority?: number | null;
  onlineUserOnly?: boolean | null;
  isExcludedFromUnreadCount?: boolean | null;
  isExcludedFromLastMessage?: boolean | null;
  needReadReceipt?: boolean | null;
  cloudCustomData?: string | null;
  localCustomData?: string | null;
}

const outcomeRefusal = (reason: Extract<SendOutcome, { ok: false }>['reason'], groupID: string | null): Refusal => {
  switch (reason) {
    case 'group-missing':
      return new Refusal(Code.GROUP_NOT_FOUND, `groupID "${groupID}" does not exist.`);
    case 'not-member':
      return new Refusal(Code.NO_PERMISSION, `You are not a member of group "${groupID}".`);
    case 'muted':
      return new Refusal(Code.MUTED, `You are muted in group "${groupID}".`);
    case 'receiver-not-member':
      return new Refusal(Code.INVALID_RECEIVER, `A receiver is not a member of group "${groupID}".`); // named by notMembers()
    case 'draft-missing':
      return new DraftConsumed();
  }
};

/** A concurrent send of the same id won the race: answer as a retry. */
class DraftConsumed extends Refusal {
  constructor() {
    super(Code.INVALID_PARAMETERS);
  }
}

export const sendMessage = (ctx: Viewer, args: SendArgs): Promise<ValueCallback<V2TimMessage>> =>
  answer(() => send(ctx, args));

async function send(ctx: Viewer, args: SendArgs, attempt = 0): Promise<ValueCallback<V2TimMessage>> {
  const { store, viewer } = ctx;
  const now = ctx.now();
  // The SDK passes "" for "not set" (Flutter 8.1 requires both strings).
  const receiver = args.receiver || null;
  const groupID = args.groupID || null;

  // The group and the sender's membership are read with the draft, in one go.
  const checked = await store.messages.draftToSend(
    args.id,
    viewer,
    now,
    groupID !== null && wellFormedGroupID(groupID) ? groupID : null,
  );
  if (!checked) return resend(ctx, args.id, receiver, groupID);
  const { draft } = checked;

  try {
    const message = await deliver(ctx, checked, receiver, groupID, args, now);
    return ok(message);
  } catch (e) {
    if (e instanceof DraftConsumed) {
      // Sent by a concurrent call (answer as a retry), or targeted since it was read: send it again as it is now.
      return attempt === 0 && (await store.messages.draft(args.id, viewer, now))
        ? send(ctx, args, 1)
        : resend(ctx, args.id, receiver, groupID);
    }
    const refusal = refusalOf(e);
    if (!refusal) throw e;
    // The SDK returns the message with status 3 on failure; the id stays usable for another try.
    return fail(refusal.code, refusal.desc, draftView(draft, Status.SEND_FAIL, { receiver, groupID }, ctx));
  }
}

/** Retries are safe: an id that was sent answers with the message it became, and delivers nothing again. */
async function resend(
  ctx: Viewer,
  id: string,
  receiver: string | null,
  groupID: string | null,
): Promise<ValueCallback<V2TimMessage>> {
  const sent = await ctx.store.messages.sentFromDraft(id, ctx.viewer);
  if (!sent) return fail(notFound().code, notFound().desc);
  const row = sent.row;
  const targets = row.targets;
  const same =
    groupID === null
      ? row.groupId === null && row.receiver === receiver
      : row.groupId === groupID && (receiver === null || (targets?.length === 1 && targets[0] === receiver));
  if (!same)
    return fail(Code.INVALID_PARAMETERS, 'id was already sent to another receiver or group; create a new message.');
  return ok(messageView(ctx.viewer, sent, ctx));
}

/** 6032 naming the receivers who are not members (read after the refused send, so the list is current). */
async function notMembers(ctx: Viewer, groupID: string, targets: string[]): Promise<Refusal> {
  const members = new Set(await ctx.store.groups.membersAmong(groupID, targets));
  const missing = targets.filter((u) => !members.has(u));
  if (missing.length === 0) return outcomeRefusal('receiver-not-member', groupID);
  const shown =
    missing
      .slice(0, 10)
      .map((u) => `"${u}"`)
      .join(', ') + (missing.length > 10 ? ` and ${missing.length - 10} more` : '');
  return new Refusal(
    Code.INVALID_RECEIVER,
    `${missing.length === 1 ? 'Receiver' : 'Receivers'} ${shown} ${missing.length === 1 ? 'is not a member' : 'are not members'} of group "${groupID}".`,
  );
}

async function deliver(
  ctx: Viewer,
  { draft, group, member, sender }: SendCheck,
  receiver: string | null,
  groupID: string | null,
  args: SendArgs,
  now: number,
): Promise<V2TimMessage> {
  const { store, viewer } = ctx;
  const draftTargets = draft.targets;
  if (receiver === null && groupID === null)
    throw new Refusal(
      Code.INVALID_PARAMETERS,
      'receiver and groupID are both empty; set one (or both for one member of a group).',
    );
  if (draftTargets && groupID === null)
    throw new Refusal(Code.INVALID_PARAMETERS, 'groupID is empty; a targeted group message is sent into a group.');
  if (receiver !== null) {
    checkUserID(receiver, 'receiver');
    if (receiver === viewer && groupID === null)
      throw new Refusal(Code.INVALID_RECEIVER, 'receiver is yourself; a one-to-one message needs another user.');
    if (draftTargets && !draftTargets.includes(receiver)) {
      throw new Refusal(
        Code.INVALID_RECEIVER,
        `receiver "${receiver}" is not in the message's receiverList; an audience can only narrow.`,
      );
    }
  }
  if (groupID !== null) checkId(groupID, 'groupID', Code.INVALID_GROUP_ID, MAX_GROUP_ID_BYTES);
  checkSize(args.cloudCustomData, 'cloudCustomData');
  checkSize(args.localCustomData, 'localCustomData');
  checkMessageSize(draft, args);

  // Targeted: a targeted draft, or one member of a group named by receiver. The audience is never widened.
  const targets = groupID === null ? null : receiver !== null ? [receiver] : draftTargets;
  const onlineOnly = args.onlineUserOnly === true;
  let stored = !onlineOnly;
  if (groupID !== null) {
    if (!group) throw new Refusal(Code.GROUP_NOT_FOUND, `groupID "${groupID}" does not exist.`);
    const type = isGroupType(group.groupType) ? GroupType[group.groupType] : GroupType.Public;
    if (targets && !type.targeted)
      throw new Refusal(Code.NO_PERMISSION, `${group.groupType} groups do not support targeted messages.`);
    if (onlineOnly && group.groupType === 'AVChatRoom')
      throw new Refusal(Code.NO_PERMISSION, 'onlineUserOnly is not supported in AVChatRoom groups.');
    if (targets) checkPlan(ctx);
    if (!type.history) stored = false; // AVChatRoom: online delivery only
    if (!member) throw new Refusal(Code.NO_PERMISSION, `You are not a member of group "${groupID}".`);
    if (!(await ctx.groupSendLimiter.take(groupID))) {
      throw new Refusal(
        Code.GROUP_RATE_EXCEEDED,
        `Group "${groupID}" is over ${ctx.config.groupSendRate} messages per second; retry the same id shortly.`,
      );
    }
  }

  const audience = targets ? [...new Set([viewer, ...targets])] : null;
  const msg: NewMessage = {
    msgId: newMsgId(now),
    createId: draft.id,
    sender: viewer,
    receiver: groupID === null ? receiver : null,
    groupId: groupID,
    audience,
    targets,
    draftTargets,
    elemType: draft.elemType,
    body: draft.body,
    atUsers: draft.atUsers,
    priority: args.priority ?? Priority.NORMAL,
    // Targeted messages do not count as unread unless the sender says so explicitly (im-semantics §7).
    excludedUnread: targets ? args.isExcludedFromUnreadCount !== false : args.isExcludedFromUnreadCount === true,
    excludedLast: args.isExcludedFromLastMessage === true,
    needReadReceipt: args.needReadReceipt === true,
    cloudCustomData: args.cloudCustomData ?? null,
    localCustomData: args.localCustomData ?? null,
    random: randomInt(0, 2 ** 31),
    timestamp: now,
  };
  const outcome = await (stored ? store.messages.send(msg, now) : store.messages.sendOnline(msg, now));
  if (!outcome.ok && outcome.reason === 'receiver-not-member') throw await notMembers(ctx, groupID!, targets!);
  if (!outcome.ok) throw outcomeRefusal(outcome.reason, groupID);
  const row = outcome.message.row;
  // Never stored, so never downloadable: the send released what the draft held; the bytes nothing holds go now.
  if (outcome.blobs) await ctx.media.blobs.delete(outcome.blobs);
  // Stored first (above), acknowledged and delivered second.
  await ctx.router.publish({ type: 'message', row, users: audienceOf(row) });
  // The sender's nickName and faceUrl came with the draft (read before the send, not inside its transaction).
  return messageView(viewer, outcome.message, ctx, sender);
}

export const revokeMessage = (ctx: Viewer, args: { msgID: string }): Promise<Callback> =>
  answer(async (): Promise<Callback> => {
    const { store, viewer } = ctx;
    const seen = args.msgID ? await store.messages.visible(viewer, args.msgID) : undefined;
    if (!seen) throw new Refusal(Code.REVOKE_NOT_FOUND, `msgID "${args.msgID}" was not found among your messages.`);
    const row = seen.row;
    if (row.revokedAt !== null) return done();
    // A group tip records a change the group went through; it is not anyone's message to take back.
    if (row.elemType === ElemType.GROUP_TIPS)
      throw new Refusal(Code.NO_PERMISSION, `msgID "${args.msgID}" is a group tips message; it cannot be revoked.`);
    const now = ctx.now();
    if (row.sender === viewer) {
      // Tencent answers 10031 in groups and 20016 for one-to-one messages.
      if (now - row.timestamp > REVOKE_WINDOW_SECONDS) {
        throw new Refusal(
          row.groupId === null ? Code.C2C_REVOKE_TIME_LIMIT : Code.REVOKE_TIME_LIMIT,
          `msgID "${args.msgID}" was sent more than 2 minutes ago.`,
        );
      }
    } else {
      // Owners and admins may revoke members' group messages (decision: without a time limit).
      const me = row.groupId !== null ? await store.groups.member(row.groupId, viewer) : undefined;
      if (!me || me.role < Role.ADMIN)
        throw new Refusal(Code.NO_PERMISSION, 'Only the sender, or a group owner or admin, can revoke this message.');
    }
    await store.messages.revoke(row.orderNo, viewer, now);
    const revoked = { ...row, revokedAt: now, revokedBy: viewer };
    const users = audienceOf(row);
    await ctx.router.publish({ type: 'revoked', row: revoked, operateUser: viewer, users });
    return done();
  });
