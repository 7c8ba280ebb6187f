// Group profiles (V2TIMGroupManager.getGroupsInfo / setGroupInfo): groupName, notification, introduction, faceUrl.
// Who may change them follows the group type (GroupType.profile): any member of a Work group, the owner and admins
// elsewhere. A member reads the whole profile; a non-member reads a non-Work group's profile (Tencent lets anyone
// find those) with role 0, and a Work group (private) answers 10007 for it, as an unknown one answers 10010.
import { Code } from '../codes';
import type { GroupProfile, InfoOutcome } from '../db/store';
import type { Viewer } from './context';
import { addOptOf, approveOptOf, GroupType, isGroupType, Role } from './group-type';
import { answer, done, ok, Refusal, type Callback } from './result';
import { checkId, checkUnicode, checkUserID, checkUserList, utf8Bytes } from './validate';
import { checkAddOpts, type V2TimGroupInfo, type V2TimGroupMemberFullInfo } from './group';
import { changeInfo, GroupInfoChangeType, GroupTipsType, publishTip, tipRequest } from './group-tips';
import {
  customInfoOf,
  CustomInfoLimit,
  entriesOf,
  tooManyKeys,
  type CustomInfoLimits,
  type V2TimCustomInfoEntry,
} from './custom-info';

export interface V2TimGroupInfoResult {
  resultCode: number;
  resultMessage: string;
  groupInfo: V2TimGroupInfo | null;
}

// Tencent's limits: notification 300 bytes, introduction 240, faceUrl 100; groupName as createGroup takes it.
const LIMITS = { groupName: 100, notification: 300, introduction: 240, faceUrl: 100 } as const;
const MAX_GROUPS = 50;
const GROUP_CUSTOM: CustomInfoLimits = {
  ...CustomInfoLimit.group,
  field: 'info.customInfo',
  code: Code.GROUP_INVALID_PARAMETERS,
};
const MEMBER_CUSTOM: CustomInfoLimits = { ...GROUP_CUSTOM, ...CustomInfoLimit.member };

const rulesOf = (groupType: string) => (isGroupType(groupType) ? GroupType[groupType] : GroupType.Public);

export const getGroupsInfo = (ctx: Viewer, args: { groupIDList: readonly string[] }) =>
  answer(async () => {
    const ids = [...new Set(args.groupIDList)];
    if (ids.length === 0) throw new Refusal(Code.GROUP_INVALID_PARAMETERS, 'groupIDList is empty.');
    if (ids.length > MAX_GROUPS)
      throw new Refusal(
        Code.GROUP_INVALID_PARAMETERS,
        `groupIDList has ${ids.length} distinct groupIDs; at most ${MAX_GROUPS} are allowed.`,
      );
    args.groupIDList.forEach((g, i) => checkId(g, `groupIDList[${i}]`, Code.INVALID_GROUP_ID, 48));
    const profiles = await ctx.store.groups.profiles(ids, ctx.viewer);
    return ok<V2TimGroupInfoResult[]>(
      ids.map((groupID) => {
        const profile = profiles.get(groupID);
        if (!profile)
          return {
            resultCode: Code.GROUP_NOT_FOUND,
            resultMessage: `groupID "${groupID}" does not exist.`,
            groupInfo: null,
          };
        const { role } = profile;
        if (role === 0 && profile.groupType === 'Work')
          return {
            resultCode: Code.NO_PERMISSION,
            resultMessage: `You are not a member of Work group "${groupID}".`,
            groupInfo: null,
          };
        return {
          resultCode: 0,
          resultMessage: 'ok',
          groupInfo: {
            groupID,
            groupType: profile.groupType,
            groupName: profile.groupName,
            owner: profile.owner,
            memberCount: profile.memberCount,
            role,
            notification: profile.notification,
            introduction: profile.introduction,
            faceUrl: profile.faceUrl,
            isAllMuted: profile.isAllMuted,
            groupAddOpt: addOptOf(profile),
            approveOpt: approveOptOf(profile),
            // Custom fields are the members' (a non-member reading a Public group's profile sees none).
            customInfo: role === 0 ? null : entriesOf(profile.customInfo),
          },
        };
      }),
    );
  });

export interface GroupInfoInput {
  groupID: string;
  groupName?: string | null;
  notification?: string | null;
  introduction?: string | null;
  faceUrl?: string | null;
  isAllMuted?: boolean | null;
  groupAddOpt?: number | null;
  approveOpt?: number | null;
  customInfo?: readonly V2TimCustomInfoEntry[] | null;
}

