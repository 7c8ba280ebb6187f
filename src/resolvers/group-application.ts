// Group applications (V2TIMGroupManager getGroupApplicationList / acceptGroupApplication / refuseGroupApplication /
// setGroupApplicationRead). joinGroup files one where the group's groupAddOpt is V2TIM_GROUP_ADD_AUTH, and
// inviteUserToGroup where its approveOpt is (a plain member's invitation). Only the group's owner and admins list
// and answer them; an accepted one makes the user a member through the same store change and membership event as
// joinGroup. The SDK names an application by passing it back: here by groupID + fromUser (+ toUser for an
// invitation, + type), the fields the SDK's own adapters send.
import { Code } from '../codes';
import type { ApplicationKey, ApplicationRow, GroupRow, HandleOutcome } from '../db/store';
import type { Viewer } from './context';
import type { GroupApplicationEvent } from '../realtime/bus';
import type { Stream } from '../realtime/stream';
import type { Wake } from '../realtime/router';
import { capOf, joinRefusal, membersJoined } from './group';
import { GroupTipsType, publishTip, tipRequest } from './group-tips';
import { live } from './subscription';
import { answer, done, ok, Refusal, type Callback } from './result';
import { checkId, checkUnicode, checkUserID, utf8Bytes } from './validate';

/** V2TIMGroupApplicationType (8.x): a join request, or an invitation waiting for an owner or admin. */
export const ApplicationType = {
  JOIN_NEED_APPROVED_BY_ADMIN: 0,
  INVITE_NEED_APPROVED_BY_INVITEE: 1,
  INVITE_NEED_APPROVED_BY_ADMIN: 2,
} as const;
/** V2TIMGroupApplicationHandleStatus, as the viewer sees it. */
export const HandleStatus = { UNHANDLED: 0, HANDLED_BY_OTHER: 1, HANDLED_BY_SELF: 2 } as const;

export interface V2TimGroupApplication {
  groupID: string;
  fromUser: string;
  fromUserNickName: string | null;
  fromUserFaceUrl: string | null;
  /** The invitee of an invitation; null for a join request. */
  toUser: string | null;
  addTime: number;
  requestMsg: string | null;
  handledMsg: string | null;
  type: number;
  handleStatus: number;
  /** V2TIMGroupApplicationHandleResult: 0 refused, 1 accepted; 0 while unhandled, as the SDK reports it. */
  handleResult: number;
}
export interface V2TimGroupApplicationResult {
  unreadCount: number;
  groupApplicationList: V2TimGroupApplication[];
}

/** Tencent keeps the application list short; the newest ones are what an approval screen shows. */
const MAX_APPLICATIONS = 100;
/** requestMsg / reason: as long as a group notification may be (Tencent documents no limit of its own). */
const MAX_MESSAGE_BYTES = 300;

function checkMessage(value: string | null | undefined, field: string): string | null {
  if (value == null) return null;
  checkUnicode(value, field, Code.GROUP_INVALID_PARAMETERS);
  if (utf8Bytes(value) > MAX_MESSAGE_BYTES)
    throw new Refusal(
      Code.GROUP_INVALID_PARAMETERS,
      `${field} is ${utf8Bytes(value)} bytes of UTF-8; at most ${MAX_MESSAGE_BYTES} are allowed.`,
    );
  return value;
}

/** joinGroup on a group that needs approval: files (or refreshes) the viewer's join request. */
export async function requestJoin(ctx: Viewer, group: GroupRow, message: string | null): Promise<Callback> {
  const requestMsg = checkMessage(message, 'message');
  const key = {
    groupID: group.groupId,
    fromUser: ctx.viewer,
    toUser: '',
    type: ApplicationType.JOIN_NEED_APPROVED_BY_ADMIN,
  };
  const refusal = joinRefusal(
    await ctx.store.groups.apply(key, requestMsg, ctx.now(), capOf(group)),
    group.groupId,
    'You are',
  );
  if (refusal) throw refusal;
  await received(ctx, group.groupId, ctx.viewer, requestMsg);
  return done();
}

/** inviteUserToGroup by a plain member where approveOpt is AUTH: one invitation per invitee, for an admin to answer. */
export async function requestInvitations(ctx: Viewer, group: GroupRow, users: readonly string[]): Promise<Callback> {
  const outcomes = [];
  for (const toUser of users) {
    const key = {
      groupID: group.groupId,
      fromUser: ctx.viewer,
      toUser,
      type: ApplicationType.INVITE_NEED_APPROVED_BY_ADMIN,
    };
    outcomes.push(await ctx.store.groups.apply(key, null, ctx.now(), capOf(group)));
  }
  if (outcomes.includes('ok')) {
    await received(ctx, group.groupId, ctx.viewer, null);
    return done();
  }
  const refusal = joinRefusal(
    outcomes.includes('missing') ? 'missing' : outcomes.includes('full') ? 'full' : 'already',
    group.groupId,
    users.length === 1 ? `"${users[0]}" is` : 'Every user in userList is',
  );
  throw refusal!;
}

