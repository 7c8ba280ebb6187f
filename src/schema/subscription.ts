// Live events for the connection's viewer (never chosen by an argument). subscribe comes before resolve so
// argument types infer; each payload is already the viewer's own view.
import * as live from '../resolvers/subscription';
import type { MessageRevokedEvent as RevokedEvent } from '../resolvers/subscription';
import { builder } from './builder';
import { refusalAsError, signedIn } from './context';
import { V2TimConversation } from './conversation';
import { V2TimMessage } from './message';

const MessageRevokedEvent = builder.objectRef<RevokedEvent>('MessageRevokedEvent').implement({
  fields: (t) => ({
    msgID: t.exposeID('msgID'),
    groupID: t.exposeID('groupID', { nullable: true }),
    userID: t.exposeID('userID', { nullable: true }),
    operateUser: t.exposeID('operateUser', { description: 'Who revoked it.' }),
  }),
});

builder.subscriptionField('onRecvNewMessage', (t) =>
  t.field({
    type: V2TimMessage,
    description:
      'Everything new you may see, across all your conversations. With afterCursor: first every such message after it (in order, once), then live ones, with no gap and no duplicate.',
    args: { afterCursor: t.arg.string() },
    subscribe: (_, args, ctx) => refusalAsError(() => live.onRecvNewMessage(signedIn(ctx), args.afterCursor)),
    resolve: (message) => message,
  }),
);

builder.subscriptionField('onRecvMessageRevoked', (t) =>
  t.field({
    type: MessageRevokedEvent,
    description: 'A message you may see was revoked.',
    subscribe: (_, __, ctx) => live.onRecvMessageRevoked(signedIn(ctx)),
    resolve: (event) => event,
  }),
);

builder.subscriptionField('onRecvMessageModified', (t) =>
  t.field({
    type: V2TimMessage,
    description: 'A message you may see was edited (modifyMessage): its latest version, as you see it.',
    subscribe: (_, __, ctx) => live.onRecvMessageModified(signedIn(ctx)),
    resolve: (message) => message,
  }),
);

builder.subscriptionField('onConversationChanged', (t) =>
  t.field({
    type: [V2TimConversation],
    description: 'Your conversations, each time one of them changes.',
    subscribe: (_, __, ctx) => live.onConversationChanged(signedIn(ctx)),
    resolve: (list) => list,
  }),
);

builder.subscriptionField('onTotalUnreadMessageCountChanged', (t) =>
  t.int({
    description: 'Your total unread count, each time it changes.',
    subscribe: (_, __, ctx) => live.onTotalUnreadMessageCountChanged(signedIn(ctx)),
    resolve: (total) => total,
  }),
);
