// Group profiles (getGroupsInfo / setGroupInfo), written once for both databases.
import type { GroupProfile, GroupStore, MemberRow } from './store';
import { row, rows, run, sql, type Dialect, type Executor, type Work } from './statement';

const OWNER = 400;
const MEMBER = 200;

export const setProfileWork = (groupID: string, change: Partial<GroupProfile>) =>
  run(sql`UPDATE groups SET
    group_name = coalesce(${change.groupName ?? null}, group_name),
    notification = coalesce(${change.notification ?? null}, notification),
    introduction = coalesce(${change.introduction ?? null}, introduction),
    face_url = coalesce(${change.faceUrl ?? null}, face_url),
    all_muted = coalesce(CAST(${change.isAllMuted === undefined ? null : change.isAllMuted ? 1 : 0} AS integer), all_muted),
    add_opt = coalesce(CAST(${change.addOpt ?? null} AS integer), add_opt),
    approve_opt = coalesce(CAST(${change.approveOpt ?? null} AS integer), approve_opt)
  WHERE group_id = ${groupID}`);

export const setRoleWork = (groupID: string, userID: string, role: number) =>
  run(
    sql`UPDATE group_members SET role = ${role} WHERE group_id = ${groupID} AND user_id = ${userID} AND role <> ${OWNER}`,
  );

/** Under the group's row lock, so two transfers (or a transfer and a quit) cannot leave two owners or none. */
export function* transferOwnerWork(d: Dialect, groupID: string, from: string, to: string): Work<boolean> {
  const locked = yield* row<{ owner: string }>(
    sql`SELECT owner FROM groups WHERE group_id = ${groupID} ${d.forUpdate}`,
  );
  if (!locked) return false;
  const roles = new Map(
    (yield* rows<{ userId: string; role: number }>(sql`SELECT user_id AS "userId", role FROM group_members
    WHERE group_id = ${groupID} AND user_id IN ${d.inList([from, to])}`)).map((r) => [r.userId, Number(r.role)]),
  );
  if (roles.get(from) !== OWNER || roles.get(to) === undefined || from === to) return false;
  yield* run(sql`UPDATE group_members SET role = CASE WHEN user_id = ${to} THEN CAST(${OWNER} AS integer) ELSE CAST(${MEMBER} AS integer) END
    WHERE group_id = ${groupID} AND user_id IN ${d.inList([from, to])}`);
  yield* run(sql`UPDATE groups SET owner = ${to} WHERE group_id = ${groupID}`);
  return true;
}

export function groupProfileMethods(
  x: Executor,
): Pick<GroupStore, 'profiles' | 'setProfile' | 'setRole' | 'transferOwner' | 'memberCards' | 'setNameCard'> {
  const d = x.dialect;
  return {
    profiles: async (groupIDs, viewer) => {
      if (groupIDs.length === 0) return new Map();
      const list = await x.read(() =>
        rows<
          GroupProfile & { groupId: string; groupType: string; owner: string; memberCount: number; role: number | null }
        >(sql`
        SELECT g.group_id AS "groupId", g.group_type AS "groupType", g.owner, g.group_name AS "groupName", g.notification,
          g.introduction, g.face_url AS "faceUrl", g.all_muted AS "isAllMuted",
          g.add_opt AS "addOpt", g.approve_opt AS "approveOpt",
          (SELECT count(*) FROM group_members c WHERE c.group_id = g.group_id) AS "memberCount",
          (SELECT gm.role FROM group_members gm WHERE gm.group_id = g.group_id AND gm.user_id = ${viewer}) AS "role"
        FROM groups g WHERE g.group_id IN ${d.inList([...new Set(groupIDs)])}`),
      );
      return new Map(
        list.map(({ groupId, memberCount, role, isAllMuted, addOpt, approveOpt, ...p }) => [
          groupId,
          {
            ...p,
            isAllMuted: Number(isAllMuted) === 1,
            addOpt: addOpt === null ? null : Number(addOpt),
            approveOpt: approveOpt === null ? null : Number(approveOpt),
            memberCount: Number(memberCount),
            role: Number(role ?? 0),
          },
        ]),
      );
    },
    setProfile: async (groupID, change) => (await x.write(() => setProfileWork(groupID, change))) > 0,
    memberCards: async (groupID, userIDs) => {
      if (userIDs.length === 0) return new Map();
      const list = await x.read(() =>
        rows<MemberRow & { nameCard: string | null }>(sql`SELECT gm.group_id AS "groupId",
          gm.user_id AS "userId", gm.role, gm.join_time AS "joinTime", gm.join_order AS "joinOrder", gm.mute_until AS "muteUntil",
          gm.name_card AS "nameCard"
        FROM group_members gm WHERE gm.group_id = ${groupID} AND gm.user_id IN ${d.inList([...new Set(userIDs)])}`),
      );
      return new Map(list.map((m) => [m.userId, m]));
    },
    setNameCard: async (groupID, userID, nameCard) =>
      (await x.write(() =>
        run(sql`UPDATE group_members SET name_card = ${nameCard}
      WHERE group_id = ${groupID} AND user_id = ${userID}`),
      )) > 0,
    setRole: async (groupID, userID, role) => (await x.write(() => setRoleWork(groupID, userID, role))) > 0,
    // Under the group's row lock, so two transfers (or a transfer and a quit) cannot leave two owners or none.
    transferOwner: (groupID, from, to) => x.write(() => transferOwnerWork(d, groupID, from, to)),
  };
}