/** Changes the fields given (left out or null: unchanged; "" clears, except groupName, which cannot be empty). */
export const setGroupInfo = (ctx: Viewer, args: { info: GroupInfoInput }): Promise<Callback> =>
  answer(async (): Promise<Callback> => {
    const { groupID, isAllMuted, groupAddOpt, approveOpt, customInfo, ...fields } = args.info;
    checkId(groupID, 'info.groupID', Code.INVALID_GROUP_ID, 48);
    const change: Partial<GroupProfile> = {};
    for (const field of Object.keys(LIMITS) as (keyof typeof LIMITS)[]) {
      const value = fields[field];
      if (value == null) continue;
      checkUnicode(value, `info.${field}`, Code.GROUP_INVALID_PARAMETERS);
      if (utf8Bytes(value) > LIMITS[field]) {
        throw new Refusal(
          Code.GROUP_INVALID_PARAMETERS,
          `info.${field} is ${utf8Bytes(value)} bytes of UTF-8; at most ${LIMITS[field]} are allowed.`,
        );
      }
      change[field] = value;
    }
    if (change.groupName === '') throw new Refusal(Code.GROUP_INVALID_PARAMETERS, 'info.groupName is empty.');
    if (isAllMuted != null) change.isAllMuted = isAllMuted;
    if (customInfo != null && customInfo.length > 0) change.customInfo = customInfoOf(customInfo, GROUP_CUSTOM);
    const group = await ctx.store.groups.get(groupID);
    if (!group) throw new Refusal(Code.GROUP_NOT_FOUND, `groupID "${groupID}" does not exist.`);
    const me = await ctx.store.groups.member(groupID, ctx.viewer);
    if (!me) throw new Refusal(Code.NO_PERMISSION, `You are not a member of group "${groupID}".`);
    if (rulesOf(group.groupType).profile === 'admin' && me.role < Role.ADMIN) {
      throw new Refusal(
        Code.NO_PERMISSION,
        `Only the owner and admins can change the profile of ${group.groupType} group "${groupID}".`,
      );
    }
    // Mute-all: the owner and admins, in the types where muting exists at all (not Work).
    if (change.isAllMuted !== undefined && !rulesOf(group.groupType).mute)
      throw new Refusal(Code.NO_PERMISSION, `${group.groupType} groups cannot be muted.`);
    if (change.isAllMuted !== undefined && me.role < Role.ADMIN)
      throw new Refusal(Code.NO_PERMISSION, `Only the owner and admins can mute group "${groupID}".`);
    // The join options: the owner and admins (a Work group's owner), where the group type lets the group choose.
    if (groupAddOpt != null || approveOpt != null) {
      if (me.role < Role.ADMIN)
        throw new Refusal(
          Code.NO_PERMISSION,
          `Only the owner and admins can set the join options of group "${groupID}".`,
        );
      const opts = checkAddOpts(
        group.groupType,
        { addOpt: groupAddOpt, approveOpt },
        'info.',
        Code.NO_PERMISSION,
        'groupAddOpt',
      );
      if (opts.addOpt !== null) change.addOpt = opts.addOpt;
      if (opts.approveOpt !== null) change.approveOpt = opts.approveOpt;
    }
    // One GROUP_INFO_CHANGE tip listing the fields given (V2TIMGroupInfoChangeType), in the change's transaction.
    const infos = [
      ...(['groupName', 'introduction', 'notification', 'faceUrl'] as const)
        .filter((f) => change[f] !== undefined)
        .map((f) => changeInfo(CHANGE_TYPE[f], { value: change[f] })),
      ...(change.isAllMuted !== undefined
        ? [changeInfo(GroupInfoChangeType.SHUT_UP_ALL, { boolValue: change.isAllMuted })]
        : []),
      ...Object.entries(change.customInfo ?? {}).map(([key, value]) =>
        changeInfo(GroupInfoChangeType.CUSTOM, { key, value }),
      ),
    ];
    const checkOutcome = (set: InfoOutcome) => {
      if (set.outcome === 'too-many-keys') throw tooManyKeys(set, GROUP_CUSTOM);
      if (set.outcome === 'missing') throw new Refusal(Code.GROUP_NOT_FOUND, `groupID "${groupID}" does not exist.`);
    };
    if (infos.length === 0) {
      // Only the join options (no tip: Tencent's V2TIMGroupInfoChangeType has none for them), or nothing at all.
      if (change.addOpt !== undefined || change.approveOpt !== undefined)
        checkOutcome(await ctx.store.groups.setProfile(groupID, change, GROUP_CUSTOM.maxKeys));
      return done();
    }
    const tipped = await ctx.store.tips.setProfile(
      groupID,
      change,
      GROUP_CUSTOM.maxKeys,
      tipRequest(ctx, group.groupType, GroupTipsType.GROUP_INFO_CHANGE, { groupChangeInfoList: infos }),
    );
    checkOutcome(tipped.result);
    await publishTip(ctx, tipped);
    return done();
  });

