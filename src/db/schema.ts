// Tables of the embedded (SQLite) store. Group messages are stored once ("read diffusion"): a broadcast costs one
// row, a targeted message one row plus one `message_audience` row per viewer (sender + receivers), so storage
// grows with the receivers, never with the group.
import { sql } from 'drizzle-orm';
import { sqliteTable, text, integer, primaryKey, index, uniqueIndex } from 'drizzle-orm/sqlite-core';

export const users = sqliteTable('users', {
  userId: text('user_id').primaryKey(),
  nickName: text('nick_name'),
  faceUrl: text('face_url'),
  createdAt: integer('created_at').notNull(),
  selfSignature: text('self_signature'),
  /** V2TIMGender: 0 unknown, 1 male, 2 female. */
  gender: integer('gender').notNull().default(0),
  /** customInfo as a JSON object of strings (decoded in src/db, like the lists). */
  customInfo: text('custom_info'),
  /** setGroupApplicationRead: group applications up to this app_no count as read for this user. */
  groupApplicationRead: integer('group_application_read').notNull().default(0),
});

export const groups = sqliteTable('groups', {
  groupId: text('group_id').primaryKey(),
  groupType: text('group_type').notNull(),
  groupName: text('group_name').notNull(),
  owner: text('owner').notNull(),
  createdAt: integer('created_at').notNull(),
  /** Count of broadcast (non-targeted) messages so far: the next one's public seq is this + 1. */
  publicCount: integer('public_count').notNull().default(0),
  /** Broadcasts that count as unread (not excluded, not revoked; none for groups without unread counts). */
  unreadTotal: integer('unread_total').notNull().default(0),
  /** The group's latest message (any kind): what "read up to now" reads up to. */
  headOrder: integer('head_order').notNull().default(0),
  /** The latest broadcast not excluded from lastMessage. */
  lastOrder: integer('last_order').notNull().default(0),
  /** The group profile setGroupInfo changes. */
  notification: text('notification'),
  introduction: text('introduction'),
  faceUrl: text('face_url'),
  /** Mute-all (setGroupInfo isAllMuted): only the owner and admins may send. */
  allMuted: integer('all_muted').notNull().default(0),
  /** V2TIMGroupAddOpt for joinGroup (0 forbid, 1 approval, 2 anyone) and for invitations (approveOpt); null: the
   *  group type's default (src/resolvers/group-type.ts). */
  addOpt: integer('add_opt'),
  approveOpt: integer('approve_opt'),
  /** The group's custom fields (setGroupInfo customInfo): a JSON object of strings, decoded in src/db. */
  customInfo: text('custom_info'),
  /** The latest broadcast that @-mentions everyone (`__kImSDK_MesssageAtALL__`): the "@ all" badge of every member
   *  who has not read past it, kept here once instead of on every member's conversation. */
  atAllOrder: integer('at_all_order').notNull().default(0),
  /** How many times the members' join_no were renumbered (src/db/groups.ts join): part of the key of an
   *  unread-member nextSeq, so one from before a renumbering is refused rather than misread. */
  joinEpoch: integer('join_epoch').notNull().default(0),
});

export const groupMembers = sqliteTable(
  'group_members',
  {
    groupId: text('group_id')
      .notNull()
      .references(() => groups.groupId, { onDelete: 'cascade' }),
    userId: text('user_id').notNull(),
    role: integer('role').notNull(),
    joinTime: integer('join_time').notNull(),
    /** The member sees group messages after this order: the group's head at join, or 0 where a group type sees
     *  earlier history (the GroupType flag, passed in at join). */
    joinOrder: integer('join_order').notNull(),
    muteUntil: integer('mute_until').notNull().default(0),
    /** The member's name card in this group (setGroupMemberInfo). */
    nameCard: text('name_card'),
    /** The member's custom fields in this group (setGroupMemberInfo customInfo): a JSON object of strings. */
    customInfo: text('custom_info'),
    /** The group's head at join, whatever the group type (join_order is 0 where earlier history is seen): a
     *  broadcast's read-receipt audience is the members who joined before it (src/db/receipts.ts). */
    joinHead: integer('join_head').notNull().default(0),
    /** The member's place in the group's order of joining (1-based, unique among its members): a broadcast's
     *  unread-member list is paged by it (src/db/receipts.ts). */
    joinNo: integer('join_no').notNull().default(0),
  },
  (t) => [
    primaryKey({ columns: [t.groupId, t.userId] }),
    index('group_members_user').on(t.userId),
    index('group_members_join_no').on(t.groupId, t.joinNo),
  ],
);

