// Conversations, unread counts and read marks.
import * as conversation from '../resolvers/conversation';
import type {
  V2TimConversation as Conversation,
  V2TimConversationResult as ConversationResult,
} from '../resolvers/conversation';
import { builder } from './builder';
import { V2TimCallback, valueCallback } from './callback';
import { signedIn } from './context';
import { V2TimMessage } from './message';

const ConversationType = builder.enumType('ConversationType', {
  description: 'V2TIMConversationType: C2C 1, GROUP 2.',
  values: { V2TIM_C2C: { value: 1 }, V2TIM_GROUP: { value: 2 } } as const,
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
    description: 'Most recent first. count: 1–100; pass nextSeq back for the next page.',
    args: { count: t.arg.int({ required: true }), nextSeq: t.arg.string() },
    resolve: (_, args, ctx) => conversation.getConversationList(signedIn(ctx), args),
  }),
);

builder.queryField('getTotalUnreadMessageCount', (t) =>
  t.field({
    type: valueCallback<number>('IntValueCallback', 'Int'),
    resolve: (_, __, ctx) => conversation.getTotalUnreadMessageCount(signedIn(ctx)),
  }),
);

builder.mutationField('markGroupMessageAsRead', (t) =>
  t.field({
    type: V2TimCallback,
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
