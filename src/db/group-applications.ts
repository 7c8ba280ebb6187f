// Group applications (join requests to a group that needs approval, and invitations that need it), written once
// for both databases. Each change runs under the group's row lock, like every membership change (./groups.ts), so
// an accept and a quit, a dismissal or a second accept of the same application cannot interleave: handling twice
// answers 'handled', and an accept adds the member through the same statements as joinGroup (addMembersWork).
import type {
  ApplicationKey,
  ApplicationRow,
  ApplyOutcome,
  GroupApplicationStore,
  GroupRules,
  HandleOutcome,
} from './store';
import { row, rows, run, sql, type Dialect, type Executor, type Work } from './statement';
import { int8 } from './messages';
import { addMembersWork } from './groups';

const ADMIN = 300;
/** V2TIMGroupApplicationType of a join request: the applicant is the one who joins; in an invitation, the invitee. */
const JOIN_REQUEST = 0;

const APPLICATION_COLUMNS = sql.raw(`a.app_no AS "appNo", a.group_id AS "groupId", a.from_user AS "fromUser",
  a.to_user AS "toUser", a.type, a.request_msg AS "requestMsg", a.add_time AS "addTime", a.handled_by AS "handledBy",
  a.handle_result AS "handleResult", a.handled_msg AS "handledMsg"`);

/** acceptGroupApplication / refuseGroupApplication under the group's row lock; an accept adds the member as
 * joinGroup does (group-tips.ts composes it with the JOIN or INVITE tip). */
export function* handleWork(
  d: Dialect,
  rules: GroupRules,
  key: ApplicationKey,
  by: string,
  accept: boolean,
  handledMsg: string | null,
  now: number,
  cap: number,
): Work<HandleOutcome> {
  const g = yield* row<{ role: number | null }>(sql`SELECT
      (SELECT gm.role FROM group_members gm WHERE gm.group_id = g.group_id AND gm.user_id = ${by}) AS "role"
      FROM groups g WHERE g.group_id = ${key.groupID} ${d.forUpdate}`);
  if (!g) return 'missing';
  if (Number(g.role ?? 0) < ADMIN) return 'forbidden';
  const app = yield* row<{ appNo: number; handledBy: string | null }>(sql`SELECT app_no AS "appNo",
      handled_by AS "handledBy" FROM group_applications WHERE group_id = ${key.groupID} AND from_user = ${key.fromUser}
      AND to_user = ${key.toUser} AND type = ${key.type}`);
  if (!app) return 'none';
  if (app.handledBy !== null) return 'handled';
  let outcome: HandleOutcome = 'ok';
  if (accept) {
    const joiner = key.type === JOIN_REQUEST ? key.fromUser : key.toUser;
    outcome = (yield* addMembersWork(d, rules, key.groupID, [joiner], 200, now, cap)).outcome;
    // Full: it stays waiting (an admin may accept once there is room). Already a member: it is moot, closed.
    if (outcome !== 'ok' && outcome !== 'already') return outcome;
  }
  yield* run(sql`UPDATE group_applications SET handled_by = ${by}, handle_result = CAST(${accept ? 1 : 0} AS integer),
      handled_msg = ${handledMsg} WHERE app_no = ${int8(app.appNo)}`);
  return outcome;
}

export function groupApplicationMethods(x: Executor, rules: GroupRules): GroupApplicationStore {
  const d = x.dialect;
  return {
    apply: (key, requestMsg, now, cap) =>
      x.write(function* (): Work<ApplyOutcome> {
        const g = yield* row<{ count: number }>(sql`SELECT
          (SELECT count(*) FROM group_members gm WHERE gm.group_id = g.group_id) AS "count"
          FROM groups g WHERE g.group_id = ${key.groupID} ${d.forUpdate}`);
        if (!g) return 'missing';
        const joiner = key.type === JOIN_REQUEST ? key.fromUser : key.toUser;
        if (
          yield* row(sql`SELECT 1 AS "ok" FROM group_members WHERE group_id = ${key.groupID} AND user_id = ${joiner}`)
        )
          return 'already';
        if (Number(g.count) + 1 > cap) return 'full';
        // Asking again replaces the earlier application (answered or not): it is the newest, and unread again.
        yield* run(sql`DELETE FROM group_applications WHERE group_id = ${key.groupID} AND from_user = ${key.fromUser}
          AND to_user = ${key.toUser} AND type = ${key.type}`);
        yield* run(sql`INSERT INTO group_applications (group_id, from_user, to_user, type, request_msg, add_time)
          VALUES (${key.groupID}, ${key.fromUser}, ${key.toUser}, CAST(${key.type} AS integer), ${requestMsg}, ${int8(now)})`);
        return 'ok';
      }),
    applications: async (viewer, limit) => {
      // The groups the viewer administers now, then their newest applications: bounded by `limit`, one statement.
      const [list, unread] = await Promise.all([
        x.read(() =>
          rows<ApplicationRow>(sql`SELECT ${APPLICATION_COLUMNS}, u.nick_name AS "fromUserNickName",
            u.face_url AS "fromUserFaceUrl"
          FROM group_applications a LEFT JOIN users u ON u.user_id = a.from_user
          WHERE a.group_id IN (SELECT gm.group_id FROM group_members gm WHERE gm.user_id = ${viewer} AND gm.role >= ${ADMIN})
          ORDER BY a.app_no DESC LIMIT ${limit}`),
        ),
        x.read(() =>
          row<{ n: number }>(sql`SELECT count(*) AS "n" FROM group_applications a
          WHERE a.group_id IN (SELECT gm.group_id FROM group_members gm WHERE gm.user_id = ${viewer} AND gm.role >= ${ADMIN})
            AND a.handled_by IS NULL
            AND a.app_no > coalesce((SELECT r.group_application_read FROM users r WHERE r.user_id = ${viewer}), 0)`),
        ),
      ]);
      return { list, unreadCount: Number(unread?.n ?? 0) };
    },
    handle: (key, by, accept, handledMsg, now, cap) =>
      x.write(() => handleWork(d, rules, key, by, accept, handledMsg, now, cap)),
    handlers: async (groupID) =>
      (
        await x.read(() =>
          rows<{ userId: string }>(sql`SELECT user_id AS "userId" FROM group_members
          WHERE group_id = ${groupID} AND role >= ${ADMIN}`),
        )
      ).map((r) => r.userId),
    markApplicationsRead: async (viewer) => {
      await x.write(() =>
        run(sql`UPDATE users SET group_application_read = coalesce((SELECT max(app_no) FROM group_applications), 0)
          WHERE user_id = ${viewer}`),
      );
    },
  };
}
