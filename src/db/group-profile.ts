// Group profiles (getGroupsInfo / setGroupInfo), written once for both databases.
import { decodeCustomInfo, mergeCustomInfo } from './profiles';
import type { GroupProfile, GroupStore, InfoOutcome, MemberInfo, MemberRow } from './store';
import { row, rows, run, sql, type Dialect, type Executor, type Work } from './statement';

const OWNER = 400;
const MEMBER = 200;

/** customInfo merges key by key, read under the group's row lock, so two concurrent changes both land (or the one
 *  that would pass `maxKeys` is refused). */
export function* setProfileWork(
  d: Dialect,
  groupID: string,
  change: Partial<GroupProfile>,
  maxKeys: number,
): Work<InfoOutcome> {
  let customInfo: string | null = null;
  if (change.customInfo && Object.keys(change.customInfo).length > 0) {
    const current = yield* row<{ customInfo: string | null }>(
      sql`SELECT custom_info AS "customInfo" FROM groups WHERE group_id = ${groupID} ${d.forUpdate}`,
    );
    if (!current) return { outcome: 'missing' };
    const merged = mergeCustomInfo(current.customInfo, change.customInfo, maxKeys);
    if ('outcome' in merged) return merged;
    customInfo = merged.json;
  }
  const changed = yield* run(sql`UPDATE groups SET
    group_name = coalesce(${change.groupName ?? null}, group_name),
    notification = coalesce(${change.notification ?? null}, notification),
    introduction = coalesce(${change.introduction ?? null}, introduction),
    face_url = coalesce(${change.faceUrl ?? null}, face_url),
    all_muted = coalesce(CAST(${change.isAllMuted === undefined ? null : change.isAllMuted ? 1 : 0} AS integer), all_muted),
    add_opt = coalesce(CAST(${change.addOpt ?? null} AS integer), add_opt),
    approve_opt = coalesce(CAST(${change.approveOpt ?? null} AS integer), approve_opt),
    custom_info = coalesce(${customInfo}, custom_info)
  WHERE group_id = ${groupID}`);
  return { outcome: changed > 0 ? 'ok' : 'missing' };
}

/** A member's name card and custom fields (merged key by key under the member's row lock, within `maxKeys`). */
export function* setMemberInfoWork(
  d: Dialect,
  groupID: string,
  userID: string,
  change: Partial<MemberInfo>,
  maxKeys: number,
): Work<InfoOutcome> {
  const current = yield* row<{ customInfo: string | null }>(sql`SELECT custom_info AS "customInfo" FROM group_members
    WHERE group_id = ${groupID} AND user_id = ${userID} ${d.forUpdate}`);
  if (!current) return { outcome: 'missing' };
  const customInfo = mergeCustomInfo(current.customInfo, change.customInfo, maxKeys);
  if ('outcome' in customInfo) return customInfo;
  yield* run(sql`UPDATE group_members SET name_card = coalesce(${change.nameCard ?? null}, name_card),
    custom_info = coalesce(${customInfo.json}, custom_info)
  WHERE group_id = ${groupID} AND user_id = ${userID}`);
  return { outcome: 'ok' };
}

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
): Pick<GroupStore, 'profiles' | 'setProfile' | 'setRole' | 'transferOwner' | 'memberCards'> {
  const d = x.dialect;
  return {
    profiles: async (groupIDs, viewer) => {
      if (groupIDs.length === 0) return new Map();
      const list = await x.read(() =>
        rows<
          Omit<GroupProfile, 'customInfo'> & {
            groupId: string;
            groupType: string;
            owner: string;
            memberCount: number;
            role: number | null;
            customInfo: string | null;
          }
        >(sql`
        SELECT g.group_id AS "groupId", g.group_type AS "groupType", g.owner, g.group_name AS "groupName", g.notification,
          g.introduction, g.face_url AS "faceUrl", g.all_muted AS "isAllMuted",
          g.add_opt AS "addOpt", g.approve_opt AS "approveOpt", g.custom_info AS "customInfo",
          (SELECT count(*) FROM group_members c WHERE c.group_id = g.group_id) AS "memberCount",
          (SELECT gm.role FROM group_members gm WHERE gm.group_id = g.group_id AND gm.user_id = ${viewer}) AS "role"
        FROM groups g WHERE g.group_id IN ${d.inList([...new Set(groupIDs)])}`),
      );
      return new Map(
        list.map(({ groupId, memberCount, role, isAllMuted, addOpt, approveOpt, customInfo, ...p }) => [
          groupId,
          {
            ...p,
            customInfo: decodeCustomInfo(customInfo),
            isAllMuted: Number(isAllMuted) === 1,
            addOpt: addOpt === null ? null : Number(addOpt),
            approveOpt: approveOpt === null ? null : Number(approveOpt),
            memberCount: Number(memberCount),
            role: Number(role ?? 0),
          },
        ]),
      );
    },
    setProfile: (groupID, change, maxKeys) => x.write(() => setProfileWork(d, groupID, change, maxKeys)),
    memberCards: async (groupID, userIDs) => {
      if (userIDs.length === 0) return new Map();
      const list = await x.read(() =>
        rows<MemberRow & { nameCard: string | null; customInfo: string | null }>(sql`SELECT gm.group_id AS "groupId",
          gm.user_id AS "userId", gm.role, gm.join_time AS "joinTime", gm.join_order AS "joinOrder", gm.mute_until AS "muteUntil",
          gm.name_card AS "nameCard", gm.custom_info AS "customInfo"
        FROM group_members gm WHERE gm.group_id = ${groupID} AND gm.user_id IN ${d.inList([...new Set(userIDs)])}`),
      );
      return new Map(list.map((m) => [m.userId, { ...m, customInfo: decodeCustomInfo(m.customInfo) }]));
    },
    setRole: async (groupID, userID, role) => (await x.write(() => setRoleWork(groupID, userID, role))) > 0,
    // Under the group's row lock, so two transfers (or a transfer and a quit) cannot leave two owners or none.
    transferOwner: (groupID, from, to) => x.write(() => transferOwnerWork(d, groupID, from, to)),
  };
}
