// The PostgreSQL tables: src/db/schema.ts column for column (same names, same meaning), so both stores hand the
// code above src/db identical rows. Integers that can pass 2^31 (orders, times) are bigint read back as numbers;
// flags stay 0/1 integers as in SQLite. drizzle-kit generates ./drizzle-pg from this file (drizzle.pg.config.ts).
import { sql } from 'drizzle-orm';
import { bigint, bigserial, index, integer, pgTable, primaryKey, text, uniqueIndex } from 'drizzle-orm/pg-core';
import type { Tables } from '../schema';

const int8 = (name: string) => bigint(name, { mode: 'number' });

export const users = pgTable('users', {
  userId: text('user_id').primaryKey(),
  nickName: text('nick_name'),
  faceUrl: text('face_url'),
  createdAt: int8('created_at').notNull(),
});

export const groups = pgTable('groups', {
  groupId: text('group_id').primaryKey(),
  groupType: text('group_type').notNull(),
  groupName: text('group_name').notNull(),
  owner: text('owner').notNull(),
  createdAt: int8('created_at').notNull(),
  /** Count of broadcast (non-targeted) messages so far: the next one's public seq is this + 1. */
  publicCount: int8('public_count').notNull().default(0),
  /** Broadcasts that count as unread (not excluded, not revoked; none for groups without unread counts). */
  unreadTotal: int8('unread_total').notNull().default(0),
  /** The group's latest message (any kind): what "read up to now" reads up to. */
  headOrder: int8('head_order').notNull().default(0),
  /** The latest broadcast not excluded from lastMessage. */
  lastOrder: int8('last_order').notNull().default(0),
});

export const groupMembers = pgTable('group_members', {
  groupId: text('group_id').notNull().references(() => groups.groupId, { onDelete: 'cascade' }),
  userId: text('user_id').notNull(),
  role: integer('role').notNull(),
  joinTime: int8('join_time').notNull(),
  /** The member sees group messages after this order: the group's head at join, or 0 where a group type sees
   *  earlier history (the GroupType flag, passed in at join). */
  joinOrder: int8('join_order').notNull(),
  muteUntil: int8('mute_until').notNull().default(0),
}, (t) => [
  primaryKey({ columns: [t.groupId, t.userId] }),
  index('group_members_user').on(t.userId),
]);

export const messages = pgTable('messages', {
  /** Global commit order: the resume cursor. Allocated under the send lock (see pg/message.ts). */
  orderNo: bigserial('order_no', { mode: 'number' }).primaryKey(),
  msgId: text('msg_id').notNull(),
  createId: text('create_id').notNull(),
  sender: text('sender').notNull(),
  receiver: text('receiver'),
  pairKey: text('pair_key'),
  groupId: text('group_id'),
  targeted: integer('targeted').notNull().default(0),
  targets: text('targets'),
  seqBase: int8('seq_base').notNull(),
  elemType: integer('elem_type').notNull(),
  text: text('text'),
  customData: text('custom_data'),
  customDesc: text('custom_desc'),
  customExt: text('custom_ext'),
  atUsers: text('at_users'),
  priority: integer('priority').notNull(),
  excludedUnread: integer('excluded_unread').notNull(),
  excludedLast: integer('excluded_last').notNull(),
  needReadReceipt: integer('need_read_receipt').notNull(),
  cloudCustomData: text('cloud_custom_data'),
  localCustomData: text('local_custom_data'),
  random: int8('random').notNull(),
  timestamp: int8('timestamp').notNull(),
  revokedAt: int8('revoked_at'),
  revokedBy: text('revoked_by'),
}, (t) => [
  uniqueIndex('messages_msg_id').on(t.msgId),
  uniqueIndex('messages_create_id').on(t.createId),
  // Partial: each holds only the messages its queries look for (`group_id = ?` implies NOT NULL). A group's history
  // and a resume read in order_no order (a resume scans the primary key), so no index splits by kind or sender.
  index('messages_group').on(t.groupId, t.orderNo).where(sql`${t.groupId} IS NOT NULL`),
  index('messages_pair').on(t.pairKey, t.orderNo).where(sql`${t.pairKey} IS NOT NULL`),
]);

export const messageAudience = pgTable('message_audience', {
  orderNo: int8('order_no').notNull().references(() => messages.orderNo, { onDelete: 'cascade' }),
  userId: text('user_id').notNull(),
  groupId: text('group_id').notNull(),
  rank: int8('rank').notNull(),
}, (t) => [
  primaryKey({ columns: [t.orderNo, t.userId] }),
  index('message_audience_viewer').on(t.userId, t.groupId, t.orderNo),
]);

export const drafts = pgTable('drafts', {
  id: text('id').primaryKey(),
  owner: text('owner').notNull(),
  createdAt: int8('created_at').notNull(),
  expiresAt: int8('expires_at').notNull(),
  elemType: integer('elem_type').notNull(),
  text: text('text'),
  customData: text('custom_data'),
  customDesc: text('custom_desc'),
  customExt: text('custom_ext'),
  atUsers: text('at_users'),
  targets: text('targets'),
}, (t) => [index('drafts_expires').on(t.expiresAt)]);

export const conversations = pgTable('conversations', {
  userId: text('user_id').notNull(),
  conversationId: text('conversation_id').notNull(),
  peerId: text('peer_id'),
  groupId: text('group_id'),
  readOrder: int8('read_order').notNull().default(0),
  // Counters kept by the writes that change them (send, read, revoke, join), so no read counts messages.
  /** Group: the group's unread_total when last read (unread = unread_total - read_count + unread_count). */
  readCount: int8('read_count').notNull().default(0),
  /** C2C: unread messages. Group: unread targeted messages to this viewer. */
  unreadCount: int8('unread_count').notNull().default(0),
  /** C2C: the latest message. Group: the latest targeted message to this viewer. */
  headOrder: int8('head_order').notNull().default(0),
  /** Like head_order, of the messages not excluded from lastMessage. */
  lastOrder: int8('last_order').notNull().default(0),
}, (t) => [
  primaryKey({ columns: [t.userId, t.conversationId] }),
  index('conversations_group').on(t.groupId).where(sql`${t.groupId} IS NOT NULL`),
]);

// Compile-time proof that both stores describe the same rows: a column added to one schema and not the other
// fails the typecheck here.
type Same<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;
export const SAME_ROWS: [
  Same<typeof messages.$inferSelect, Tables['messages']>,
  Same<typeof drafts.$inferSelect, Tables['drafts']>,
  Same<typeof groups.$inferSelect, Tables['groups']>,
  Same<typeof groupMembers.$inferSelect, Tables['groupMembers']>,
  Same<typeof conversations.$inferSelect, Tables['conversations']>,
] = [true, true, true, true, true];