export const messages = sqliteTable(
  'messages',
  {
    /** Global commit order: the resume cursor (encrypted before it leaves the server). */
    orderNo: integer('order_no').primaryKey({ autoIncrement: true }),
    msgId: text('msg_id').notNull(),
    /** The creation id that was sent (idempotent retries find the message by it). */
    createId: text('create_id').notNull(),
    sender: text('sender').notNull(),
    /** C2C peer; null for group messages. */
    receiver: text('receiver'),
    /** Sorted "a\u0000b" of a C2C pair, for that conversation's history. */
    pairKey: text('pair_key'),
    groupId: text('group_id'),
    /** 1 when only `message_audience` may see it. */
    targeted: integer('targeted').notNull().default(0),
    targets: text('targets'), // JSON list shown to the sender only
    /** Broadcast group messages: public seq. Targeted: the group's publicCount when it was sent. C2C: pair seq. */
    seqBase: integer('seq_base').notNull(),
    /** The first element's V2TIM_ELEM_TYPE (dismissGroup finds media by it). */
    elemType: integer('elem_type').notNull(),
    /** The content: Tencent's MsgBody, a JSON list of typed elements (src/db/element.ts). */
    body: text('body').notNull().default('[]'),
    atUsers: text('at_users'), // JSON list
    priority: integer('priority').notNull(),
    excludedUnread: integer('excluded_unread').notNull(),
    excludedLast: integer('excluded_last').notNull(),
    needReadReceipt: integer('need_read_receipt').notNull(),
    cloudCustomData: text('cloud_custom_data'),
    localCustomData: text('local_custom_data'),
    random: integer('random').notNull(),
    timestamp: integer('timestamp').notNull(),
    revokedAt: integer('revoked_at'),
    revokedBy: text('revoked_by'),
    /** Edits so far (modifyMessage): an edit names the version it changes, so of two racing edits one wins. */
    version: integer('version').notNull().default(0),
  },
  (t) => [
    uniqueIndex('messages_msg_id').on(t.msgId),
    uniqueIndex('messages_create_id').on(t.createId),
    // Partial: each holds only the messages its queries look for (`group_id = ?` implies NOT NULL). A group's history
    // and a resume read in order_no order (a resume scans the primary key), so no index splits by kind or sender.
    index('messages_group')
      .on(t.groupId, t.orderNo)
      .where(sql`${t.groupId} IS NOT NULL`),
    index('messages_pair')
      .on(t.pairKey, t.orderNo)
      .where(sql`${t.pairKey} IS NOT NULL`),
    // getHistoryMessageList by lastMsgSeq: a viewer's seq is seq_base plus a rank, so a seq is found in a short
    // range of seq_base (src/db/history.ts).
    index('messages_group_seq')
      .on(t.groupId, t.seqBase)
      .where(sql`${t.groupId} IS NOT NULL`),
  ],
);

export const messageAudience = sqliteTable(
  'message_audience',
  {
    orderNo: integer('order_no')
      .notNull()
      .references(() => messages.orderNo, { onDelete: 'cascade' }),
    userId: text('user_id').notNull(),
    groupId: text('group_id').notNull(),
    /** 1-based count of targeted messages this viewer has been in the audience of, in this group. */
    rank: integer('rank').notNull(),
  },
  (t) => [
    primaryKey({ columns: [t.orderNo, t.userId] }),
    index('message_audience_viewer').on(t.userId, t.groupId, t.orderNo),
  ],
);

/** Reactions (addMessageReaction): who reacted with what to a stored message, in order of arrival. */
export const messageReactions = sqliteTable(
  'message_reactions',
  {
    orderNo: integer('order_no')
      .notNull()
      .references(() => messages.orderNo, { onDelete: 'cascade' }),
    reactionId: text('reaction_id').notNull(),
    userId: text('user_id').notNull(),
    /** Arrival within the message: the order of a reaction's users and of a message's reactions. */
    seq: integer('seq').notNull(),
  },
  (t) => [
    primaryKey({ columns: [t.orderNo, t.reactionId, t.userId] }),
    index('message_reactions_order').on(t.orderNo, t.reactionId, t.seq),
  ],
);