const CHANGE_TYPE = {
  groupName: GroupInfoChangeType.NAME,
  introduction: GroupInfoChangeType.INTRODUCTION,
  notification: GroupInfoChangeType.NOTIFICATION,
  faceUrl: GroupInfoChangeType.FACE,
} as const;

/** V2TIMGroupMemberRole values setGroupMemberRole takes. */
const SETTABLE_ROLES: readonly number[] = [Role.MEMBER, Role.ADMIN];

/** The owner makes a member an admin (300) or an admin a member (200); groups without admins (Work) refuse. */
export const setGroupMemberRole = (
  ctx: Viewer,
  args: { groupID: string; userID: string; role: number },
): Promise<Callback> =>
  answer(async (): Promise<Callback> => {
    checkId(args.groupID, 'groupID', Code.INVALID_GROUP_ID, 48);
    checkUserID(args.userID, 'userID', Code.GROUP_INVALID_PARAMETERS);
    if (!SETTABLE_ROLES.includes(args.role))
      throw new Refusal(Code.GROUP_INVALID_PARAMETERS, `role is ${args.role}; it must be 200 (member) or 300 (admin).`);
    const group = await ctx.store.groups.get(args.groupID);
    if (!group) throw new Refusal(Code.GROUP_NOT_FOUND, `groupID "${args.groupID}" does not exist.`);
    if (!rulesOf(group.groupType).admins)
      throw new Refusal(Code.NO_PERMISSION, `${group.groupType} groups have no admins.`);
    const me = await ctx.store.groups.member(args.groupID, ctx.viewer);
    if (me?.role !== Role.OWNER)
      throw new Refusal(Code.NO_PERMISSION, `Only the owner of group "${args.groupID}" can set roles.`);
    if (args.userID === ctx.viewer)
      throw new Refusal(
        Code.GROUP_INVALID_PARAMETERS,
        'userID is you, the owner; transferGroupOwner hands the group over.',
      );
    const tipped = await ctx.store.tips.setRole(
      args.groupID,
      args.userID,
      args.role,
      tipRequest(ctx, group.groupType, args.role === Role.ADMIN ? GroupTipsType.SET_ADMIN : GroupTipsType.CANCEL_ADMIN),
    );
    if (!tipped.result) {
      throw new Refusal(
        Code.GROUP_INVALID_PARAMETERS,
        `userID "${args.userID}" is not a member of group "${args.groupID}".`,
      );
    }
    await publishTip(ctx, tipped);
    return done();
  });

/** The owner hands the group to a member and becomes a member (AVChatRoom groups cannot be handed over). */
export const transferGroupOwner = (ctx: Viewer, args: { groupID: string; userID: string }): Promise<Callback> =>
  answer(async (): Promise<Callback> => {
    checkId(args.groupID, 'groupID', Code.INVALID_GROUP_ID, 48);
    checkUserID(args.userID, 'userID', Code.GROUP_INVALID_PARAMETERS);
    const group = await ctx.store.groups.get(args.groupID);
    if (!group) throw new Refusal(Code.GROUP_NOT_FOUND, `groupID "${args.groupID}" does not exist.`);
    if (group.groupType === 'AVChatRoom')
      throw new Refusal(Code.NO_PERMISSION, 'AVChatRoom groups cannot change owner.');
    const me = await ctx.store.groups.member(args.groupID, ctx.viewer);
    if (me?.role !== Role.OWNER)
      throw new Refusal(Code.NO_PERMISSION, `Only the owner of group "${args.groupID}" can transfer it.`);
    if (args.userID === ctx.viewer)
      throw new Refusal(Code.GROUP_INVALID_PARAMETERS, 'userID is you; name the member who becomes the owner.');
    const tipped = await ctx.store.tips.transferOwner(
      args.groupID,
      ctx.viewer,
      args.userID,
      tipRequest(ctx, group.groupType, GroupTipsType.GROUP_INFO_CHANGE, {
        groupChangeInfoList: [changeInfo(GroupInfoChangeType.OWNER, { value: args.userID })],
      }),
    );
    if (!tipped.result) {
      throw new Refusal(
        Code.GROUP_INVALID_PARAMETERS,
        `userID "${args.userID}" is not a member of group "${args.groupID}".`,
      );
    }
    await publishTip(ctx, tipped);
    return done();
  });

const MAX_NAME_CARD_BYTES = 50; // Tencent: a name card is at most 50 bytes
const MAX_MEMBERS_INFO = 50;

