// Group applications: join requests (joinGroup where groupAddOpt is AUTH) and invitations that wait for approval
// (inviteUserToGroup by a plain member where approveOpt is AUTH), and how the owner and admins answer them.
import * as application from '../resolvers/group-application';
import type {
  V2TimGroupApplication as Application,
  V2TimGroupApplicationResult as ApplicationResult,
} from '../resolvers/group-application';
import { AddOpt } from '../resolvers/group-type';
import { builder } from './builder';
import { V2TimGroupMemberInfo } from './group-tips';
import { V2TimCallback, valueCallback } from './callback';
import { signedIn } from './context';
import { Timestamp } from './timestamp';

export const GroupAddOpt = builder.enumType('GroupAddOpt', {
  description:
    'V2TIMGroupAddOpt: how joinGroup (groupAddOpt) or inviteUserToGroup (approveOpt) works; createGroup and setGroupInfo take the numbers 0, 1, 2.',
  values: {
    V2TIM_GROUP_ADD_FORBID: { value: AddOpt.FORBID, description: '0: refused (10007).' },
    V2TIM_GROUP_ADD_AUTH: {
      value: AddOpt.AUTH,
      description: "1: files a group application for the owner or an admin to accept (Public groups' default).",
    },
    V2TIM_GROUP_ADD_ANY: { value: AddOpt.ANY, description: '2: the user becomes a member at once.' },
  } as const,
});

const GroupApplicationType = builder.enumType('GroupApplicationType', {
  description: 'V2TIMGroupApplicationType.',
  values: {
    V2TIM_GROUP_JOIN_APPLICATION_NEED_APPROVED_BY_ADMIN: {
      value: application.ApplicationType.JOIN_NEED_APPROVED_BY_ADMIN,
      description: '0: a join request (joinGroup).',
    },
    V2TIM_GROUP_INVITE_APPLICATION_NEED_APPROVED_BY_INVITEE: {
      value: application.ApplicationType.INVITE_NEED_APPROVED_BY_INVITEE,
      description: '1: not used by the gateway (invitees do not confirm).',
    },
    V2TIM_GROUP_INVITE_APPLICATION_NEED_APPROVED_BY_ADMIN: {
      value: application.ApplicationType.INVITE_NEED_APPROVED_BY_ADMIN,
      description: "2: a plain member's invitation where approveOpt is AUTH.",
    },
  } as const,
});

const GroupApplicationHandleStatus = builder.enumType('GroupApplicationHandleStatus', {
  description: 'V2TIMGroupApplicationHandleStatus, as you see it.',
  values: {
    V2TIM_GROUP_APPLICATION_HANDLE_STATUS_UNHANDLED: { value: application.HandleStatus.UNHANDLED },
    V2TIM_GROUP_APPLICATION_HANDLE_STATUS_HANDLED_BY_OTHER: { value: application.HandleStatus.HANDLED_BY_OTHER },
    V2TIM_GROUP_APPLICATION_HANDLE_STATUS_HANDLED_BY_SELF: { value: application.HandleStatus.HANDLED_BY_SELF },
  } as const,
});

const GroupApplicationHandleResult = builder.enumType('GroupApplicationHandleResult', {
  description: 'V2TIMGroupApplicationHandleResult (REFUSE also while unhandled, as the SDK reports it).',
  values: {
    V2TIM_GROUP_APPLICATION_HANDLE_RESULT_REFUSE: { value: 0 },
    V2TIM_GROUP_APPLICATION_HANDLE_RESULT_AGREE: { value: 1 },
  } as const,
});

const V2TimGroupApplication = builder.objectRef<Application>('V2TimGroupApplication').implement({
  fields: (t) => ({
    groupID: t.exposeID('groupID'),
    fromUser: t.exposeID('fromUser', { description: 'The applicant, or the inviter of an invitation.' }),
    fromUserNickName: t.exposeString('fromUserNickName', { nullable: true }),
    fromUserFaceUrl: t.exposeString('fromUserFaceUrl', { nullable: true }),
    toUser: t.exposeID('toUser', {
      nullable: true,
      description: 'The invitee of an invitation; null for a join request.',
    }),
    addTime: t.expose('addTime', { type: Timestamp }),
    requestMsg: t.exposeString('requestMsg', { nullable: true, description: "joinGroup's message." }),
    handledMsg: t.exposeString('handledMsg', { nullable: true, description: 'The reason given when it was handled.' }),
    type: t.field({ type: GroupApplicationType, resolve: (a) => a.type as never }),
    handleStatus: t.field({ type: GroupApplicationHandleStatus, resolve: (a) => a.handleStatus as never }),
    handleResult: t.field({ type: GroupApplicationHandleResult, resolve: (a) => a.handleResult as never }),
  }),
});

