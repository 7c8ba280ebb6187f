// Location, face, forward and merger messages: their elements on V2TimMessage and their create mutations, and
// downloadMergerMessage. Resolvers are one line into src/resolvers (message.ts, forward.ts).
import * as forward from '../resolvers/forward';
import * as message from '../resolvers/message';
import type { V2TimMergerElem as MergerView } from '../resolvers/message-view';
import type { FaceElem, LocationElem } from '../db/element';
import { builder } from './builder';
import { signedIn } from './context';
import { ELEM_HOSTS, MessageListValueCallback, MsgCreateInfoResultValueCallback, V2TimMessage } from './message';

const V2TimLocationElem = builder.objectRef<LocationElem>('V2TimLocationElem').implement({
  fields: (t) => ({
    desc: t.exposeString('desc'),
    longitude: t.exposeFloat('longitude', { description: 'Degrees, -180 to 180.' }),
    latitude: t.exposeFloat('latitude', { description: 'Degrees, -90 to 90.' }),
  }),
});

const V2TimFaceElem = builder.objectRef<FaceElem>('V2TimFaceElem').implement({
  fields: (t) => ({
    index: t.exposeInt('index', { description: "The emoticon's index in the app's own set." }),
    data: t.exposeString('data'),
  }),
});

const V2TimMergerElem = builder.objectRef<MergerView>('V2TimMergerElem').implement({
  fields: (t) => ({
    title: t.exposeString('title'),
    abstractList: t.exposeStringList('abstractList'),
    compatibleText: t.exposeString('compatibleText', {
      description: 'What a client without merger support shows instead.',
    }),
    isLayersOverLimit: t.exposeBoolean('isLayersOverLimit', {
      description: 'Always false: mergers nested over 100 levels are refused when created.',
    }),
    messageList: t.expose('messageList', {
      type: [V2TimMessage],
      nullable: true,
      description:
        "The merged messages, on a merger inside a downloadMergerMessage answer only; elsewhere null: call downloadMergerMessage(msgID) with the merger's msgID.",
    }),
  }),
});

for (const host of ELEM_HOSTS)
  builder.objectFields(host, (t) => ({
    locationElem: t.expose('locationElem', {
      type: V2TimLocationElem,
      nullable: true,
      description: 'Set when elemType is V2TIM_ELEM_TYPE_LOCATION.',
    }),
    faceElem: t.expose('faceElem', {
      type: V2TimFaceElem,
      nullable: true,
      description: 'Set when elemType is V2TIM_ELEM_TYPE_FACE.',
    }),
    mergerElem: t.expose('mergerElem', {
      type: V2TimMergerElem,
      nullable: true,
      description: 'Set when elemType is V2TIM_ELEM_TYPE_MERGER; its messages come with downloadMergerMessage.',
    }),
  }));

builder.mutationField('createLocationMessage', (t) =>
  t.field({
    type: MsgCreateInfoResultValueCallback,
    description: 'Builds an unsent location message: desc (≤ 12 KB), longitude -180..180, latitude -90..90 (6017).',
    args: {
      desc: t.arg.string({ required: true }),
      longitude: t.arg.float({ required: true }),
      latitude: t.arg.float({ required: true }),
    },
    resolve: (_, args, ctx) => message.createLocationMessage(signedIn(ctx), args),
  }),
);

builder.mutationField('createFaceMessage', (t) =>
  t.field({
    type: MsgCreateInfoResultValueCallback,
    description: "Builds an unsent emoticon message: index (≥ 0) in the app's own set, and the app's data.",
    args: { index: t.arg.int({ required: true }), data: t.arg.string() },
    resolve: (_, args, ctx) => message.createFaceMessage(signedIn(ctx), args),
  }),
);

builder.mutationField('createForwardMessage', (t) =>
  t.field({
    type: MsgCreateInfoResultValueCallback,
    description:
      "Builds an unsent copy of a message you can see, yours to send anywhere: its content only, nothing of the original's audience (no receiverList, no @ list). 6017 for a message you cannot see.",
    args: { msgID: t.arg.string({ required: true }) },
    resolve: (_, args, ctx) => forward.createForwardMessage(signedIn(ctx), args),
  }),
);

builder.mutationField('createMergerMessage', (t) =>
  t.field({
    type: MsgCreateInfoResultValueCallback,
    description:
      'Builds an unsent merger of up to 300 messages you can see (copies as you see them: sender, time, content), with a title, up to 5 abstracts (≤ 100 characters each) and compatibleText.',
    args: {
      msgIDList: t.arg.stringList({ required: true }),
      title: t.arg.string({ required: true }),
      abstractList: t.arg.stringList({ required: true }),
      compatibleText: t.arg.string({ required: true }),
    },
    resolve: (_, args, ctx) => forward.createMergerMessage(signedIn(ctx), args),
  }),
);

builder.queryField('downloadMergerMessage', (t) =>
  t.field({
    type: MessageListValueCallback,
    description:
      "The messages of a merger message you can see, in order, as its creator saw them (media URLs are yours, checked against the merger's audience). 6017 for a message you cannot see or one that is not a merger.",
    args: { msgID: t.arg.string({ required: true }) },
    resolve: (_, args, ctx) => forward.downloadMergerMessage(signedIn(ctx), args),
  }),
);
