// Reading messages: group and C2C history, findMessages.
import * as history from '../resolvers/history';
import { builder } from './builder';
import { signedIn } from './context';
import { MessageListValueCallback } from './message';

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