const V2TimGroupApplicationResult = builder.objectRef<ApplicationResult>('V2TimGroupApplicationResult').implement({
  fields: (t) => ({
    unreadCount: t.exposeInt('unreadCount', {
      description: 'Unhandled applications that arrived since your last setGroupApplicationRead.',
    }),
    groupApplicationList: t.expose('groupApplicationList', { type: [V2TimGroupApplication] }),
  }),
});

builder.queryField('getGroupApplicationList', (t) =>
  t.field({
    type: valueCallback<ApplicationResult>('GroupApplicationResultValueCallback', V2TimGroupApplicationResult),
    description:
      'The newest 100 applications (handled ones too) to the groups you own or administer, newest first; nobody else sees them.',
    resolve: (_, __, ctx) => application.getGroupApplicationList(signedIn(ctx)),
  }),
);

// The SDK passes the application object back; these are the fields that name it (its adapters send the same).
// eslint-disable-next-line @typescript-eslint/no-explicit-any
const applicationArgs = (t: any) => ({
  groupID: t.arg.string({ required: true }),
  fromUser: t.arg.string({ required: true, description: 'The application’s fromUser.' }),
  toUser: t.arg.string({
    description: 'The application’s toUser: the invitee of an invitation; empty for a join request.',
  }),
  type: t.arg.int({ description: 'The application’s type: 0 join request (default without toUser), 2 invitation.' }),
  reason: t.arg.string({ description: 'Shown to others as handledMsg; at most 300 bytes.' }),
});

builder.mutationField('acceptGroupApplication', (t) =>
  t.field({
    type: V2TimCallback,
    description:
      'The owner or an admin accepts; the user becomes a member. 10007 not owner/admin, 10024 already handled, 10013 already a member (closes it), 10014 group full (it still waits), 10010 no group, 10004 no such application.',
    args: applicationArgs(t),
    resolve: (_, args, ctx) => application.acceptGroupApplication(signedIn(ctx), args as never),
  }),
);

builder.mutationField('refuseGroupApplication', (t) =>
  t.field({
    type: V2TimCallback,
    description:
      'The owner or an admin refuses. 10007 not owner/admin, 10024 already handled, 10010 no group, 10004 no such application.',
    args: applicationArgs(t),
    resolve: (_, args, ctx) => application.refuseGroupApplication(signedIn(ctx), args as never),
  }),
);

builder.mutationField('setGroupApplicationRead', (t) =>
  t.field({
    type: V2TimCallback,
    description: "Marks every group application so far read: getGroupApplicationList's unreadCount goes to 0.",
    resolve: (_, __, ctx) => application.setGroupApplicationRead(signedIn(ctx)),
  }),
);

const ReceiveJoinApplicationEvent = builder
  .objectRef<application.V2TimReceiveJoinApplication>('ReceiveJoinApplicationEvent')
  .implement({
    fields: (t) => ({
      groupID: t.exposeID('groupID'),
      member: t.expose('member', {
        type: V2TimGroupMemberInfo,
        description: 'The applicant (or the member whose invitation waits).',
      }),
      opReason: t.exposeString('opReason', { nullable: true, description: "joinGroup's message." }),
    }),
  });

const ApplicationProcessedEvent = builder
  .objectRef<application.V2TimApplicationProcessed>('ApplicationProcessedEvent')
  .implement({
    fields: (t) => ({
      groupID: t.exposeID('groupID'),
      opUser: t.expose('opUser', { type: V2TimGroupMemberInfo, description: 'The owner or admin who answered.' }),
      isAgreeJoin: t.exposeBoolean('isAgreeJoin'),
      opReason: t.exposeString('opReason', { nullable: true, description: 'The reason they gave.' }),
    }),
  });

builder.subscriptionField('onReceiveJoinApplication', (t) =>
  t.field({
    type: ReceiveJoinApplicationEvent,
    description:
      'V2TIMGroupListener.onReceiveJoinApplication: a join request (or a member invitation) to a group you own or administer.',
    subscribe: (_, __, ctx) => application.onReceiveJoinApplication(signedIn(ctx)),
    resolve: (event) => event,
  }),
);

builder.subscriptionField('onApplicationProcessed', (t) =>
  t.field({
    type: ApplicationProcessedEvent,
    description: 'V2TIMGroupListener.onApplicationProcessed: an owner or admin accepted or refused your application.',
    subscribe: (_, __, ctx) => application.onApplicationProcessed(signedIn(ctx)),
    resolve: (event) => event,
  }),
);
