// Groups (im-semantics §3): the five types, roles, member caps and their codes. Membership changes are
// published at once so open subscriptions start or stop receiving the group's messages immediately.
import { randomBytes } from 'node:crypto';
import { Code } from '../codes';
import type { GroupRow, JoinOutcome } from '../db/store';
import type { Viewer } from './context';
import { AddOpt, addOptOf, approveOptOf, GroupType, isAddOpt, isGroupType, Role } from './group-type';
import { requestInvitations, requestJoin } from './group-application';
import { answer, done, ok, Refusal, type Callback } from './result';
import { GroupTipsType, publishTip, tipRequest } from './group-tips';
import { entriesOf, type V2TimCustomInfoEntry } from './custom-info';
import { checkCount, checkId, checkOffset, checkUnicode, checkUserID, checkUserList, utf8Bytes } from './validate';

export interface V2TimGroupInfo {
  groupID: string;
  groupType: string;
  groupName: string;
  owner: string;
  memberCount: number;
  role: number;
  notification?: string | null;
  introduction?: string | null;
  faceUrl?: string | null;
  isAllMuted?: boolean;
  /** V2TIMGroupAddOpt of joinGroup, and of inviteUserToGroup (approveOpt). */
  groupAddOpt?: number;
  approveOpt?: number;
  /** The group's custom fields: getGroupsInfo, for members only. */
  customInfo?: V2TimCustomInfoEntry[] | null;
}
export interface V2TimGroupMemberFullInfo {
  userID: string;
  role: number;
  nickName: string | null;
  faceUrl: string | null;
  nameCard?: string | null;
  joinTime: number;
  muteUntil: number;
  customInfo?: V2TimCustomInfoEntry[];
}
export interface V2TimGroupMemberInfoResult {
  nextSeq: string | null;
  memberInfoList: V2TimGroupMemberFullInfo[];
}

const MAX_GROUP_NAME_BYTES = 100;
const MAX_INVITE = 500;
const MAX_MEMBER_PAGE = 100;
const MAX_MUTE_SECONDS = 30 * 24 * 3600;

const checkGroupID = (groupID: string) => checkId(groupID, 'groupID', Code.INVALID_GROUP_ID, 48);

async function existingGroup(ctx: Viewer, groupID: string): Promise<GroupRow> {
  checkGroupID(groupID);
  const group = await ctx.store.groups.get(groupID);
  if (!group) throw new Refusal(Code.GROUP_NOT_FOUND, `groupID "${groupID}" does not exist.`);
  return group;
}

async function myRole(ctx: Viewer, groupID: string): Promise<number> {
  const me = await ctx.store.groups.member(groupID, ctx.viewer);
  if (!me) throw new Refusal(Code.NO_PERMISSION, `You are not a member of group "${groupID}".`);
  return me.role;
}

export const capOf = (group: GroupRow) => (isGroupType(group.groupType) ? GroupType[group.groupType].cap : 0);
/** A stored group's rules; a type this version does not know gets Public's. */
const rulesOf = (group: GroupRow) => (isGroupType(group.groupType) ? GroupType[group.groupType] : GroupType.Public);

export function joinRefusal(outcome: JoinOutcome, groupID: string, who: string): Refusal | null {
  switch (outcome) {
    case 'ok':
      return null;
    case 'missing':
      return new Refusal(Code.GROUP_NOT_FOUND, `groupID "${groupID}" does not exist.`);
    case 'already':
      return new Refusal(Code.ALREADY_MEMBER, `${who} already a member of group "${groupID}".`);
    case 'full':
      return new Refusal(Code.GROUP_FULL, `Group "${groupID}" is full.`);
  }
}

/**
 * Checks groupAddOpt / approveOpt (createGroup's addOpt, setGroupInfo's info.groupAddOpt) against the enum and the
 * group type: only a group whose type lets it choose (Public) takes an addOpt; an AVChatRoom takes no approveOpt.
 * `code`: 10004 for a bad value; a type that does not take it answers `typeCode`.
 */
