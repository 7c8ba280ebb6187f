// Groups on PostgreSQL, with the semantics of src/db/queries/group.ts. Every transaction that changes a group's
// membership locks the group's row first (FOR UPDATE), as a send into the group does: membership changes and
// sends of one group are serialized, so a join's join_order (the last order committed) splits the group's
// messages exactly into "before" and "after", and a send's membership checks still hold when it commits.
// Lock order is always group row, then (sends only) the order allocation (src/db/pg/order.ts): no deadlock.
import type { GroupRow, GroupStore, JoinOutcome, MemberRow } from '../store';
import { changes, fromDbText, one, rows, sql, toDbText, value, write, type Db, type Executor } from './client';

const GROUP_COLUMNS = sql.raw(`group_id AS "groupId", group_type AS "groupType", group_name AS "groupName", owner,
  created_at AS "createdAt", public_count AS "publicCount"`);
const MEMBER_COLUMNS = sql.raw(`group_id AS "groupId", user_id AS "userId", role, join_time AS "joinTime",
  join_order AS "joinOrder", mute_until AS "muteUntil"`);

/** Locks the group's row for the rest of the transaction; false when there is no such group. */
export async function lockGroup(tx: Executor, groupId: string): Promise<boolean> {
  return (await changes(tx, sql`SELECT 1 FROM groups WHERE group_id = ${groupId} FOR UPDATE`)) > 0;
}

const lastOrder = async (ex: Executor) => (await value<number>(ex, sql`SELECT coalesce(max(order_no), 0) FROM messages`)) ?? 0;

async function join(tx: Executor, groupId: string, userId: string, role: number, now: number, order: number) {
  await tx.execute(sql`INSERT INTO users (user_id, created_at) VALUES (${userId}, ${now}) ON CONFLICT DO NOTHING`);
  await tx.execute(sql`INSERT INTO group_members (group_id, user_id, role, join_time, join_order)
    VALUES (${groupId}, ${userId}, ${role}, ${now}, ${order}) ON CONFLICT DO NOTHING`);
  // As SQLite's INSERT OR REPLACE: the conversation starts over, read up to the join.
  await tx.execute(sql`INSERT INTO conversations (user_id, conversation_id, group_id, read_order)
    VALUES (${userId}, ${`group_${groupId}`}, ${groupId}, ${order})
    ON CONFLICT (user_id, conversation_id) DO UPDATE SET peer_id = NULL, group_id = excluded.group_id, read_order = excluded.read_order`);
}

export const member = (ex: Executor, groupId: string, userId: string) =>
  one<MemberRow>(ex, sql`SELECT ${MEMBER_COLUMNS} FROM group_members WHERE group_id = ${groupId} AND user_id = ${userId}`);

export async function getGroup(ex: Executor, groupId: string): Promise<GroupRow | undefined> {
  const g = await one<GroupRow>(ex, sql`SELECT ${GROUP_COLUMNS} FROM groups WHERE group_id = ${groupId}`);
  return g && { ...g, groupName: fromDbText(g.groupName) };
}

