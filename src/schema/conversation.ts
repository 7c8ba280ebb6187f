// Conversations, unread counts and read marks.
import * as conversation from '../resolvers/conversation';
import type {
  V2TimConversation as Conversation,
  V2TimConversationOperationResult as OperationResult,
  V2TimConversationResult as ConversationResult,
  V2TimGroupAtInfo as GroupAtInfo,
} from '../resolvers/conversation';
import { builder } from './builder';
import { V2TimCallback, valueCallback } from './callback';
import { signedIn } from './context';
import { V2TimMessage } from './message';
import { Timestamp } from './timestamp';

const ConversationType = builder.enumType('ConversationType', {
  description: 'V2TIMConversationType: C2C 1, GROUP 2.',
  values: { V2TIM_C2C: { value: 1 }, V2TIM_GROUP: { value: 2 } } as const,
});

const V2TimGroupAtInfo = builder.objectRef<GroupAtInfo>('V2TimGroupAtInfo').implement({
  description: 'An unread message that @-mentions you or everyone: its seq as you see it.',
  fields: (t) => ({
    seq: t.exposeString('seq'),
    atType: t.exposeInt('atType', { description: 'V2TIMGroupAtType: AT_ME 1, AT_ALL 2, AT_ALL_AT_ME 3.' }),
  }),
});

export const V2TimConversation = builder.objectRef<Conversation>('V2TimConversation').implement({
  description: 'conversationID: c2c_<userID> or group_<groupID>.',
  fields: (t) => ({
    conversationID: t.exposeID('conversationID'),
    type: t.field({ type: ConversationType, resolve: (c) => c.type as never }),
    userID: t.exposeID('userID', { nullable: true, description: 'The peer of a C2C conversation.' }),
    groupID: t.exposeID('groupID', { nullable: true, description: 'The group of a group conversation.' }),
    showName: t.exposeString('showName', { nullable: true }),
    faceUrl: t.exposeString('faceUrl', { nullable: true }),
    unreadCount: t.exposeInt('unreadCount'),
    lastMessage: t.expose('lastMessage', { type: V2TimMessage, nullable: true }),
    draftText: t.exposeString('draftText', { nullable: true }),
    draftTimestamp: t.expose('draftTimestamp', { type: Timestamp, nullable: true }),
    isPinned: t.exposeBoolean('isPinned'),
    recvOpt: t.exposeInt('recvOpt', {
      description:
        'V2TIMReceiveMessageOpt: RECEIVE 0, NOT_RECEIVE 1, NOT_NOTIFY 2 (stored; live delivery is unchanged).',
    }),
    markList: t.exposeIntList('markList', {
      description: 'The marks set (markConversation): STAR 1, UNREAD 2, FOLD 4, HIDE 8, or custom bits.',
    }),
    groupAtInfoList: t.expose('groupAtInfoList', {
      type: [V2TimGroupAtInfo],
      description: 'The latest unread "@ me" and "@ all" messages, oldest first.',
    }),
  }),
});

const V2TimConversationOperationResult = builder
  .objectRef<OperationResult>('V2TimConversationOperationResult')
  .implement({
    fields: (t) => ({
      conversationID: t.exposeID('conversationID'),
      resultCode: t.exposeInt('resultCode'),
      resultInfo: t.exposeString('resultInfo'),
    }),
  });

const V2TimReceiveMessageOptInfo = builder
  .objectRef<{ userID: string; c2CReceiveMessageOpt: number }>('V2TimReceiveMessageOptInfo')
  .implement({
    fields: (t) => ({
      userID: t.exposeID('userID'),
      c2CReceiveMessageOpt: t.exposeInt('c2CReceiveMessageOpt'),
    }),
  });

const V2TimConversationResult = builder.objectRef<ConversationResult>('V2TimConversationResult').implement({
  fields: (t) => ({
    nextSeq: t.exposeString('nextSeq', { nullable: true }),
    isFinished: t.exposeBoolean('isFinished'),
    conversationList: t.expose('conversationList', { type: [V2TimConversation] }),
  }),
});

builder.queryField('getConversationList', (t) =>
  t.field({
    type: valueCallback<ConversationResult>('ConversationResultValueCallback', V2TimConversationResult),
    description: 'Pinned first, then most recent first. count: 1–100; pass nextSeq back for the next page.',
    args: { count: t.arg.int({ required: true }), nextSeq: t.arg.string() },
    resolve: (_, args, ctx) => conversation.getConversationList(signedIn(ctx), args),
  }),
);

builder.queryField('getTotalUnreadMessageCount', (t) =>
  t.field({
    type: valueCallback<number>('IntValueCallback', 'Int'),
    description: 'Your unread messages over the conversations your list shows.',
    resolve: (_, __, ctx) => conversation.getTotalUnreadMessageCount(signedIn(ctx)),
  }),
);