/** Read receipts (sendMessageReadReceipts): one row per message sent with needReadReceipt where receipts apply, made
 *  by the send. `audience`: who may send one, fixed at send time (the C2C peer; a targeted message's receivers; a
 *  broadcast's members then, less the sender); `read_count`: how many did. Unread is audience − read_count, so no
 *  read counts rows or scans the group. */
export const messageReceipts = sqliteTable('message_receipts', {
  orderNo: integer('order_no')
    .primaryKey()
    .references(() => messages.orderNo, { onDelete: 'cascade' }),
  audience: integer('audience').notNull(),
  readCount: integer('read_count').notNull().default(0),
});

/** Who sent a read receipt for a message, in order of arrival: `arrival` numbers a message's readers 1, 2, … (it
 *  orders and pages the read-member list); `seq` is global and never leaves the store. */
export const messageReaders = sqliteTable(
  'message_readers',
  {
    seq: integer('seq').primaryKey({ autoIncrement: true }),
    orderNo: integer('order_no')
      .notNull()
      .references(() => messages.orderNo, { onDelete: 'cascade' }),
    userId: text('user_id').notNull(),
    readAt: integer('read_at').notNull(),
    arrival: integer('arrival').notNull().default(0),
  },
  (t) => [
    uniqueIndex('message_readers_user').on(t.orderNo, t.userId),
    uniqueIndex('message_readers_arrival').on(t.orderNo, t.arrival),
  ],
);

/** Created, not yet (successfully) sent messages. */
export const drafts = sqliteTable(
  'drafts',
  {
    id: text('id').primaryKey(),
    owner: text('owner').notNull(),
    createdAt: integer('created_at').notNull(),
    expiresAt: integer('expires_at').notNull(),
    elemType: integer('elem_type').notNull(),
    body: text('body').notNull().default('[]'),
    atUsers: text('at_users'),
    targets: text('targets'),
  },
  (t) => [index('drafts_expires').on(t.expiresAt)],
);

/**
 * The blobs each draft or message holds (src/media), keyed by its creation id: a draft and the message sent from it
 * share that id, so a send changes nothing here. A blob goes when its last holder does (an expired draft, a
 * dismissed group's messages), not before: a forward, a merger or a reuse of the uploader's media id (uuid) holds it
 * too. `uploader`: whose upload it was (only they may reuse it by id); `kind`, `contentType`, `fileName`: what a
 * download answers with, also for the blobs inside a merger's messages. Media stored before this table got its rows
 * from the migration media_refs_backfill, so these rows are all a holder holds.
 */
export const mediaRefs = sqliteTable(
  'media_refs',
  {
    holder: text('holder').notNull(),
    blobId: text('blob_id').notNull(),
    uploader: text('uploader').notNull(),
    kind: text('kind').notNull(),
    contentType: text('content_type').notNull(),
    fileName: text('file_name'),
  },
  (t) => [primaryKey({ columns: [t.holder, t.blobId] }), index('media_refs_blob').on(t.blobId, t.uploader)],
);

/** A merger message's merged messages (createMergerMessage), as the forwarder saw them, keyed by its creation id
 *  like media_refs; kept apart from the message row so history pages never read them (downloadMergerMessage does). */
export const mergedMessages = sqliteTable('merged_messages', {
  holder: text('holder').primaryKey(),
  /** JSON: the copies (src/db/element.ts MergedMessage[]). */
  body: text('body').notNull(),
});

/** deleteMessages: messages deleted from one viewer's own history (the others' views are untouched). No foreign key
 *  (drizzle-kit would name the PostgreSQL schema in it): dismissGroup deletes these rows with the messages. */
export const hiddenMessages = sqliteTable(
  'hidden_messages',
  {
    userId: text('user_id').notNull(),
    orderNo: integer('order_no').notNull(),
  },
  (t) => [primaryKey({ columns: [t.userId, t.orderNo] })],
);

