// Groups: the five types, roles 200/300/400, and their operations.
import * as group from '../resolvers/group';
import * as groupProfile from '../resolvers/group-profile';
import { Role } from '../resolvers/group-type';
import type {
  V2TimGroupInfo as GroupInfo,
  V2TimGroupMemberFullInfo as MemberInfo,
  V2TimGroupMemberInfoResult as MemberInfoResult,
} from '../resolvers/group';
import { builder } from './builder';
import { StringValueCallback, V2TimCallback, valueCallback } from './callback';
import { signedIn } from './context';
import { Timestamp } from './timestamp';
import { GroupAddOpt } from './group-application';
import { V2TimCustomInfoEntry, V2TimCustomInfoInput } from './user';

// Output enums named after the SDK's constants. Arguments keep their contract types (groupType: String, role: Int).
const GroupType = builder.enumType('GroupType', {
  description:
    "The SDK's group types (V2TIMManager GROUP_TYPE_*); createGroup takes their string values: Work, Public, Meeting, Community, AVChatRoom.",
  values: {
    GROUP_TYPE_WORK: { value: 'Work' },
    GROUP_TYPE_PUBLIC: { value: 'Public' },
    GROUP_TYPE_MEETING: { value: 'Meeting' },
    GROUP_TYPE_COMMUNITY: { value: 'Community' },
    GROUP_TYPE_AVCHATROOM: { value: 'AVChatRoom' },
  } as const,
});

const GroupMemberRole = builder.enumType('GroupMemberRole', {
  description:
    'V2TIMGroupMemberRole: UNDEFINED 0, MEMBER 200, ADMIN 300, OWNER 400 (the native SDKs call the owner SUPER).',
  values: {
    V2TIM_GROUP_MEMBER_UNDEFINED: { value: 0, description: 'Not a member (getGroupsInfo of a group you are not in).' },
    V2TIM_GROUP_MEMBER_ROLE_MEMBER: { value: Role.MEMBER },
    V2TIM_GROUP_MEMBER_ROLE_ADMIN: { value: Role.ADMIN },
    V2TIM_GROUP_MEMBER_ROLE_OWNER: { value: Role.OWNER },
  } as const,
});

const V2TimGroupInfo = builder.objectRef<GroupInfo>('V2TimGroupInfo').implement({
  fields: (t) => ({
    groupID: t.exposeID('groupID'),
    groupType: t.field({ type: GroupType, resolve: (g) => g.groupType as never }),
    groupName: t.exposeString('groupName'),
    owner: t.exposeID('owner', { description: 'The userID of the owner.' }),
    memberCount: t.exposeInt('memberCount'),
    role: t.field({
      type: GroupMemberRole,
      description: 'Your role in the group (UNDEFINED: not a member).',
      resolve: (g) => g.role as never,
    }),
    notification: t.exposeString('notification', { nullable: true }),
    introduction: t.exposeString('introduction', { nullable: true }),
    faceUrl: t.exposeString('faceUrl', { nullable: true }),
    isAllMuted: t.exposeBoolean('isAllMuted', {
      nullable: true,
      description: 'Mute-all: only the owner and admins may send (others get 10017).',
    }),
    groupAddOpt: t.field({
      type: GroupAddOpt,
      nullable: true,
      description: 'How joinGroup works: a Public group chooses (default AUTH); Work FORBID; the others ANY.',
      resolve: (g) => g.groupAddOpt as never,
    }),
    approveOpt: t.field({
      type: GroupAddOpt,
      nullable: true,
      description: "How inviteUserToGroup works (default ANY; AUTH: a plain member's invitations wait for approval).",
      resolve: (g) => g.approveOpt as never,
    }),
    customInfo: t.field({
      type: [V2TimCustomInfoEntry],
      nullable: true,
      description:
        "The group's custom fields (setGroupInfo): getGroupsInfo, for members (null for a non-member and in getJoinedGroupList).",
      resolve: (g) => g.customInfo ?? null,
    }),
  }),
});

const V2TimGroupMemberFullInfo = builder.objectRef<MemberInfo>('V2TimGroupMemberFullInfo').implement({
  fields: (t) => ({
    userID: t.exposeID('userID'),
    role: t.field({ type: GroupMemberRole, resolve: (m) => m.role as never }),
    nickName: t.exposeString('nickName', { nullable: true }),
    faceUrl: t.exposeString('faceUrl', { nullable: true }),
    nameCard: t.exposeString('nameCard', {
      nullable: true,
      description: "The member's name in this group (setGroupMemberInfo).",
    }),
    joinTime: t.expose('joinTime', { type: Timestamp }),
    muteUntil: t.expose('muteUntil', { type: Timestamp, description: '0 when not muted.' }),
    customInfo: t.field({
      type: [V2TimCustomInfoEntry],
      description: "The member's custom fields in this group (setGroupMemberInfo).",
      resolve: (m) => m.customInfo ?? [],
    }),
  }),
});