builder.mutationField('markGroupMessageAsRead', (t) =>
  t.field({
    type: V2TimCallback,
    description: 'Marks a group conversation read up to its newest message you may see.',
    args: { groupID: t.arg.string({ required: true }) },
    resolve: (_, args, ctx) => conversation.markGroupMessageAsRead(signedIn(ctx), args),
  }),
);

builder.mutationField('markC2CMessageAsRead', (t) =>
  t.field({
    type: V2TimCallback,
    args: { userID: t.arg.string({ required: true }) },
    resolve: (_, args, ctx) => conversation.markC2CMessageAsRead(signedIn(ctx), args),
  }),
);

builder.queryField('getConversation', (t) =>
  t.field({
    type: valueCallback<Conversation>('ConversationValueCallback', V2TimConversation),
    description: 'One of your conversations by conversationID (c2c_<userID> or group_<groupID>); else 6017.',
    args: { conversationID: t.arg.string({ required: true }) },
    resolve: (_, args, ctx) => conversation.getConversation(signedIn(ctx), args),
  }),
);

builder.mutationField('pinConversation', (t) =>
  t.field({
    type: V2TimCallback,
    description: 'Pins or unpins one of your conversations: pinned ones list first, then by last activity.',
    args: { conversationID: t.arg.string({ required: true }), isPinned: t.arg.boolean({ required: true }) },
    resolve: (_, args, ctx) => conversation.pinConversation(signedIn(ctx), args),
  }),
);

builder.mutationField('setConversationDraft', (t) =>
  t.field({
    type: V2TimCallback,
    description: 'draftText empty or left out clears the draft. At most 12 KB.',
    args: { conversationID: t.arg.string({ required: true }), draftText: t.arg.string() },
    resolve: (_, args, ctx) => conversation.setConversationDraft(signedIn(ctx), args),
  }),
);

builder.mutationField('deleteConversation', (t) =>
  t.field({
    type: V2TimCallback,
    description:
      'Removes it from your list, with its history and unread count (for you only); a newer message brings it back.',
    args: { conversationID: t.arg.string({ required: true }) },
    resolve: (_, args, ctx) => conversation.deleteConversation(signedIn(ctx), args),
  }),
);

builder.mutationField('markConversation', (t) =>
  t.field({
    type: valueCallback<OperationResult[]>('ConversationOperationResultListValueCallback', [
      V2TimConversationOperationResult,
    ]),
    description: 'Sets or clears one mark (markType: STAR 1, UNREAD 2, FOLD 4, HIDE 8, …) on up to 100 conversations.',
    args: {
      conversationIDList: t.arg.stringList({ required: true }),
      markType: t.arg.int({ required: true }),
      enableMark: t.arg.boolean({ required: true }),
    },
    resolve: (_, args, ctx) => conversation.markConversation(signedIn(ctx), args),
  }),
);

builder.mutationField('setGroupReceiveMessageOpt', (t) =>
  t.field({
    type: V2TimCallback,
    description: "Sets your do-not-disturb option for a group, shown as the conversation's recvOpt.",
    args: { groupID: t.arg.string({ required: true }), opt: t.arg.int({ required: true }) },
    resolve: (_, args, ctx) => conversation.setGroupReceiveMessageOpt(signedIn(ctx), args),
  }),
);

builder.mutationField('setC2CReceiveMessageOpt', (t) =>
  t.field({
    type: V2TimCallback,
    description: 'Up to 30 userIDs.',
    args: { userIDList: t.arg.stringList({ required: true }), opt: t.arg.int({ required: true }) },
    resolve: (_, args, ctx) => conversation.setC2CReceiveMessageOpt(signedIn(ctx), args),
  }),
);

builder.queryField('getC2CReceiveMessageOpt', (t) =>
  t.field({
    type: valueCallback<{ userID: string; c2CReceiveMessageOpt: number }[]>('ReceiveMessageOptInfoListValueCallback', [
      V2TimReceiveMessageOptInfo,
    ]),
    args: { userIDList: t.arg.stringList({ required: true }) },
    resolve: (_, args, ctx) => conversation.getC2CReceiveMessageOpt(signedIn(ctx), args),
  }),
);

builder.mutationField('cleanConversationUnreadMessageCount', (t) =>
  t.field({
    type: V2TimCallback,
    description:
      'Reads the conversation up to now; conversationID "" reads all, "c2c" all C2C, "group" all group ' +
      'conversations. cleanTimestamp / cleanSequence are accepted; the whole conversation is read.',
    args: {
      conversationID: t.arg.string({ required: true }),
      cleanTimestamp: t.arg({ type: Timestamp }),
      cleanSequence: t.arg.int(),
    },
    resolve: (_, args, ctx) => conversation.cleanConversationUnreadMessageCount(signedIn(ctx), args),
  }),
);
