// Group tips (V2TimGroupTipsElem on GROUP_TIPS messages) and group events (onGroupEvent). One subscription for all
// of V2TIMGroupListener's callbacks, its `type` naming the callback and the other fields its arguments: what
// addGroupListener is to the SDK (one listener, one registration), and the shape the SDK's bridges pass to Dart
// ({ type, data }); a client switches on `type` without fragments, and new callbacks (join requests) are new values.
import type { GroupChangeInfo, GroupTipsElem, MemberChangeInfo, TipMember } from '../db/group-tips';
import * as live from '../resolvers/subscription';
import {
  GroupInfoChangeType as ChangeTypes,
  GroupListenerCallback as Callbacks,
  GroupTipsType as TipsTypes,
  type V2TimGroupEvent as GroupEvent,
} from '../resolvers/group-tips';
import { builder } from './builder';
import { signedIn } from './context';
import { V2TimCustomInfoEntry } from './user';

const GroupTipsType = builder.enumType('GroupTipsType', {
  description:
    'V2TIMGroupTipsType: what a group tips message reports; GroupTipsType in client/src/constants.ts maps each to the SDK number.',
  values: Object.fromEntries(
    Object.entries(TipsTypes).map(([name, value]) => [`V2TIM_GROUP_TIPS_TYPE_${name}`, { value }]),
  ),
});

const GroupInfoChangeType = builder.enumType('GroupInfoChangeType', {
  description: 'V2TIMGroupInfoChangeType: which group profile field a GROUP_INFO_CHANGE tip reports.',
  values: Object.fromEntries(
    Object.entries(ChangeTypes).map(([name, value]) => [`V2TIM_GROUP_INFO_CHANGE_TYPE_${name}`, { value }]),
  ),
});

const GroupListenerCallback = builder.enumType('GroupListenerCallback', {
  description: 'The V2TIMGroupListener callback a group event stands for.',
  values: Callbacks,
});

export const V2TimGroupMemberInfo = builder.objectRef<TipMember>('V2TimGroupMemberInfo').implement({
  description:
    "A member as a tip or a group event names them: in a tip, profile and name card at the time of the change; in a join application's events, nickName and faceUrl only where you may see the user's profile.",
  fields: (t) => ({
    userID: t.exposeID('userID'),
    nickName: t.exposeString('nickName', { nullable: true }),
    faceUrl: t.exposeString('faceUrl', { nullable: true }),
    nameCard: t.exposeString('nameCard', { nullable: true }),
  }),
});

const V2TimGroupChangeInfo = builder.objectRef<GroupChangeInfo>('V2TimGroupChangeInfo').implement({
  fields: (t) => ({
    type: t.field({ type: GroupInfoChangeType, resolve: (c) => c.type as never }),
    value: t.exposeString('value', { nullable: true, description: "The new value (OWNER: the new owner's userID)." }),
    key: t.exposeString('key', { nullable: true }),
    boolValue: t.exposeBoolean('boolValue', { nullable: true, description: 'SHUT_UP_ALL: mute-all on or off.' }),
    intValue: t.exposeInt('intValue', { nullable: true }),
  }),
});

const V2TimGroupMemberChangeInfo = builder.objectRef<MemberChangeInfo>('V2TimGroupMemberChangeInfo').implement({
  fields: (t) => ({
    userID: t.exposeID('userID'),
    muteTime: t.exposeInt('muteTime', { description: 'Seconds muted from the change (0: unmuted).' }),
    nameCard: t.string({
      nullable: true,
      description: "setGroupMemberInfo: the member's new name card (null: unchanged).",
      resolve: (c) => c.nameCard ?? null,
    }),
    customInfo: t.field({
      type: [V2TimCustomInfoEntry],
      description: 'setGroupMemberInfo: the custom fields it set (empty for a mute).',
      resolve: (c) => c.customInfo ?? [],
    }),
  }),
});

export const V2TimGroupTipsElem = builder.objectRef<GroupTipsElem>('V2TimGroupTipsElem').implement({
  description: 'A membership or profile change of the group, told to its members at that moment.',
  fields: (t) => ({
    groupID: t.exposeID('groupID'),
    type: t.field({ type: GroupTipsType, resolve: (e) => e.type as never }),
    opMember: t.expose('opMember', { type: V2TimGroupMemberInfo, description: 'Who made the change.' }),
    memberList: t.expose('memberList', { type: [V2TimGroupMemberInfo], description: 'The members it concerns.' }),
    groupChangeInfoList: t.expose('groupChangeInfoList', { type: [V2TimGroupChangeInfo] }),
    memberChangeInfoList: t.expose('memberChangeInfoList', { type: [V2TimGroupMemberChangeInfo] }),
    memberCount: t.exposeInt('memberCount', { description: 'Members after the change.' }),
  }),
});

const V2TimGroupEvent = builder.objectRef<GroupEvent>('V2TimGroupEvent').implement({
  description: 'One V2TIMGroupListener callback: `type` names it, the other fields are its arguments.',
  fields: (t) => ({
    type: t.field({ type: GroupListenerCallback, resolve: (e) => e.type }),
    groupID: t.exposeID('groupID'),
    opUser: t.expose('opUser', { type: V2TimGroupMemberInfo, nullable: true }),
    memberList: t.expose('memberList', { type: [V2TimGroupMemberInfo] }),
    member: t.expose('member', {
      type: V2TimGroupMemberInfo,
      nullable: true,
      description: 'onMemberLeave: who left.',
    }),
    changeInfos: t.expose('changeInfos', { type: [V2TimGroupChangeInfo], description: 'onGroupInfoChanged.' }),
    memberChangeInfoList: t.expose('memberChangeInfoList', {
      type: [V2TimGroupMemberChangeInfo],
      description: 'onMemberInfoChanged.',
    }),
    msgID: t.exposeID('msgID', {
      nullable: true,
      description: 'The group tips message it comes from (null for onGroupDismissed).',
    }),
  }),
});

builder.subscriptionField('onGroupEvent', (t) =>
  t.field({
    type: V2TimGroupEvent,
    description:
      'V2TIMGroupListener for the groups you are in: member enter/leave/invited/kicked, info and role changes, dismissal; each from the group tip you receive with it.',
    subscribe: (_, __, ctx) => live.onGroupEvent(signedIn(ctx)),
    resolve: (event) => event,
  }),
);