const V2TimGroupMemberInfoResult = builder.objectRef<MemberInfoResult>('V2TimGroupMemberInfoResult').implement({
  fields: (t) => ({
    nextSeq: t.exposeString('nextSeq', { nullable: true }),
    memberInfoList: t.expose('memberInfoList', { type: [V2TimGroupMemberFullInfo] }),
  }),
});

const V2TimGroupMemberInput = builder.inputType('V2TimGroupMemberInput', {
  fields: (t) => ({
    userID: t.string({ required: true }),
    role: t.int({ description: '200 member (default) or 300 admin.' }),
  }),
});

builder.mutationField('createGroup', (t) =>
  t.field({
    type: StringValueCallback,
    description: 'groupType: Work, Public, Meeting, Community or AVChatRoom. data is the groupID.',
    args: {
      groupType: t.arg.string({ required: true }),
      groupName: t.arg.string({ required: true }),
      groupID: t.arg.string(),
      memberList: t.arg({ type: [V2TimGroupMemberInput] }),
      addOpt: t.arg.int({
        description: 'V2TIMGroupAddOpt for joinGroup, Public groups only: 0 forbid, 1 approval (default), 2 anyone.',
      }),
      approveOpt: t.arg.int({ description: 'V2TIMGroupAddOpt for inviteUserToGroup: 0, 1 or 2 (default).' }),
    },
    resolve: (_, args, ctx) => group.createGroup(signedIn(ctx), args),
  }),
);

builder.mutationField('joinGroup', (t) =>
  t.field({
    type: V2TimCallback,
    description:
      'Public groups follow groupAddOpt: ANY joins, AUTH files a group application (code 0; an owner or admin accepts it), FORBID is 10007. Work: invite only (10007). Others: joins.',
    args: { groupID: t.arg.string({ required: true }), message: t.arg.string() },
    resolve: (_, args, ctx) => group.joinGroup(signedIn(ctx), args),
  }),
);

builder.mutationField('quitGroup', (t) =>
  t.field({
    type: V2TimCallback,
    description: 'Leaves a group (its owner cannot: 10009); you see your own quit and nothing after.',
    args: { groupID: t.arg.string({ required: true }) },
    resolve: (_, args, ctx) => group.quitGroup(signedIn(ctx), args),
  }),
);

builder.mutationField('dismissGroup', (t) =>
  t.field({
    type: V2TimCallback,
    description:
      "Dismisses a group: its owner only, and not a Work group (10007: only Tencent's REST API can); its members get onGroupDismissed, and its history goes with it.",
    args: { groupID: t.arg.string({ required: true }) },
    resolve: (_, args, ctx) => group.dismissGroup(signedIn(ctx), args),
  }),
);

builder.mutationField('inviteUserToGroup', (t) =>
  t.field({
    type: V2TimCallback,
    description:
      'Adds users to a group as its type allows (Work: any member; others: the owner or an admin; AVChatRoom: none).',
    args: { groupID: t.arg.string({ required: true }), userList: t.arg.stringList({ required: true }) },
    resolve: (_, args, ctx) => group.inviteUserToGroup(signedIn(ctx), args),
  }),
);

builder.mutationField('kickGroupMember', (t) =>
  t.field({
    type: V2TimCallback,
    description:
      'Removes members whose role is below yours (10007 otherwise); each sees his own kick and nothing after.',
    args: {
      groupID: t.arg.string({ required: true }),
      memberList: t.arg.stringList({ required: true }),
      reason: t.arg.string(),
    },
    resolve: (_, args, ctx) => group.kickGroupMember(signedIn(ctx), args),
  }),
);

builder.mutationField('muteGroupMember', (t) =>
  t.field({
    type: V2TimCallback,
    description: 'seconds: 0 unmutes.',
    args: {
      groupID: t.arg.string({ required: true }),
      userID: t.arg.string({ required: true }),
      seconds: t.arg.int({ required: true }),
    },
    resolve: (_, args, ctx) => group.muteGroupMember(signedIn(ctx), args),
  }),
);

builder.queryField('getJoinedGroupList', (t) =>
  t.field({
    type: valueCallback<GroupInfo[]>('GroupInfoListValueCallback', [V2TimGroupInfo]),
    description: 'The groups you are a member of.',
    resolve: (_, __, ctx) => group.getJoinedGroupList(signedIn(ctx)),
  }),
);

builder.queryField('getGroupMemberList', (t) =>
  t.field({
    type: valueCallback<MemberInfoResult>('GroupMemberListValueCallback', V2TimGroupMemberInfoResult),
    description: 'count: 1–100 (default 100); pass nextSeq back for the next page.',
    args: { groupID: t.arg.string({ required: true }), count: t.arg.int(), nextSeq: t.arg.string() },
    resolve: (_, args, ctx) => group.getGroupMemberList(signedIn(ctx), args),
  }),
);

const V2TimGroupInfoResult = builder.objectRef<groupProfile.V2TimGroupInfoResult>('V2TimGroupInfoResult').implement({
  fields: (t) => ({
    resultCode: t.exposeInt('resultCode', {
      description: '0, or 10010 (no such group), 10007 (a Work group you are not in).',
    }),
    resultMessage: t.exposeString('resultMessage'),
    groupInfo: t.expose('groupInfo', { type: V2TimGroupInfo, nullable: true }),
  }),
});

