// V2TimMessage and the create → target → send flow, plus revoke. Resolvers are one line into src/resolvers.
import * as message from '../resolvers/message';
import * as modify from '../resolvers/message-modify';
import type { MsgCreateInfoResult } from '../resolvers/message';
import { Priority, Status, type ElemView, type V2TimMessage as Message } from '../resolvers/message-view';
import { builder } from './builder';
import { V2TimCallback, valueCallback } from './callback';
import { signedIn } from './context';
import { Timestamp } from './timestamp';
import { V2TimGroupTipsElem } from './group-tips';

const V2TimTextElem = builder.objectRef<{ text: string }>('V2TimTextElem').implement({
  fields: (t) => ({ text: t.exposeString('text') }),
});

const V2TimCustomElem = builder
  .objectRef<{ data: string; desc: string; extension: string }>('V2TimCustomElem')
  .implement({
    fields: (t) => ({
      data: t.exposeString('data'),
      desc: t.exposeString('desc'),
      extension: t.exposeString('extension'),
    }),
  });

// The SDK's closed sets as GraphQL enums named after its constants; the numbers stay what resolvers return and
// what the client package exports (client/src/constants.ts).
const MessageStatus = builder.enumType('MessageStatus', {
  description:
    'V2TIMMessageStatus; MessageStatus in the client package (client/src/constants.ts) maps each to the SDK number, 1–6.',
  values: {
    V2TIM_MSG_STATUS_SENDING: { value: Status.SENDING, description: '1: created, not sent yet.' },
    V2TIM_MSG_STATUS_SEND_SUCC: { value: Status.SEND_SUCC, description: '2: sent.' },
    V2TIM_MSG_STATUS_SEND_FAIL: {
      value: Status.SEND_FAIL,
      description: '3: the send failed; the id can be sent again.',
    },
    V2TIM_MSG_STATUS_HAS_DELETED: { value: Status.HAS_DELETED, description: '4: deleted.' },
    V2TIM_MSG_STATUS_LOCAL_IMPORTED: { value: Status.LOCAL_IMPORTED, description: '5: imported locally.' },
    V2TIM_MSG_STATUS_LOCAL_REVOKED: { value: Status.LOCAL_REVOKED, description: '6: revoked; the content is gone.' },
  } as const,
});

const MessageElemType = builder.enumType('MessageElemType', {
  description:
    'V2TIMElemType: which element the message carries; MessageElemType in client/src/constants.ts maps each to the SDK number, 0–10.',
  values: Object.fromEntries(
    ['NONE', 'TEXT', 'CUSTOM', 'IMAGE', 'SOUND', 'VIDEO', 'FILE', 'LOCATION', 'FACE', 'GROUP_TIPS', 'MERGER'].map(
      (name, value) => [`V2TIM_ELEM_TYPE_${name}`, { value }],
    ),
  ),
});

const MessagePriorityEnum = builder.enumType('MessagePriorityEnum', {
  description: 'V2TIMMessagePriority: DEFAULT 0, HIGH 1, NORMAL 2 (what sendMessage uses when none is given), LOW 3.',
  values: {
    V2TIM_PRIORITY_DEFAULT: { value: Priority.DEFAULT },
    V2TIM_PRIORITY_HIGH: { value: Priority.HIGH },
    V2TIM_PRIORITY_NORMAL: { value: Priority.NORMAL },
    V2TIM_PRIORITY_LOW: { value: Priority.LOW },
  } as const,
});

