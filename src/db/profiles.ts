// Profiles (V2TimUserFullInfo), written once for both databases. Who may read whose: a user reads their own, and
// the profiles of users who share a group or a C2C conversation with them (stated once, in visibleTo below);
// reads that already showed the viewer a user (a message's sender, a member, a peer) use profiles() directly.
import type { ProfileChange, ProfileOutcome, TooManyKeys, UserProfile, UserStore } from './store';
import { row, rows, run, sql, type Executor, type SQL, type Work } from './statement';

type ProfileRow = Omit<UserProfile, 'customInfo'> & { customInfo: string | null };

const COLUMNS = sql`u.user_id AS "userID", u.nick_name AS "nickName", u.face_url AS "faceUrl",
  u.self_signature AS "selfSignature", u.gender AS "gender", u.custom_info AS "customInfo"`;

/** A custom_info column (users, groups, group_members): a JSON object of strings, or null for none. */
export const decodeCustomInfo = (json: string | null | undefined): Record<string, string> =>
  json ? (JSON.parse(json) as Record<string, string>) : {};

/** The stored column (read under its row's lock) with `change`'s keys merged in, as the JSON to store (null: no
 *  change, the column stays); or, past `maxKeys` keys, how many there would be. */
export function mergeCustomInfo(
  json: string | null | undefined,
  change: Record<string, string> | undefined,
  maxKeys: number,
): { json: string | null } | TooManyKeys {
  if (!change || Object.keys(change).length === 0) return { json: null };
  const merged = { ...decodeCustomInfo(json), ...change };
  const keys = Object.keys(merged).length;
  return keys > maxKeys ? { outcome: 'too-many-keys', keys } : { json: JSON.stringify(merged) };
}

const decode = (r: ProfileRow): UserProfile => ({
  ...r,
  gender: Number(r.gender),
  customInfo: decodeCustomInfo(r.customInfo),
});

const byUser = (list: ProfileRow[]) => new Map(list.map((r) => [r.userID, decode(r)]));

/** `users u` is `viewer` (a userID, or a column of one), or shares a group with them, or has a C2C conversation
 *  with them (either side's row). */
const visibleTo = (viewer: string | SQL) => sql`(u.user_id = ${viewer}
  OR EXISTS (SELECT 1 FROM group_members a JOIN group_members b ON b.group_id = a.group_id
    WHERE a.user_id = ${viewer} AND b.user_id = u.user_id)
  OR EXISTS (SELECT 1 FROM conversations c WHERE c.user_id = ${viewer} AND c.peer_id = u.user_id)
  OR EXISTS (SELECT 1 FROM conversations c WHERE c.user_id = u.user_id AND c.peer_id = ${viewer}))`;

export function profileMethods(x: Executor): Omit<UserStore, 'ensure'> {
  const d = x.dialect;
  return {
    setProfile: (userID, change, now, maxKeys) =>
      x.write(function* (): Work<ProfileOutcome> {
        // customInfo merges key by key: read under the row lock, so two concurrent changes both land (or the one
        // that would pass the key limit is refused). A missing row is made first, so that it is locked too.
        const locked = () =>
          row<{ customInfo: string | null }>(sql`SELECT custom_info AS "customInfo" FROM users
          WHERE user_id = ${userID} ${d.forUpdate}`);
        let current = yield* locked();
        if (!current) {
          yield* run(sql`INSERT INTO users (user_id, created_at) VALUES (${userID}, ${now}) ON CONFLICT DO NOTHING`);
          current = yield* locked();
        }
        const customInfo = mergeCustomInfo(current?.customInfo, change.customInfo, maxKeys);
        if ('outcome' in customInfo) return customInfo;
        yield* run(sql`UPDATE users SET nick_name = coalesce(${change.nickName ?? null}, nick_name),
          face_url = coalesce(${change.faceUrl ?? null}, face_url),
          self_signature = coalesce(${change.selfSignature ?? null}, self_signature),
          gender = coalesce(${change.gender ?? null}, gender),
          custom_info = coalesce(${customInfo.json}, custom_info)
        WHERE user_id = ${userID}`);
        const profile = yield* row<ProfileRow>(sql`SELECT ${COLUMNS} FROM users u WHERE u.user_id = ${userID}`);
        const groups = yield* rows<{ id: string }>(sql`SELECT group_id AS "id" FROM group_members
          WHERE user_id = ${userID}`);
        const peers = yield* rows<{ id: string }>(sql`SELECT peer_id AS "id" FROM conversations
          WHERE user_id = ${userID} AND peer_id IS NOT NULL`);
        return {
          outcome: 'ok',
          changed: { profile: decode(profile!), groupIds: groups.map((g) => g.id), peers: peers.map((p) => p.id) },
        };
      }),
    profiles: async (userIDs) =>
      userIDs.length === 0
        ? new Map()
        : byUser(
            await x.read(() =>
              rows<ProfileRow>(
                sql`SELECT ${COLUMNS} FROM users u WHERE u.user_id IN ${d.inList([...new Set(userIDs)])}`,
              ),
            ),
          ),
    visibleProfiles: async (viewer, userIDs) =>
      userIDs.length === 0
        ? new Map()
        : byUser(
            await x.read(() =>
              rows<ProfileRow>(sql`SELECT ${COLUMNS} FROM users u
          WHERE u.user_id IN ${d.inList([...new Set(userIDs)])} AND ${visibleTo(viewer)}`),
            ),
          ),
    visibleProfilesBy: async (viewers, userIDs) => {
      const out = new Map<string, Map<string, UserProfile>>(viewers.map((v) => [v, new Map()]));
      if (viewers.length === 0 || userIDs.length === 0) return out;
      const list = await x.read(() =>
        rows<ProfileRow & { viewer: string }>(sql`SELECT v.value AS "viewer", ${COLUMNS}
          FROM ${d.list([...new Set(viewers)], 'v')} ${d.outerJoin} users u ON u.user_id IN ${d.inList([...new Set(userIDs)])}
          WHERE ${visibleTo(sql`v.value`)}`),
      );
      for (const { viewer, ...r } of list) out.get(viewer)!.set(r.userID, decode(r));
      return out;
    },
  };
}
