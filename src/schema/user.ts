// Who is signed in (in the same envelope as every other operation, the Flutter SDK's V2TimValueCallback<String>),
// and profiles: setSelfInfo and getUsersInfo.
import { ok } from '../resolvers/result';
import * as user from '../resolvers/user';
import * as live from '../resolvers/subscription';
import { builder } from './builder';
import { StringValueCallback, V2TimCallback, valueCallback } from './callback';
import { signedIn } from './context';

builder.queryField('getLoginUser', (t) =>
  t.field({
    type: StringValueCallback,
    description: 'data: the userID of the UserSig this request carries.',
    resolve: (_, __, ctx) => ok(signedIn(ctx).viewer),
  }),
);

export const V2TimCustomInfoEntry = builder.objectRef<user.V2TimCustomInfoEntry>('V2TimCustomInfoEntry').implement({
  description: "One custom field of a profile, a group or a member (the SDK's customInfo map, as a list of entries).",
  fields: (t) => ({ key: t.exposeString('key'), value: t.exposeString('value') }),
});

const V2TimUserFullInfo = builder.objectRef<user.V2TimUserFullInfo>('V2TimUserFullInfo').implement({
  description: "A user's profile. Users who share no group or conversation with you see only the userID.",
  fields: (t) => ({
    userID: t.exposeID('userID'),
    nickName: t.exposeString('nickName', { nullable: true }),
    faceUrl: t.exposeString('faceUrl', { nullable: true }),
    selfSignature: t.exposeString('selfSignature', { nullable: true }),
    gender: t.exposeInt('gender', { description: '0 unknown, 1 male, 2 female.' }),
    customInfo: t.expose('customInfo', { type: [V2TimCustomInfoEntry] }),
  }),
});

export const V2TimCustomInfoInput = builder.inputType('V2TimCustomInfoInput', {
  fields: (t) => ({
    key: t.string({
      required: true,
      description: 'Letters, digits or "_": 1 to 8 in a profile, 1 to 16 for a group or a member.',
    }),
    value: t.string({ required: true }),
  }),
});

const V2TimUserFullInfoInput = builder.inputType('V2TimUserFullInfoInput', {
  description: 'The fields to change; a field left out keeps its value, "" clears it. Each text at most 500 bytes.',
  fields: (t) => ({
    nickName: t.string(),
    faceUrl: t.string(),
    selfSignature: t.string(),
    gender: t.int({ description: '0 unknown, 1 male, 2 female.' }),
    customInfo: t.field({
      type: [V2TimCustomInfoInput],
      description: 'Merged key by key into the stored fields (at most 20).',
    }),
  }),
});

builder.mutationField('setSelfInfo', (t) =>
  t.field({
    type: V2TimCallback,
    description:
      'Sets your profile: nickName, faceUrl, selfSignature, gender, customInfo. 6017 names a field over its limit.',
    args: { userFullInfo: t.arg({ type: V2TimUserFullInfoInput, required: true }) },
    resolve: (_, args, ctx) => user.setSelfInfo(signedIn(ctx), args),
  }),
);

builder.queryField('getUsersInfo', (t) =>
  t.field({
    type: valueCallback<user.V2TimUserFullInfo[]>('UserFullInfoListValueCallback', [V2TimUserFullInfo]),
    description:
      'Profiles of up to 100 users: yours, and those of users who share a group or a conversation with you; anyone else comes back with only the userID.',
    args: { userIDList: t.arg.stringList({ required: true }) },
    resolve: (_, args, ctx) => user.getUsersInfo(signedIn(ctx), args),
  }),
);

builder.subscriptionField('onUserInfoChanged', (t) =>
  t.field({
    type: [V2TimUserFullInfo],
    description:
      'Profiles of users who share a group or a one-to-one conversation with you, each time one of them changes it (setSelfInfo).',
    subscribe: (_, __, ctx) => live.onUserInfoChanged(signedIn(ctx)),
    resolve: (profile) => [profile],
  }),
);

builder.subscriptionField('onSelfInfoUpdated', (t) =>
  t.field({
    type: V2TimUserFullInfo,
    description: 'Your own profile, each time it changes (setSelfInfo from any of your sessions).',
    subscribe: (_, __, ctx) => live.onSelfInfoUpdated(signedIn(ctx)),
    resolve: (profile) => profile,
  }),
);