export function checkAddOpts(
  type: string,
  opts: { addOpt?: number | null; approveOpt?: number | null },
  prefix: string,
  typeCode: typeof Code.GROUP_INVALID_PARAMETERS | typeof Code.NO_PERMISSION,
  addOptName = 'addOpt',
): { addOpt: number | null; approveOpt: number | null } {
  const rules = isGroupType(type) ? GroupType[type] : GroupType.Public;
  for (const [name, value] of [
    [addOptName, opts.addOpt],
    ['approveOpt', opts.approveOpt],
  ] as const) {
    if (value != null && !isAddOpt(value))
      throw new Refusal(
        Code.GROUP_INVALID_PARAMETERS,
        `${prefix}${name} is ${value}; it must be 0 (V2TIM_GROUP_ADD_FORBID), 1 (V2TIM_GROUP_ADD_AUTH) or 2 (V2TIM_GROUP_ADD_ANY).`,
      );
  }
  if (opts.addOpt != null && rules.addOpt !== 'set')
    throw new Refusal(
      typeCode,
      `${prefix}${addOptName}: ${type} groups have no choice of join option (${rules.addOpt === AddOpt.FORBID ? 'invite only' : 'anyone may joinGroup'}).`,
    );
  if (opts.approveOpt != null && type === 'AVChatRoom')
    throw new Refusal(typeCode, `${prefix}approveOpt: AVChatRoom groups take no invitations.`);
  return { addOpt: opts.addOpt ?? null, approveOpt: opts.approveOpt ?? null };
}

export const createGroup = (
  ctx: Viewer,
  args: {
    groupType: string;
    groupName: string;
    groupID?: string | null;
    memberList?: readonly { userID: string; role?: number | null }[] | null;
    addOpt?: number | null;
    approveOpt?: number | null;
  },
) =>
  answer(async () => {
    if (!isGroupType(args.groupType)) {
      throw new Refusal(
        Code.GROUP_INVALID_PARAMETERS,
        `groupType "${args.groupType}" is not one of Work, Public, Meeting, Community, AVChatRoom.`,
      );
    }
    const type = args.groupType;
    if (args.groupName.length === 0) throw new Refusal(Code.GROUP_INVALID_PARAMETERS, 'groupName is empty.');
    checkUnicode(args.groupName, 'groupName', Code.GROUP_INVALID_PARAMETERS);
    if (utf8Bytes(args.groupName) > MAX_GROUP_NAME_BYTES) {
      throw new Refusal(
        Code.GROUP_INVALID_PARAMETERS,
        `groupName is ${utf8Bytes(args.groupName)} bytes of UTF-8; at most ${MAX_GROUP_NAME_BYTES} are allowed.`,
      );
    }
    let groupID = args.groupID || null;
    if (groupID !== null) {
      checkGroupID(groupID);
      if (type === 'Community' ? !groupID.startsWith('@TGS#_') : groupID.startsWith('@TGS#')) {
        throw new Refusal(
          Code.INVALID_GROUP_ID,
          type === 'Community'
            ? `groupID "${groupID}" must start with "@TGS#_" for a Community group.`
            : `groupID "${groupID}" must not start with "@TGS#" (reserved for generated ids).`,
        );
      }
    }
    const rules = GroupType[type];
    const { addOpt, approveOpt } = checkAddOpts(type, args, '', Code.GROUP_INVALID_PARAMETERS);
    if (!rules.members && (args.memberList?.length ?? 0) > 0) {
      throw new Refusal(
        Code.GROUP_INVALID_PARAMETERS,
        `memberList must be empty for ${type} groups: members joinGroup themselves.`,
      );
    }
    const members = (args.memberList ?? []).map((m, i) => {
      checkUserID(m.userID, `memberList[${i}].userID`, Code.GROUP_INVALID_PARAMETERS);
      const role = m.role ?? Role.MEMBER;
      if (!rules.admins && role !== Role.MEMBER) {
        throw new Refusal(
          Code.GROUP_INVALID_PARAMETERS,
          `memberList[${i}].role must be 200 (member), got ${role}: ${type} groups have no admins.`,
        );
      }
      if (role !== Role.MEMBER && role !== Role.ADMIN) {
        throw new Refusal(
          Code.GROUP_INVALID_PARAMETERS,
          `memberList[${i}].role must be 200 (member) or 300 (admin), got ${role}.`,
        );
      }
      return { userID: m.userID, role };
    });
    const distinct = new Set([ctx.viewer, ...members.map((m) => m.userID)]);
    if (distinct.size > GroupType[type].cap)
      throw new Refusal(
        Code.GROUP_FULL,
        `memberList makes ${distinct.size} members; a ${type} group holds at most ${GroupType[type].cap}.`,
      );
    const now = ctx.now();
    for (let attempt = 0; attempt < 3; attempt++) {
      const id = groupID ?? `@TGS#${type === 'Community' ? '_' : ''}${randomBytes(9).toString('base64url')}`;
      const created = await ctx.store.groups.create(
        {
          groupId: id,
          groupType: type,
          groupName: args.groupName,
          owner: ctx.viewer,
          createdAt: now,
          addOpt,
          approveOpt,
        },
        members,
        now,
      );
      if (created) {
        await ctx.router.publish({ type: 'membership', groupId: id, joined: [...distinct], left: [] });
        return ok(id);
      }
      if (groupID !== null)
        throw new Refusal(Code.GROUP_ID_IN_USE, `groupID "${groupID}" is already used by another group.`);
    }
    throw new Error('could not generate a free groupID');
  });

