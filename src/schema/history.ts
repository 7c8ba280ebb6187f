// Reading messages: group and C2C history both ways, findMessages; deleting them from one's own history.
import * as history from '../resolvers/history';
import { builder } from './builder';
import { signedIn } from './context';
import { MessageListValueCallback } from './message';
import { V2TimCallback } from './callback';
import { Timestamp } from './timestamp';

builder.queryField('getGroupHistoryMessageList', (t) =>
  t.field({
    type: MessageListValueCallback,
    description: 'Newest first; pass the last msgID of a page as lastMsgID for the next. count: 1–100.',
    args: {
      groupID: t.arg.string({ required: true }),
      count: t.arg.int({ required: true }),
      lastMsgID: t.arg.string(),
    },
    resolve: (_, args, ctx) => history.getGroupHistoryMessageList(signedIn(ctx), args),
  }),
);

builder.queryField('getC2CHistoryMessageList', (t) =>
  t.field({
    type: MessageListValueCallback,
    args: { userID: t.arg.string({ required: true }), count: t.arg.int({ required: true }), lastMsgID: t.arg.string() },
    resolve: (_, args, ctx) => history.getC2CHistoryMessageList(signedIn(ctx), args),
  }),
);

builder.queryField('findMessages', (t) =>
  t.field({
    type: MessageListValueCallback,
    description: 'The listed messages you may see, in the order asked; others are left out.',
    args: { messageIDList: t.arg.stringList({ required: true }) },
    resolve: (_, args, ctx) => history.findMessages(signedIn(ctx), args),
  }),
);

const V2TimMessageListGetOption = builder.inputType('V2TimMessageListGetOption', {
  description: 'getHistoryMessageList: one of userID and groupID; from lastMsgID (excluded) or lastMsgSeq (included).',
  fields: (t) => ({
    getType: t.int({
      required: true,
      description:
        'V2TIMMessageGetType: GET_CLOUD_OLDER_MSG 1 (newest first), GET_CLOUD_NEWER_MSG 2 (oldest first); ' +
        'the local ones 3 and 4 are the same.',
    }),
    userID: t.string(),
    groupID: t.string(),
    count: t.int({ required: true, description: '1–100.' }),
    lastMsgID: t.string(),
    lastMsgSeq: t.int({ description: 'Group history: the message with this seq (as you see it) and on.' }),
    getTimeBegin: t.field({ type: Timestamp, description: '0: now for older messages, the start for newer.' }),
    getTimePeriod: t.int({ description: 'Seconds back (older) or on (newer) from getTimeBegin.' }),
  }),
});

builder.queryField('getHistoryMessageList', (t) =>
  t.field({
    type: MessageListValueCallback,
    description:
      "A page of one conversation's history as you see it: older or newer, from a msgID or a group seq, optionally in a time range.",
    args: { option: t.arg({ type: V2TimMessageListGetOption, required: true }) },
    resolve: (_, args, ctx) => history.getHistoryMessageList(signedIn(ctx), args),
  }),
);

builder.mutationField('deleteMessages', (t) =>
  t.field({
    type: V2TimCallback,
    description:
      'Deletes up to 50 messages of one conversation from your own history; others keep them. 6017 for a message ' +
      'you cannot see.',
    args: { msgIDList: t.arg.stringList({ required: true }) },
    resolve: (_, args, ctx) => history.deleteMessages(signedIn(ctx), args),
  }),
);

builder.mutationField('clearGroupHistoryMessage', (t) =>
  t.field({
    type: V2TimCallback,
    description: 'Clears your own history of the group up to now.',
    args: { groupID: t.arg.string({ required: true }) },
    resolve: (_, args, ctx) => history.clearGroupHistoryMessage(signedIn(ctx), args),
  }),
);

builder.mutationField('clearC2CHistoryMessage', (t) =>
  t.field({
    type: V2TimCallback,
    description: 'Clears your own history with the user up to now.',
    args: { userID: t.arg.string({ required: true }) },
    resolve: (_, args, ctx) => history.clearC2CHistoryMessage(signedIn(ctx), args),
  }),
);
