// Groups and memberships, written once for both databases. Every transaction that changes a group's membership
// locks the group's row first (on PostgreSQL; SQLite has one writer), as a send into the group does, so a join's
// window (the group's head) splits the group's messages exactly into "before" and "after", and a send's membership
// checks still hold when it commits. Lock order is always group row, then (sends only) the order gate (src/db/pg/order.ts).
import {
  MAX_MEMBER_POSITION,
  type GroupRow,
  type GroupRules,
  type GroupStore,
  type JoinOutcome,
  type MemberRow,
} from './store';
import { row, rows, run, sql, type Dialect, type Executor, type Work } from './statement';
import { int8 } from './messages';
import { groupProfileMethods } from './group-profile';
import { groupApplicationMethods } from './group-applications';
import { releaseWork } from './media';

const GROUP_COLUMNS = sql.raw(`g.group_id AS "groupId", g.group_type AS "groupType", g.group_name AS "groupName",
  g.owner, g.created_at AS "createdAt", g.public_count AS "publicCount", g.add_opt AS "addOpt", g.approve_opt AS "approveOpt"`);
const MEMBER_COLUMNS = sql.raw(`gm.group_id AS "groupId", gm.user_id AS "userId", gm.role, gm.join_time AS "joinTime",
  gm.join_order AS "joinOrder", gm.mute_until AS "muteUntil"`);

export function* lockGroup(d: Dialect, groupId: string): Work<boolean> {
  return (yield* rows(sql`SELECT 1 AS "ok" FROM groups WHERE group_id = ${groupId} ${d.forUpdate}`)).length > 0;
}

/**
 * Makes `userIds` (none of them a member yet) members with `role`: the window and the read mark start at the group's
 * head, the window at 0 where the group type sees earlier history (`fromStart`), which then also brings the last
 * targeted message the user was sent there before as lastMessage.
 */
function* join(
  d: Dialect,
  groupId: string,
  userIds: string[],
  role: number,
  now: number,
  fromStart: boolean,
): Work<void> {
  const start = fromStart ? 1 : 0;
  yield* run(sql`INSERT INTO users (user_id, created_at) SELECT u.value, ${int8(now)} FROM ${d.list(userIds, 'u')} WHERE true
    ON CONFLICT DO NOTHING`);
  yield* run(sql`INSERT INTO conversations (user_id, conversation_id, peer_id, group_id, read_order, read_count, unread_count, head_order, last_order)
    SELECT u.value, 'group_' || g.group_id, NULL, g.group_id, g.head_order, g.unread_total, 0, 0,
      CASE WHEN ${start} = 1 THEN coalesce((SELECT max(a.order_no) FROM message_audience a JOIN messages m ON m.order_no = a.order_no
        WHERE a.user_id = u.value AND a.group_id = g.group_id AND m.excluded_last = 0), 0) ELSE 0 END
    FROM groups g, ${d.list(userIds, 'u')} WHERE g.group_id = ${groupId}
    ON CONFLICT (user_id, conversation_id) DO UPDATE SET peer_id = NULL, group_id = excluded.group_id,
      read_order = excluded.read_order, read_count = excluded.read_count, unread_count = 0, head_order = 0,
      last_order = excluded.last_order`);
  // join_no: after the last member's (under the group's lock), so it is unique among the members and grows with
  // each join; the number of a member who left may come again, for someone outside every earlier audience.
  const numbers = yield* rows<{ joinNo: number }>(sql`INSERT INTO group_members (group_id, user_id, role, join_time,
      join_order, join_head, join_no)
    SELECT g.group_id, u.value, CAST(${role} AS integer), ${int8(now)}, CASE WHEN ${start} = 1 THEN 0 ELSE g.head_order END,
      g.head_order,
      coalesce((SELECT max(x.join_no) FROM group_members x WHERE x.group_id = g.group_id), 0)
        + row_number() OVER (ORDER BY u.value ${d.collate})
    FROM groups g, ${d.list(userIds, 'u')} WHERE g.group_id = ${groupId} ON CONFLICT DO NOTHING
    RETURNING join_no AS "joinNo"`);
  if (numbers.some((n) => Number(n.joinNo) > MAX_MEMBER_POSITION)) yield* renumber(groupId);
}