/** Members' full info (nickName, faceUrl from their profiles; nameCard in this group) for a member of the group. */
export const getGroupMembersInfo = (ctx: Viewer, args: { groupID: string; memberList: readonly string[] }) =>
  answer(async () => {
    checkId(args.groupID, 'groupID', Code.INVALID_GROUP_ID, 48);
    const users = checkUserList(args.memberList, 'memberList', Code.GROUP_INVALID_PARAMETERS, MAX_MEMBERS_INFO);
    const group = await ctx.store.groups.get(args.groupID);
    if (!group) throw new Refusal(Code.GROUP_NOT_FOUND, `groupID "${args.groupID}" does not exist.`);
    const [cards, profiles] = await Promise.all([
      ctx.store.groups.memberCards(args.groupID, [ctx.viewer, ...users]),
      ctx.store.users.profiles(users),
    ]);
    if (!cards.has(ctx.viewer))
      throw new Refusal(Code.NO_PERMISSION, `You are not a member of group "${args.groupID}".`);
    // Users who are not members are left out, as the SDK does.
    return ok<V2TimGroupMemberFullInfo[]>(
      users.flatMap((u) => {
        const m = cards.get(u);
        return m
          ? [
              {
                userID: u,
                role: m.role,
                nickName: profiles.get(u)?.nickName ?? null,
                faceUrl: profiles.get(u)?.faceUrl ?? null,
                nameCard: m.nameCard,
                joinTime: m.joinTime,
                muteUntil: m.muteUntil,
                customInfo: entriesOf(m.customInfo),
              },
            ]
          : [];
      }),
    );
  });

export interface GroupMemberInfoInput {
  userID: string;
  nameCard?: string | null;
  customInfo?: readonly V2TimCustomInfoEntry[] | null;
}

/**
 * A member sets their own name card and custom fields; the owner and admins set anyone's below their own role. The
 * change goes out as a MEMBER_INFO_CHANGE tip (onMemberInfoChanged) naming the member, with what changed.
 */
export const setGroupMemberInfo = (
  ctx: Viewer,
  args: { groupID: string; info: GroupMemberInfoInput },
): Promise<Callback> =>
  answer(async (): Promise<Callback> => {
    checkId(args.groupID, 'groupID', Code.INVALID_GROUP_ID, 48);
    const target = checkUserID(args.info.userID, 'info.userID', Code.GROUP_INVALID_PARAMETERS);
    const nameCard = args.info.nameCard;
    const customInfo =
      args.info.customInfo != null && args.info.customInfo.length > 0
        ? customInfoOf(args.info.customInfo, MEMBER_CUSTOM)
        : undefined;
    if (nameCard == null && !customInfo) return done(); // nothing to change
    if (nameCard != null) {
      checkUnicode(nameCard, 'info.nameCard', Code.GROUP_INVALID_PARAMETERS);
      if (utf8Bytes(nameCard) > MAX_NAME_CARD_BYTES) {
        throw new Refusal(
          Code.GROUP_INVALID_PARAMETERS,
          `info.nameCard is ${utf8Bytes(nameCard)} bytes of UTF-8; at most ${MAX_NAME_CARD_BYTES} are allowed.`,
        );
      }
    }
    const group = await ctx.store.groups.get(args.groupID);
    if (!group) throw new Refusal(Code.GROUP_NOT_FOUND, `groupID "${args.groupID}" does not exist.`);
    const cards = await ctx.store.groups.memberCards(args.groupID, [ctx.viewer, target]);
    const me = cards.get(ctx.viewer);
    if (!me) throw new Refusal(Code.NO_PERMISSION, `You are not a member of group "${args.groupID}".`);
    const them = cards.get(target);
    const notMember = () =>
      new Refusal(Code.GROUP_INVALID_PARAMETERS, `info.userID "${target}" is not a member of group "${args.groupID}".`);
    if (!them) throw notMember();
    if (target !== ctx.viewer && (me.role < Role.ADMIN || them.role >= me.role)) {
      throw new Refusal(
        Code.NO_PERMISSION,
        `You can set your own name card and custom fields; only the owner and admins set others' (below their own role).`,
      );
    }
    const now = ctx.now();
    const tipped = await ctx.store.tips.setMemberInfo(
      args.groupID,
      target,
      { ...(nameCard != null && { nameCard }), ...(customInfo && { customInfo }) },
      MEMBER_CUSTOM.maxKeys,
      tipRequest(ctx, group.groupType, GroupTipsType.MEMBER_INFO_CHANGE, {
        memberChangeInfoList: [
          {
            userID: target,
            muteTime: them.muteUntil > now ? them.muteUntil - now : 0,
            ...(nameCard != null && { nameCard }),
            ...(customInfo && { customInfo: entriesOf(customInfo) }),
          },
        ],
      }),
    );
    if (tipped.result.outcome === 'too-many-keys') throw tooManyKeys(tipped.result, MEMBER_CUSTOM);
    if (tipped.result.outcome === 'missing') throw notMember();
    await publishTip(ctx, tipped);
    return done();
  });
