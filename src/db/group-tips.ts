// Group tips (V2TIMGroupTipsElem): a membership or profile change and the broadcast message that tells the group,
// stored in one unit of work through the send path (./messages.ts sendWork), so neither is ever visible without the
// other. A tip is an ordinary broadcast row of the group (its order, cursor and public seq in line with the other
// messages), sent by the operator, excluded from unread counts (Tencent does not count group tips as unread) and
// eligible as lastMessage. Its audience is the members at that moment: a join's tip is stored after the join (the
// joiner sees it), a quit's or kick's before the removal (the leaver is a member for it), and the leavers' views of
// it are read before they go (`departing`), for their own live delivery. A tip names members and profile fields,
// never a message. Limits: a leaver gets his own tip live only (a resume after it finds him no longer a member, so
// it is not replayed), and on the Redis bus a tip filled in from storage (an event that arrived out of commit
// order, src/realtime/redis-bus.ts) no longer carries `departing`: the leaver's live copy is lost in that case.
import type {
  ApplicationKey,
  GroupRules,
  HandleOutcome,
  InfoOutcome,
  JoinOutcome,
  NewMessage,
  GroupProfile,
  MemberInfo,
  ViewedMessage,
} from './store';
import { handleWork } from './group-applications';
import { row, rows, sql, type Dialect, type Executor, type Work } from './statement';
import { sendWork, viewsForWork, type SendPath } from './messages';
import { addMembersWork, deleteMembers, lockGroup, muteWork, presentMembers } from './groups';
import { setMemberInfoWork, setProfileWork, setRoleWork, transferOwnerWork } from './group-profile';

/** V2TimGroupMemberInfo as a tip shows it: the profile and name card at the time of the change. */
export interface TipMember {
  userID: string;
  nickName: string | null;
  faceUrl: string | null;
  /** In tips; absent in join-application events. */
  nameCard?: string | null;
}

/** V2TimGroupChangeInfo: `type` is V2TIMGroupInfoChangeType; `value`, `boolValue` or `intValue` by type. */
export interface GroupChangeInfo {
  type: number;
  value: string | null;
  key: string | null;
  boolValue: boolean | null;
  intValue: number | null;
}

/** V2TimGroupMemberChangeInfo: a member's mute, in seconds from the change (0: unmuted); a setGroupMemberInfo tip
 *  adds what it changed (the gateway's fields: Tencent's SDK reports mutes only). */
export interface MemberChangeInfo {
  userID: string;
  muteTime: number;
  nameCard?: string | null;
  customInfo?: { key: string; value: string }[];
}

/** The payload of a GROUP_TIPS element (ElemPayloads.groupTips). */
export interface GroupTipsElem {
  groupID: string;
  /** V2TIMGroupTipsType. */
  type: number;
  opMember: TipMember;
  memberList: TipMember[];
  groupChangeInfoList: GroupChangeInfo[];
  memberChangeInfoList: MemberChangeInfo[];
  /** Members after the change. */
  memberCount: number;
}

/** What the caller decides about a tip; the store fills in the members' profiles and the member count. */
export interface TipRequest {
  msgId: string;
  createId: string;
  random: number;
  timestamp: number;
  /** The operator (opMember), the tip's sender. */
  op: string;
  type: number;
  /** False where the group keeps no history (AVChatRoom): the tip is delivered online only. */
  stored: boolean;
  groupChangeInfoList?: GroupChangeInfo[];
  memberChangeInfoList?: MemberChangeInfo[];
}

/** A change's result, its tip (null when nothing changed) and how the members it removed see that tip. */
export interface Tipped<T> {
  result: T;
  tip: ViewedMessage | null;
  departing: Record<string, { seq: number; isRead: boolean }>;
}