/**
 * Numbers the members 1, 2, … in the order they joined, once join_no would pass what a nextSeq holds (members who
 * stay while others come and go push it up by one a join: millions of joins in a group's life). It visits every
 * member, once in that many joins. The new epoch makes every unread-member nextSeq of the old numbering a refused
 * one instead of a wrong page.
 */
function* renumber(groupId: string): Work<void> {
  yield* run(sql`UPDATE group_members SET join_no = r.n
    FROM (SELECT user_id, row_number() OVER (ORDER BY join_no) AS n FROM group_members WHERE group_id = ${groupId}) r
    WHERE group_members.group_id = ${groupId} AND group_members.user_id = r.user_id`);
  yield* run(sql`UPDATE groups SET join_epoch = join_epoch + 1 WHERE group_id = ${groupId}`);
}

/** Adds the users that are not members yet (all or none within `cap`), under the group's row lock; `fresh`: who. */
export function* addMembersWork(
  d: Dialect,
  rules: GroupRules,
  groupID: string,
  userIDs: string[],
  role: number,
  now: number,
  cap: number,
): Work<{ outcome: JoinOutcome; fresh: string[] }> {
  const ids = [...new Set(userIDs)];
  const g = yield* row<{ groupType: string; count: number }>(sql`SELECT g.group_type AS "groupType",
    (SELECT count(*) FROM group_members gm WHERE gm.group_id = g.group_id) AS "count"
    FROM groups g WHERE g.group_id = ${groupID} ${d.forUpdate}`);
  if (!g) return { outcome: 'missing', fresh: [] };
  const fresh = (yield* rows<{ userId: string }>(sql`SELECT u.value AS "userId" FROM ${d.list(ids, 'u')}
    WHERE NOT EXISTS (SELECT 1 FROM group_members gm WHERE gm.group_id = ${groupID} AND gm.user_id = u.value)`)).map(
    (r) => r.userId,
  );
  if (fresh.length === 0) return { outcome: 'already', fresh };
  if (Number(g.count) + fresh.length > cap) return { outcome: 'full', fresh: [] };
  yield* join(d, groupID, fresh, role, now, rules.seesEarlierHistory(g.groupType));
  return { outcome: 'ok', fresh };
}

/** Locks the group's row and answers which of these users are its members (in the order given, once each). */
export function* presentMembers(d: Dialect, groupID: string, userIDs: string[]): Work<string[]> {
  yield* lockGroup(d, groupID);
  const present = new Set(
    (yield* rows<{ userId: string }>(sql`SELECT user_id AS "userId" FROM group_members WHERE group_id = ${groupID}
      AND user_id IN ${d.inList(userIDs)}`)).map((r) => r.userId),
  );
  return [...new Set(userIDs)].filter((u) => present.has(u));
}

/** Removes these members and their conversations of the group. */
export function* deleteMembers(d: Dialect, groupID: string, userIDs: string[]): Work<void> {
  if (userIDs.length === 0) return;
  yield* run(sql`DELETE FROM group_members WHERE group_id = ${groupID} AND user_id IN ${d.inList(userIDs)}`);
  yield* run(
    sql`DELETE FROM conversations WHERE conversation_id = ${`group_${groupID}`} AND user_id IN ${d.inList(userIDs)}`,
  );
}

export const muteWork = (groupID: string, userID: string, until: number) =>
  run(sql`UPDATE group_members SET mute_until = ${until} WHERE group_id = ${groupID} AND user_id = ${userID}`);

