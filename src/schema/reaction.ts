// Message reactions: the four V2TIMMessageManager calls and onRecvMessageReactionsChanged, one line each into
// src/resolvers/reaction.ts.
import * as reaction from '../resolvers/reaction';
import * as live from '../resolvers/subscription';
import { builder } from './builder';
import { V2TimCallback, valueCallback } from './callback';
import { signedIn } from './context';

const V2TimUserInfo = builder.objectRef<reaction.V2TimUserInfo>('V2TimUserInfo').implement({
  description: 'A user who reacted; nickName and faceUrl only where you share a group or a conversation with them.',
  fields: (t) => ({
    userID: t.exposeID('userID'),
    nickName: t.exposeString('nickName', { nullable: true }),
    faceUrl: t.exposeString('faceUrl', { nullable: true }),
  }),
});

const V2TimMessageReaction = builder.objectRef<reaction.V2TimMessageReaction>('V2TimMessageReaction').implement({
  fields: (t) => ({
    reactionID: t.exposeString('reactionID'),
    totalUserCount: t.exposeInt('totalUserCount'),
    partialUserList: t.expose('partialUserList', {
      type: [V2TimUserInfo],
      description: 'The first users who reacted so, up to maxUserCountPerReaction.',
    }),
    reactedByMyself: t.exposeBoolean('reactedByMyself'),
  }),
});

const V2TimMessageReactionResult = builder
  .objectRef<reaction.V2TimMessageReactionResult>('V2TimMessageReactionResult')
  .implement({
    fields: (t) => ({
      resultCode: t.exposeInt('resultCode', { description: '0, or 6017 for a message you cannot see.' }),
      resultInfo: t.exposeString('resultInfo'),
      msgID: t.exposeID('msgID'),
      reactionList: t.expose('reactionList', { type: [V2TimMessageReaction] }),
    }),
  });

const V2TimMessageReactionUserResult = builder
  .objectRef<{ userInfoList: reaction.V2TimUserInfo[]; nextSeq: number; isFinished: boolean }>(
    'V2TimMessageReactionUserResult',
  )
  .implement({
    fields: (t) => ({
      userInfoList: t.expose('userInfoList', { type: [V2TimUserInfo] }),
      nextSeq: t.exposeInt('nextSeq', { description: 'Pass back for the next page; 0 when finished.' }),
      isFinished: t.exposeBoolean('isFinished'),
    }),
  });

const V2TimMessageReactionChangeInfo = builder
  .objectRef<reaction.V2TimMessageReactionChangeInfo>('V2TimMessageReactionChangeInfo')
  .implement({
    fields: (t) => ({
      messageID: t.exposeID('messageID'),
      reactionList: t.expose('reactionList', { type: [V2TimMessageReaction] }),
    }),
  });

builder.mutationField('addMessageReaction', (t) =>
  t.field({
    type: V2TimCallback,
    description:
      'Reacts to a message you may see (at most 10 reactions per message, 100 users per reaction: 23005, 23006; 23007 if you already did). Its audience gets onRecvMessageReactionsChanged.',
    args: { msgID: t.arg.string({ required: true }), reactionID: t.arg.string({ required: true }) },
    resolve: (_, args, ctx) => reaction.addMessageReaction(signedIn(ctx), args),
  }),
);

builder.mutationField('removeMessageReaction', (t) =>
  t.field({
    type: V2TimCallback,
    description: 'Takes your reaction back (0 also when you had not reacted so).',
    args: { msgID: t.arg.string({ required: true }), reactionID: t.arg.string({ required: true }) },
    resolve: (_, args, ctx) => reaction.removeMessageReaction(signedIn(ctx), args),
  }),
);

builder.queryField('getMessageReactions', (t) =>
  t.field({
    type: valueCallback('MessageReactionResultListValueCallback', [V2TimMessageReactionResult]),
    description: 'The reactions of up to 20 messages you may see, each with its first users (0 to 10, default 10).',
    args: {
      msgIDList: t.arg.stringList({ required: true }),
      maxUserCountPerReaction: t.arg.int(),
    },
    resolve: (_, args, ctx) => reaction.getMessageReactions(signedIn(ctx), args),
  }),
);

builder.queryField('getAllUserListOfMessageReaction', (t) =>
  t.field({
    type: valueCallback('MessageReactionUserResultValueCallback', V2TimMessageReactionUserResult),
    description: 'A page (count 1 to 100, default 100) of the users of one reaction, in the order they reacted.',
    args: {
      msgID: t.arg.string({ required: true }),
      reactionID: t.arg.string({ required: true }),
      nextSeq: t.arg.int(),
      count: t.arg.int(),
    },
    resolve: (_, args, ctx) => reaction.getAllUserListOfMessageReaction(signedIn(ctx), args),
  }),
);

builder.subscriptionField('onRecvMessageReactionsChanged', (t) =>
  t.field({
    type: [V2TimMessageReactionChangeInfo],
    description: 'A message you may see had a reaction added or removed: its reactions now, as you see them.',
    subscribe: (_, __, ctx) => live.onRecvMessageReactionsChanged(signedIn(ctx)),
    resolve: (changes) => changes,
  }),
);