export const V2TimMessage = builder.objectRef<Message>('V2TimMessage').implement({
  description:
    'A message as the viewer sees it. A sent message is keyed by msgID (an unsent draft has none: key it by id, ' +
    'or leave it unnormalised); see the README for Apollo and urql cache keys.',
  fields: (t) => ({
    msgID: t.exposeID('msgID', {
      nullable: true,
      description: 'Server message id: present on every sent message; null on an unsent draft and on a failed send.',
    }),
    id: t.exposeID('id', {
      nullable: true,
      description: 'The creation id: shown to the sender only (null for everyone else).',
    }),
    // Both views (draftView, messageView) always set timestamp and sender; their shared TS type is only looser.
    timestamp: t.field({
      type: Timestamp,
      description: 'When it was sent (a draft: when it was created).',
      resolve: (m) => m.timestamp as number,
    }),
    sender: t.field({ type: 'ID', description: 'The userID of the sender.', resolve: (m) => m.sender as string }),
    nickName: t.exposeString('nickName', { nullable: true }),
    faceUrl: t.exposeString('faceUrl', { nullable: true }),
    groupID: t.exposeID('groupID', { nullable: true, description: 'Set on group messages (targeted ones included).' }),
    userID: t.exposeID('userID', { nullable: true, description: 'The C2C peer; null on group messages.' }),
    status: t.field({ type: MessageStatus, resolve: (m) => m.status as never }),
    isSelf: t.exposeBoolean('isSelf'),
    isRead: t.exposeBoolean('isRead'),
    isPeerRead: t.exposeBoolean('isPeerRead', {
      nullable: true,
      description:
        'Your own C2C messages: the receiver has read it (sent a read receipt for it, or read the conversation past it). Null otherwise.',
    }),
    priority: t.field({ type: MessagePriorityEnum, resolve: (m) => (m.priority ?? Priority.NORMAL) as never }),
    seq: t.exposeString('seq', {
      nullable: true,
      description:
        "Position in the viewer's view of the conversation; runs without gaps. Null on drafts and on onlineUserOnly messages (never stored).",
    }),
    random: t.exposeInt('random', { nullable: true }),
    groupAtUserList: t.expose('groupAtUserList', { type: ['ID'] }),
    targetGroupMemberList: t.expose('targetGroupMemberList', {
      type: ['ID'],
      nullable: true,
      description: 'Receivers of a targeted message; shown to its sender only.',
    }),
    isExcludedFromUnreadCount: t.exposeBoolean('isExcludedFromUnreadCount'),
    isExcludedFromLastMessage: t.exposeBoolean('isExcludedFromLastMessage'),
    needReadReceipt: t.exposeBoolean('needReadReceipt'),
    cloudCustomData: t.exposeString('cloudCustomData', { nullable: true }),
    localCustomData: t.exposeString('localCustomData', { nullable: true }),
    cursor: t.exposeString('cursor', {
      nullable: true,
      description:
        "Where this message sits in the viewer's stream; pass back as afterCursor. Set on every stored message; null on drafts and onlineUserOnly ones.",
    }),
    version: t.exposeInt('version', {
      description:
        'How many times modifyMessage changed it (0: never). Pass it to modifyMessage so that an edit racing another fails with 8006 instead of overwriting it.',
    }),
  }),
});

/** One element of a message's body (V2TIMElem), with the same element fields as the message. */
const V2TimElem = builder.objectRef<ElemView>('V2TimElem').implement({
  description:
    'One element of a message, in the field of its elemType. A message shows its first element itself; elemList has them all (appendMessage).',
  fields: () => ({}),
});

/** The types that carry the element fields: a message (its first element) and each entry of its elemList. Each
 *  element's schema module adds its field to both. */
export const ELEM_HOSTS: (typeof V2TimElem)[] = [V2TimMessage, V2TimElem];

for (const host of ELEM_HOSTS)
  builder.objectFields(host, (t) => ({
    elemType: t.field({ type: MessageElemType, resolve: (m) => m.elemType }),
    textElem: t.expose('textElem', {
      type: V2TimTextElem,
      nullable: true,
      description: 'Set when elemType is V2TIM_ELEM_TYPE_TEXT (and the message is not revoked).',
    }),
    customElem: t.expose('customElem', {
      type: V2TimCustomElem,
      nullable: true,
      description: 'Set when elemType is V2TIM_ELEM_TYPE_CUSTOM (and the message is not revoked).',
    }),
    groupTipsElem: t.expose('groupTipsElem', {
      type: V2TimGroupTipsElem,
      nullable: true,
      description: 'Set when elemType is V2TIM_ELEM_TYPE_GROUP_TIPS: a membership or profile change of the group.',
    }),
  }));

builder.objectField(V2TimMessage, 'elemList', (t) =>
  t.expose('elemList', {
    type: [V2TimElem],
    description:
      'Every element in order, the first included (V2TIMMessage.elemList): more than one after appendMessage. Empty once revoked.',
  }),
);

const V2TimMsgCreateInfoResult = builder.objectRef<MsgCreateInfoResult>('V2TimMsgCreateInfoResult').implement({
  description: 'A created message: pass id to createTargetedGroupMessage or sendMessage.',
  fields: (t) => ({ id: t.exposeID('id'), messageInfo: t.expose('messageInfo', { type: V2TimMessage }) }),
});

export const MsgCreateInfoResultValueCallback = valueCallback<MsgCreateInfoResult>(
  'MsgCreateInfoResultValueCallback',
  V2TimMsgCreateInfoResult,
);
export const MessageValueCallback = valueCallback<Message>('MessageValueCallback', V2TimMessage);
export const MessageListValueCallback = valueCallback<Message[]>('MessageListValueCallback', [V2TimMessage]);