export function createGroupStore(x: Executor, rules: GroupRules): GroupStore {
  const d = x.dialect;
  const member = (groupId: string, userId: string) =>
    x.read(() =>
      row<MemberRow>(
        sql`SELECT ${MEMBER_COLUMNS} FROM group_members gm WHERE gm.group_id = ${groupId} AND gm.user_id = ${userId}`,
      ),
    );
  return {
    ...groupProfileMethods(x),
    ...groupApplicationMethods(x, rules),
    create: (group, members, now) =>
      x.write(function* () {
        if (
          (yield* run(sql`INSERT INTO groups (group_id, group_type, group_name, owner, created_at, add_opt, approve_opt)
        VALUES (${group.groupId}, ${group.groupType}, ${group.groupName}, ${group.owner}, ${group.createdAt},
        CAST(${group.addOpt ?? null} AS integer), CAST(${group.approveOpt ?? null} AS integer)) ON CONFLICT DO NOTHING`)) ===
          0
        )
          return false;
        const fromStart = rules.seesEarlierHistory(group.groupType);
        yield* join(d, group.groupId, [group.owner], 400, now, fromStart);
        const byRole = new Map<number, string[]>();
        for (const m of members)
          if (m.userID !== group.owner) byRole.set(m.role, [...(byRole.get(m.role) ?? []), m.userID]);
        for (const [role, ids] of byRole) yield* join(d, group.groupId, [...new Set(ids)], role, now, fromStart);
        return true;
      }),
    get: (groupID) =>
      x.read(() => row<GroupRow>(sql`SELECT ${GROUP_COLUMNS} FROM groups g WHERE g.group_id = ${groupID}`)),
    member,
    addMembers: async (groupID, userIDs, role, now, cap) =>
      (await x.write(() => addMembersWork(d, rules, groupID, userIDs, role, now, cap))).outcome,
    removeMembers: (groupID, userIDs) =>
      x.write(function* () {
        const present = yield* presentMembers(d, groupID, userIDs);
        yield* deleteMembers(d, groupID, present);
        return present;
      }),
    dismiss: (groupID) =>
      x.write(function* () {
        yield* lockGroup(d, groupID);
        const ids = (yield* rows<{ userId: string }>(
          sql`SELECT user_id AS "userId" FROM group_members WHERE group_id = ${groupID}`,
        )).map((r) => r.userId);
        // Their media goes with them, unless held elsewhere too (a forward, a merger, a reuse by uuid).
        const blobs = yield* releaseWork(d, sql`(SELECT m.create_id FROM messages m WHERE m.group_id = ${groupID})`);
        yield* run(sql`DELETE FROM conversations WHERE group_id = ${groupID}`);
        yield* run(sql`DELETE FROM groups WHERE group_id = ${groupID}`);
        // The messages go too (audience rows by cascade): a group created later with the same groupID must not show
        // them (a Meeting group's members see its whole history) nor count them in its seqs.
        yield* run(
          sql`DELETE FROM hidden_messages WHERE order_no IN (SELECT m.order_no FROM messages m WHERE m.group_id = ${groupID})`,
        );
        yield* run(sql`DELETE FROM messages WHERE group_id = ${groupID}`);
        return { members: ids, blobs };
      }),
    mute: async (groupID, userID, until) => (await x.write(() => muteWork(groupID, userID, until))) > 0,
    joined: async (userID) =>
      (
        await x.read(() =>
          rows<GroupRow & { role: number; memberCount: number }>(sql`SELECT ${GROUP_COLUMNS}, gm.role,
          (SELECT count(*) FROM group_members c WHERE c.group_id = g.group_id) AS "memberCount"
        FROM group_members gm JOIN groups g ON g.group_id = gm.group_id WHERE gm.user_id = ${userID}
        ORDER BY gm.join_time, g.group_id ${d.collate}`),
        )
      ).map(({ role, memberCount, ...group }) => ({ group, role, memberCount })),
    joinedIDs: async (userID) =>
      (
        await x.read(() =>
          rows<{ groupId: string }>(sql`SELECT group_id AS "groupId" FROM group_members WHERE user_id = ${userID}`),
        )
      ).map((r) => r.groupId),
    members: (groupID, offset, count) =>
      x.read(() =>
        rows<MemberRow>(sql`SELECT ${MEMBER_COLUMNS} FROM group_members gm
      WHERE gm.group_id = ${groupID} ORDER BY gm.role DESC, gm.join_time, gm.user_id ${d.collate} LIMIT ${count} OFFSET ${offset}`),
      ),
    membersAmong: async (groupID, userIDs) => {
      if (userIDs.length === 0) return [];
      const present = new Set(
        (
          await x.read(() =>
            rows<{ userId: string }>(sql`SELECT user_id AS "userId" FROM group_members
        WHERE group_id = ${groupID} AND user_id IN ${d.inList(userIDs)}`),
          )
        ).map((r) => r.userId),
      );
      return userIDs.filter((u) => present.has(u));
    },
  };
}