export const joinGroup = (ctx: Viewer, args: { groupID: string; message?: string | null }): Promise<Callback> =>
  answer(async (): Promise<Callback> => {
    const group = await existingGroup(ctx, args.groupID);
    if (isGroupType(group.groupType) && !GroupType[group.groupType].join) {
      throw new Refusal(
        Code.NO_PERMISSION,
        `${group.groupType} groups are invite only; ask a member to inviteUserToGroup.`,
      );
    }
    // A Public group follows its groupAddOpt: approval files a group application (code 0, the join waits for an
    // owner or admin: acceptGroupApplication), forbid refuses.
    const addOpt = addOptOf(group);
    if (addOpt === AddOpt.FORBID)
      throw new Refusal(Code.NO_PERMISSION, `Group "${args.groupID}" takes no join requests (groupAddOpt FORBID).`);
    if (addOpt === AddOpt.AUTH) return requestJoin(ctx, group, args.message ?? null);
    const tipped = await ctx.store.tips.addMembers(
      args.groupID,
      [ctx.viewer],
      Role.MEMBER,
      capOf(group),
      tipRequest(ctx, group.groupType, GroupTipsType.JOIN),
    );
    const refusal = joinRefusal(tipped.result, args.groupID, 'You are');
    if (refusal) throw refusal;
    await membersJoined(ctx, args.groupID, [ctx.viewer]);
    await publishTip(ctx, tipped); // after the membership event: the joiner's open streams get it
    return done();
  });

/** After users became members (joinGroup, inviteUserToGroup, an accepted group application): open subscriptions
 *  start receiving the group's messages at once. */
export const membersJoined = (ctx: Viewer, groupID: string, users: string[]) =>
  ctx.router.publish({ type: 'membership', groupId: groupID, joined: users, left: [] });

export const quitGroup = (ctx: Viewer, args: { groupID: string }): Promise<Callback> =>
  answer(async (): Promise<Callback> => {
    const group = await existingGroup(ctx, args.groupID);
    // A Work group's owner may quit (the group goes on without an owner); in the other types the owner dismisses it.
    if ((await myRole(ctx, args.groupID)) === Role.OWNER && !rulesOf(group).ownerQuits) {
      throw new Refusal(
        Code.OWNER_CANNOT_QUIT,
        `You own ${group.groupType} group "${args.groupID}"; its owner cannot quit, dismissGroup instead.`,
      );
    }
    const tipped = await ctx.store.tips.removeMembers(
      args.groupID,
      [ctx.viewer],
      tipRequest(ctx, group.groupType, GroupTipsType.QUIT),
    );
    await publishTip(ctx, tipped); // before the membership event: the quitter gets his own quit
    await ctx.router.publish({ type: 'membership', groupId: args.groupID, joined: [], left: [ctx.viewer] });
    return done();
  });

export const dismissGroup = (ctx: Viewer, args: { groupID: string }): Promise<Callback> =>
  answer(async (): Promise<Callback> => {
    const group = await existingGroup(ctx, args.groupID);
    if (!rulesOf(group).dismiss) {
      throw new Refusal(
        Code.NO_PERMISSION,
        `${group.groupType} group "${args.groupID}" cannot be dismissed through the SDK API, not even by its owner (Tencent's REST API can).`,
      );
    }
    if ((await myRole(ctx, args.groupID)) !== Role.OWNER)
      throw new Refusal(Code.NO_PERMISSION, `Only the owner can dismiss group "${args.groupID}".`);
    const [{ members, blobs }, profiles] = await Promise.all([
      ctx.store.groups.dismiss(args.groupID),
      ctx.store.users.profiles([ctx.viewer]),
    ]);
    // The bytes of the media only its messages held, after the commit (a failure leaves bytes, never a dangling elem).
    await ctx.media.blobs.delete(blobs);
    // No tip (the group's history goes with it): onGroupDismissed to the members it had.
    const me = profiles.get(ctx.viewer);
    const opUser = { userID: ctx.viewer, nickName: me?.nickName ?? null, faceUrl: me?.faceUrl ?? null, nameCard: null };
    await ctx.router.publish({ type: 'groupDismissed', groupId: args.groupID, opUser, users: members });
    await ctx.router.publish({ type: 'membership', groupId: args.groupID, joined: [], left: members });
    return done();
  });

