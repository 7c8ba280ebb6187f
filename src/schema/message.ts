// V2TimMessage and the create → target → send flow, plus revoke. Resolvers are one line into src/resolvers.
import * as message from '../resolvers/message';
import type { MsgCreateInfoResult } from '../resolvers/message';
import { Priority, type V2TimMessage as Message } from '../resolvers/message-view';
import { builder } from './builder';
import { V2TimCallback, valueCallback } from './callback';
import { signedIn } from './context';

const V2TimTextElem = builder.objectRef<{ text: string }>('V2TimTextElem').implement({
  fields: (t) => ({ text: t.exposeString('text') }),
});

const V2TimCustomElem = builder.objectRef<{ data: string; desc: string; extension: string }>('V2TimCustomElem').implement({
  fields: (t) => ({ data: t.exposeString('data'), desc: t.exposeString('desc'), extension: t.exposeString('extension') }),
});

export const V2TimMessage = builder.objectRef<Message>('V2TimMessage').implement({
  description: 'A message as the viewer sees it. status: 1 SENDING, 2 SEND_SUCC, 3 SEND_FAIL, 6 LOCAL_REVOKED. elemType: 1 TEXT, 2 CUSTOM.',
  fields: (t) => ({
    msgID: t.exposeString('msgID', { nullable: true, description: 'Server message id; null until sent.' }),
    id: t.exposeString('id', { nullable: true, description: 'The creation id (the sender only).' }),
    timestamp: t.exposeInt('timestamp', { nullable: true, description: 'Seconds since the epoch.' }),
    sender: t.exposeString('sender', { nullable: true }),
    nickName: t.exposeString('nickName', { nullable: true }),
    faceUrl: t.exposeString('faceUrl', { nullable: true }),
    groupID: t.exposeString('groupID', { nullable: true }),
    userID: t.exposeString('userID', { nullable: true, description: 'The C2C peer.' }),
    status: t.exposeInt('status'),
    elemType: t.exposeInt('elemType'),
    textElem: t.expose('textElem', { type: V2TimTextElem, nullable: true }),
    customElem: t.expose('customElem', { type: V2TimCustomElem, nullable: true }),
    isSelf: t.exposeBoolean('isSelf', { nullable: true }),
    isRead: t.exposeBoolean('isRead', { nullable: true }),
    priority: t.exposeInt('priority', { nullable: true }),
    seq: t.exposeString('seq', { nullable: true, description: "Position in the viewer's view of the conversation; runs without gaps." }),
    random: t.exposeInt('random', { nullable: true }),
    groupAtUserList: t.exposeStringList('groupAtUserList'),
    targetGroupMemberList: t.exposeStringList('targetGroupMemberList', { nullable: true, description: 'Receivers of a targeted message; shown to its sender only.' }),
    isExcludedFromUnreadCount: t.exposeBoolean('isExcludedFromUnreadCount', { nullable: true }),
    isExcludedFromLastMessage: t.exposeBoolean('isExcludedFromLastMessage', { nullable: true }),
    needReadReceipt: t.exposeBoolean('needReadReceipt', { nullable: true }),
    cloudCustomData: t.exposeString('cloudCustomData', { nullable: true }),
    localCustomData: t.exposeString('localCustomData', { nullable: true }),
    cursor: t.exposeString('cursor', { nullable: true, description: "Where this message sits in the viewer's stream; pass back as afterCursor." }),
  }),
});

const V2TimMsgCreateInfoResult = builder.objectRef<MsgCreateInfoResult>('V2TimMsgCreateInfoResult').implement({
  fields: (t) => ({ id: t.exposeString('id'), messageInfo: t.expose('messageInfo', { type: V2TimMessage }) }),
});

const MsgCreateInfoResultValueCallback = valueCallback<MsgCreateInfoResult>('MsgCreateInfoResultValueCallback', V2TimMsgCreateInfoResult);
export const MessageValueCallback = valueCallback<Message>('MessageValueCallback', V2TimMessage);
export const MessageListValueCallback = valueCallback<Message[]>('MessageListValueCallback', [V2TimMessage]);

const MessagePriorityEnum = builder.enumType('MessagePriorityEnum', {
  values: {
    V2TIM_PRIORITY_DEFAULT: { value: Priority.DEFAULT },
    V2TIM_PRIORITY_HIGH: { value: Priority.HIGH },
    V2TIM_PRIORITY_NORMAL: { value: Priority.NORMAL },
    V2TIM_PRIORITY_LOW: { value: Priority.LOW },
  } as const,
});

builder.mutationField('createTextMessage', (t) => t.field({
  type: MsgCreateInfoResultValueCallback,
  description: 'Builds an unsent text message (at most 12 KB of UTF-8); send it with sendMessage(id).',
  args: { text: t.arg.string({ required: true }) },
  resolve: (_, args, ctx) => message.createTextMessage(signedIn(ctx), args),
}));

builder.mutationField('createTextAtMessage', (t) => t.field({
  type: MsgCreateInfoResultValueCallback,
  args: { text: t.arg.string({ required: true }), atUserList: t.arg.stringList({ required: true }) },
  resolve: (_, args, ctx) => message.createTextAtMessage(signedIn(ctx), args),
}));

builder.mutationField('createCustomMessage', (t) => t.field({
  type: MsgCreateInfoResultValueCallback,
  args: { data: t.arg.string({ required: true }), desc: t.arg.string(), extension: t.arg.string() },
  resolve: (_, args, ctx) => message.createCustomMessage(signedIn(ctx), args),
}));

builder.mutationField('createTargetedGroupMessage', (t) => t.field({
  type: MsgCreateInfoResultValueCallback,
  description: 'Makes a created message a targeted group message: only receiverList (1–50 members) will know it exists. Returns a new id.',
  args: { id: t.arg.string({ required: true }), receiverList: t.arg.stringList({ required: true }) },
  resolve: (_, args, ctx) => message.createTargetedGroupMessage(signedIn(ctx), args),
}));

builder.mutationField('sendMessage', (t) => t.field({
  type: MessageValueCallback,
  description: 'Sends a created message: receiver only → C2C; groupID only → group; both → to that one member inside the group. Retrying a sent id returns the same message.',
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
}));

builder.mutationField('revokeMessage', (t) => t.field({
  type: V2TimCallback,
  args: { msgID: t.arg.string({ required: true }) },
  resolve: (_, args, ctx) => message.revokeMessage(signedIn(ctx), args),
}));
