import type Database from 'better-sqlite3';
import type { GroupRow, GroupStore, JoinOutcome, MemberRow } from '../store';

const GROUP_COLUMNS = `group_id AS groupId, group_type AS groupType, group_name AS groupName, owner,
  created_at AS createdAt, public_count AS publicCount`;
const MEMBER_COLUMNS = `group_id AS groupId, user_id AS userId, role, join_time AS joinTime,
  join_order AS joinOrder, mute_until AS muteUntil`;

/** A group and a membership by key, synchronous: the group store answers with them, and a send reads them first. */
export type GroupRows = ReturnType<typeof createGroupRows>;

export function createGroupRows(db: Database.Database) {
  const group = db.prepare(`SELECT ${GROUP_COLUMNS} FROM groups WHERE group_id = ?`);
  const member = db.prepare(`SELECT ${MEMBER_COLUMNS} FROM group_members WHERE group_id = ? AND user_id = ?`);
  return {
    group: (groupId: string) => group.get(groupId) as GroupRow | undefined,
    member: (groupId: string, userId: string) => member.get(groupId, userId) as MemberRow | undefined,
  };
}

export function createGroupStore(db: Database.Database, rows: GroupRows): GroupStore {
  const q = {
    lastOrder: db.prepare('SELECT coalesce(max(order_no), 0) AS o FROM messages').pluck(),
    insertGroup: db.prepare(`INSERT OR IGNORE INTO groups (group_id, group_type, group_name, owner, created_at)
      VALUES (@groupId, @groupType, @groupName, @owner, @createdAt)`),
    insertMember: db.prepare(`INSERT OR IGNORE INTO group_members (group_id, user_id, role, join_time, join_order)
      VALUES (?, ?, ?, ?, ?)`),
    insertUser: db.prepare('INSERT OR IGNORE INTO users (user_id, created_at) VALUES (?, ?)'),
    openConversation: db.prepare(`INSERT OR REPLACE INTO conversations (user_id, conversation_id, group_id, read_order)
      VALUES (?, 'group_' || ?, ?, ?)`),
    closeConversation: db.prepare(`DELETE FROM conversations WHERE user_id = ? AND conversation_id = 'group_' || ?`),
    closeAllConversations: db.prepare(`DELETE FROM conversations WHERE group_id = ?`),
    count: db.prepare('SELECT count(*) FROM group_members WHERE group_id = ?').pluck(),
    removeMember: db.prepare('DELETE FROM group_members WHERE group_id = ? AND user_id = ?'),
    memberIDs: db.prepare('SELECT user_id FROM group_members WHERE group_id = ?').pluck(),
    deleteGroup: db.prepare('DELETE FROM groups WHERE group_id = ?'),
    // message_audience rows go with them (ON DELETE CASCADE).
    deleteMessages: db.prepare('DELETE FROM messages WHERE group_id = ?'),
    mute: db.prepare('UPDATE group_members SET mute_until = ? WHERE group_id = ? AND user_id = ?'),
    joined: db.prepare(`SELECT g.group_id AS groupId, g.group_type AS groupType, g.group_name AS groupName, g.owner,
        g.created_at AS createdAt, g.public_count AS publicCount, m.role,
        (SELECT count(*) FROM group_members c WHERE c.group_id = g.group_id) AS memberCount
      FROM group_members m JOIN groups g ON g.group_id = m.group_id WHERE m.user_id = ? ORDER BY m.join_time, g.group_id`),
    joinedIDs: db.prepare('SELECT group_id FROM group_members WHERE user_id = ?').pluck(),
    members: db.prepare(`SELECT ${MEMBER_COLUMNS} FROM group_members WHERE group_id = ?
      ORDER BY role DESC, join_time, user_id LIMIT ? OFFSET ?`),
  };

  const join = (groupId: string, userId: string, role: number, now: number, order: number) => {
    q.insertUser.run(userId, now);
    q.insertMember.run(groupId, userId, role, now, order);
    q.openConversation.run(userId, groupId, groupId, order);
  };

  const create = db.transaction((group: Omit<GroupRow, 'publicCount'>, members: { userID: string; role: number }[], now: number) => {
    if (q.insertGroup.run(group).changes === 0) return false;
    const order = q.lastOrder.get() as number;
    join(group.groupId, group.owner, 400, now, order);
    for (const m of members) if (m.userID !== group.owner) join(group.groupId, m.userID, m.role, now, order);
    return true;
  });

  const addMembers = db.transaction((groupId: string, userIds: string[], role: number, now: number, cap: number): JoinOutcome => {
    if (!rows.group(groupId)) return 'missing';
    const fresh = userIds.filter((u) => !rows.member(groupId, u));
    if (fresh.length === 0) return 'already';
    if ((q.count.get(groupId) as number) + fresh.length > cap) return 'full';
    const order = q.lastOrder.get() as number;
    for (const u of fresh) join(groupId, u, role, now, order);
    return 'ok';
  });

  const removeMembers = db.transaction((groupId: string, userIds: string[]) => {
    const removed: string[] = [];
    for (const u of userIds) {
      if (q.removeMember.run(groupId, u).changes > 0) {
        q.closeConversation.run(u, groupId);
        removed.push(u);
      }
    }
    return removed;
  });

  const dismiss = db.transaction((groupId: string) => {
    const ids = q.memberIDs.all(groupId) as string[];
    q.closeAllConversations.run(groupId);
    q.deleteGroup.run(groupId);
    // The messages go too: a group created later with the same groupID must not show them (a Meeting group's
    // members see its whole history) nor count them in its seqs.
    q.deleteMessages.run(groupId);
    return ids;
  });

  return {
    create: async (group, members, now) => create(group, members, now),
    get: async (groupID) => rows.group(groupID),
    member: async (groupID, userID) => rows.member(groupID, userID),
    addMembers: async (groupID, userIDs, role, now, cap) => addMembers(groupID, userIDs, role, now, cap),
    removeMembers: async (groupID, userIDs) => removeMembers(groupID, userIDs),
    dismiss: async (groupID) => dismiss(groupID),
    mute: async (groupID, userID, until) => q.mute.run(until, groupID, userID).changes > 0,
    joined: async (userID) =>
      (q.joined.all(userID) as (GroupRow & { role: number; memberCount: number })[]).map(({ role, memberCount, ...group }) => ({ group, role, memberCount })),
    joinedIDs: async (userID) => q.joinedIDs.all(userID) as string[],
    members: async (groupID, offset, count) => q.members.all(groupID, count, offset) as MemberRow[],
    membersAmong: async (groupID, userIDs) => userIDs.filter((u) => rows.member(groupID, u) !== undefined),
  };
}