const V2TimGroupInfoInput = builder.inputType('V2TimGroupInfoInput', {
  description: 'The group and the profile fields to change; a field left out keeps its value.',
  fields: (t) => ({
    groupID: t.string({ required: true }),
    groupName: t.string({ description: 'At most 100 bytes; not empty.' }),
    notification: t.string({ description: 'At most 300 bytes.' }),
    introduction: t.string({ description: 'At most 240 bytes.' }),
    faceUrl: t.string({ description: 'At most 100 bytes.' }),
    isAllMuted: t.boolean({ description: 'Mute-all, by the owner or an admin; not in Work groups (10007).' }),
    groupAddOpt: t.int({
      description: 'V2TIMGroupAddOpt 0/1/2 for joinGroup, by the owner or an admin; Public groups only (10007).',
    }),
    approveOpt: t.int({ description: 'V2TIMGroupAddOpt 0/1/2 for inviteUserToGroup, by the owner or an admin.' }),
    customInfo: t.field({
      type: [V2TimCustomInfoInput],
      description:
        'Custom fields merged key by key into the stored ones: at most 10 keys, each value at most 512 bytes.',
    }),
  }),
});

builder.queryField('getGroupsInfo', (t) =>
  t.field({
    type: valueCallback<groupProfile.V2TimGroupInfoResult[]>('GroupInfoResultListValueCallback', [
      V2TimGroupInfoResult,
    ]),
    description:
      "Profiles of up to 50 groups, each with its own resultCode: members see theirs; anyone sees a non-Work group's (role 0).",
    args: { groupIDList: t.arg.stringList({ required: true }) },
    resolve: (_, args, ctx) => groupProfile.getGroupsInfo(signedIn(ctx), args),
  }),
);

builder.mutationField('setGroupInfo', (t) =>
  t.field({
    type: V2TimCallback,
    description:
      "Changes a group's name, notification, introduction, faceUrl or customInfo: any member of a Work group, the owner and admins of the other types (else 10007); 10004 names a field over its limit.",
    args: { info: t.arg({ type: V2TimGroupInfoInput, required: true }) },
    resolve: (_, args, ctx) => groupProfile.setGroupInfo(signedIn(ctx), args),
  }),
);

builder.mutationField('setGroupMemberRole', (t) =>
  t.field({
    type: V2TimCallback,
    description:
      "The owner sets a member's role: 300 admin or 200 member (10004 otherwise, or for a non-member); Work groups have no admins (10007).",
    args: {
      groupID: t.arg.string({ required: true }),
      userID: t.arg.string({ required: true }),
      role: t.arg.int({ required: true }),
    },
    resolve: (_, args, ctx) => groupProfile.setGroupMemberRole(signedIn(ctx), args),
  }),
);

builder.mutationField('transferGroupOwner', (t) =>
  t.field({
    type: V2TimCallback,
    description:
      'The owner hands the group to a member (10004 for a non-member) and becomes a member; not in AVChatRoom groups (10007).',
    args: { groupID: t.arg.string({ required: true }), userID: t.arg.string({ required: true }) },
    resolve: (_, args, ctx) => groupProfile.transferGroupOwner(signedIn(ctx), args),
  }),
);

const V2TimGroupMemberInfoInput = builder.inputType('V2TimGroupMemberInfoInput', {
  fields: (t) => ({
    userID: t.string({ required: true }),
    nameCard: t.string({ description: 'At most 50 bytes; "" clears it.' }),
    customInfo: t.field({
      type: [V2TimCustomInfoInput],
      description: 'Custom fields merged key by key into the stored ones: at most 5 keys, each value at most 64 bytes.',
    }),
  }),
});

builder.queryField('getGroupMembersInfo', (t) =>
  t.field({
    type: valueCallback<MemberInfo[]>('GroupMemberFullInfoListValueCallback', [V2TimGroupMemberFullInfo]),
    description:
      "Up to 50 members' info with their nameCard and customInfo, for a member of the group (10007 otherwise); non-members in memberList are left out.",
    args: { groupID: t.arg.string({ required: true }), memberList: t.arg.stringList({ required: true }) },
    resolve: (_, args, ctx) => groupProfile.getGroupMembersInfo(signedIn(ctx), args),
  }),
);

builder.mutationField('setGroupMemberInfo', (t) =>
  t.field({
    type: V2TimCallback,
    description:
      'Sets a nameCard or customInfo: your own, or as owner or admin that of a member below your role (10007 otherwise); 10004 names a field over its limit. Members get a MEMBER_INFO_CHANGE tip.',
    args: {
      groupID: t.arg.string({ required: true }),
      info: t.arg({ type: V2TimGroupMemberInfoInput, required: true }),
    },
    resolve: (_, args, ctx) => groupProfile.setGroupMemberInfo(signedIn(ctx), args),
  }),
);