const view = (viewer: string, a: ApplicationRow): V2TimGroupApplication => ({
  groupID: a.groupId,
  fromUser: a.fromUser,
  fromUserNickName: a.fromUserNickName,
  fromUserFaceUrl: a.fromUserFaceUrl,
  toUser: a.toUser === '' ? null : a.toUser,
  addTime: a.addTime,
  requestMsg: a.requestMsg,
  handledMsg: a.handledMsg,
  type: a.type,
  handleStatus:
    a.handledBy === null
      ? HandleStatus.UNHANDLED
      : a.handledBy === viewer
        ? HandleStatus.HANDLED_BY_SELF
        : HandleStatus.HANDLED_BY_OTHER,
  handleResult: a.handleResult ?? 0,
});

/** The newest applications to the groups the viewer owns or administers (nobody else's), newest first. */
export const getGroupApplicationList = (ctx: Viewer) =>
  answer(async () => {
    const { list, unreadCount } = await ctx.store.groups.applications(ctx.viewer, MAX_APPLICATIONS);
    return ok<V2TimGroupApplicationResult>({
      unreadCount,
      groupApplicationList: list.map((a) => view(ctx.viewer, a)),
    });
  });

export interface ApplicationInput {
  groupID: string;
  fromUser: string;
  toUser?: string | null;
  type?: number | null;
}

const TYPES: readonly number[] = [
  ApplicationType.JOIN_NEED_APPROVED_BY_ADMIN,
  ApplicationType.INVITE_NEED_APPROVED_BY_ADMIN,
];

function keyOf(args: ApplicationInput): ApplicationKey {
  checkId(args.groupID, 'groupID', Code.INVALID_GROUP_ID, 48);
  checkUserID(args.fromUser, 'fromUser', Code.GROUP_INVALID_PARAMETERS);
  const toUser = args.toUser || '';
  if (toUser !== '') checkUserID(toUser, 'toUser', Code.GROUP_INVALID_PARAMETERS);
  const type =
    args.type ??
    (toUser === '' ? ApplicationType.JOIN_NEED_APPROVED_BY_ADMIN : ApplicationType.INVITE_NEED_APPROVED_BY_ADMIN);
  if (!TYPES.includes(type))
    throw new Refusal(
      Code.GROUP_INVALID_PARAMETERS,
      `type is ${type}; it must be 0 (a join request) or 2 (an invitation an owner or admin approves).`,
    );
  if ((type === ApplicationType.JOIN_NEED_APPROVED_BY_ADMIN) !== (toUser === ''))
    throw new Refusal(
      Code.GROUP_INVALID_PARAMETERS,
      type === ApplicationType.JOIN_NEED_APPROVED_BY_ADMIN
        ? 'toUser must be empty for a join request (type 0).'
        : 'toUser (the invitee) is required for an invitation (type 2).',
    );
  return { groupID: args.groupID, fromUser: args.fromUser, toUser, type };
}

function handleRefusal(outcome: HandleOutcome, key: ApplicationKey): Refusal | null {
  const who = key.toUser === '' ? `"${key.fromUser}"` : `"${key.toUser}" (invited by "${key.fromUser}")`;
  switch (outcome) {
    case 'ok':
      return null;
    case 'missing':
      return new Refusal(Code.GROUP_NOT_FOUND, `groupID "${key.groupID}" does not exist.`);
    case 'forbidden':
      return new Refusal(
        Code.NO_PERMISSION,
        `Only the owner and admins of group "${key.groupID}" handle its applications.`,
      );
    case 'none':
      return new Refusal(Code.GROUP_INVALID_PARAMETERS, `There is no application of ${who} to group "${key.groupID}".`);
    case 'handled':
      return new Refusal(
        Code.REQUEST_ALREADY_PROCESSED,
        `The application of ${who} to group "${key.groupID}" was already handled.`,
      );
    case 'already':
      return new Refusal(
        Code.ALREADY_MEMBER,
        `${who} is already a member of group "${key.groupID}"; the application is closed.`,
      );
    case 'full':
      return new Refusal(Code.GROUP_FULL, `Group "${key.groupID}" is full; the application of ${who} still waits.`);
  }
}