export function createGroupStore(db: Db): GroupStore {
  return {
    create: (group, members, now) => write(db, async (tx) => {
      const inserted = await changes(tx, sql`INSERT INTO groups (group_id, group_type, group_name, owner, created_at)
        VALUES (${group.groupId}, ${group.groupType}, ${toDbText(group.groupName)}, ${group.owner}, ${group.createdAt}) ON CONFLICT DO NOTHING`);
      if (inserted === 0) return false;
      const order = await lastOrder(tx);
      await join(tx, group.groupId, group.owner, 400, now, order);
      for (const m of members) if (m.userID !== group.owner) await join(tx, group.groupId, m.userID, m.role, now, order);
      return true;
    }),

    get: (groupID) => getGroup(db, groupID),

    member: (groupID, userID) => member(db, groupID, userID),

    addMembers: (groupID, userIDs, role, now, cap) => write(db, async (tx): Promise<JoinOutcome> => {
      if (!(await lockGroup(tx, groupID))) return 'missing';
      const fresh: string[] = [];
      for (const u of userIDs) if (!(await member(tx, groupID, u))) fresh.push(u);
      if (fresh.length === 0) return 'already';
      const count = (await value<number>(tx, sql`SELECT count(*) FROM group_members WHERE group_id = ${groupID}`)) ?? 0;
      if (count + fresh.length > cap) return 'full';
      const order = await lastOrder(tx);
      for (const u of fresh) await join(tx, groupID, u, role, now, order);
      return 'ok';
    }),

    removeMembers: (groupID, userIDs) => write(db, async (tx) => {
      await lockGroup(tx, groupID);
      const removed: string[] = [];
      for (const u of userIDs) {
        if ((await changes(tx, sql`DELETE FROM group_members WHERE group_id = ${groupID} AND user_id = ${u}`)) > 0) {
          await tx.execute(sql`DELETE FROM conversations WHERE user_id = ${u} AND conversation_id = ${`group_${groupID}`}`);
          removed.push(u);
        }
      }
      return removed;
    }),

    dismiss: (groupID) => write(db, async (tx) => {
      await lockGroup(tx, groupID);
      const ids = (await rows<{ userId: string }>(tx, sql`SELECT user_id AS "userId" FROM group_members WHERE group_id = ${groupID}`)).map((r) => r.userId);
      await tx.execute(sql`DELETE FROM conversations WHERE group_id = ${groupID}`);
      await tx.execute(sql`DELETE FROM groups WHERE group_id = ${groupID}`);
      // The messages go too (audience rows by cascade): a group created later with the same groupID must not show
      // them nor count them in its seqs.
      await tx.execute(sql`DELETE FROM messages WHERE group_id = ${groupID}`);
      return ids;
    }),

    mute: async (groupID, userID, until) =>
      (await changes(db, sql`UPDATE group_members SET mute_until = ${until} WHERE group_id = ${groupID} AND user_id = ${userID}`)) > 0,

    joined: async (userID) =>
      (await rows<GroupRow & { role: number; memberCount: number }>(db, sql`SELECT g.group_id AS "groupId",
          g.group_type AS "groupType", g.group_name AS "groupName", g.owner, g.created_at AS "createdAt",
          g.public_count AS "publicCount", m.role,
          (SELECT count(*) FROM group_members c WHERE c.group_id = g.group_id) AS "memberCount"
        FROM group_members m JOIN groups g ON g.group_id = m.group_id WHERE m.user_id = ${userID}
        ORDER BY m.join_time, g.group_id COLLATE "C"`))
        .map(({ role, memberCount, ...group }) => ({ group: { ...group, groupName: fromDbText(group.groupName) }, role, memberCount })),

    joinedIDs: async (userID) =>
      (await rows<{ groupId: string }>(db, sql`SELECT group_id AS "groupId" FROM group_members WHERE user_id = ${userID}`)).map((r) => r.groupId),

    // Byte order (COLLATE "C"), as SQLite compares text, whatever the database's default collation.
    members: (groupID, offset, count) => rows<MemberRow>(db, sql`SELECT ${MEMBER_COLUMNS} FROM group_members
      WHERE group_id = ${groupID} ORDER BY role DESC, join_time, user_id COLLATE "C" LIMIT ${count} OFFSET ${offset}`),

    membersAmong: async (groupID, userIDs) => {
      if (userIDs.length === 0) return [];
      const present = new Set((await rows<{ userId: string }>(db, sql`SELECT user_id AS "userId" FROM group_members
        WHERE group_id = ${groupID} AND user_id = ANY(${sql.param(userIDs)}::text[])`)).map((r) => r.userId));
      return userIDs.filter((u) => present.has(u));
    },
  };
}