export const inviteUserToGroup = (
  ctx: Viewer,
  args: { groupID: string; userList: readonly string[] },
): Promise<Callback> =>
  answer(async (): Promise<Callback> => {
    const group = await existingGroup(ctx, args.groupID);
    const users = checkUserList(args.userList, 'userList', Code.GROUP_INVALID_PARAMETERS, MAX_INVITE);
    const role = await myRole(ctx, args.groupID);
    // Work groups: any member invites. Others: owner and admins. AVChatRoom: nobody (members join themselves).
    if (group.groupType === 'AVChatRoom')
      throw new Refusal(Code.NO_PERMISSION, 'AVChatRoom groups do not take invitations; users joinGroup.');
    if (group.groupType !== 'Work' && role < Role.ADMIN)
      throw new Refusal(Code.NO_PERMISSION, `Only the owner or an admin can invite to a ${group.groupType} group.`);
    // approveOpt: FORBID takes no invitations; AUTH makes a plain member's invitations wait for the owner or an
    // admin (an owner's or admin's own invitation is their approval).
    const approveOpt = approveOptOf(group);
    if (approveOpt === AddOpt.FORBID)
      throw new Refusal(Code.NO_PERMISSION, `Group "${args.groupID}" takes no invitations (approveOpt FORBID).`);
    if (approveOpt === AddOpt.AUTH && role < Role.ADMIN) return requestInvitations(ctx, group, users);
    const tipped = await ctx.store.tips.addMembers(
      args.groupID,
      users,
      Role.MEMBER,
      capOf(group),
      tipRequest(ctx, group.groupType, GroupTipsType.INVITE),
    );
    const refusal = joinRefusal(
      tipped.result,
      args.groupID,
      users.length === 1 ? `"${users[0]}" is` : 'Every user in userList is',
    );
    if (refusal) throw refusal;
    await membersJoined(ctx, args.groupID, users);
    await publishTip(ctx, tipped);
    return done();
  });

export const kickGroupMember = (
  ctx: Viewer,
  args: { groupID: string; memberList: readonly string[]; reason?: string | null },
): Promise<Callback> =>
  answer(async (): Promise<Callback> => {
    const group = await existingGroup(ctx, args.groupID);
    const users = checkUserList(args.memberList, 'memberList', Code.GROUP_INVALID_PARAMETERS, MAX_INVITE);
    const { kick } = rulesOf(group);
    if (kick === 'none')
      throw new Refusal(Code.NO_PERMISSION, `${group.groupType} groups do not support kicking members.`);
    const role = await myRole(ctx, args.groupID);
    if (kick === 'owner' && role < Role.OWNER)
      throw new Refusal(Code.NO_PERMISSION, `Only the owner can kick members of a ${group.groupType} group.`);
    if (role < Role.ADMIN) throw new Refusal(Code.NO_PERMISSION, 'Only the owner or an admin can kick members.');
    for (const u of users) {
      const target = await ctx.store.groups.member(args.groupID, u);
      if (target && target.role >= role)
        throw new Refusal(Code.NO_PERMISSION, `You cannot kick "${u}": their role is not below yours.`);
    }
    const tipped = await ctx.store.tips.removeMembers(
      args.groupID,
      users,
      tipRequest(ctx, group.groupType, GroupTipsType.KICKED),
    );
    const removed = tipped.result;
    if (removed.length === 0)
      throw new Refusal(
        Code.GROUP_INVALID_PARAMETERS,
        `memberList: none of them is a member of group "${args.groupID}".`,
      );
    await publishTip(ctx, tipped); // before the membership event: the kicked get their own kick
    await ctx.router.publish({ type: 'membership', groupId: args.groupID, joined: [], left: removed });
    return done();
  });