async function handle(ctx: Viewer, args: ApplicationInput & { reason?: string | null }, accept: boolean) {
  const key = keyOf(args);
  const reason = checkMessage(args.reason, 'reason');
  // The cap of the group's type: read first; the store checks membership, role and count again under the lock.
  const group = await ctx.store.groups.get(key.groupID);
  if (!group) throw new Refusal(Code.GROUP_NOT_FOUND, `groupID "${key.groupID}" does not exist.`);
  // An accept adds the member with its tip in one unit of work: JOIN by the applicant, or INVITE by the inviter.
  const joiner = key.toUser === '' ? key.fromUser : key.toUser;
  const tipped = accept
    ? await ctx.store.tips.handleApplication(key, ctx.viewer, joiner, reason, capOf(group), {
        ...tipRequest(ctx, group.groupType, key.toUser === '' ? GroupTipsType.JOIN : GroupTipsType.INVITE),
        op: key.fromUser,
      })
    : undefined;
  const outcome = tipped
    ? tipped.result
    : await ctx.store.groups.handle(key, ctx.viewer, accept, reason, ctx.now(), capOf(group));
  // Answered (also when closed because the user is a member already): the applicant hears of it.
  if (outcome === 'ok' || outcome === 'already')
    await ctx.router.publish({
      type: 'application',
      users: [key.fromUser],
      event: { kind: 'processed', groupID: key.groupID, opUser: ctx.viewer, isAgreeJoin: accept, opReason: reason },
    });
  const refusal = handleRefusal(outcome, key);
  if (refusal) throw refusal;
  if (tipped) {
    await membersJoined(ctx, key.groupID, [joiner]);
    await publishTip(ctx, tipped); // after the membership event: the joiner's open streams get it
  }
  return done();
}

/** The owner or an admin accepts: the applicant (or invitee) becomes a member, as joinGroup makes one. */
export const acceptGroupApplication = (ctx: Viewer, args: ApplicationInput & { reason?: string | null }) =>
  answer(() => handle(ctx, args, true));

export const refuseGroupApplication = (ctx: Viewer, args: ApplicationInput & { reason?: string | null }) =>
  answer(() => handle(ctx, args, false));

/** Every application so far counts as read: getGroupApplicationList's unreadCount starts again from 0. */
export const setGroupApplicationRead = (ctx: Viewer) =>
  answer(async () => {
    await ctx.store.groups.markApplicationsRead(ctx.viewer);
    return done();
  });

/** Tells the group's owner and admins (onReceiveJoinApplication) that `member` applied (or invited someone). */
async function received(ctx: Viewer, groupID: string, member: string, opReason: string | null) {
  const users = await ctx.store.groups.handlers(groupID);
  if (users.length > 0)
    await ctx.router.publish({ type: 'application', users, event: { kind: 'received', groupID, member, opReason } });
}

/** V2TIMGroupMemberInfo as these events carry it; a profile shows only where the viewer may see it. */
export interface V2TimGroupMemberInfo {
  userID: string;
  nickName: string | null;
  faceUrl: string | null;
}
export interface V2TimReceiveJoinApplication {
  groupID: string;
  member: V2TimGroupMemberInfo;
  opReason: string | null;
}
export interface V2TimApplicationProcessed {
  groupID: string;
  opUser: V2TimGroupMemberInfo;
  isAgreeJoin: boolean;
  opReason: string | null;
}

async function memberInfo(ctx: Viewer, userID: string, applicant: boolean): Promise<V2TimGroupMemberInfo> {
  // The applicant's profile goes with the application to the group's owner and admins (as fromUserNickName does);
  // the one who answered shows theirs only where the applicant may see it (a refused applicant shares nothing).
  const p = applicant
    ? (await ctx.store.users.profiles([userID])).get(userID)
    : (await ctx.store.users.visibleProfiles(ctx.viewer, [userID])).get(userID);
  return { userID, nickName: p?.nickName ?? null, faceUrl: p?.faceUrl ?? null };
}

async function* applicationEvents<T>(
  stream: Stream<Wake>,
  view: (event: GroupApplicationEvent) => Promise<T> | null,
): AsyncGenerator<T> {
  try {
    for await (const wake of stream) {
      if (wake.topic !== 'application') continue;
      const v = view(wake.event);
      if (v) yield await v;
    }
  } finally {
    await stream.return();
  }
}

/** V2TIMGroupListener.onReceiveJoinApplication: to the owner and admins of a group, when someone applies. */
export const onReceiveJoinApplication = (ctx: Viewer) =>
  live(ctx, 'application', (stream) =>
    applicationEvents<V2TimReceiveJoinApplication>(stream, (e) =>
      e.kind === 'received'
        ? memberInfo(ctx, e.member, true).then((member) => ({ groupID: e.groupID, member, opReason: e.opReason }))
        : null,
    ),
  );

/** V2TIMGroupListener.onApplicationProcessed: to the applicant, when an owner or admin answered. */
export const onApplicationProcessed = (ctx: Viewer) =>
  live(ctx, 'application', (stream) =>
    applicationEvents<V2TimApplicationProcessed>(stream, (e) =>
      e.kind === 'processed'
        ? memberInfo(ctx, e.opUser, false).then((opUser) => ({
            groupID: e.groupID,
            opUser,
            isAgreeJoin: e.isAgreeJoin,
            opReason: e.opReason,
          }))
        : null,
    ),
  );