export interface GroupTipsStore {
  /** groups.addMembers, with a tip naming the users added (JOIN or INVITE). */
  addMembers(
    groupID: string,
    userIDs: string[],
    role: number,
    cap: number,
    tip: TipRequest,
  ): Promise<Tipped<JoinOutcome>>;
  /** groups.handle (acceptGroupApplication), with a tip naming the member it adds: `joiner`. */
  handleApplication(
    key: ApplicationKey,
    by: string,
    joiner: string,
    handledMsg: string | null,
    cap: number,
    tip: TipRequest,
  ): Promise<Tipped<HandleOutcome>>;
  /** groups.removeMembers, with a tip naming those removed (QUIT or KICKED), stored while they are still members. */
  removeMembers(groupID: string, userIDs: string[], tip: TipRequest): Promise<Tipped<string[]>>;
  /** groups.setRole, with a SET_ADMIN or CANCEL_ADMIN tip naming the member. */
  setRole(groupID: string, userID: string, role: number, tip: TipRequest): Promise<Tipped<boolean>>;
  /** groups.mute, with a MEMBER_INFO_CHANGE tip (tip.memberChangeInfoList). */
  mute(groupID: string, userID: string, until: number, tip: TipRequest): Promise<Tipped<boolean>>;
  /** setGroupMemberInfo's change (customInfo within `maxKeys` keys), with a MEMBER_INFO_CHANGE tip naming the
   *  member. */
  setMemberInfo(
    groupID: string,
    userID: string,
    change: Partial<MemberInfo>,
    maxKeys: number,
    tip: TipRequest,
  ): Promise<Tipped<InfoOutcome>>;
  /** groups.setProfile, with a GROUP_INFO_CHANGE tip (tip.groupChangeInfoList). */
  setProfile(
    groupID: string,
    change: Partial<GroupProfile>,
    maxKeys: number,
    tip: TipRequest,
  ): Promise<Tipped<InfoOutcome>>;
  /** groups.transferOwner, with a GROUP_INFO_CHANGE tip (owner) naming the new owner. */
  transferOwner(groupID: string, from: string, to: string, tip: TipRequest): Promise<Tipped<boolean>>;
}

/** The members' profiles and name cards as they are now, in the order given (one statement). */
function* tipMembers(d: Dialect, groupID: string, userIDs: string[]): Work<TipMember[]> {
  if (userIDs.length === 0) return [];
  const found = new Map(
    (yield* rows<TipMember>(sql`SELECT u.value AS "userID", us.nick_name AS "nickName", us.face_url AS "faceUrl",
      gm.name_card AS "nameCard"
    FROM ${d.list(userIDs, 'u')} LEFT JOIN users us ON us.user_id = u.value
      LEFT JOIN group_members gm ON gm.group_id = ${groupID} AND gm.user_id = u.value`)).map((m) => [m.userID, m]),
  );
  return userIDs.map((u) => found.get(u) ?? { userID: u, nickName: null, faceUrl: null, nameCard: null });
}