/** Per-viewer conversation state: exists for each joined group and each C2C peer with a message. */
export const conversations = sqliteTable(
  'conversations',
  {
    userId: text('user_id').notNull(),
    conversationId: text('conversation_id').notNull(),
    peerId: text('peer_id'),
    groupId: text('group_id'),
    /** Messages up to this order are read. */
    readOrder: integer('read_order').notNull().default(0),
    // Counters kept by the writes that change them (send, read, revoke, join), so no read counts messages.
    /** Group: the group's unread_total when last read (unread = unread_total - read_count + unread_count). */
    readCount: integer('read_count').notNull().default(0),
    /** C2C: unread messages. Group: unread targeted messages to this viewer. */
    unreadCount: integer('unread_count').notNull().default(0),
    /** C2C: the latest message. Group: the latest targeted message to this viewer. */
    headOrder: integer('head_order').notNull().default(0),
    /** Like head_order, of the messages not excluded from lastMessage. */
    lastOrder: integer('last_order').notNull().default(0),
    // The viewer's own controls (V2TimConversation fields).
    isPinned: integer('is_pinned').notNull().default(0),
    draftText: text('draft_text'),
    draftTimestamp: integer('draft_timestamp'),
    /** markConversation: the bits of V2TIMConversationMarkType (STAR 1, UNREAD 2, FOLD 4, HIDE 8, custom ones). */
    markBits: integer('mark_bits').notNull().default(0),
    /** V2TIMReceiveMessageOpt: RECEIVE 0, NOT_RECEIVE 1, NOT_NOTIFY 2. */
    recvOpt: integer('recv_opt').notNull().default(0),
    /** deleteConversation: left out of the list until a message after cleared_order arrives. */
    hidden: integer('hidden').notNull().default(0),
    /** clear…HistoryMessage / deleteConversation: the viewer's history starts after this order. */
    clearedOrder: integer('cleared_order').notNull().default(0),
    /** The latest message @-mentioning this viewer, and a targeted one @-mentioning all its audience (the "@ me"
     *  badge shows them while they are after read_order). */
    atMeOrder: integer('at_me_order').notNull().default(0),
    atAllOrder: integer('at_all_order').notNull().default(0),
    /** deleteMessages of the lastMessage: the counters' lastMessage counts only above last_hidden; at or below it the
     *  lastMessage is last_fallback (the previous one the viewer still sees, found when deleting; 0: none). */
    lastHidden: integer('last_hidden').notNull().default(0),
    lastFallback: integer('last_fallback').notNull().default(0),
  },
  (t) => [
    primaryKey({ columns: [t.userId, t.conversationId] }),
    index('conversations_group')
      .on(t.groupId)
      .where(sql`${t.groupId} IS NOT NULL`),
  ],
);

/**
 * Join requests and invitations waiting for (or given) an owner's or admin's answer (V2TIMGroupApplication). One
 * per (group, fromUser, toUser, type), the SDK's way of naming one: asking again replaces it (a new app_no).
 */
export const groupApplications = sqliteTable(
  'group_applications',
  {
    /** Order of arrival: the list is newest first, and a user's read mark is an app_no. */
    appNo: integer('app_no').primaryKey({ autoIncrement: true }),
    groupId: text('group_id')
      .notNull()
      .references(() => groups.groupId, { onDelete: 'cascade' }),
    /** The applicant (a join request) or the inviter (an invitation). */
    fromUser: text('from_user').notNull(),
    /** The invitee; '' for a join request. */
    toUser: text('to_user').notNull().default(''),
    /** V2TIMGroupApplicationType: 0 join request, 2 invitation that needs an owner's or admin's approval. */
    type: integer('type').notNull(),
    requestMsg: text('request_msg'),
    addTime: integer('add_time').notNull(),
    /** Who answered it; null while it waits. */
    handledBy: text('handled_by'),
    /** V2TIMGroupApplicationHandleResult: 0 refused, 1 accepted. */
    handleResult: integer('handle_result'),
    handledMsg: text('handled_msg'),
  },
  (t) => [
    uniqueIndex('group_applications_key').on(t.groupId, t.fromUser, t.toUser, t.type),
    index('group_applications_group').on(t.groupId, t.appNo),
    index('group_applications_from').on(t.fromUser),
  ],
);

// The rows as stored; src/db/store.ts has the rows as the code above src/db sees them (lists decoded).
export type Tables = {
  messages: typeof messages.$inferSelect;
  drafts: typeof drafts.$inferSelect;
  groups: typeof groups.$inferSelect;
  groupMembers: typeof groupMembers.$inferSelect;
  conversations: typeof conversations.$inferSelect;
  groupApplications: typeof groupApplications.$inferSelect;
};