export const muteGroupMember = (
  ctx: Viewer,
  args: { groupID: string; userID: string; seconds: number },
): Promise<Callback> =>
  answer(async (): Promise<Callback> => {
    const group = await existingGroup(ctx, args.groupID);
    if (!rulesOf(group).mute)
      throw new Refusal(Code.NO_PERMISSION, `${group.groupType} groups do not support muting members.`);
    checkUserID(args.userID, 'userID', Code.GROUP_INVALID_PARAMETERS);
    if (!Number.isInteger(args.seconds) || args.seconds < 0 || args.seconds > MAX_MUTE_SECONDS) {
      throw new Refusal(
        Code.GROUP_INVALID_PARAMETERS,
        `seconds must be from 0 (unmute) to ${MAX_MUTE_SECONDS}, got ${args.seconds}.`,
      );
    }
    const role = await myRole(ctx, args.groupID);
    if (role < Role.ADMIN) throw new Refusal(Code.NO_PERMISSION, 'Only the owner or an admin can mute members.');
    const target = await ctx.store.groups.member(args.groupID, args.userID);
    if (!target)
      throw new Refusal(
        Code.GROUP_INVALID_PARAMETERS,
        `userID "${args.userID}" is not a member of group "${args.groupID}".`,
      );
    if (target.role >= role)
      throw new Refusal(Code.NO_PERMISSION, `You cannot mute "${args.userID}": their role is not below yours.`);
    const tipped = await ctx.store.tips.mute(
      args.groupID,
      args.userID,
      args.seconds === 0 ? 0 : ctx.now() + args.seconds,
      tipRequest(ctx, group.groupType, GroupTipsType.MEMBER_INFO_CHANGE, {
        memberChangeInfoList: [{ userID: args.userID, muteTime: args.seconds }],
      }),
    );
    await publishTip(ctx, tipped);
    return done();
  });

export const getJoinedGroupList = (ctx: Viewer) =>
  answer(async () => {
    const joined = await ctx.store.groups.joined(ctx.viewer);
    const profiles = await ctx.store.groups.profiles(
      joined.map((j) => j.group.groupId),
      ctx.viewer,
    );
    return ok<V2TimGroupInfo[]>(
      joined.map(({ group, role, memberCount }) => {
        const p = profiles.get(group.groupId);
        return {
          groupID: group.groupId,
          groupType: group.groupType,
          groupName: p?.groupName ?? group.groupName,
          owner: group.owner,
          memberCount,
          role,
          notification: p?.notification ?? null,
          introduction: p?.introduction ?? null,
          faceUrl: p?.faceUrl ?? null,
          isAllMuted: p?.isAllMuted ?? false,
          groupAddOpt: addOptOf(group),
          approveOpt: approveOptOf(group),
        };
      }),
    );
  });

export const getGroupMemberList = (
  ctx: Viewer,
  args: { groupID: string; count?: number | null; nextSeq?: string | null },
) =>
  answer(async () => {
    await existingGroup(ctx, args.groupID);
    const count = checkCount(args.count, 'count', Code.GROUP_INVALID_PARAMETERS, MAX_MEMBER_PAGE, MAX_MEMBER_PAGE);
    const offset = checkOffset(args.nextSeq, 'nextSeq', Code.GROUP_INVALID_PARAMETERS);
    await myRole(ctx, args.groupID);
    const rows = await ctx.store.groups.members(args.groupID, offset, count + 1);
    const page = rows.slice(0, count);
    const [profiles, cards] = await Promise.all([
      ctx.store.users.profiles(page.map((m) => m.userId)),
      ctx.store.groups.memberCards(
        args.groupID,
        page.map((m) => m.userId),
      ),
    ]);
    return ok<V2TimGroupMemberInfoResult>({
      nextSeq: rows.length > count ? String(offset + count) : null,
      memberInfoList: page.map((m) => ({
        userID: m.userId,
        role: m.role,
        nickName: profiles.get(m.userId)?.nickName ?? null,
        faceUrl: profiles.get(m.userId)?.faceUrl ?? null,
        nameCard: cards.get(m.userId)?.nameCard ?? null,
        joinTime: m.joinTime,
        muteUntil: m.muteUntil,
        customInfo: entriesOf(cards.get(m.userId)?.customInfo),
      })),
    });
  });
