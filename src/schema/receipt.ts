// Read receipts: sendMessageReadReceipts, getMessageReadReceipts, getGroupMessageReadMemberList and
// onRecvMessageReadReceipts, one line each into src/resolvers/receipt.ts.
import * as receipt from '../resolvers/receipt';
import * as live from '../resolvers/subscription';
import { builder } from './builder';
import { V2TimCallback, valueCallback } from './callback';
import { signedIn } from './context';
import { V2TimGroupMemberInfo } from './group-tips';

const V2TimMessageReceipt = builder.objectRef<receipt.V2TimMessageReceipt>('V2TimMessageReceipt').implement({
  description:
    'The read state of a message sent with needReadReceipt. Counts range over its audience only: the C2C receiver, a targeted message’s receivers, or the group’s members when it was sent; never its sender.',
  fields: (t) => ({
    resultCode: t.exposeInt('resultCode', {
      description: '0, or 6017 for a message you cannot see or one sent without needReadReceipt (gateway addition).',
    }),
    resultInfo: t.exposeString('resultInfo'),
    msgID: t.exposeID('msgID'),
    userID: t.exposeID('userID', { nullable: true, description: 'C2C: the receiver whose read this reports.' }),
    groupID: t.exposeID('groupID', { nullable: true }),
    readCount: t.exposeInt('readCount'),
    unreadCount: t.exposeInt('unreadCount'),
    timestamp: t.exposeInt('timestamp', { description: 'When the latest receipt came (seconds; 0: none yet).' }),
    isPeerRead: t.exposeBoolean('isPeerRead', { nullable: true, description: 'C2C only: the receiver read it.' }),
  }),
});

const V2TimGroupMessageReadMemberList = builder
  .objectRef<{ memberInfoList: receipt.V2TimGroupMemberInfo[]; nextSeq: number; isFinished: boolean }>(
    'V2TimGroupMessageReadMemberList',
  )
  .implement({
    fields: (t) => ({
      memberInfoList: t.expose('memberInfoList', { type: [V2TimGroupMemberInfo] }),
      nextSeq: t.exposeInt('nextSeq', { description: 'Pass back for the next page; 0 when finished.' }),
      isFinished: t.exposeBoolean('isFinished'),
    }),
  });

const GroupMessageReadMembersFilter = builder.enumType('GroupMessageReadMembersFilter', {
  description: 'V2TIMGroupMessageReadMembersFilter: READ 0, UNREAD 1.',
  values: {
    V2TIM_GROUP_MESSAGE_READ_MEMBERS_FILTER_READ: { value: receipt.ReadMembersFilter.READ },
    V2TIM_GROUP_MESSAGE_READ_MEMBERS_FILTER_UNREAD: { value: receipt.ReadMembersFilter.UNREAD },
  } as const,
});

builder.mutationField('sendMessageReadReceipts', (t) =>
  t.field({
    type: V2TimCallback,
    description:
      'Marks up to 100 messages of one conversation, sent to you with needReadReceipt, as read for their sender (who gets onRecvMessageReadReceipts). 6017 for a message you cannot see or one sent without needReadReceipt; 10007 for your own message or a broadcast from before you joined. Sending one again is 0. Does not change unread counts.',
    args: { messageIDList: t.arg.stringList({ required: true }) },
    resolve: (_, args, ctx) => receipt.sendMessageReadReceipts(signedIn(ctx), args),
  }),
);

builder.queryField('getMessageReadReceipts', (t) =>
  t.field({
    type: valueCallback<receipt.V2TimMessageReceipt[]>('V2TimMessageReceiptListResult', [V2TimMessageReceipt]),
    description: 'The read and unread counts of up to 100 messages you may see, one result each (in the order asked).',
    args: { messageIDList: t.arg.stringList({ required: true }) },
    resolve: (_, args, ctx) => receipt.getMessageReadReceipts(signedIn(ctx), args),
  }),
);

builder.queryField('getGroupMessageReadMemberList', (t) =>
  t.field({
    type: valueCallback('V2TimGroupMessageReadMemberListResult', V2TimGroupMessageReadMemberList),
    description:
      "A page (count 1 to 100, default 100) of the members who read (in the order they did) or have not read (a targeted message's receivers by userID, a broadcast's members in the order they joined) a group message you sent with needReadReceipt; only its audience is listed. Pass nextSeq back as it came: a page goes on where the last ended, also when members read meanwhile. 10007 when you are not its sender.",
    args: {
      msgID: t.arg.string({ required: true }),
      filter: t.arg({ type: GroupMessageReadMembersFilter, required: true }),
      nextSeq: t.arg.int(),
      count: t.arg.int(),
    },
    resolve: (_, args, ctx) => receipt.getGroupMessageReadMemberList(signedIn(ctx), args),
  }),
);

builder.subscriptionField('onRecvC2CReadReceipt', (t) =>
  t.field({
    type: [V2TimMessageReceipt],
    description:
      'A C2C peer read your conversation (markC2CMessageAsRead, cleanConversationUnreadMessageCount): userID and timestamp, msgID empty; your messages to them now show isPeerRead.',
    subscribe: (_, __, ctx) => live.onRecvC2CReadReceipt(signedIn(ctx)),
    resolve: (receipts) => receipts,
  }),
);

builder.subscriptionField('onRecvMessageReadReceipts', (t) =>
  t.field({
    type: [V2TimMessageReceipt],
    description: 'Someone in its audience sent a read receipt for a message of yours: its counts now.',
    subscribe: (_, __, ctx) => live.onRecvMessageReadReceipts(signedIn(ctx)),
    resolve: (receipts) => receipts,
  }),
);