export function createGroupTipsStore(x: Executor, rules: GroupRules, path: SendPath): GroupTipsStore {
  const d = x.dialect;

  /** Stores (or, not stored, shapes) the tip inside the change's unit of work; `leaving`: members about to go. */
  function* sendTip(
    groupID: string,
    tip: TipRequest,
    members: string[],
    leaving: string[],
    takeOrder: Parameters<Parameters<SendPath['send']>[0]>[0],
  ): Work<Omit<Tipped<never>, 'result'>> {
    const [op, ...listed] = yield* tipMembers(d, groupID, [tip.op, ...members]);
    const count = (yield* row<{ n: number }>(
      sql`SELECT count(*) AS "n" FROM group_members WHERE group_id = ${groupID}`,
    ))!.n;
    const msg: NewMessage = {
      msgId: tip.msgId,
      createId: tip.createId,
      sender: tip.op,
      receiver: null,
      groupId: groupID,
      audience: null,
      targets: null,
      draftTargets: null,
      elemType: 9, // V2TIM_ELEM_TYPE_GROUP_TIPS
      atUsers: null,
      body: [
        {
          kind: 'groupTips',
          groupID,
          type: tip.type,
          opMember: op!,
          memberList: listed,
          groupChangeInfoList: tip.groupChangeInfoList ?? [],
          memberChangeInfoList: tip.memberChangeInfoList ?? [],
          memberCount: Number(count) - leaving.length,
        },
      ],
      priority: 2,
      excludedUnread: true,
      excludedLast: false,
      needReadReceipt: false,
      cloudCustomData: null,
      localCustomData: null,
      random: tip.random,
      timestamp: tip.timestamp,
    };
    const sent = yield* sendWork(d, rules, msg, tip.timestamp, !tip.stored, takeOrder, true);
    if (!sent.ok) return { tip: null, departing: {} };
    // Own properties for every leaver (fromEntries): a userID may be "__proto__", which an assignment would drop.
    const departing: Tipped<never>['departing'] =
      leaving.length > 0
        ? Object.fromEntries(
            [...(yield* viewsForWork(d, leaving, sent.message.row))].map(([u, v]) => [
              u,
              { seq: v.seq, isRead: v.isRead },
            ]),
          )
        : {};
    return { tip: sent.message, departing };
  }

  /** `change` answers its result and whom the tip names (null: nothing changed, no tip). */
  const tipped = <T>(
    groupID: string,
    tip: TipRequest,
    change: () => Work<{ result: T; members: string[] | null }>,
  ): Promise<Tipped<T>> =>
    path.send((takeOrder) =>
      (function* (): Work<Tipped<T>> {
        yield* lockGroup(d, groupID); // the group's row first, as every membership change and send takes it
        const { result, members } = yield* change();
        if (members === null) return { result, tip: null, departing: {} };
        return { result, ...(yield* sendTip(groupID, tip, members, [], takeOrder)) };
      })(),
    );

  return {
    addMembers: (groupID, userIDs, role, cap, tip) =>
      tipped(groupID, tip, function* () {
        const { outcome, fresh } = yield* addMembersWork(d, rules, groupID, userIDs, role, tip.timestamp, cap);
        return { result: outcome, members: outcome === 'ok' ? fresh : null };
      }),
    handleApplication: (key, by, joiner, handledMsg, cap, tip) =>
      tipped(key.groupID, tip, function* () {
        const outcome = yield* handleWork(d, rules, key, by, true, handledMsg, tip.timestamp, cap);
        return { result: outcome, members: outcome === 'ok' ? [joiner] : null };
      }),
    // The tip first, while the leavers are members (they are in its audience), then the removal.
    removeMembers: (groupID, userIDs, tip) =>
      path.send((takeOrder) =>
        (function* (): Work<Tipped<string[]>> {
          const present = yield* presentMembers(d, groupID, userIDs);
          if (present.length === 0) return { result: [], tip: null, departing: {} };
          const sent = yield* sendTip(groupID, tip, present, present, takeOrder);
          yield* deleteMembers(d, groupID, present);
          return { result: present, ...sent };
        })(),
      ),
    setRole: (groupID, userID, role, tip) =>
      tipped(groupID, tip, function* () {
        const ok = (yield* setRoleWork(groupID, userID, role)) > 0;
        return { result: ok, members: ok ? [userID] : null };
      }),
    mute: (groupID, userID, until, tip) =>
      tipped(groupID, tip, function* () {
        const ok = (yield* muteWork(groupID, userID, until)) > 0;
        return { result: ok, members: ok ? [userID] : null };
      }),
    setProfile: (groupID, change, maxKeys, tip) =>
      tipped(groupID, tip, function* () {
        const result = yield* setProfileWork(d, groupID, change, maxKeys);
        return { result, members: result.outcome === 'ok' ? [] : null };
      }),
    setMemberInfo: (groupID, userID, change, maxKeys, tip) =>
      tipped(groupID, tip, function* () {
        const result = yield* setMemberInfoWork(d, groupID, userID, change, maxKeys);
        return { result, members: result.outcome === 'ok' ? [userID] : null };
      }),
    transferOwner: (groupID, from, to, tip) =>
      tipped(groupID, tip, function* () {
        const ok = yield* transferOwnerWork(d, groupID, from, to);
        return { result: ok, members: ok ? [to] : null };
      }),
  };
}