builder.mutationField('createTextMessage', (t) =>
  t.field({
    type: MsgCreateInfoResultValueCallback,
    description: 'Builds an unsent text message (at most 12 KB of UTF-8); send it with sendMessage(id).',
    args: { text: t.arg.string({ required: true }) },
    resolve: (_, args, ctx) => message.createTextMessage(signedIn(ctx), args),
  }),
);

builder.mutationField('createTextAtMessage', (t) =>
  t.field({
    type: MsgCreateInfoResultValueCallback,
    description:
      'Creates an unsent text message that @-mentions the users in atUserList; send it to a group with sendMessage.',
    args: { text: t.arg.string({ required: true }), atUserList: t.arg.stringList({ required: true }) },
    resolve: (_, args, ctx) => message.createTextAtMessage(signedIn(ctx), args),
  }),
);

builder.mutationField('createCustomMessage', (t) =>
  t.field({
    type: MsgCreateInfoResultValueCallback,
    description:
      'Creates an unsent custom message (data, desc, extension; not all empty: 6017); send it with sendMessage.',
    args: { data: t.arg.string({ required: true }), desc: t.arg.string(), extension: t.arg.string() },
    resolve: (_, args, ctx) => message.createCustomMessage(signedIn(ctx), args),
  }),
);

builder.mutationField('createTargetedGroupMessage', (t) =>
  t.field({
    type: MsgCreateInfoResultValueCallback,
    description:
      'Makes a created message a targeted group message: only receiverList (1–50 members) will know it exists. Send data.id, whether or not it equals the id passed in.',
    args: { id: t.arg.string({ required: true }), receiverList: t.arg.stringList({ required: true }) },
    resolve: (_, args, ctx) => message.createTargetedGroupMessage(signedIn(ctx), args),
  }),
);

builder.mutationField('appendMessage', (t) =>
  t.field({
    type: MessageValueCallback,
    description: `Appends a created message's elements to another created message (V2TIMMessageManager.appendMessage), e.g. a caption to a picture: text, custom, face and location elements only, at most ${message.MAX_BODY_ELEMS} in a message, 12 KB in all. Answers the base message; the appended id is used up. Send createMessageBaseId.`,
    args: {
      createMessageBaseId: t.arg.string({ required: true }),
      createMessageAppendId: t.arg.string({ required: true }),
    },
    resolve: (_, args, ctx) => message.appendMessage(signedIn(ctx), args),
  }),
);

builder.mutationField('sendMessage', (t) =>
  t.field({
    type: MessageValueCallback,
    description:
      'Sends a created message: receiver only → C2C; groupID only → group; both → to that one member inside the group. Retrying a sent id returns the same message.',
    args: {
      id: t.arg.string({ required: true }),
      receiver: t.arg.string(),
      groupID: t.arg.string(),
      priority: t.arg({ type: MessagePriorityEnum }),
      onlineUserOnly: t.arg.boolean(),
      isExcludedFromUnreadCount: t.arg.boolean(),
      isExcludedFromLastMessage: t.arg.boolean(),
      needReadReceipt: t.arg.boolean(),
      cloudCustomData: t.arg.string(),
      localCustomData: t.arg.string(),
    },
    resolve: (_, args, ctx) => message.sendMessage(signedIn(ctx), args),
  }),
);

builder.mutationField('modifyMessage', (t) =>
  t.field({
    type: MessageValueCallback,
    description:
      "Edits a sent message of yours (V2TIMMessageManager.modifyMessage): text edits its first text element, data/desc/extension its first custom element (a picture's appended caption too), and cloudCustomData. Its audience gets onRecvMessageModified; history and findMessages show the latest version. 8006 when version is given and another edit came first.",
    args: {
      msgID: t.arg.string({ required: true }),
      text: t.arg.string(),
      data: t.arg.string(),
      desc: t.arg.string(),
      extension: t.arg.string(),
      cloudCustomData: t.arg.string(),
      version: t.arg.int({
        description: 'The version you edited (V2TimMessage.version); omit to overwrite whatever is there.',
      }),
    },
    resolve: (_, args, ctx) => modify.modifyMessage(signedIn(ctx), args),
  }),
);

builder.mutationField('revokeMessage', (t) =>
  t.field({
    type: V2TimCallback,
    description:
      "Revokes a sent message (your own, or as the group's owner or an admin a member's): it keeps its place with status 6 and no content, and its audience gets onRecvMessageRevoked.",
    args: { msgID: t.arg.string({ required: true }) },
    resolve: (_, args, ctx) => message.revokeMessage(signedIn(ctx), args),
  }),
);
